/**
 * `sim optimize`: CMA-ES over the declared ranges on model mode, then the best candidates confirmed in lockstep mode
 * against the contracts. The search is seeded and told only what the store holds, so a resumed search asks the same
 * candidates generation by generation, runs only those not recorded, and ends where an uninterrupted one would.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { meanHalfWidth, summarize } from "../../analysis/stats.js";
import { flatness, type Flatness } from "../../analysis/verdicts.js";
import { UserError } from "../../engine/errors.js";
import { createOptimizer, type OptimizerParam } from "../../engine/optimize.js";
import { applyAssignments } from "../../engine/params.js";
import { runSeed, type RunTask } from "../../engine/plan.js";
import { WorkerPool } from "../../engine/pool.js";
import { testPoint } from "../../engine/testHooks.js";
import { unitTable } from "../manifest.js";
import { parseIntegerOption, splitAssignments } from "../prepare.js";
import { experimentName, parseCommon, type Common } from "./options.js";
import { parseConstraints, parseRange, type Constraint, type OptimizeArgs } from "./optimizeOptions.js";
import { withExperiment, type Ended, type Experiment, type ExperimentPlan } from "./runner.js";
import { completedFinals, shown } from "./summaries.js";
import { confirmBest } from "./confirm.js";

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

/** A point's key: its values in the order of the searched parameters. */
const toJsonKey = (values: Readonly<Record<string, number>>): string => JSON.stringify(Object.values(values));

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
  const amounts = unitTable(common.scenario);
  const show = (x: number): string => shown(amounts, objective, x);
  // Each distinct point's objective per seed (run order), of the points whose runs all completed: the flatness test.
  const perSeed = new Map<string, number[]>();
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
  const pool = common.workers > 0 ? new WorkerPool(common.workers, hre.config.paths.config) : undefined;
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
        const point = toJsonKey(c.values);
        if (rows.length === seeds.length && values.every((v) => Number.isFinite(v)) && !perSeed.has(point)) {
          const byRun = new Map(rows.map((r) => [r.run, r.kpis[objective]!]));
          perSeed.set(
            point,
            seeds.map((_, run) => byRun.get(run)!),
          );
        }
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
  // Does the objective vary over the candidates beyond its noise? Over every point whose runs all completed.
  const flat = flatness([...perSeed.values()]);
  const confirmation = searched
    ? await confirmBest(
        experiment,
        { objective, maximize, seeds: s.runsPerEval, amounts },
        optimizer.best(s.confirm),
        subset,
        task,
      )
    : undefined;
  const complete = searched && confirmation !== undefined && confirmation.recorded;
  const range = s.params.map((p) => `${p.path} in ${p.min}..${p.max}`).join(", ");
  const valuesText = (v: Readonly<Record<string, number>>): string =>
    Object.entries(v)
      .map(([k, x]) => `${k}=${x}`)
      .join(" ");
  const print = [
    `Optimisation of ${common.scenario.name}: ${maximize ? "maximise" : "minimise"} ${objective} over ${range}${constraints.length > 0 ? ` subject to ${constraints.map((c) => c.text).join(", ")}` : ""}; ${evaluations} candidates x ${s.runsPerEval} runs, ${common.steps} steps.`,
    ...optimizer.history.map(
      (h) =>
        `  generation ${h.generation}: best ${show(h.best)}, mean ${show(h.mean)}, feasible ${(h.feasibleShare * 100).toFixed(0)}%`,
    ),
    ...flatnessLines(flat, objective, range, searched, show),
    ...(flat.verdict === "flat"
      ? []
      : [
          `${searched ? "Best" : "Best so far"}${flat.verdict === "untested" ? " (not tested against the noise)" : ""}: ${
            top[0] !== undefined
              ? `${valuesText(top[0].values)}: ${objective} ${show(top[0].objective)} [95% ${show(top[0].ci[0])}, ${show(top[0].ci[1])}]`
              : "no feasible candidate"
          }`,
        ]),
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
        flatness: flat,
        best: top,
        confirmation: confirmation?.rows ?? [],
        ranking: confirmation?.ranking ?? null,
        rankingConfirmed: confirmation?.ranking == null ? null : confirmation.ranking.verdict === "confirmed",
      },
    },
    print,
    code: 0,
  };
}

/** What the terminal says of the flatness test. */
function flatnessLines(
  f: Flatness,
  objective: string,
  range: string,
  searched: boolean,
  show: (x: number) => string,
): string[] {
  const soFar = searched ? "" : " so far";
  const finite = f.means.filter((m) => Number.isFinite(m));
  const span = finite.length > 0 ? `${show(Math.min(...finite))} .. ${show(Math.max(...finite))}` : "none";
  const over = `${f.treatments} candidates x ${f.blocks} common seeds`;
  const pText = f.status === "exact" || f.pValue < 1e-4 ? "p < 0.0001" : `p = ${f.pValue.toPrecision(2)}`;
  const fText = f.f === Infinity ? "inf" : f.f.toPrecision(3);
  const test =
    f.status === "identical"
      ? `every candidate gave the same ${objective} on every seed, ${over}`
      : `${f.test}, over ${over}: F = ${fText} on ${f.df1} and ${f.df2} df, ${pText}, ${f.pValue < f.alpha ? "below" : "not below"} ${f.alpha}`;
  switch (f.verdict) {
    case "flat":
      return [
        `Flat objective${soFar}: ${objective} does not vary over ${range} beyond its noise (${test}); candidate means span ${span}. No best is named: ${
          f.status === "identical"
            ? `the parameters searched do not move ${objective} at all on these seeds.`
            : `any effect of the parameters searched is within the noise (more seeds per candidate, --runs-per-eval, may resolve a smaller one).`
        }`,
      ];
    case "varies":
      return [`The objective varies over the range beyond its noise${soFar} (${test}).`];
    case "untested":
      return [
        `Not tested against the noise${soFar}: ${f.treatments < 2 ? "fewer than two candidates completed" : "one seed per candidate gives no noise estimate (use --runs-per-eval 2 or more)"}; candidate means span ${span}.`,
      ];
  }
}
