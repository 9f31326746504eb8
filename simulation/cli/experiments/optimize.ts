/**
 * `sim optimize`: CMA-ES over the declared ranges on model mode, then the best candidates confirmed in lockstep mode
 * against the contracts. The search is seeded and told only what the store holds, so a resumed search asks the same
 * candidates generation by generation, runs only those not recorded, and ends where an uninterrupted one would.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../../analysis/files.js";
import { meanHalfWidth, summarize } from "../../analysis/stats.js";
import { UserError } from "../../engine/errors.js";
import { createOptimizer, type OptimizerParam } from "../../engine/optimize.js";
import { applyAssignments } from "../../engine/params.js";
import { runSeed, type RunTask } from "../../engine/plan.js";
import { WorkerPool } from "../../engine/pool.js";
import { testPoint } from "../../engine/testHooks.js";
import { parseIntegerOption, splitAssignments } from "../prepare.js";
import { experimentName, parseCommon, type Common } from "./options.js";
import { parseConstraints, parseRange, type Constraint, type OptimizeArgs } from "./optimizeOptions.js";
import { withExperiment, type Ended, type Experiment, type ExperimentPlan } from "./runner.js";
import { completedFinals, fmt } from "./summaries.js";

export type { OptimizeArgs } from "./optimizeOptions.js";

interface Settings {
  readonly common: Common;
  readonly params: readonly OptimizerParam[];
  readonly constraints: readonly Constraint[];
  readonly objective: string;
  readonly maximize: boolean;
  readonly budget: number;
  readonly runsPerEval: number;
  readonly confirm: number;
  readonly population: number | undefined;
}

export async function simOptimize(hre: HardhatRuntimeEnvironment, args: OptimizeArgs): Promise<number> {
  let settings: Settings;
  const plan = async (a: OptimizeArgs): Promise<ExperimentPlan> => {
    const common = await parseCommon(hre, { ...a, mode: "model" }, { runs: 1, mode: "model" });
    if (a.objective === undefined || a.objective.trim() === "")
      throw new UserError("Missing option --objective: expected a KPI name, for example quality_redemptions.");
    const objective = a.objective.trim();
    if (a.maximize === true && a.minimize === true)
      throw new UserError("Options --maximize and --minimize conflict: give one.");
    const ranges = splitAssignments(a.param);
    if (ranges.length === 0)
      throw new UserError('Missing option --param: expected path=min..max, for example --param "fees.feeBps=0..300".');
    const s: Settings = {
      common,
      objective,
      maximize: a.minimize !== true,
      params: ranges.map((r) => parseRange(common.scenario, r)),
      constraints: parseConstraints(a.constraint),
      budget: a.budget === undefined ? 200 : parseIntegerOption("budget", a.budget, 1, 1_000_000),
      runsPerEval: a.runsPerEval === undefined ? 5 : parseIntegerOption("runs-per-eval", a.runsPerEval, 1, 10_000),
      confirm: a.confirm === undefined ? 3 : parseIntegerOption("confirm", a.confirm, 0, 1_000),
      population: a.population === undefined ? undefined : parseIntegerOption("population", a.population, 2, 10_000),
    };
    settings = s;
    return {
      kind: "optimize",
      scenario: common.scenario,
      outDir: common.outDir,
      workers: common.workers,
      queue: common.queue,
      name: experimentName("optimize", common.scenario.name, {
        base: common.base,
        params: s.params,
        constraints: s.constraints,
        objective,
        maximize: s.maximize,
        budget: s.budget,
        runsPerEval: s.runsPerEval,
        confirm: s.confirm,
        seed: common.seed,
        steps: common.steps,
      }),
      inputs: {
        scenario: common.scenario.file ?? common.scenario.name,
        steps: String(common.steps),
        seed: String(common.seed),
        ...(a.set !== undefined ? { set: a.set } : {}),
        objective,
        ...(s.maximize ? { maximize: true } : { minimize: true }),
        param: a.param ?? "",
        ...(a.constraint !== undefined ? { constraint: a.constraint } : {}),
        budget: String(s.budget),
        runsPerEval: String(s.runsPerEval),
        confirm: String(s.confirm),
        ...(s.population !== undefined ? { population: String(s.population) } : {}),
      },
      spec: {
        kind: "optimize",
        scenario: common.scenario.name,
        ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
        steps: common.steps,
        seed: common.seed,
        workers: common.workers,
        base: common.base,
      },
    };
  };
  return withExperiment(hre, "optimize", args, plan, (experiment) => optimizeBody(hre, experiment, settings));
}

interface Evaluated {
  readonly id: number;
  readonly generation: number;
  readonly values: Record<string, number>;
  readonly objective: number;
  readonly ci: [number, number];
  readonly feasible: boolean;
  readonly violation: number;
  readonly kpis: Record<string, number>;
}

async function optimizeBody(hre: HardhatRuntimeEnvironment, experiment: Experiment, s: Settings): Promise<Ended> {
  const { common, objective, maximize, constraints } = s;
  const { store } = experiment;
  const optimizer = createOptimizer({
    params: s.params,
    seed: common.seed,
    maximize,
    ...(s.population !== undefined ? { populationSize: s.population } : {}),
  });
  const seeds = Array.from({ length: s.runsPerEval }, (_, r) => runSeed(common.seed, 0, r, true));
  const task = (simulation: number, subset: number, run: number, values: Record<string, number>, lockstep: boolean) => {
    const params = applyAssignments(
      common.base,
      Object.entries(values).map(([path, value]) => ({ path, value })),
    );
    return {
      simulation,
      subset,
      run,
      scenario: common.scenario.ref,
      params,
      modelParams: params,
      seed: seeds[run]!,
      mode: lockstep ? "lockstep" : "model",
      steps: common.steps,
      variables: false,
      actions: lockstep,
    } satisfies RunTask;
  };
  // Through a queue, the queue's workers run every generation; here, a pool kept from generation to generation.
  const pool =
    common.workers > 0 && !experiment.queued ? new WorkerPool(common.workers, hre.config.paths.config) : undefined;
  const candidates: Evaluated[] = [];
  let evaluations = 0;
  let subset = 0;
  let knownKpis: string[] | undefined;
  // The search ran to its budget (else a stop cut it: no best is final, no confirmation runs).
  let searched = true;
  try {
    while (evaluations < s.budget) {
      if (experiment.stop()) {
        searched = false;
        break;
      }
      // Whole generations only (CMA-ES updates on a full generation): the budget rounds up to one.
      const asked = optimizer.ask();
      const tasks: RunTask[] = [];
      const subsetOf = new Map<number, number>();
      for (const c of asked) {
        subsetOf.set(c.id, subset);
        seeds.forEach((_, run) => tasks.push(task(0, subset, run, c.values, false)));
        subset++;
      }
      await experiment.runAll(tasks, `generation ${optimizer.generation}: runs`, pool);
      // A generation is told only whole: one cut by a stop is asked again on resume.
      if (!experiment.allRecorded(tasks)) {
        searched = false;
        break;
      }
      const finals = await completedFinals(store, 0);
      const results = asked.map((c) => {
        const rows = finals.filter((f) => f.subset === subsetOf.get(c.id));
        if (knownKpis === undefined && rows[0] !== undefined) {
          knownKpis = Object.keys(rows[0].kpis);
          if (!knownKpis.includes(objective))
            throw new UserError(
              `Unknown KPI ${JSON.stringify(objective)} in --objective: expected one of ${knownKpis.join(", ")}.`,
            );
          for (const k of constraints)
            if (!knownKpis.includes(k.kpi))
              throw new UserError(
                `Unknown KPI ${JSON.stringify(k.kpi)} in --constraint: expected one of ${knownKpis.join(", ")}.`,
              );
        }
        const means: Record<string, number> = {};
        for (const k of knownKpis ?? []) means[k] = summarize(rows.map((r) => r.kpis[k]!)).mean;
        const values = rows.map((r) => r.kpis[objective]!);
        const stats = summarize(values);
        const half = meanHalfWidth(values, 0.95);
        // A candidate with a failed run is infeasible: its mean is over fewer seeds than the others'.
        let violation = rows.length < seeds.length ? Infinity : 0;
        for (const k of constraints) {
          const v = means[k.kpi]!;
          violation += k.op === "<=" ? Math.max(0, v - k.bound) : Math.max(0, k.bound - v);
        }
        const feasible = violation === 0;
        candidates.push({
          id: c.id,
          generation: c.generation,
          values: { ...c.values },
          objective: stats.mean,
          ci: [stats.mean - half, stats.mean + half],
          feasible,
          violation,
          kpis: means,
        });
        return {
          id: c.id,
          objective: Number.isFinite(stats.mean) ? stats.mean : 0,
          feasible: feasible && Number.isFinite(stats.mean),
          violation: feasible && !Number.isFinite(stats.mean) ? Infinity : violation,
        };
      });
      optimizer.tell(results);
      evaluations += asked.length;
      await testPoint(`generation:${optimizer.generation}`);
    }
  } finally {
    await pool?.close();
  }
  const top = candidates
    .filter((c) => c.feasible)
    .sort((x, y) => (maximize ? y.objective - x.objective : x.objective - y.objective))
    .slice(0, Math.max(s.confirm, 5));
  const confirmation = searched ? await confirmBest(experiment, s, optimizer.best(s.confirm), subset, task) : undefined;
  const complete = searched && confirmation !== undefined && confirmation.recorded;
  const print = [
    `Optimisation of ${common.scenario.name}: ${maximize ? "maximise" : "minimise"} ${objective} over ${s.params.map((p) => `${p.path} in ${p.min}..${p.max}`).join(", ")}${constraints.length > 0 ? ` subject to ${constraints.map((c) => c.text).join(", ")}` : ""}; ${evaluations} candidates x ${s.runsPerEval} runs, ${common.steps} steps.`,
    ...optimizer.history.map(
      (h) =>
        `  generation ${h.generation}: best ${fmt(h.best)}, mean ${fmt(h.mean)}, feasible ${(h.feasibleShare * 100).toFixed(0)}%`,
    ),
    `${searched ? "Best" : "Best so far"}: ${
      top[0] !== undefined
        ? `${Object.entries(top[0].values)
            .map(([k, v]) => `${k}=${v}`)
            .join(" ")}: ${objective} ${fmt(top[0].objective)} [95% ${fmt(top[0].ci[0])}, ${fmt(top[0].ci[1])}]`
        : "no feasible candidate"
    }`,
    ...(searched
      ? confirmation!.print
      : [
          `Interrupted in the search, after ${optimizer.generation} generations (${evaluations} of ${s.budget} candidates): ` +
            `the chain confirmation has not run, so there is no verdict on the ranking; a resume continues the search.`,
        ]),
  ];
  return {
    complete,
    results: {
      optimize: {
        objective,
        maximize,
        params: s.params,
        constraints,
        budget: s.budget,
        evaluations,
        runsPerEval: s.runsPerEval,
        seeds,
        history: optimizer.history,
        candidates,
        best: top,
        confirmation: confirmation?.rows ?? [],
        rankingConfirmed: confirmation?.verdict ?? null,
      },
    },
    print,
    code: 0,
  };
}

type TaskOf = (
  simulation: number,
  subset: number,
  run: number,
  values: Record<string, number>,
  lockstep: boolean,
) => RunTask;

/**
 * The best candidates run again in lockstep mode, on the same seeds, against the contracts; the verdict on the
 * model's ranking is given only when every confirmation run is recorded (null otherwise, and with --confirm 0).
 */
