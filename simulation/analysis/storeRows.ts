/**
 * What a results store is told about a run: its coordinates, its `runs` row (built from a RunResult or an error), and
 * the plain messages a worker process sends the store's writer.
 */
import type { ParamTree } from "../engine/params.js";
import type { ActionRecord, Divergence, RunResult, RunSink } from "../engine/run.js";
import type { Mode } from "../engine/types.js";
import type { StepSample, TraceLayout } from "./trace.js";

/** A run's coordinates, cadCAD's: simulation, subset (parameter set), run (Monte Carlo). */
export interface RunIds {
  readonly simulation: number;
  readonly subset: number;
  readonly run: number;
}

export interface SinkOptions {
  /** Also write every variable at every sample (the `variables` table; large). */
  readonly variables: boolean;
}

/** A run's final status: the engine's, or `failed` when it threw. */
export type RunStatus = RunResult["status"] | "failed";

/** One row of the `runs` table. Exact values stay exact (bigint); JSON columns hold them as decimal strings. */
export interface RunRow extends RunIds {
  readonly scenario: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
  readonly params: Readonly<ParamTree>;
  readonly modelParams: Readonly<ParamTree>;
  readonly status: RunStatus;
  /** Why a failed run failed. */
  readonly error?: string;
  readonly divergences?: number;
  readonly firstDivergence?: Divergence;
  readonly traceHash?: string;
  /** KPIs at the end of the run. */
  readonly kpis?: Readonly<Record<string, number | bigint>>;
  readonly actions?: number;
  readonly reverted?: number;
  readonly gasUsed?: bigint;
  readonly wallSeconds?: number;
}

/** What a runs row says before the run's outcome is known. */
export interface RunRowBase extends RunIds {
  readonly scenario: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
  readonly params: object;
  readonly modelParams: object;
}

/** The runs row of a run that finished (or stopped). */
export function runRowFromResult(base: RunRowBase, result: RunResult): RunRow {
  return {
    ...baseRow(base),
    status: result.status,
    divergences: result.divergences,
    ...(result.firstDivergence !== undefined ? { firstDivergence: result.firstDivergence } : {}),
    traceHash: result.traceHash,
    kpis: result.kpis,
    actions: result.actions.total,
    reverted: result.actions.reverted,
    gasUsed: result.gasUsed,
    wallSeconds: result.wallMs / 1000,
  };
}

/** The runs row of a run that threw. */
export function runRowFromError(base: RunRowBase, error: unknown): RunRow {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { ...baseRow(base), status: "failed", error: message };
}

function baseRow(base: RunRowBase): RunRow {
  const { simulation, subset, run, scenario, mode, seed, steps } = base;
  return {
    simulation,
    subset,
    run,
    scenario,
    mode,
    seed,
    steps,
    params: base.params as ParamTree,
    modelParams: base.modelParams as ParamTree,
    status: "failed",
  };
}

/** What a worker sends the writer: plain data (structured-clone-able: bigints and Maps included). */
export type StoreMessage =
  | { readonly type: "begin"; readonly ids: RunIds; readonly layout: TraceLayout; readonly options: SinkOptions }
  | { readonly type: "sample"; readonly ids: RunIds; readonly sample: StepSample }
  | { readonly type: "action"; readonly ids: RunIds; readonly record: ActionRecord }
  | { readonly type: "run"; readonly row: RunRow };

/**
 * A RunSink that turns a run's begin, samples and actions into StoreMessages and hands
 * them to `post` (a worker's `process.send` or `parentPort.postMessage`; or `store.write`).
 */
export function messageSink(
  ids: RunIds,
  options: SinkOptions,
  post: (message: StoreMessage) => void | Promise<void>,
): RunSink {
  return {
    begin: (layout) => post({ type: "begin", ids, layout, options }),
    sample: (sample) => post({ type: "sample", ids, sample }),
    action: (record) => post({ type: "action", ids, record }),
  };
}
