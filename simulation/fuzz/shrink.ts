/**
 * Shrinking a failing sequence to a minimal one, by delta debugging (Zeller's ddmin), then
 * simplifying each remaining argument toward zero. Any subsequence is a valid test here: the
 * model is the oracle of every Action, so an Action whose precondition a removal broke simply
 * reverts on both sides, and times stay as they were (still in order). A candidate is kept when
 * it fails the same way (`failureSignature`): the same variable, invariant or kind of outcome.
 */
import type { ActionArg } from "../engine/types.js";
import type { FuzzSession, FuzzRun } from "./session.js";
import { failureSignature, type Failure, type FuzzStep, type StepRecord } from "./types.js";

export interface SequenceResult {
  readonly failure?: Failure;
  readonly records: readonly StepRecord[];
}

/** Runs a fixed sequence from the deployed state, stopping at the first failure. */
export async function runSequence(
  session: FuzzSession,
  steps: readonly FuzzStep[],
  options: { readonly onStep?: (run: FuzzRun, index: number) => void } = {},
): Promise<SequenceResult> {
  const run = await session.start();
  for (let i = 0; i < steps.length; i++) {
    const failure = await run.apply(steps[i]!);
    options.onStep?.(run, i);
    if (failure !== undefined) return { failure, records: run.records };
  }
  return { records: run.records };
}

export interface ShrinkResult {
  readonly steps: readonly FuzzStep[];
  readonly failure: Failure;
  /** Sequences run while shrinking. */
  readonly tries: number;
}

/** The most sequences one shrink runs: ddmin is quadratic at worst, and each try replays on the chain. */
export const SHRINK_BUDGET = 600;

/** Shrinks `steps`, which fail with `failure`, to a sequence that fails the same way and from which no single Action can go. */
export async function shrink(
  session: FuzzSession,
  steps: readonly FuzzStep[],
  failure: Failure,
  budget = SHRINK_BUDGET,
): Promise<ShrinkResult> {
  const signature = failureSignature(failure);
  let tries = 0;
  let best = { steps: steps.slice(0, failure.index + 1), failure };
  const test = async (candidate: readonly FuzzStep[]): Promise<boolean> => {
    if (tries >= budget || candidate.length === 0) return false;
    tries++;
    const r = await runSequence(session, candidate);
    if (r.failure === undefined || failureSignature(r.failure) !== signature) return false;
    // What follows the failure plays no part.
    best = { steps: candidate.slice(0, r.failure.index + 1), failure: r.failure };
    return true;
  };

  // ddmin: remove chunks, halving their size when no chunk can go.
  let n = 2;
  while (best.steps.length >= 2 && tries < budget) {
    const current = best.steps;
    const size = Math.ceil(current.length / n);
    let reduced = false;
    for (let start = 0; start < current.length; start += size) {
      const complement = [...current.slice(0, start), ...current.slice(start + size)];
      if (await test(complement)) {
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size <= 1) break;
      n = Math.min(n * 2, current.length);
    }
  }
  // One at a time, from the end: the result is 1-minimal (within the budget).
  for (let i = best.steps.length - 2; i >= 0 && tries < budget; i--) {
    const current = best.steps;
    if (i >= current.length - 1) continue;
    await test([...current.slice(0, i), ...current.slice(i + 1)]);
  }
  // Earlier times: each Action at the time of the one before it (the first at the start), where the failure stays.
  for (let i = 0; i < best.steps.length && tries < budget; i++) {
    const s = best.steps[i]!;
    const earlier = i === 0 ? session.startTime : best.steps[i - 1]!.time;
    if (earlier === s.time) continue;
    const candidate = [...best.steps];
    candidate[i] = { ...s, time: earlier };
    await test(candidate);
  }
  // Simpler arguments: each integer toward zero (0, then 1, then half), where the failure stays.
  for (let i = 0; i < best.steps.length && tries < budget; i++) {
    for (const [name, value] of Object.entries(best.steps[i]!.action.args)) {
      if (typeof value !== "bigint" || value <= 1n) continue;
      for (const simpler of [0n, 1n, value / 2n]) {
        const s = best.steps[i];
        if (s === undefined) break;
        const candidate = [...best.steps];
        candidate[i] = { ...s, action: { ...s.action, args: { ...s.action.args, [name]: simpler as ActionArg } } };
        if (await test(candidate)) break;
      }
    }
  }
  return { ...best, tries };
}