async function confirmBest(
  experiment: Experiment,
  s: Settings,
  best: readonly { values: Readonly<Record<string, number>>; objective: number }[],
  firstSubset: number,
  task: TaskOf,
): Promise<{ rows: Record<string, unknown>[]; verdict: boolean | null; recorded: boolean; print: string[] }> {
  const { store } = experiment;
  const seeds = s.runsPerEval;
  const tasks: RunTask[] = [];
  const subsets = best.map((p, i) => {
    for (let run = 0; run < seeds; run++) tasks.push(task(1, firstSubset + i, run, { ...p.values }, true));
    return firstSubset + i;
  });
  if (tasks.length === 0)
    return { rows: [], verdict: null, recorded: true, print: ["No chain confirmation (--confirm 0): no verdict."] };
  if (!experiment.stop()) {
    await testPoint("confirmation");
    await experiment.runAll(tasks, "confirmation (lockstep): runs");
  }
  const recorded = experiment.allRecorded(tasks);
  const finals = await completedFinals(store, 1);
  const runsRows = await store.query("SELECT subset, run, divergences, status FROM runs WHERE simulation = 1");
  const rows = best.map((p, i) => {
    const mine = finals.filter((f) => f.subset === subsets[i]);
    return {
      rank: i + 1,
      values: p.values,
      modelObjective: p.objective,
      chainObjective: summarize(mine.map((r) => r.kpis[s.objective]!)).mean,
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
      verdict: null,
      recorded,
      print: [
        `${head}interrupted with ${done} of ${tasks.length} runs recorded: no verdict on the ranking yet; a resume runs the rest.`,
      ],
    };
  }
  const order = (key: "modelObjective" | "chainObjective") =>
    rows
      .map((c, i) => ({ i, v: c[key] }))
      .sort((x, y) => (s.maximize ? y.v - x.v : x.v - y.v))
      .map((x) => x.i);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const verdict =
    failed === 0 &&
    rows.every((c) => c.divergences === 0 && c.runs === seeds) &&
    toJson(order("modelObjective")) === toJson(order("chainObjective"));
  return {
    rows,
    verdict,
    recorded,
    print: [
      `${head}${rows.map((c) => `#${c.rank} model ${fmt(c.modelObjective)} chain ${fmt(c.chainObjective)} (${c.divergences} divergences${c.failed > 0 ? `, ${c.failed} runs failed` : ""})`).join("; ")}`,
      failed > 0
        ? `The chain does NOT confirm the model's ranking: ${failed} confirmation runs failed.`
        : `The chain ${verdict ? "confirms" : "does NOT confirm"} the model's ranking.`,
    ],
  };
}
