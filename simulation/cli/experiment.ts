/**
 * The experiment commands: `sim sweep`, `sim ab`, `sim optimize`, `sim export`. Each
 * plans runs, hands them to the worker pool, streams their rows into the folder's
 * results.duckdb, and writes experiment.json with the summary a token engineer reads.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { build } from "./build.js";
import { toJson } from "../analysis/files.js";
import { removeIfEmpty } from "../analysis/runFolder.js";
import { quoteIdent, RESULTS_FILE } from "../analysis/schema.js";
import { meanHalfWidth, pairedDifference, summarize, type Summary } from "../analysis/stats.js";
import { openStore, readFinalKpis, runRowFromError, runRowFromResult, type Store } from "../analysis/store.js";
import type { UnitTable } from "../analysis/report/units.js";
import { encodeValue } from "../analysis/values.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { UserError } from "../engine/errors.js";
import { executeRun } from "../engine/execute.js";
import { createOptimizer, type OptimizerParam } from "../engine/optimize.js";
import { applyAssignments, defaults, leafAt, type Assignment } from "../engine/params.js";
import { expandGrid, parseGridAxis, planRuns, runSeed, type GridAxis, type RunTask } from "../engine/plan.js";
import { WorkerPool, runTasks, type PoolOptions, type PoolOutcome, type PoolSink } from "../engine/pool.js";
import { MODES, type Mode } from "../engine/types.js";
import { loadScenario, type AnyScenario, type LoadedScenario } from "../scenarios/index.js";
import { scenarioHost } from "./host.js";
import { gitCommit, reportDeclarations, toolchain, unitTable } from "./manifest.js";
import { checkOutDir, outputError } from "./run.js";
import {
  checkParams,
  optionError,
  parseAssignments,
  parseIntegerOption,
  splitAssignments,
  MAX_SEED,
  MAX_STEPS,
} from "./prepare.js";
import { progressBar } from "./progress.js";

export interface ExperimentArgs {
  readonly scenario?: string | undefined;
  readonly steps?: string | undefined;
  readonly seed?: string | undefined;
  readonly mode?: string | undefined;
  readonly runs?: string | undefined;
  readonly workers?: string | undefined;
  readonly set?: string | undefined;
  readonly out?: string | undefined;
  /** Model-mode runs: store every action too (lockstep runs always do). */
  readonly actions?: boolean | undefined;
}

interface Common {
  readonly scenario: LoadedScenario;
  readonly steps: number;
  readonly seed: number;
  readonly mode: Mode;
  readonly runs: number;
  readonly workers: number;
  readonly base: object;
  readonly set: readonly Assignment[];
  readonly outDir: string;
  readonly actions: boolean;
}

async function parseCommon(
  hre: HardhatRuntimeEnvironment,
  args: ExperimentArgs,
  defaults_: { runs: number; mode: Mode },
): Promise<Common> {
  const scenario = await loadScenario(scenarioHost(hre), args.scenario ?? "");
  const steps =
    args.steps === undefined ? scenario.defaultSteps : parseIntegerOption("steps", args.steps, 1, MAX_STEPS);
  const seed = args.seed === undefined ? 1 : parseIntegerOption("seed", args.seed, 0, MAX_SEED);
  const runs = args.runs === undefined ? defaults_.runs : parseIntegerOption("runs", args.runs, 1, 1_000_000);
  const workers = args.workers === undefined ? 2 : parseIntegerOption("workers", args.workers, 0, 64);
  const modeText = (args.mode ?? defaults_.mode).trim();
  if (!(MODES as readonly string[]).includes(modeText) || modeText === "chain") {
    throw optionError("mode", modeText, "model or lockstep");
  }
  const set = parseAssignments(scenario, args.set, "--set");
  const base = applyAssignments(defaults(scenario.schema), set);
  checkParams(scenario, base, "");
  return {
    scenario,
    steps,
    seed,
    mode: modeText as Mode,
    runs,
    workers,
    base,
    set,
    outDir: checkOutDir(args.out ?? "results"),
    actions: args.actions === true,
  };
}

