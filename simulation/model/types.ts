/** An account address, always lower-case hex (`0x` + 40 digits). */
export type Address = `0x${string}`;

/**
 * Mirrors Solidity's `emit`: the emitting contract's address, the event's name, its arguments in the ABI's order
 * (indexed ones included). The mechanism turns the address into its instance name.
 */
export type Emit = (emitter: Address, event: string, ...args: (bigint | string | boolean)[]) => void;

/** Who sends a call and when: the model's `msg.sender` and `block.timestamp`; and where its events go. */
export interface Env {
  readonly sender: Address;
  /** Block timestamp, in seconds. */
  readonly now: bigint;
  /** Where events go; absent where nobody compares them (a model-only run, a unit test). */
  readonly emit?: Emit | undefined;
}

export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** Lower-cases an address; every address in the model goes through here. */
export function toAddress(value: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new Error(`Not an address: ${JSON.stringify(value)} (expected 0x followed by 40 hex digits).`);
  }
  return value.toLowerCase() as Address;
}
