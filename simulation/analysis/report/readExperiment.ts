/**
 * Reads an experiment folder: `experiment.json` (what was run) and `results.duckdb` (simulation/analysis/schema.ts),
 * opened read-only. Percentiles across runs are computed by DuckDB. A file that is there must be whole: experiment.json
 * with its kind and scenario, results.duckdb a DuckDB database with the tables runs and steps; either is a FileError
 * naming the file otherwise, never a report drawn from part of it. A file that is not there yet is a note for the
 * report to show.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  array,
  integerIn,
  isObject,
  JsonFields,
  nonEmptyString,
  object,
  oneOf,
  readJsonObject,
  type JsonObject,
} from "../jsonFields.js";
import { openResultsDb, resultsFileError } from "../resultsDb.js";
import { NO_DECLARATIONS, readDeclarations, type Declarations } from "./declarations.js";
import { quoteIdent, RESULTS_FILE } from "../schema.js";

export const EXPERIMENT_FILE = "experiment.json";
const KEY_COLUMNS = new Set(["simulation", "subset", "run", "timestep", "substep"]);
/** Percentiles of a fan, in the order of its rows' columns after the timestep. */
export const FAN_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

export interface ExperimentRun {
  readonly simulation: number;
  readonly subset: number;
  readonly run: number;
  readonly scenario: string;
  readonly seed: string;
  readonly mode: string;
  readonly steps: number;
  readonly status: string;
  readonly error?: string;
  readonly divergences?: number;
  /** The run's parameters, bigints as decimal strings. */
  readonly params: unknown;
  /** Final KPIs: exact amounts as decimal strings, other values as numbers. */
  readonly kpis?: Readonly<Record<string, string | number>>;
  readonly wallSeconds?: number;
}

export interface ExperimentData {
  readonly dir: string;
  /** experiment.json, as written; undefined when absent. */
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly kind: string;
  readonly scenario?: string;
  readonly runs: readonly ExperimentRun[];
  /** KPI columns of the `steps` table. */
  readonly stepKpis: readonly string[];
  /** kpi -> subset -> rows [timestep, p5, p25, p50, p75, p95, runs], from the `steps` table. */
  readonly fans: ReadonlyMap<string, ReadonlyMap<number, readonly (readonly number[])[]>>;
  /** kpi -> `${subset}/${run}` -> the DOUBLE at the run's last timestep. */
  readonly finalDoubles: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** What could not be read, for the report to say. */
  readonly notes: readonly string[];
  /** What experiment.json records of the scenario's declarations (units, flows, ...); none without it. */
  readonly declarations: Declarations;
}

export function isExperimentFolder(dir: string): boolean {
  return existsSync(join(dir, EXPERIMENT_FILE)) || existsSync(join(dir, RESULTS_FILE));
}

export async function readExperiment(dir: string): Promise<ExperimentData> {
  const notes: string[] = [];
  let spec: JsonObject | undefined;
  let declarations = NO_DECLARATIONS;
  const specPath = join(dir, EXPERIMENT_FILE);
  if (existsSync(specPath)) {
    spec = readExperimentSpec(specPath);
    declarations = readDeclarations(new JsonFields(specPath, spec));
    if (spec["status"] === "running" || spec["status"] === "interrupted")
      notes.push(
        `The experiment is not finished (its status is ${String(spec["status"])}): this shows the runs recorded so far; resume it with npx hardhat sim ${String(spec["kind"])} --resume ${dir}.`,
      );
  } else notes.push(`No ${EXPERIMENT_FILE} in the folder: the kind of experiment is inferred from the runs.`);

  const dbPath = join(dir, RESULTS_FILE);
  let runs: ExperimentRun[] = [];
  let stepKpis: string[] = [];
  const fans = new Map<string, Map<number, number[][]>>();
  const finalDoubles = new Map<string, Map<string, number>>();
  if (!existsSync(dbPath)) notes.push(`No ${RESULTS_FILE} in the folder: nothing to chart across runs yet.`);
  else {
    const { instance, connection: db } = await openResultsDb(dbPath, ["runs", "steps"]);
    try {
      runs = await readRuns(db);
      const cols = await rows(
        db,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'steps' ORDER BY ordinal_position",
      );
      stepKpis = cols.map((r) => String(r["column_name"])).filter((c) => !KEY_COLUMNS.has(c));
      for (const kpi of stepKpis) {
        const q = quoteIdent(kpi);
        const fan = new Map<number, number[][]>();
        const qs = `[${FAN_QUANTILES.join(", ")}]`;
        for (const r of await rows(
          db,
          `SELECT subset, timestep, quantile_cont(${q}, ${qs}) AS q, count(${q}) AS n FROM steps WHERE ${q} IS NOT NULL GROUP BY subset, timestep ORDER BY subset, timestep`,
        )) {
          const subset = Number(r["subset"]);
          const list = fan.get(subset) ?? [];
          // 12 significant digits: interpolation must not make a constant KPI look spread (3 vs 2.9999999999999996).
          const q = (r["q"] as unknown[]).map((x) => Number(Number(x).toPrecision(12)));
          list.push([Number(r["timestep"]), ...q, Number(r["n"])]);
          fan.set(subset, list);
        }
        fans.set(kpi, fan);
        const finals = new Map<string, number>();
        for (const r of await rows(
          db,
          `SELECT subset, run, ${q} AS v FROM steps QUALIFY row_number() OVER (PARTITION BY simulation, subset, run ORDER BY timestep DESC) = 1`,
        )) {
          if (r["v"] !== null) finals.set(`${r["subset"]}/${r["run"]}`, Number(r["v"]));
        }
        finalDoubles.set(kpi, finals);
      }
    } catch (e) {
      // A damaged block shows only when it is read.
      throw resultsFileError(dbPath, e, false) ?? e;
    } finally {
      db.closeSync();
      instance.closeSync();
    }
  }
  const scenario = typeof spec?.["scenario"] === "string" ? spec["scenario"] : runs[0]?.scenario;
  const kind = typeof spec?.["kind"] === "string" ? spec["kind"] : inferKind(runs);
  return {
    dir,
    ...(spec !== undefined ? { spec } : {}),
    kind,
    ...(scenario !== undefined ? { scenario } : {}),
    runs,
    stepKpis,
    fans,
    finalDoubles,
    notes,
    declarations,
  };
}

