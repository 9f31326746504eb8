/**
 * The numbers a mechanism's code and configuration hold, for `sim fuzz` to try as arguments: a
 * bound checked with `>` instead of `>=` shows only on the bound itself, and the bound is
 * usually a constant in the bytecode (10_000 basis points) or a value of the deployment (the
 * maximum fee it was given). As Echidna does with a contract's constants, the fuzzer draws
 * from them, and one off either way.
 */

/** Constants wider than this are left out: hashes, selectors' masks and the like are no useful argument. */
const MAX_CONSTANT = 1n << 128n;
/** At most this many, smallest first: the dictionary is a hint, not a search space. */
const MAX_ENTRIES = 512;

/**
 * Every value pushed by a PUSH1..PUSH32 of runtime `code` (hex, with or without 0x), up to 2^128, 0 and 1 aside
 * (the generators have those). Skips the compiler's metadata tail (its CBOR length is the code's last two bytes).
 */
export function bytecodeConstants(code: string): bigint[] {
  let hex = code.startsWith("0x") ? code.slice(2) : code;
  if (hex.length >= 4) {
    const cbor = parseInt(hex.slice(-4), 16);
    if (cbor * 2 + 4 <= hex.length) hex = hex.slice(0, hex.length - cbor * 2 - 4);
  }
  const out = new Set<bigint>();
  for (let i = 0; i + 2 <= hex.length;) {
    const op = parseInt(hex.slice(i, i + 2), 16);
    i += 2;
    if (op >= 0x60 && op <= 0x7f) {
      const width = (op - 0x5f) * 2;
      const digits = hex.slice(i, i + width);
      i += width;
      if (digits.length === width) {
        const v = BigInt(`0x${digits}`);
        if (v > 1n && v <= MAX_CONSTANT) out.add(v);
      }
    }
  }
  return [...out];
}

/** Every non-negative integer leaf of a configuration (bigint, or a whole number), 0 and 1 aside. */
export function configConstants(config: unknown): bigint[] {
  const out = new Set<bigint>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (typeof v === "bigint") {
      if (v > 1n) out.add(v);
    } else if (typeof v === "number") {
      if (Number.isSafeInteger(v) && v > 1) out.add(BigInt(v));
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (v !== null && typeof v === "object") {
      for (const x of Object.values(v)) walk(x, depth + 1);
    }
  };
  walk(config, 0);
  return [...out];
}

/** One sorted list of the two, without repeats, capped (the smallest kept: bounds are seldom huge). */
export function dictionary(...lists: readonly (readonly bigint[])[]): readonly bigint[] {
  const all = [...new Set(lists.flat())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return all.slice(0, MAX_ENTRIES);
}
