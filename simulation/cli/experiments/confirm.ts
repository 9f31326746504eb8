/**
 * The chain confirmation of an optimisation: the best candidates run again in lockstep mode, on the search's seeds,
 * against the contracts. Its verdict on the model's ranking is given only when every confirmation run is recorded,
 * and it says the ranking is confirmed only of neighbours whose difference on the chain exceeds the noise.
 */
import type { UnitTable } from "../../analysis/report/units.js";
import { summarize } from "../../analysis/stats.js";
import { rankingVerdict, RANKING_TEST, type RankingVerdict } from "../../analysis/verdicts.js";
import type { RunTask } from "../../engine/plan.js";
import { testPoint } from "../../engine/testHooks.js";
import type { Experiment } from "./runner.js";
import { completedFinals, shown } from "./summaries.js";

export type TaskOf = (
  simulation: number,
  subset: number,
  run: number,
  values: Record<string, number>,
  lockstep: boolean,
) => RunTask;

export interface ConfirmationRow {
  readonly rank: number;
  readonly values: Readonly<Record<string, number>>;
  readonly modelObjective: number;
  readonly chainObjective: number;
  readonly runs: number;
  readonly failed: number;
  readonly divergences: number;
}

export interface Confirmation {
  readonly rows: ConfirmationRow[];
  /** The verdict on the ranking; null when there is none (interrupted, or --confirm 0). */
  readonly ranking: (RankingVerdict & { readonly reason?: string }) | null;
  /** Every confirmation run is recorded. */
  readonly recorded: boolean;
  readonly print: string[];
}

export interface ConfirmSettings {
  readonly objective: string;
  readonly maximize: boolean;
  /** Seeds per candidate: the search's runs per evaluation. */
  readonly seeds: number;
  readonly amounts: UnitTable;
}

export async function confirmBest(
  experiment: Experiment,
  s: ConfirmSettings,
  best: readonly { values: Readonly<Record<string, number>>; objective: number }[],
  firstSubset: number,
  task: TaskOf,
): Promise<Confirmation> {
  const { store } = experiment;
  const { seeds, objective } = s;
  const show = (x: number): string => shown(s.amounts, objective, x);
  const tasks: RunTask[] = [];
  const subsets = best.map((p, i) => {
    for (let run = 0; run < seeds; run++) tasks.push(task(1, firstSubset + i, run, { ...p.values }, true));
    return firstSubset + i;
  });
  if (tasks.length === 0)
    return { rows: [], ranking: null, recorded: true, print: ["No chain confirmation (--confirm 0): no verdict."] };
  if (!experiment.stop()) {
    await testPoint("confirmation");
    await experiment.runAll(tasks, "confirmation (lockstep): runs");
  }
  const recorded = experiment.allRecorded(tasks);
  const finals = await completedFinals(store, 1);
  const runsRows = await store.query("SELECT subset, run, divergences, status FROM runs WHERE simulation = 1");
  const perSeed = subsets.map((subset) => {
    const byRun = new Map(finals.filter((f) => f.subset === subset).map((f) => [f.run, f.kpis[objective]!]));
    return Array.from({ length: seeds }, (_, run) => byRun.get(run));
  });
  const rows = best.map((p, i): ConfirmationRow => {
    const mine = perSeed[i]!.filter((v): v is number => v !== undefined);
    return {
      rank: i + 1,
      values: p.values,
      modelObjective: p.objective,
      chainObjective: summarize(mine).mean,
      runs: mine.length,
      failed: runsRows.filter((r) => r["subset"] === subsets[i] && r["status"] === "failed").length,
      divergences: runsRows
        .filter((r) => r["subset"] === subsets[i])
        .reduce((acc, r) => acc + Number(r["divergences"] ?? 0), 0),
    };
  });
  const head = `Chain confirmation (lockstep, ${seeds} seeds each): `;
  if (!recorded) {
    const done = tasks.filter((t) => experiment.recorded.has(`${t.simulation}/${t.subset}/${t.run}`)).length;
    return {
      rows,
      ranking: null,
      recorded,
      print: [
        `${head}interrupted with ${done} of ${tasks.length} runs recorded: no verdict on the ranking yet; a resume runs the rest.`,
      ],
    };
  }
  const table = `${head}${rows.map((c) => `#${c.rank} model ${show(c.modelObjective)} chain ${show(c.chainObjective)} (${c.divergences} divergences${c.failed > 0 ? `, ${c.failed} runs failed` : ""})`).join("; ")}`;
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const diverged = rows.reduce((n, r) => n + r.divergences, 0);
  if (failed > 0 || diverged > 0 || rows.some((r) => r.runs !== seeds)) {
    const reason =
      failed > 0 ? `${failed} confirmation runs failed` : `the contracts and the model diverged ${diverged} times`;
    return {
      rows,
      ranking: { verdict: "not-confirmed", pairs: [], test: RANKING_TEST, alpha: 0, reason },
      recorded,
      print: [table, `The chain does NOT confirm the model's ranking: ${reason}.`],
    };
  }
  const ranking = rankingVerdict(
    perSeed.map((v) => v as number[]),
    s.maximize,
  );
  return { rows, ranking, recorded, print: [table, ...rankingLines(ranking, seeds, show)] };
}

/** What the terminal says of a ranking verdict: the verdict, then each neighbouring difference with its interval. */
function rankingLines(r: RankingVerdict, seeds: number, show: (x: number) => string): string[] {
  const level = `${Math.round(r.alpha * 100)}%`;
  const how = `${r.test}, ${seeds} seeds, ${level}`;
  const ties = r.pairs.filter((p) => p.verdict === "tie").map((p) => `#${p.upper} and #${p.lower}`);
  const orders = r.pairs.filter((p) => p.verdict === "confirmed").map((p) => `#${p.upper} > #${p.lower}`);
  const head =
    r.verdict === "single"
      ? "One candidate confirmed, with no divergence: there is no ranking to confirm (--confirm 2 or more ranks candidates)."
      : r.verdict === "confirmed"
        ? `The chain confirms the model's ranking: every neighbouring difference exceeds the noise (${how}).`
        : r.verdict === "tie"
          ? `The ranking is a tie: no difference between the confirmed candidates exceeds the noise (${how}).`
          : r.verdict === "partial"
            ? `The chain confirms only part of the model's ranking: ${orders.join(", ")} beyond the noise; ${ties.join(", ")} tie (${how}).`
            : `The chain does NOT confirm the model's ranking: ${r.pairs
                .filter((p) => p.verdict === "reversed")
                .map((p) => `#${p.lower} beats #${p.upper}`)
                .join(", ")} beyond the noise (${how}).`;
  const detail = r.pairs.map((p) => {
    const ci = p.status === "too-few-pairs" ? "(one seed: no interval)" : `[95% ${show(p.ci[0])}, ${show(p.ci[1])}]`;
    const pText = Number.isNaN(p.adjustedP) ? "n/a" : p.adjustedP < 1e-4 ? "< 0.0001" : p.adjustedP.toPrecision(2);
    return `  #${p.upper} - #${p.lower}: ${show(p.meanDiff)} ${ci}, adjusted p ${pText}: ${p.verdict}`;
  });
  return [head, ...detail];
}
