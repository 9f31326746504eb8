/** An account address, always lower-case hex (`0x` + 40 digits). */
export type Address = `0x${string}`;

/** Who sends a call and when: the model's `msg.sender` and `block.timestamp`. */
export interface Env {
  readonly sender: Address;
  /** Block timestamp, in seconds. */
  readonly now: bigint;
}

export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** Lower-cases an address; every address in the model goes through here. */
export function toAddress(value: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new Error(`Not an address: ${JSON.stringify(value)} (expected 0x followed by 40 hex digits).`);
  }
  return value.toLowerCase() as Address;
}
