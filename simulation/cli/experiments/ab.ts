import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../../analysis/files.js";
import { pairedDifference, summarize } from "../../analysis/stats.js";
import { UserError } from "../../engine/errors.js";
import { applyAssignments, type Assignment } from "../../engine/params.js";
import { planRuns, type RunTask } from "../../engine/plan.js";
import { unitTable } from "../manifest.js";
import { checkParams, optionError, parseAssignments } from "../prepare.js";
import { commonInputs, experimentName, parseCommon, type Common, type ExperimentArgs } from "./options.js";
import { withExperiment, type Ended, type Experiment, type ExperimentPlan } from "./runner.js";
import { describeAssignments, interruptedLine, runAndSummarize, shown } from "./summaries.js";

export interface AbArgs extends ExperimentArgs {
  readonly a?: string | undefined;
  readonly b?: string | undefined;
}

/** `sim ab`: arms A and B on the same seeds (common random numbers); paired differences per KPI. */
export async function simAb(hre: HardhatRuntimeEnvironment, args: AbArgs): Promise<number> {
  let common: Common;
  let arms: Assignment[][];
  let tasks: RunTask[];
  const plan = async (x: AbArgs): Promise<ExperimentPlan> => {
    common = await parseCommon(hre, x, { runs: 30, mode: "model" });
    const a = parseAssignments(common.scenario, x.a, "--a");
    const b = parseAssignments(common.scenario, x.b, "--b");
    if (a.length === 0 && b.length === 0)
      throw new UserError(
        'Missing options --a and --b: expected the two arms, for example --a "fees.feeBps=50" --b "fees.feeBps=100".',
      );
    arms = [a, b];
    if (toJson(applyAssignments(common.base, a)) === toJson(applyAssignments(common.base, b))) {
      throw optionError("b", x.b ?? "", "an arm that differs from --a");
    }
    tasks = planRuns({
      scenario: common.scenario.ref,
      base: common.base,
      subsets: arms,
      runs: common.runs,
      seed: common.seed,
      mode: common.mode,
      steps: common.steps,
      commonSeeds: true,
      actions: common.actions,
      check: (p) => checkParams(common.scenario, p, "in an arm"),
    });
    return {
      kind: "ab",
      scenario: common.scenario,
      outDir: common.outDir,
      workers: common.workers,
      queue: common.queue,
      name: experimentName("ab", common.scenario.name, {
        base: common.base,
        arms,
        runs: common.runs,
        seed: common.seed,
        mode: common.mode,
        steps: common.steps,
      }),
      inputs: { ...commonInputs(common, x), a: x.a ?? "", b: x.b ?? "" },
      spec: {
        kind: "ab",
        scenario: common.scenario.name,
        ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
        mode: common.mode,
        steps: common.steps,
        seed: common.seed,
        seeds: "common",
        runsPerArm: common.runs,
        workers: common.workers,
        base: common.base,
        subsets: arms.map((arm, i) => ({ subset: i, arm: i === 0 ? "A" : "B", assignments: arm })),
      },
    };
  };
  return withExperiment(hre, "ab", args, plan, (experiment) => abBody(experiment, common, arms, tasks));
}

async function abBody(
  experiment: Experiment,
  common: Common,
  arms: readonly Assignment[][],
  tasks: readonly RunTask[],
): Promise<Ended> {
  const { outcome, counts, complete, summaryRows, finals } = await runAndSummarize(experiment, tasks, "a/b: runs");
  const amounts = unitTable(common.scenario);
  const bySeed = (subset: number) => new Map(finals.filter((f) => f.subset === subset).map((f) => [f.run, f.kpis]));
  const armA = bySeed(0);
  const armB = bySeed(1);
  // Pairs: both arms' runs on one seed completed (a failed or unrecorded run leaves its pair out).
  const pairedRuns = [...armA.keys()].filter((r) => armB.has(r)).sort((x, y) => x - y);
  const kpiNames = Object.keys(armA.get(pairedRuns[0] ?? -1) ?? {});
  const kpis: Record<string, unknown> = {};
  const print = [
    `A/B test of ${common.scenario.name}: A = ${describeAssignments(arms[0]!)}, B = ${describeAssignments(arms[1]!)}; ${common.runs} runs per arm on common seeds, ${common.mode} mode.`,
  ];
  if (!complete) print.push(interruptedLine(counts, tasks.length, outcome.interrupted));
  if (pairedRuns.length === 0) {
    print.push(
      complete
        ? "No pair of runs completed in both arms: there is nothing to compare."
        : "No pair of runs is complete yet: nothing to compare until the experiment is resumed.",
    );
  } else {
    print.push(
      complete
        ? `Paired differences over ${pairedRuns.length} pairs:`
        : `Paired differences over the ${pairedRuns.length} pairs complete so far (of ${common.runs}); not the experiment's result:`,
      `  ${"KPI".padEnd(22)} ${"mean A".padStart(16)} ${"mean B".padStart(16)} ${"B - A".padStart(16)}  95% interval (amounts in whole tokens)   p-value`,
    );
    for (const k of kpiNames) {
      const a = pairedRuns.map((r) => armA.get(r)![k]!);
      const b = pairedRuns.map((r) => armB.get(r)![k]!);
      const d = pairedDifference(b, a);
      const sa = summarize(a);
      const sb = summarize(b);
      kpis[k] = { meanA: sa.mean, meanB: sb.mean, ...d };
      print.push(
        `  ${k.padEnd(22)} ${shown(amounts, k, sa.mean).padStart(16)} ${shown(amounts, k, sb.mean).padStart(16)} ${shown(amounts, k, d.meanDiff).padStart(16)}  [${shown(amounts, k, d.ci[0])}, ${shown(amounts, k, d.ci[1])}]`.padEnd(
          88,
        ) + ` ${Number.isFinite(d.pValue) ? d.pValue.toPrecision(3) : "n/a"}`,
      );
    }
  }
  return {
    complete,
    results: {
      runs: {
        total: tasks.length,
        completed: counts.completed,
        failed: counts.failed,
        ...(complete ? {} : { notRecorded: tasks.length - counts.completed - counts.failed }),
      },
      ab: { difference: "B - A", pairs: pairedRuns.length, kpis },
      ...(summaryRows !== undefined ? { stepSummaries: { table: "step_summaries", rows: summaryRows } } : {}),
    },
    print,
    code: counts.failed > 0 ? 1 : 0,
  };
}
