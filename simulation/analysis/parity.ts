import type { Comparison, DecodedError, EmittedEvent, Outcome } from "../engine/types.js";

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

/**
 * A model and a chain outcome agree when both succeed with the same events, or both revert with the same error and
 * arguments. Events are compared where both sides carry them (a mechanism that declares events, run beside a chain).
 */
export function sameOutcome(model: Outcome, chain: Outcome): boolean {
  if (model.ok !== chain.ok) return false;
  if (model.ok) return firstEventDifference(model, chain) === undefined;
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

/** An event in one line: `escrow.ExchangeCompleted(7)`; `(none)` where a side emitted no event at that place. */
export function describeEvent(e: EmittedEvent | undefined): string {
  return e === undefined ? "(none)" : `${e.instance}.${e.name}(${e.args.join(", ")})`;
}

/** Where two outcomes part, each side in words; `at` (1-based) is the first differing event when only events differ. */
export interface OutcomeDifference {
  readonly at?: number;
  readonly model: string;
  readonly chain: string;
}

/** How the model's and the chain's outcomes of one Action differ (undefined where `sameOutcome` holds). */
export function outcomeDifference(model: Outcome, chain: Outcome): OutcomeDifference | undefined {
  if (model.ok !== chain.ok || (!model.ok && !sameError(model.error, chain.error))) {
    return { model: describeOutcome(model), chain: describeOutcome(chain) };
  }
  if (!model.ok) return undefined;
  const at = firstEventDifference(model, chain);
  if (at === undefined) return undefined;
  return { at: at + 1, model: describeEvent(model.events![at]), chain: describeEvent(chain.events![at]) };
}

/** A difference in one line: `events differ at 2: model escrow.ExchangeCompleted(7), chain (none)`. */
export function describeDifference(d: OutcomeDifference): string {
  return `${d.at !== undefined ? `events differ at ${d.at}` : "outcomes differ"}: model ${d.model}, chain ${d.chain}`;
}

/** The index of the first event on which two successful outcomes differ; undefined when they agree or are not compared. */
function firstEventDifference(model: Outcome, chain: Outcome): number | undefined {
  const m = model.events;
  const c = chain.events;
  if (m === undefined || c === undefined) return undefined;
  const n = Math.max(m.length, c.length);
  for (let i = 0; i < n; i++) {
    const a = m[i];
    const b = c[i];
    if (a === undefined || b === undefined) return i;
    if (a.instance !== b.instance || a.name !== b.name || a.args.length !== b.args.length) return i;
    for (let k = 0; k < a.args.length; k++) if (a.args[k] !== b.args[k]) return i;
  }
  return undefined;
}
