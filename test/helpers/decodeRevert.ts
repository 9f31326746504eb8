import { AbiCoder, type Interface } from "ethers";
import type { ErrorArg } from "../../simulation/model/revert.js";

/** A decoded revert: the custom error's name and its arguments, normalised as the model writes them. */
export interface DecodedRevert {
  readonly name: string;
  readonly args: ErrorArg[];
}

const PANIC_SELECTOR = "0x4e487b71";

function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const record = current as { data?: unknown; error?: unknown; info?: { error?: unknown } };
    if (typeof record.data === "string" && record.data.startsWith("0x")) return record.data;
    current = record.error ?? record.info?.error;
  }
  return undefined;
}

function normalise(value: unknown): ErrorArg {
  if (typeof value === "bigint" || typeof value === "boolean") return value;
  if (typeof value === "number") return BigInt(value);
  if (typeof value === "string") return value.toLowerCase();
  throw new Error(`Unexpected error argument ${String(value)}`);
}

/**
 * Decodes the revert data an ethers call error carries, trying each interface in turn; `Panic(uint256)` decodes
 * as `{ name: "Panic", args: [code] }`, an empty revert as `{ name: "", args: [] }`. Throws if the error carries
 * no revert data at all (not a revert).
 */
export function decodeRevert(error: unknown, interfaces: readonly Interface[]): DecodedRevert {
  const data = revertData(error);
  if (data === undefined) throw error;
  if (data === "0x") return { name: "", args: [] };
  if (data.startsWith(PANIC_SELECTOR)) {
    const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], "0x" + data.slice(10));
    return { name: "Panic", args: [normalise(code)] };
  }
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed !== null) return { name: parsed.name, args: parsed.args.toArray().map(normalise) };
  }
  throw new Error(`Unknown revert data ${data}`);
}
