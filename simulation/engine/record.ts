/**
 * What a run produces besides its trace: each Action's record, the divergences (first seen,
 * and pinned by a replay), the result, and where records go (a RunSink).
 */
import type { InvariantViolation } from "./invariants.js";
import type { Account, Outcome } from "./types.js";
import type { StepSample, TraceLayout } from "../analysis/trace.js";

/** One Action as it happened: where in the run, on which backend, with what result. */
export interface ActionRecord {
  readonly step: number;
  readonly substep: string;
  readonly agent: string;
  readonly sender: string;
  readonly kind: string;
  readonly args: Record<string, string | number | boolean>;
  readonly meta?: Record<string, string | number | boolean>;
  readonly model?: OutcomeRecord;
  readonly chain?: OutcomeRecord;
  /** The model's prediction disagrees with the chain. */
  readonly diverged: boolean;
}

export interface OutcomeRecord {
  readonly status: "success" | "reverted";
  readonly error?: string;
  readonly txHash?: string;
  readonly gasUsed?: string;
  readonly timestamp: string;
}

/** The first place where model and chain part, with what is needed to replay it. */
export interface Divergence {
  readonly step: number;
  readonly substep: string;
  readonly variable: string;
  readonly model: string;
  readonly chain: string;
  readonly seed: number;
  /** The Actions of the substep where it showed (for a sampled variable: the whole step). */
  readonly actions: readonly ActionRecord[];
}

/**
 * Whether a divergence is one Action's (its outcome, `outcome of <kind> by <agent>`, or its events, `events of <kind>
 * by <agent> differ at <n>`), seen as it applied, rather than a sampled variable's.
 */
export function isActionDivergence(variable: string): boolean {
  return variable.startsWith("outcome of ") || variable.startsWith("events of ");
}

/** Where a run's samples and actions go; storage implements it (files, DuckDB, ...). */
export interface RunSink {
  /** Once, before the first sample. */
  begin(layout: TraceLayout): void | Promise<void>;
  sample(sample: StepSample): void | Promise<void>;
  action(record: ActionRecord): void | Promise<void>;
  /**
   * What the sink keeps, where it keeps less than everything (both default to true): a run
   * builds no action records for a sink that drops them, and no map of every variable at every
   * step for one that keeps only KPIs. A model-mode run spends a quarter of its time on those.
   */
  readonly keeps?: { readonly variables: boolean; readonly actions: boolean };
}

/** Where a replay of the diverging step saw the two sides part first. */
export interface PinnedDivergence {
  readonly step: number;
  readonly substep: string;
  /** The Action after which the parting shows (its record), or undefined when it shows before the step's first. */
  readonly after: ActionRecord | undefined;
  /** Its position among the step's Actions, from 1 (0: before any). */
  readonly actionNumber: number;
  readonly variable: string;
  readonly model: string;
  readonly chain: string;
  /** Every Action of the step up to and including that one, in the order they executed. */
  readonly actions: readonly ActionRecord[];
}

export interface RunResult {
  readonly status: "parity" | "diverged" | "model-only" | "chain-only" | "stopped";
  readonly stepsRun: number;
  readonly variables: number;
  readonly comparisons: number;
  readonly divergences: number;
  readonly firstDivergence?: Divergence;
  /** Set by a pinning replay (RunSpec.pinStep). */
  readonly pinned?: PinnedDivergence;
  /** Samples (per side) where a mechanism's invariant did not hold, and the first of them. */
  readonly invariantViolations: number;
  readonly firstViolation?: InvariantViolation;
  readonly traceHash: string;
  readonly kpis: Record<string, number | bigint>;
  readonly actions: { readonly total: number; readonly reverted: number; readonly byKind: Record<string, number> };
  readonly gasUsed: bigint;
  readonly wallMs: number;
  /**
   * Where the wall time went: chain transactions, chain sampling, model updates (with the scenario's
   * observation of each Action), model sampling (the rest: agents, comparison, records, storage).
   */
  readonly timing: {
    readonly chainExecuteMs: number;
    readonly chainSampleMs: number;
    readonly modelApplyMs: number;
    readonly modelSampleMs: number;
  };
  readonly accounts: readonly Account[];
}

/** Indices of a batch in the order the chain executed them (as given, when it reports none). */
export function executionOrder(n: number, outcomes: readonly Outcome[] | undefined): number[] {
  const order: number[] = [];
  for (let i = 0; i < n; i++) order.push(i);
  if (outcomes === undefined || outcomes.every((o) => o.order === undefined)) return order;
  return order.sort((a, b) => {
    const x = outcomes[a]!.order ?? 0n;
    const y = outcomes[b]!.order ?? 0n;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
}

export function outcomeRecord(o: Outcome): OutcomeRecord {
  return {
    status: o.ok ? "success" : "reverted",
    ...(o.error !== undefined ? { error: `${o.error.name}(${o.error.args.join(", ")})` } : {}),
    ...(o.txHash !== undefined ? { txHash: o.txHash } : {}),
    ...(o.gasUsed !== undefined ? { gasUsed: o.gasUsed.toString() } : {}),
    timestamp: o.timestamp.toString(),
  };
}
