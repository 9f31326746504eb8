import type { Comparison, DecodedError, Outcome } from "../engine/types.js";

/** Compares a model value with a chain value: exactly, or within the stated tolerance. */
export function withinTolerance(model: bigint | number, chain: bigint | number, cmp: Comparison | undefined): boolean {
  if (cmp === undefined) return model === chain || (typeof model !== typeof chain && Number(model) === Number(chain));
  if (
    typeof model === "bigint" &&
    typeof chain === "bigint" &&
    (cmp.abs === undefined || typeof cmp.abs === "bigint")
  ) {
    const diff = model > chain ? model - chain : chain - model;
    if (cmp.abs !== undefined && diff <= cmp.abs) return true;
    if (cmp.rel !== undefined) {
      const scale = (model > 0n ? model : -model) > (chain > 0n ? chain : -chain) ? model : chain;
      const mag = scale < 0n ? -scale : scale;
      // diff / mag <= rel, in integers: diff * 1e12 <= rel * 1e12 * mag
      return diff * 1_000_000_000_000n <= BigInt(Math.round(cmp.rel * 1e12)) * mag;
    }
    return diff === 0n;
  }
  const m = Number(model);
  const c = Number(chain);
  const diff = Math.abs(m - c);
  if (cmp.abs !== undefined && diff <= Number(cmp.abs)) return true;
  if (cmp.rel !== undefined && diff <= cmp.rel * Math.max(Math.abs(m), Math.abs(c))) return true;
  return diff === 0;
}

/** A model and a chain outcome agree when both succeed, or both revert with the same error and arguments. */
export function sameOutcome(model: Outcome, chain: Outcome): boolean {
  if (model.ok !== chain.ok) return false;
  if (model.ok) return true;
  return sameError(model.error, chain.error);
}

export function sameError(a: DecodedError | undefined, b: DecodedError | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.name === b.name && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);
}

export function describeOutcome(o: Outcome | undefined): string {
  if (o === undefined) return "(not applied)";
  if (o.ok) return "success";
  return o.error === undefined ? "revert (no data)" : `revert ${o.error.name}(${o.error.args.join(", ")})`;
}