/** An experiment's folder: written under a hidden name, moved into place when experiment.json is written. */
class ExperimentFolder {
  readonly finalPath: string;
  readonly partialPath: string;
  private readonly createdOut: string | undefined;
  constructor(outDir: string, name: string) {
    this.createdOut = mkdirSync(outDir, { recursive: true });
    this.finalPath = join(outDir, name);
    this.partialPath = join(outDir, `.${name}.partial-${process.pid}`);
    try {
      rmSync(this.partialPath, { recursive: true, force: true });
      mkdirSync(this.partialPath);
    } catch (e) {
      removeIfEmpty(this.createdOut);
      throw e;
    }
  }
  finish(manifest: unknown): string {
    writeFileSync(join(this.partialPath, "experiment.json"), toJson(manifest, 2) + "\n");
    if (existsSync(this.finalPath)) rmSync(this.finalPath, { recursive: true, force: true });
    renameSync(this.partialPath, this.finalPath);
    return this.finalPath;
  }
  abort(): void {
    rmSync(this.partialPath, { recursive: true, force: true });
    removeIfEmpty(this.createdOut);
  }
}

function experimentName(kind: string, scenario: string, inputs: unknown): string {
  return `${kind}-${scenario}-${createHash("sha256").update(toJson(inputs)).digest("hex").slice(0, 8)}`;
}

/** Streams every run of the pool into the store. */
function storeSink(store: Store): PoolSink {
  const ids = (t: RunTask) => ({ simulation: t.simulation, subset: t.subset, run: t.run });
  const base = (t: RunTask) => ({
    ...ids(t),
    scenario: t.scenario,
    mode: t.mode,
    seed: t.seed,
    steps: t.steps,
    params: t.params,
    modelParams: t.modelParams,
  });
  return {
    begin: (t, layout) => store.beginRun(ids(t), layout, { variables: t.variables }),
    samples: async (t, samples) => {
      for (const s of samples) await store.appendSample(ids(t), s);
    },
    actions: async (t, records) => {
      for (const r of records) await store.appendAction(ids(t), r);
    },
    done: (t, result) => store.recordRun(runRowFromResult(base(t), result)),
    failed: (t, error) => store.recordRun(runRowFromError(base(t), new Error(error))),
  };
}

/** Ctrl-C: finish the runs at their next step boundary, keep what finished, write the manifest. */
function interruptible(): { shouldStop: () => boolean; release: () => void } {
  let stop = false;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write("\nStopping: runs end at their next step; what finished is kept. Ctrl-C again to quit now.\n");
  };
  process.on("SIGINT", onSigint);
  return { shouldStop: () => stop, release: () => process.off("SIGINT", onSigint) };
}

function inProcessRunner(hre: HardhatRuntimeEnvironment): NonNullable<PoolOptions["inProcess"]> {
  return async (task, sink, shouldStop) =>
    (
      await executeRun(
        { ...task, scenario: await loadScenario(scenarioHost(hre), task.scenario) },
        {
          target: inProcessTarget(hre),
          sink,
          simulation: task.simulation,
          subset: task.subset,
          run: task.run,
          shouldStop,
        },
      )
    ).result;
}

async function runAll(
  hre: HardhatRuntimeEnvironment,
  store: Store,
  tasks: readonly RunTask[],
  workers: number,
  label: string,
  shouldStop: () => boolean,
  pool?: WorkerPool,
): Promise<PoolOutcome> {
  const options: PoolOptions = {
    workers,
    sink: storeSink(store),
    inProcess: inProcessRunner(hre),
    shouldStop,
    configPath: hre.config.paths.config,
    onProgress: (() => {
      let failures = 0;
      const bar = progressBar(label, process.stderr, () => (failures > 0 ? `, ${failures} failed` : ""));
      return (done: number, failed: number, total: number) => {
        failures = failed;
        bar(done + failed, total);
      };
    })(),
  };
  const outcome = pool !== undefined ? await pool.run(tasks, options) : await runTasks(tasks, options);
  await store.flush();
  return outcome;
}