const SPEC = "the experiment.json an experiment writes";
const KINDS = ["sweep", "ab", "optimize", "montecarlo"] as const;

/**
 * experiment.json, strictly: a JSON object with the experiment's kind and scenario, and every other field the report
 * reads of its type when present (null counts as absent). Anything else is a FileError naming the file and the field.
 */
export function readExperimentSpec(path: string): JsonObject {
  const spec = readJsonObject(path, SPEC);
  const f = new JsonFields(path, spec);
  f.required("kind", oneOf(KINDS), KINDS.join(", "));
  f.required("scenario", nonEmptyString, "the scenario's name");
  f.optional("scenarioFile", nonEmptyString, "the path of the scenario's file");
  f.optional("mode", oneOf(["model", "lockstep"]), "model or lockstep");
  f.optional("steps", integerIn(1, Number.MAX_SAFE_INTEGER), "a positive integer, the steps of each run");
  f.optional("seed", integerIn(0, 2 ** 32 - 1), `an integer in 0..${2 ** 32 - 1}, the base seed`);
  f.optional("status", nonEmptyString, "the experiment's status: running, interrupted or complete");
  const subsets = f.optional("subsets", array, "a list of { subset, assignments }") ?? [];
  subsets.forEach((s, i) => {
    if (!isObject(s) || !Number.isInteger(s["subset"]) || !Array.isArray(s["assignments"]))
      throw f.error(`subsets[${i}]`, s, "{ subset, assignments }: a subset's number and its parameters");
  });
  const runs = f.optional("runs", object, "the counts of runs: total, completed, failed");
  if (runs !== undefined) {
    const r = new JsonFields(path, runs, "runs.");
    for (const name of ["total", "completed", "failed"])
      r.required(name, integerIn(0, Number.MAX_SAFE_INTEGER), "a count, an integer from 0");
  }
  for (const name of ["ab", "optimize", "base"]) f.optional(name, object, "an object");
  readDeclarations(f);
  return spec;
}

async function rows(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

async function readRuns(db: DuckDBConnection): Promise<ExperimentRun[]> {
  const out: ExperimentRun[] = [];
  const list = await rows(
    db,
    "SELECT simulation, subset, run, scenario, mode, seed, steps, params, status, error, divergences, kpis, wall_seconds FROM runs ORDER BY simulation, subset, run",
  );
  for (const r of list) {
    const kpis = parseJson(r["kpis"]);
    const error = r["error"];
    const divergences = r["divergences"];
    const wall = r["wall_seconds"];
    out.push({
      simulation: Number(r["simulation"]),
      subset: Number(r["subset"]),
      run: Number(r["run"]),
      scenario: String(r["scenario"]),
      seed: String(r["seed"]),
      mode: String(r["mode"]),
      steps: Number(r["steps"]),
      status: String(r["status"]),
      params: parseJson(r["params"]) ?? {},
      ...(typeof error === "string" ? { error } : {}),
      ...(divergences !== null && divergences !== undefined ? { divergences: Number(divergences) } : {}),
      ...(isKpis(kpis) ? { kpis } : {}),
      ...(typeof wall === "number" ? { wallSeconds: wall } : {}),
    });
  }
  return out;
}

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v ?? undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

function isKpis(v: unknown): v is Record<string, string | number> {
  return (
    typeof v === "object" && v !== null && Object.values(v).every((x) => typeof x === "string" || typeof x === "number")
  );
}

/** Without experiment.json: several subsets is a sweep, one subset of several runs is Monte Carlo. */
function inferKind(runs: readonly ExperimentRun[]): string {
  const subsets = new Set(runs.map((r) => r.subset));
  return subsets.size > 1 ? "sweep" : "montecarlo";
}
