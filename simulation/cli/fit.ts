/**
 * `sim fit --observed <folder> --param "buyers.commitProbability=0..1" ... [--runs-per-eval N] [--budget N]`:
 * fits the scenario's behavioural parameters so that simulated runs (model mode) reproduce what
 * an observation recorded (see simulation/fit/). The observed folder is an observation's (sim
 * observe) or any run's; the simulation starts from its parameters, with --set on top and the
 * fitted ones searched. Writes `<out>/fit-<scenario>-<hash>/` with fit.json and report.html.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../analysis/files.js";
import { FileError } from "../analysis/fileErrors.js";
import { readRunFolder, isRunFolder, type RunData } from "../analysis/report/readRunFolder.js";
import { renderHtml } from "../analysis/report/renderHtml.js";
import { ParamError, UserError } from "../engine/errors.js";
import { DEFAULT_START_TIME, executeRun } from "../engine/execute.js";
import type { OptimizerParam } from "../engine/optimize.js";
import { applyAssignments, defaults, type Assignment } from "../engine/params.js";
import { runSeed } from "../engine/plan.js";
import { deriveSeed } from "../engine/rng.js";
import { fit, type FitResult, type Simulated } from "../fit/fit.js";
import { fitReport } from "../fit/report.js";
import { statisticsOf, type ActionTimed, type Statistics } from "../fit/statistics.js";
import { loadScenario, type LoadedScenario } from "../scenarios/index.js";
import { parseRange } from "./experiments/optimizeOptions.js";
import { scenarioHost } from "./host.js";
import { gitCommit } from "./manifest.js";
import {
  checkParams,
  optionError,
  parseAssignments,
  parseIntegerOption,
  splitAssignments,
  MAX_SEED,
  MAX_STEPS,
} from "./prepare.js";
import { checkOutDir, outputError } from "./run.js";

export interface FitArgs {
  readonly observed?: string | undefined;
  readonly param?: string | undefined;
  readonly runsPerEval?: string | undefined;
  readonly budget?: string | undefined;
  readonly population?: string | undefined;
  readonly steps?: string | undefined;
  readonly seed?: string | undefined;
  readonly set?: string | undefined;
  readonly out?: string | undefined;
}

/** Values of a profile, and fresh runs for the goodness of fit. */
const PROFILE_POINTS = 9;
const REFERENCE_RUNS = 8;

