/**
 * What an experiment summarises, from its completed runs only (a failed run has no KPIs; a stopped one is not
 * recorded): Monte Carlo summaries per KPI per step into `step_summaries`, final-KPI summaries per subset, and how
 * the terminal shows a KPI.
 */
import type { UnitTable } from "../../analysis/report/units.js";
import { quoteIdent } from "../../analysis/schema.js";
import { summarize, type Summary } from "../../analysis/stats.js";
import { readFinalKpis, type FinalKpis, type Store } from "../../analysis/store.js";
import { encodeValue } from "../../analysis/values.js";
import type { Assignment } from "../../engine/params.js";
import { testPoint } from "../../engine/testHooks.js";
import type { RunTask } from "../../engine/plan.js";
import { recordedCounts, type Experiment, type RunsOutcome } from "./runner.js";

/** What a sweep or an A/B test reports from, once its runs have been run. */
export interface RunsSummarized {
  readonly outcome: RunsOutcome;
  readonly counts: { completed: number; failed: number };
  /** Every run recorded and the step summaries written; else the experiment was stopped. */
  readonly complete: boolean;
  /** Rows written to `step_summaries` (undefined when not complete). */
  readonly summaryRows: number | undefined;
  readonly finals: FinalKpis[];
}

/** Runs the tasks not recorded yet; once every run is recorded and no stop came, writes the step summaries. */
export async function runAndSummarize(
  experiment: Experiment,
  tasks: readonly RunTask[],
  label: string,
): Promise<RunsSummarized> {
  const { store } = experiment;
  const outcome = await experiment.runAll(tasks, label);
  const counts = await recordedCounts(store);
  const summaryRows =
    experiment.allRecorded(tasks) && !experiment.stop()
      ? await writeStepSummaries(store, () => experiment.stop())
      : undefined;
  return { outcome, counts, complete: summaryRows !== undefined, summaryRows, finals: await completedFinals(store) };
}

/**
 * Monte Carlo summaries per KPI per step (mean, sd, p5, p50, p95 across completed runs: `steps` holds no row of a
 * failed or stopped run), per simulation and subset, into the table `step_summaries`: what fan charts are drawn from. One transaction: a kill half-way leaves the table
 * as it was. Returns the rows written, or undefined when `stop()` asked to stop first (nothing is then changed).
 */
export async function writeStepSummaries(store: Store, stop: () => boolean): Promise<number | undefined> {
  let stopped = false;
  await store
    .transaction(async (run) => {
      await run(`CREATE OR REPLACE TABLE step_summaries (
      simulation INTEGER, subset INTEGER, timestep INTEGER, kpi VARCHAR,
      n INTEGER, mean DOUBLE, sd DOUBLE, p5 DOUBLE, p50 DOUBLE, p95 DOUBLE)`);
      await testPoint("summaries");
      for (const kpi of store.kpis) {
        // Yield to the event loop, where a signal is handled, then look.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (stop()) {
          stopped = true;
          throw new SummariesStopped();
        }
        const col = quoteIdent(kpi);
        // Over each group's values in run order: a sum of doubles depends on its order, and the table's row order
        // is the order runs ended in (a pool's, a resume's), which must not change a result.
        await run(
          `INSERT INTO step_summaries
           SELECT simulation, subset, timestep, $1, n, list_avg(v), list_stddev_samp(v),
                  list_aggregate(v, 'quantile_cont', 0.05), list_aggregate(v, 'quantile_cont', 0.5),
                  list_aggregate(v, 'quantile_cont', 0.95)
           FROM (SELECT simulation, subset, timestep, count(${col}) AS n, list(${col} ORDER BY run) AS v
                 FROM steps GROUP BY simulation, subset, timestep)`,
          [kpi],
        );
      }
    })
    .catch((e: unknown) => {
      if (!(e instanceof SummariesStopped)) throw e;
    });
  if (stopped) return undefined;
  const [row] = await store.query("SELECT count(*) AS n FROM step_summaries");
  return Number(row?.["n"] ?? 0);
}

class SummariesStopped extends Error {}

/** The final KPIs of the completed runs (not failed), of simulation 0 unless told. */
export async function completedFinals(store: Store, simulation = 0): Promise<FinalKpis[]> {
  return (await readFinalKpis(store)).filter((f) => f.simulation === simulation && f.status !== "failed");
}

/** Per subset and KPI, the final values' summary across its completed runs; `n` runs per subset. */
export function finalSummaries(
  finals: readonly FinalKpis[],
  subsets: number,
): { n: number; kpis: Record<string, Summary> }[] {
  const out: { n: number; kpis: Record<string, Summary> }[] = [];
  for (let s = 0; s < subsets; s++) {
    const rows = finals.filter((f) => f.subset === s);
    const kpis = new Set(rows.flatMap((r) => Object.keys(r.kpis)));
    const bySubset: Record<string, Summary> = {};
    for (const k of kpis) bySubset[k] = summarize(rows.map((r) => r.kpis[k]!).filter((v) => Number.isFinite(v)));
    out.push({ n: rows.length, kpis: bySubset });
  }
  return out;
}

/** A KPI value for the terminal: an amount in whole tokens of its declared unit; anything else as the number it is. */
export function shown(units: UnitTable, kpi: string, x: number): string {
  const unit = units.kpi(kpi);
  return unit.decimals > 0 ? `${fmt(x / 10 ** unit.decimals)} ${unit.label}` : fmt(x);
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? x.toExponential(3) : Number(x.toPrecision(5)).toString();
}

export function describeAssignments(a: readonly Assignment[]): string {
  return a.length === 0 ? "(base)" : a.map((x) => `${x.path}=${encodeValue(x.value as number | bigint)}`).join(" ");
}

/** The terminal's line for runs that were stopped: what is recorded, what is not, and why. */
export function interruptedLine(recorded: { completed: number; failed: number }, total: number, cut: number): string {
  const missing = total - recorded.completed - recorded.failed;
  return (
    `Interrupted: ${recorded.completed + recorded.failed} of ${total} runs recorded (${recorded.completed} completed, ` +
    `${recorded.failed} failed); ${missing} not recorded` +
    (cut > 0 ? ` (${cut} stopped mid-run, ${missing - cut} not started)` : "") +
    `, which a resume runs.`
  );
}