function provenance(hre: HardhatRuntimeEnvironment, scenario: LoadedScenario): Record<string, unknown> {
  return {
    git: gitCommit(hre.config.paths.root),
    toolchain: toolchain(hre),
    bytecode: scenario.bytecodeHashes(),
    ...reportDeclarations(scenario),
  };
}

/**
 * Monte Carlo summaries per KPI per step (mean, sd, p5, p50, p95 across runs), per
 * simulation and subset, into the table `step_summaries`: what fan charts are drawn from.
 */
async function writeStepSummaries(store: Store): Promise<number> {
  await store.query(`CREATE OR REPLACE TABLE step_summaries (
    simulation INTEGER, subset INTEGER, timestep INTEGER, kpi VARCHAR,
    n INTEGER, mean DOUBLE, sd DOUBLE, p5 DOUBLE, p50 DOUBLE, p95 DOUBLE)`);
  for (const kpi of store.kpis) {
    const col = quoteIdent(kpi);
    await store.query(
      `INSERT INTO step_summaries
       SELECT simulation, subset, timestep, $1, count(${col}), avg(${col}), stddev_samp(${col}),
              quantile_cont(${col}, 0.05), quantile_cont(${col}, 0.5), quantile_cont(${col}, 0.95)
       FROM steps GROUP BY simulation, subset, timestep`,
      [kpi],
    );
  }
  const [row] = await store.query("SELECT count(*) AS n FROM step_summaries");
  return Number(row?.["n"] ?? 0);
}

/** Per subset and KPI, the final values' summary across runs. */
async function finalSummaries(store: Store, subsets: number): Promise<Record<string, Summary>[]> {
  const finals = await readFinalKpis(store);
  const out: Record<string, Summary>[] = [];
  for (let s = 0; s < subsets; s++) {
    const rows = finals.filter((f) => f.subset === s && f.status !== "failed");
    const kpis = new Set(rows.flatMap((r) => Object.keys(r.kpis)));
    const bySubset: Record<string, Summary> = {};
    for (const k of kpis) bySubset[k] = summarize(rows.map((r) => r.kpis[k]!).filter((v) => Number.isFinite(v)));
    out.push(bySubset);
  }
  return out;
}

/** A KPI value for the terminal: an amount in whole tokens of its declared unit; anything else as the number it is. */
function shown(units: UnitTable, kpi: string, x: number): string {
  const unit = units.kpi(kpi);
  return unit.decimals > 0 ? `${fmt(x / 10 ** unit.decimals)} ${unit.label}` : fmt(x);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? x.toExponential(3) : Number(x.toPrecision(5)).toString();
}

function describeAssignments(a: readonly Assignment[]): string {
  return a.length === 0 ? "(base)" : a.map((x) => `${x.path}=${encodeValue(x.value as number | bigint)}`).join(" ");
}

