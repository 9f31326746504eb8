/**
 * The campaign's corpus: the prefixes of sequences that reached something first. A step whose call
 * and outcome on the model (`escrow.escalateDispute` succeeding, `claim` refused with
 * `NothingToClaim`) no earlier step of the campaign had is new coverage; the sequence up to it is
 * kept. Later sequences start, half the time, by replaying one of those prefixes (the newest most
 * often), then go on generating: a state that took a lucky walk to reach (a dispute escalated) is
 * the start of many walks instead of one. Echidna and Foundry's invariant testing keep corpora
 * the same way; here the replayed prefix is checked by the oracle again like any step.
 */
import type { Rng } from "../engine/rng.js";
import type { FuzzRun, FuzzSession } from "./session.js";
import type { FuzzStep } from "./types.js";

/** Entries kept, newest first dropped last: the oldest go when it is full. */
const MAX_ENTRIES = 64;

export interface Corpus {
  /** Counts the last step of `steps` (as `run` recorded it): when it is new, keeps the prefix up to it. */
  observe(session: FuzzSession, run: FuzzRun, steps: readonly FuzzStep[]): void;
  /** A prefix to start a sequence with, or none (half the time, and while the corpus is empty). */
  pick(rng: Rng): readonly FuzzStep[];
  /** The prefixes kept, oldest first. */
  readonly entries: readonly (readonly FuzzStep[])[];
}

/** A corpus for sequences of `depth` actions: a prefix is kept only while it leaves room to go on (half the depth). */
export function createCorpus(depth: number): Corpus {
  const seen = new Set<string>();
  const entries: FuzzStep[][] = [];
  return {
    entries,
    observe(session, run, steps) {
      const record = run.records[run.records.length - 1];
      if (record === undefined) return;
      const fn = session.callOf(record.step);
      const feature = record.model.ok ? `${fn}:ok` : `${fn}:${record.model.error?.name ?? "(no data)"}`;
      if (seen.has(feature)) return;
      seen.add(feature);
      if (steps.length > depth / 2) return;
      entries.push(steps.slice());
      if (entries.length > MAX_ENTRIES) entries.shift();
    },
    pick(rng) {
      if (entries.length === 0 || !rng.chance(0.5)) return [];
      // The newest most often: they are the deepest the campaign has gone.
      return entries[entries.length - 1 - Math.floor(entries.length * rng.next() ** 2)]!;
    },
  };
}