export async function simFit(hre: HardhatRuntimeEnvironment, args: FitArgs): Promise<number> {
  try {
    return await run(hre, args);
  } catch (e) {
    const error = e instanceof UserError || e instanceof FileError ? e : outputError(e, resolve(args.out ?? "results"));
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
}

interface Observed {
  readonly data: RunData;
  readonly scenario: LoadedScenario;
  readonly params: object;
  readonly statistics: Statistics;
  readonly steps: number;
}

async function run(hre: HardhatRuntimeEnvironment, args: FitArgs): Promise<number> {
  const say = (line: string): void => void process.stdout.write(line + "\n");
  if (args.observed === undefined) {
    throw new UserError("Missing option --observed: expected the folder of sim observe (or of any run) to fit to.");
  }
  const observed = await readObserved(hre, args.observed, args.steps);
  const { scenario } = observed;
  const ranges = splitAssignments(args.param);
  if (ranges.length === 0) {
    throw new UserError(
      'Missing option --param: expected path=min..max, for example --param "buyers.commitProbability=0..1".',
    );
  }
  const params: OptimizerParam[] = ranges.map((r) => parseRange(scenario, r));
  const set = parseAssignments(scenario, args.set, "--set");
  const base = applyAssignments(observed.params, set);
  checkParams(scenario, base, "in --set");
  const runsPerEval =
    args.runsPerEval === undefined ? 4 : parseIntegerOption("runs-per-eval", args.runsPerEval, 2, 1_000);
  const budget = args.budget === undefined ? 60 : parseIntegerOption("budget", args.budget, 1, 100_000);
  const population =
    args.population === undefined ? undefined : parseIntegerOption("population", args.population, 2, 1_000);
  const seed = args.seed === undefined ? 1 : parseIntegerOption("seed", args.seed, 0, MAX_SEED);
  const outDir = checkOutDir(args.out ?? "results");
  // The search starts from the scenario's defaults, never from the observed folder's values (which may be the answer).
  const start: Record<string, number> = {};
  const initial = defaults(scenario.schema);
  for (const p of params) {
    const v = valueAt(initial, p.path);
    if (typeof v === "number" && v >= p.min && v <= p.max) start[p.path] = v;
  }
  const stepSeconds = scenario.stepSeconds(base as never);
  const cache = new Map<string, Simulated | undefined>();
  let runs = 0;
  const simulate = async (values: Readonly<Record<string, number>>, s: number): Promise<Simulated | undefined> => {
    const key = `${toJson(values)}/${s}`;
    if (cache.has(key)) return cache.get(key);
    const p = applyAssignments(
      base,
      Object.entries(values).map(([path, value]): Assignment => ({ path, value })),
    );
    let result: Simulated | undefined;
    try {
      checkParams(scenario, p, "");
      result = await simulateRun(scenario, p, s, observed.steps, stepSeconds);
      runs++;
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      result = undefined; // the values break a rule across fields (redeem + cancel at most 1, say)
    }
    cache.set(key, result);
    return result;
  };
  say(
    `Fitting ${params.map((p) => `${p.path} in ${p.min}..${p.max}`).join(", ")} of ${scenario.name} to ` +
      `${observed.statistics.actions} observed actions over ${observed.steps} steps (${Object.keys(observed.statistics.counts).length} ` +
      `kinds, ${Object.keys(observed.statistics.amounts).length} amount series, ${Object.keys(observed.statistics.delays).length} ` +
      `delay series), model mode, ${runsPerEval} seeds per candidate, budget ${budget}.`,
  );
  const started = performance.now();
  const result = await fit({
    observed: observed.statistics,
    params,
    start,
    seed,
    seeds: Array.from({ length: runsPerEval }, (_, r) => runSeed(seed, 0, r, true)),
    // Fresh seeds, none of the search's: `runSeed` with common seeds ignores the subset, so they come from a stream of their own.
    referenceSeeds: Array.from({ length: Math.max(REFERENCE_RUNS, runsPerEval) }, (_, r) =>
      deriveSeed(seed, "reference", r),
    ),
    budget,
    ...(population !== undefined ? { population } : {}),
    profilePoints: PROFILE_POINTS,
    simulate,
    onGeneration: (h, n) =>
      say(`  generation ${h.generation}: best distance ${fmt(h.best)}, mean ${fmt(h.mean)} (${n} candidates)`),
  });
  const wallSeconds = (performance.now() - started) / 1000;

  const name = `fit-${scenario.name}-${createHash("sha256")
    .update(toJson({ observed: resolve(args.observed), params, base, runsPerEval, budget, seed }))
    .digest("hex")
    .slice(0, 8)}`;
  const manifest = {
    lockstep: "0.1.0",
    kind: "fit",
    scenario: scenario.name,
    ...(scenario.file !== undefined ? { scenarioFile: scenario.file } : {}),
    observed: resolve(args.observed),
    steps: observed.steps,
    seed,
    runsPerEval,
    budget,
    runs,
    wallSeconds,
    base,
    set,
    params,
    distance: "counts + amounts + delays (see the README: Fitting the agents)",
    fitted: params.map((p) => {
      const profile = result.profiles.find((x) => x.path === p.path)!;
      return {
        path: p.path,
        value: result.values[p.path],
        interval: profile.interval,
        identifiable: profile.identifiable,
        profile,
      };
    }),
    searched: result.searched,
    distanceAtFit: result.distance,
    goodness: result.goodness,
    history: result.history,
    evaluations: result.evaluations,
    observedKpis: observed.data.manifest.kpis,
    git: gitCommit(hre.config.paths.root),
  };
  const path = writeFolder(
    outDir,
    name,
    manifest,
    renderHtml({ ...fitReport(observed, result, manifest), generator: "Lockstep sim fit" }),
  );
  printFit(say, params, result, runsPerEval, path, runs, wallSeconds);
  return 0;
}

/** One model-mode run: its actions' statistics and its final KPIs. */
async function simulateRun(
  scenario: LoadedScenario,
  params: object,
  seed: number,
  steps: number,
  stepSeconds: number,
): Promise<Simulated> {
  const actions: ActionTimed[] = [];
  const executed = await executeRun(
    { scenario, params, modelParams: params, mode: "model", seed, steps },
    {
      sink: {
        keeps: { variables: false, actions: true },
        begin() {},
        sample() {},
        action: (r) => {
          actions.push({ kind: r.kind, args: r.args, at: Number(BigInt(r.model!.timestamp) - DEFAULT_START_TIME) });
        },
      },
    },
  );
  return { statistics: statisticsOf(actions, stepSeconds, steps), kpis: executed.result.kpis };
}

/** The observed folder: its scenario, the parameters it ran (or was deployed) with, and its actions' statistics. */
async function readObserved(
  hre: HardhatRuntimeEnvironment,
  given: string,
  stepsText: string | undefined,
): Promise<Observed> {
  const dir = resolve(given);
  if (!existsSync(dir) || !isRunFolder(dir)) {
    throw optionError("observed", given, "the folder of sim observe or of a run (manifest.json and trace.csv)");
  }
  const data = readRunFolder(dir);
  const m = data.manifestJson;
  const scenario = await loadScenario(scenarioHost(hre), data.manifest.scenarioFile ?? data.manifest.scenario);
  const set = parseAssignments(scenario, data.manifest.set.map((a) => `${a.path}=${a.value}`).join(" "), "set");
  const params = applyAssignments(defaults(scenario.schema), set);
  if (toJson(params) !== toJson(m["params"])) {
    throw optionError(
      "observed",
      given,
      `a folder of this version of scenario ${scenario.name} (its parameters no longer match)`,
    );
  }
  const startTime = typeof m["startTime"] === "string" ? BigInt(m["startTime"]) : DEFAULT_START_TIME;
  const scale = ((m["observe"] as { timeScale?: unknown } | undefined)?.timeScale ??
    (m["remote"] as { timeScale?: unknown } | undefined)?.timeScale) as
    { chainStepSeconds: number; scenarioStepSeconds: number } | null | undefined;
  const toScenario = scale ? scale.scenarioStepSeconds / scale.chainStepSeconds : 1;
  const stepSeconds = scenario.stepSeconds(params as never);
  const actions: ActionTimed[] = data.actions.map((a) => {
    const ts = a.chain?.timestamp ?? a.model?.timestamp;
    if (ts === undefined) throw optionError("observed", given, "a folder whose actions carry their block timestamps");
    return { kind: a.kind, args: a.args, at: Number(BigInt(ts) - startTime) * toScenario };
  });
  const isObservation = m["observe"] !== undefined;
  const span = Math.max(1, Math.ceil((Math.max(0, ...actions.map((a) => a.at)) + 1) / stepSeconds));
  const steps =
    stepsText !== undefined
      ? parseIntegerOption("steps", stepsText, 1, MAX_STEPS)
      : isObservation
        ? span
        : data.manifest.steps;
  return { data, scenario, params, statistics: statisticsOf(actions, stepSeconds, steps), steps };
}

function valueAt(tree: object, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], tree);
}