/** Runs an experiment end to end; returns the exit code. */
async function withExperiment(
  hre: HardhatRuntimeEnvironment,
  args: () => Promise<{ outDir: string; name: string; scenario: LoadedScenario }>,
  body: (
    store: Store,
    folder: ExperimentFolder,
    stop: () => boolean,
  ) => Promise<{ manifest: Record<string, unknown>; print: string[]; code: number }>,
): Promise<number> {
  let target: { outDir: string; name: string; scenario: LoadedScenario };
  // Scenarios are resolved against the compiled contracts: build first.
  await build(hre);
  try {
    target = await args();
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let folder: ExperimentFolder | undefined;
  let store: Store;
  try {
    folder = new ExperimentFolder(target.outDir, target.name);
    store = await openStore(join(folder.partialPath, RESULTS_FILE));
  } catch (e) {
    folder?.abort();
    const error = outputError(e, target.outDir);
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  const interrupt = interruptible();
  const started = performance.now();
  try {
    const { manifest, print, code } = await body(store, folder, interrupt.shouldStop);
    await store.close();
    const path = folder.finish({
      ...manifest,
      status: interrupt.shouldStop() ? "stopped" : "complete",
      wallSeconds: (performance.now() - started) / 1000,
      ...provenance(hre, target.scenario),
    });
    process.stdout.write(
      [...print, `Experiment folder: ${path}`, `Next: npx hardhat sim report --in ${path}`].join("\n") + "\n",
    );
    return interrupt.shouldStop() ? 130 : code;
  } catch (e) {
    await store.close().catch(() => {});
    folder.abort();
    const error = e instanceof UserError ? e : outputError(e, target.outDir);
    if (error !== undefined) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    interrupt.release();
  }
}

export interface SweepArgs extends ExperimentArgs {
  readonly grid?: string | undefined;
}

/** `sim sweep`: the cartesian product of the grids, each subset with --runs Monte Carlo seeds. */
export async function simSweep(hre: HardhatRuntimeEnvironment, args: SweepArgs): Promise<number> {
  let common: Common;
  let axes: GridAxis[];
  let tasks: RunTask[];
  let subsets: Assignment[][];
  return withExperiment(
    hre,
    async () => {
      common = await parseCommon(hre, args, { runs: 10, mode: "model" });
      const texts = splitAssignments(args.grid);
      if (texts.length === 0)
        throw new UserError(
          'Missing option --grid: expected path=v1,v2,..., for example --grid "fees.feeBps=25,50,100".',
        );
      axes = texts.map((t) => parseGridAxis(common.scenario.schema, t));
      const paths = new Set<string>();
      for (const a of axes) {
        if (paths.has(a.path))
          throw new UserError(`Parameter params.${a.path} is swept twice in --grid: give it once.`);
        paths.add(a.path);
      }
      subsets = expandGrid(axes);
      tasks = planRuns({
        scenario: common.scenario.ref,
        base: common.base,
        subsets,
        runs: common.runs,
        seed: common.seed,
        mode: common.mode,
        steps: common.steps,
        commonSeeds: false,
        actions: common.actions,
        check: (p) => checkParams(common.scenario, p, "in --grid"),
      });
      const name = experimentName("sweep", common.scenario.name, {
        base: common.base,
        axes,
        runs: common.runs,
        seed: common.seed,
        mode: common.mode,
        steps: common.steps,
      });
      return { outDir: common.outDir, name, scenario: common.scenario };
    },
    async (store, _folder, stop) => {
      const outcome = await runAll(hre, store, tasks, common.workers, `sweep: runs`, stop);
      const summaryRows = await writeStepSummaries(store);
      const summary = await finalSummaries(store, subsets.length);
      const amounts = unitTable(common.scenario);
      const print = [
        `Sweep of ${common.scenario.name}: ${subsets.length} subsets (the cartesian product of ${axes.map((a) => `${a.path}: ${a.values.length}`).join(" x ")}) x ${common.runs} runs, ${common.mode} mode, ${common.steps} steps.`,
        `Runs: ${outcome.completed} done, ${outcome.failed} failed${outcome.stopped ? ", stopped early" : ""}.`,
      ];
      // The KPIs the scenario names for a summary, else its first three.
      const known = Object.keys(summary[0] ?? {});
      const headline = (common.scenario.headline ?? known.slice(0, 3)).filter((k) => known.includes(k));
      for (let s = 0; s < subsets.length; s++) {
        const cells = headline.map((k) => {
          const x = summary[s]![k]!;
          return `${k} ${shown(amounts, k, x.mean)} [p5 ${shown(amounts, k, x.p5)}, p95 ${shown(amounts, k, x.p95)}]`;
        });
        print.push(`  ${s}: ${describeAssignments(subsets[s]!)}  ${cells.join("  ")}`);
      }
      return {
        manifest: {
          kind: "sweep",
          scenario: common.scenario.name,
          ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
          mode: common.mode,
          steps: common.steps,
          seed: common.seed,
          runsPerSubset: common.runs,
          workers: common.workers,
          set: common.set,
          base: common.base,
          grid: axes,
          subsets: subsets.map((a, i) => ({ subset: i, assignments: a })),
          runs: { total: tasks.length, completed: outcome.completed, failed: outcome.failed },
          summary: summary.map((kpis, subset) => ({ subset, kpis })),
          stepSummaries: { table: "step_summaries", rows: summaryRows },
        },
        print,
        code: outcome.failed > 0 ? 1 : 0,
      };
    },
  );
}

export interface AbArgs extends ExperimentArgs {
  readonly a?: string | undefined;
  readonly b?: string | undefined;
}

/** `sim ab`: arms A and B on the same seeds (common random numbers); paired differences per KPI. */
export async function simAb(hre: HardhatRuntimeEnvironment, args: AbArgs): Promise<number> {
  let common: Common;
  let arms: Assignment[][];
  let tasks: RunTask[];
  return withExperiment(
    hre,
    async () => {
      common = await parseCommon(hre, args, { runs: 30, mode: "model" });
      const a = parseAssignments(common.scenario, args.a, "--a");
      const b = parseAssignments(common.scenario, args.b, "--b");
      if (a.length === 0 && b.length === 0)
        throw new UserError(
          'Missing options --a and --b: expected the two arms, for example --a "fees.feeBps=50" --b "fees.feeBps=100".',
        );
      arms = [a, b];
      if (toJson(applyAssignments(common.base, a)) === toJson(applyAssignments(common.base, b))) {
        throw optionError("b", args.b ?? "", "an arm that differs from --a");
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
        scenario: common.scenario,
        outDir: common.outDir,
        name: experimentName("ab", common.scenario.name, {
          base: common.base,
          arms,
          runs: common.runs,
          seed: common.seed,
          mode: common.mode,
          steps: common.steps,
        }),
      };
    },
    async (store, _folder, stop) => {
      const outcome = await runAll(hre, store, tasks, common.workers, "a/b: runs", stop);
      const summaryRows = await writeStepSummaries(store);
      const finals = (await readFinalKpis(store)).filter((f) => f.status !== "failed");
      const amounts = unitTable(common.scenario);
      const bySeed = (subset: number) => new Map(finals.filter((f) => f.subset === subset).map((f) => [f.run, f.kpis]));
      const armA = bySeed(0);
      const armB = bySeed(1);
      const pairedRuns = [...armA.keys()].filter((r) => armB.has(r)).sort((x, y) => x - y);
      const kpiNames = Object.keys(armA.get(pairedRuns[0] ?? -1) ?? {});
      const kpis: Record<string, unknown> = {};
      const print = [
        `A/B test of ${common.scenario.name}: A = ${describeAssignments(arms[0]!)}, B = ${describeAssignments(arms[1]!)}; ${pairedRuns.length} paired runs on common seeds, ${common.mode} mode.`,
        `  ${"KPI".padEnd(22)} ${"mean A".padStart(16)} ${"mean B".padStart(16)} ${"B - A".padStart(16)}  95% interval (amounts in whole tokens)   p-value`,
      ];
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
      return {
        manifest: {
          kind: "ab",
          scenario: common.scenario.name,
          ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
          mode: common.mode,
          steps: common.steps,
          seed: common.seed,
          runsPerArm: common.runs,
          workers: common.workers,
          base: common.base,
          subsets: arms.map((a, i) => ({ subset: i, arm: i === 0 ? "A" : "B", assignments: a })),
          runs: { total: tasks.length, completed: outcome.completed, failed: outcome.failed },
          ab: { difference: "B - A", pairs: pairedRuns.length, kpis },
          stepSummaries: { table: "step_summaries", rows: summaryRows },
        },
        print,
        code: outcome.failed > 0 ? 1 : 0,
      };
    },
  );
}

export interface OptimizeArgs extends ExperimentArgs {
  readonly objective?: string | undefined;
  readonly maximize?: boolean | undefined;
  readonly minimize?: boolean | undefined;
  readonly param?: string | undefined;
  readonly constraint?: string | undefined;
  readonly budget?: string | undefined;
  readonly runsPerEval?: string | undefined;
  readonly confirm?: string | undefined;
  readonly population?: string | undefined;
}

interface Constraint {
  readonly kpi: string;
  readonly op: "<=" | ">=";
  readonly bound: number;
  readonly text: string;
}

export function parseConstraint(text: string): Constraint {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text);
  if (m === null) {
    throw new UserError(
      `Malformed --constraint ${JSON.stringify(text)}: expected kpi<=number or kpi>=number, for example complaint_rate<=0.05.`,
    );
  }
  return { kpi: m[1]!, op: m[2] as "<=" | ">=", bound: Number(m[3]), text: text.trim() };
}

export function parseRange(scenario: AnyScenario, text: string): OptimizerParam {
  const m = /^\s*([\w.]+)\s*=\s*(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m === null)
    throw new UserError(
      `Malformed --param ${JSON.stringify(text)}: expected path=min..max, for example fees.feeBps=0..300.`,
    );
  const path = m[1]!.replace(/^params\./, "");
  const leaf = leafAt(scenario.schema, path);
  if (leaf.type !== "int" && leaf.type !== "number") {
    throw new UserError(
      `Parameter params.${path} cannot be optimised: expected an integer or number parameter, it is ${leaf.type === "amount" ? "an amount" : "a boolean"}.`,
    );
  }
  const min = Number(m[2]);
  const max = Number(m[3]);
  if (!(min < max) || min < leaf.min || max > leaf.max) {
    throw new UserError(`Invalid --param ${JSON.stringify(text)}: expected min < max within ${leaf.min}..${leaf.max}.`);
  }
  return { path, min, max, integer: leaf.type === "int" };
}

/** `sim optimize`: evolutionary search on model mode, then the best candidates re-run in lockstep against the contracts. */
export async function simOptimize(hre: HardhatRuntimeEnvironment, args: OptimizeArgs): Promise<number> {
  let common: Common;
  let params: OptimizerParam[];
  let constraints: Constraint[];
  let objective: string;
  let maximize: boolean;
  let budget: number;
  let runsPerEval: number;
  let confirm: number;
  let population: number | undefined;
  return withExperiment(
    hre,
    async () => {
      common = await parseCommon(hre, { ...args, mode: "model" }, { runs: 1, mode: "model" });
      if (args.objective === undefined || args.objective.trim() === "")
        throw new UserError("Missing option --objective: expected a KPI name, for example quality_redemptions.");
      objective = args.objective.trim();
      if (args.maximize === true && args.minimize === true)
        throw new UserError("Options --maximize and --minimize conflict: give one.");
      maximize = args.minimize !== true;
      const ranges = splitAssignments(args.param);
      if (ranges.length === 0)
        throw new UserError(
          'Missing option --param: expected path=min..max, for example --param "fees.feeBps=0..300".',
        );
      params = ranges.map((r) => parseRange(common.scenario, r));
      constraints = (args.constraint ?? "")
        .split(/[;\n]|\s+(?=[A-Za-z_][\w.]*\s*[<>]=)/)
        .filter((s) => s.trim() !== "")
        .map(parseConstraint);
      budget = args.budget === undefined ? 200 : parseIntegerOption("budget", args.budget, 1, 1_000_000);
      runsPerEval =
        args.runsPerEval === undefined ? 5 : parseIntegerOption("runs-per-eval", args.runsPerEval, 1, 10_000);
      confirm = args.confirm === undefined ? 3 : parseIntegerOption("confirm", args.confirm, 0, 1_000);
      population =
        args.population === undefined ? undefined : parseIntegerOption("population", args.population, 2, 10_000);
      return {
        scenario: common.scenario,
        outDir: common.outDir,
        name: experimentName("optimize", common.scenario.name, {
          base: common.base,
          params,
          constraints,
          objective,
          maximize,
          budget,
          runsPerEval,
          confirm,
          seed: common.seed,
          steps: common.steps,
        }),
      };
    },
    async (store, _folder, stop) => {
      const optimizer = createOptimizer({
        params,
        seed: common.seed,
        maximize,
        ...(population !== undefined ? { populationSize: population } : {}),
      });
      const seeds = Array.from({ length: runsPerEval }, (_, r) => runSeed(common.seed, 0, r, true));
      const pool = common.workers > 0 ? new WorkerPool(common.workers, hre.config.paths.config) : undefined;
      const candidates: {
        id: number;
        generation: number;
        values: Record<string, number>;
        objective: number;
        ci: [number, number];
        feasible: boolean;
        violation: number;
        kpis: Record<string, number>;
      }[] = [];
      let evaluations = 0;
      let subset = 0;
      let knownKpis: string[] | undefined;
      try {
        while (evaluations < budget && !stop()) {
          // Whole generations only (CMA-ES updates on a full generation): the budget rounds up to one.
          const asked = optimizer.ask();
          const tasks: RunTask[] = [];
          const subsetOf = new Map<number, number>();
          for (const c of asked) {
            const params_ = applyAssignments(
              common.base,
              Object.entries(c.values).map(([path, value]) => ({ path, value })),
            );
            subsetOf.set(c.id, subset);
            seeds.forEach((seed, run) =>
              tasks.push({
                simulation: 0,
                subset,
                run,
                scenario: common.scenario.ref,
                params: params_,
                modelParams: params_,
                seed,
                mode: "model",
                steps: common.steps,
                variables: false,
                actions: false,
              }),
            );
            subset++;
          }
          await runAll(hre, store, tasks, common.workers, `generation ${optimizer.generation}: runs`, stop, pool);
          const finals = await readFinalKpis(store);
          const results = asked.map((c) => {
            const s = subsetOf.get(c.id)!;
            const rows = finals.filter((f) => f.subset === s && f.status !== "failed");
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
            const s_ = summarize(values);
            const half = meanHalfWidth(values, 0.95);
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
              objective: s_.mean,
              ci: [s_.mean - half, s_.mean + half],
              feasible,
              violation,
              kpis: means,
            });
            return {
              id: c.id,
              objective: Number.isFinite(s_.mean) ? s_.mean : 0,
              feasible: feasible && Number.isFinite(s_.mean),
              violation: feasible && !Number.isFinite(s_.mean) ? Infinity : violation,
            };
          });
          optimizer.tell(results);
          evaluations += asked.length;
        }
      } finally {
        await pool?.close();
      }
      // Confirmation: the best candidates re-run in lockstep mode, on the same seeds, against the contracts.
      const best = optimizer.best(confirm);
      const confirmTasks: RunTask[] = [];
      const confirmSubsets: number[] = [];
      for (const p of best) {
        const params_ = applyAssignments(
          common.base,
          Object.entries(p.values).map(([path, value]) => ({ path, value })),
        );
        confirmSubsets.push(subset);
        seeds.forEach((seed, run) =>
          confirmTasks.push({
            simulation: 1,
            subset,
            run,
            scenario: common.scenario.ref,
            params: params_,
            modelParams: params_,
            seed,
            mode: "lockstep",
            steps: common.steps,
            variables: false,
            actions: true,
          }),
        );
        subset++;
      }
      if (confirmTasks.length > 0 && !stop())
        await runAll(hre, store, confirmTasks, common.workers, "confirmation (lockstep): runs", stop);
      const finals = await readFinalKpis(store);
      const runsRows = await store.query("SELECT subset, run, divergences, status FROM runs WHERE simulation = 1");
      const confirmation = best.map((p, i) => {
        const s = confirmSubsets[i]!;
        const rows = finals.filter((f) => f.simulation === 1 && f.subset === s && f.status !== "failed");
        const chainObjective = summarize(rows.map((r) => r.kpis[objective]!)).mean;
        const divergences = runsRows
          .filter((r) => r["subset"] === s)
          .reduce((acc, r) => acc + Number(r["divergences"] ?? 0), 0);
        return {
          rank: i + 1,
          values: p.values,
          modelObjective: p.objective,
          chainObjective,
          runs: rows.length,
          divergences,
        };
      });
      const order = (key: "modelObjective" | "chainObjective") =>
        confirmation
          .map((c, i) => ({ i, v: c[key] }))
          .sort((x, y) => (maximize ? y.v - x.v : x.v - y.v))
          .map((x) => x.i);
      const rankingConfirmed =
        confirmation.length > 0 &&
        confirmation.every((c) => c.divergences === 0 && c.runs === seeds.length) &&
        toJson(order("modelObjective")) === toJson(order("chainObjective"));
      const top = candidates
        .filter((c) => c.feasible)
        .sort((x, y) => (maximize ? y.objective - x.objective : x.objective - y.objective))
        .slice(0, Math.max(confirm, 5));
      const print = [
        `Optimisation of ${common.scenario.name}: ${maximize ? "maximise" : "minimise"} ${objective} over ${params.map((p) => `${p.path} in ${p.min}..${p.max}`).join(", ")}${constraints.length > 0 ? ` subject to ${constraints.map((c) => c.text).join(", ")}` : ""}; ${evaluations} candidates x ${runsPerEval} runs, ${common.steps} steps.`,
        ...optimizer.history.map(
          (h) =>
            `  generation ${h.generation}: best ${fmt(h.best)}, mean ${fmt(h.mean)}, feasible ${(h.feasibleShare * 100).toFixed(0)}%`,
        ),
        `Best: ${
          top[0] !== undefined
            ? `${Object.entries(top[0].values)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ")}: ${objective} ${fmt(top[0].objective)} [95% ${fmt(top[0].ci[0])}, ${fmt(top[0].ci[1])}]`
            : "no feasible candidate"
        }`,
        `Chain confirmation (lockstep, ${seeds.length} seeds each): ${confirmation.map((c) => `#${c.rank} model ${fmt(c.modelObjective)} chain ${fmt(c.chainObjective)} (${c.divergences} divergences)`).join("; ")}`,
        `The chain ${rankingConfirmed ? "confirms" : "does NOT confirm"} the model's ranking.`,
      ];
      return {
        manifest: {
          kind: "optimize",
          scenario: common.scenario.name,
          ...(common.scenario.file !== undefined ? { scenarioFile: common.scenario.file } : {}),
          steps: common.steps,
          seed: common.seed,
          workers: common.workers,
          base: common.base,
          optimize: {
            objective,
            maximize,
            params,
            constraints,
            budget,
            evaluations,
            runsPerEval,
            seeds,
            history: optimizer.history,
            candidates,
            best: top,
            confirmation,
            rankingConfirmed,
          },
        },
        print,
        code: 0,
      };
    },
  );
}

/** `sim export`: the folder's results as Parquet or CSV that pandas, polars and radCAD notebooks read. */
export interface ExportArgs {
  readonly in?: string | undefined;
  readonly format?: string | undefined;
}

export async function simExport(args: ExportArgs): Promise<number> {
  try {
    if (args.in === undefined) throw new UserError("Missing option --in: expected a run or experiment folder.");
    const folder = resolve(args.in);
    const { isRunFolder } = await import("../analysis/report/readRunFolder.js");
    if (!existsSync(join(folder, RESULTS_FILE)) && !isRunFolder(folder))
      throw optionError(
        "in",
        args.in,
        `a run folder (manifest.json and trace.csv) or an experiment folder (${RESULTS_FILE})`,
      );
    const format = (args.format ?? "parquet").trim();
    if (format !== "parquet" && format !== "csv") throw optionError("format", format, "parquet or csv");
    const { exportResults } = await import("../analysis/export.js");
    const files = await exportResults(folder, format);
    process.stdout.write(files.map((f) => `wrote ${f}`).join("\n") + "\n");
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
