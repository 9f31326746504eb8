import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { UserError } from "../../engine/errors.js";
import type { Assignment } from "../../engine/params.js";
import { expandGrid, parseGridAxis, planRuns, type GridAxis, type RunTask } from "../../engine/plan.js";
import { unitTable } from "../manifest.js";
import { checkParams, splitAssignments } from "../prepare.js";
import { commonInputs, experimentName, parseCommon, type Common, type ExperimentArgs } from "./options.js";
import { withExperiment, type Ended, type Experiment, type ExperimentPlan } from "./runner.js";
import { describeAssignments, finalSummaries, interruptedLine, runAndSummarize, shown } from "./summaries.js";

export interface SweepArgs extends ExperimentArgs {
  readonly grid?: string | undefined;
  /**
   * Give each subset seeds of its own (run r of subset s: the seed of (--seed, s, r)) instead of common random
   * numbers (run r of every subset: the seed of (--seed, r)).
   */
  readonly independentSeeds?: boolean | undefined;
}

/**
 * `sim sweep`: the cartesian product of the grids, each subset with --runs Monte Carlo seeds. By default every subset
 * runs on the same seeds (common random numbers), so a difference between subsets is the parameters' effect, not a
 * difference of draws; --independent-seeds draws seeds per subset.
 */
export async function simSweep(hre: HardhatRuntimeEnvironment, args: SweepArgs): Promise<number> {
  let common: Common;
  let axes: GridAxis[];
  let tasks: RunTask[];
  let subsets: Assignment[][];
  let commonSeeds: boolean;
  const plan = async (a: SweepArgs): Promise<ExperimentPlan> => {
    common = await parseCommon(hre, a, { runs: 10, mode: "model" });
    const texts = splitAssignments(a.grid);
    if (texts.length === 0)
      throw new UserError(
        'Missing option --grid: expected path=v1,v2,..., for example --grid "fees.feeBps=25,50,100".',
      );
    axes = texts.map((t) => parseGridAxis(common.scenario.schema, t));
    const paths = new Set<string>();
    for (const x of axes) {
      if (paths.has(x.path)) throw new UserError(`Parameter params.${x.path} is swept twice in --grid: give it once.`);
      paths.add(x.path);
    }
    subsets = expandGrid(axes);
    commonSeeds = a.independentSeeds !== true;
    tasks = planRuns({
      scenario: common.scenario.ref,
      base: common.base,
      subsets,
      runs: common.runs,
      seed: common.seed,
      mode: common.mode,
      steps: common.steps,
      commonSeeds,
      actions: common.actions,
      check: (p) => checkParams(common.scenario, p, "in --grid"),
    });
    return {
      kind: "sweep",
      scenario: common.scenario,
      outDir: common.outDir,
      workers: common.workers,
      queue: common.queue,
      name: experimentName("sweep", common.scenario.name, {
        base: common.base,
        axes,
        runs: common.runs,
        seed: common.seed,
        mode: common.mode,
        steps: common.steps,
        // Named only for common seeds: a sweep with independent seeds keeps the name it had before they existed.
        ...(commonSeeds ? { seeds: "common" } : {}),
      }),
      inputs: { ...commonInputs(common, a), grid: a.grid ?? "", independentSeeds: !commonSeeds },
      spec: {
        kind: "sweep",
        scenario: common.scenario.name,
        ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
        mode: common.mode,
        steps: common.steps,
        seed: common.seed,
        seeds: commonSeeds ? "common" : "independent",
        runsPerSubset: common.runs,
        workers: common.workers,
        set: common.set,
        base: common.base,
        grid: axes,
        subsets: subsets.map((x, i) => ({ subset: i, assignments: x })),
      },
    };
  };
  return withExperiment(hre, "sweep", args, plan, (experiment) =>
    sweepBody(experiment, common, axes, subsets, tasks, commonSeeds),
  );
}

async function sweepBody(
  experiment: Experiment,
  common: Common,
  axes: readonly GridAxis[],
  subsets: readonly Assignment[][],
  tasks: readonly RunTask[],
  commonSeeds: boolean,
): Promise<Ended> {
  const { outcome, counts, complete, summaryRows, finals } = await runAndSummarize(experiment, tasks, "sweep: runs");
  const summary = finalSummaries(finals, subsets.length);
  const amounts = unitTable(common.scenario);
  const print = [
    `Sweep of ${common.scenario.name}: ${subsets.length} subsets (the cartesian product of ${axes.map((a) => `${a.path}: ${a.values.length}`).join(" x ")}) x ${common.runs} runs (${commonSeeds ? "the same seeds in every subset: common random numbers" : "independent seeds per subset"}), ${common.mode} mode, ${common.steps} steps.`,
    complete
      ? `Runs: ${counts.completed} done, ${counts.failed} failed.`
      : interruptedLine(counts, tasks.length, outcome.interrupted),
  ];
  if (!complete && counts.completed > 0) print.push("Over the runs completed so far:");
  // The KPIs the scenario names for a summary, else its first three.
  const known = [...new Set(summary.flatMap((s) => Object.keys(s.kpis)))];
  const headline = (common.scenario.headline ?? known.slice(0, 3)).filter((k) => known.includes(k));
  for (let s = 0; s < subsets.length; s++) {
    const { n, kpis } = summary[s]!;
    const runs = n === common.runs ? "" : `  (${n} of ${common.runs} runs)`;
    const cells =
      n === 0
        ? ["no completed run"]
        : headline.map((k) => {
            const x = kpis[k]!;
            return `${k} ${shown(amounts, k, x.mean)} [p5 ${shown(amounts, k, x.p5)}, p95 ${shown(amounts, k, x.p95)}]`;
          });
    print.push(`  ${s}: ${describeAssignments(subsets[s]!)}  ${cells.join("  ")}${runs}`);
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
      summary: summary.map((x, subset) => ({ subset, n: x.n, kpis: x.kpis })),
      ...(summaryRows !== undefined ? { stepSummaries: { table: "step_summaries", rows: summaryRows } } : {}),
    },
    print,
    code: counts.failed > 0 ? 1 : 0,
  };
}