function writeFolder(outDir: string, name: string, manifest: unknown, html: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, name);
  const partial = join(outDir, `.${name}.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  try {
    writeFileSync(join(partial, "fit.json"), toJson(manifest, 2) + "\n");
    writeFileSync(join(partial, "report.html"), html);
    rmSync(path, { recursive: true, force: true });
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  return path;
}

function printFit(
  say: (line: string) => void,
  params: readonly OptimizerParam[],
  r: FitResult,
  seeds: number,
  path: string,
  runs: number,
  wallSeconds: number,
): void {
  say(`Fitted (${r.evaluations} candidates, ${runs} runs, ${wallSeconds.toFixed(1)} s):`);
  for (const p of params) {
    const profile = r.profiles.find((x) => x.path === p.path)!;
    if (profile.identifiable) {
      say(
        `  ${p.path} = ${fmt(r.values[p.path]!)}  [${fmt(profile.interval[0])}, ${fmt(profile.interval[1])}] over ${seeds} seeds`,
      );
    } else {
      say(
        `  ${p.path}: cannot be told apart: the distance changes by ${fmt(profile.range)} across ${p.min}..${p.max}, ` +
          `within twice the seeds' noise (${fmt(profile.noise)}); not fitted (the search ended at ${fmt(r.values[p.path]!)}).`,
      );
    }
  }
  const g = r.goodness;
  say(
    `Goodness of fit: distance ${fmt(g.observed.total)} from the observation to ${g.reference.length} runs at the fit ` +
      `(counts ${fmt(g.observed.counts)}, amounts ${fmt(g.observed.amounts)}, delays ${fmt(g.observed.delays)}), against a median of ` +
      `${fmt(median(g.reference))} between those runs: ratio ${fmt(g.ratio)}; ${Math.round(g.share * 100)}% of them are as far ` +
      `from the others as the observation is${g.ratio > 2 ? ": the model does not reproduce what was observed with these parameters" : ""}.`,
  );
  say(`Fit folder: ${path} (fit.json, report.html)`);
  say(
    `Next: npx hardhat sim sweep ... --set "${params
      .filter((p) => r.profiles.find((x) => x.path === p.path)!.identifiable)
      .map((p) => `${p.path}=${fmt(r.values[p.path]!)}`)
      .join(" ")}"`,
  );
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(4)).toString();
}
