/**
 * Reads an experiment folder: `experiment.json` (what was run) and `results.duckdb` (simulation/analysis/schema.ts),
 * opened read-only. Percentiles across runs are computed by DuckDB; what is missing (a table, a field) is reported
 * as a note for the report to show, never an error, so an experiment still running or written by another version
 * still gets a report.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../engine/errors.js";
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
}

export function isExperimentFolder(dir: string): boolean {
  return existsSync(join(dir, EXPERIMENT_FILE)) || existsSync(join(dir, RESULTS_FILE));
}

export async function readExperiment(dir: string): Promise<ExperimentData> {
  const notes: string[] = [];
  let spec: Record<string, unknown> | undefined;
  const specPath = join(dir, EXPERIMENT_FILE);
  if (existsSync(specPath)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(specPath, "utf8"));
    } catch (e) {
      throw new UserError(
        `Cannot read ${specPath}: ${(e as Error).message}. Expected the experiment's JSON description.`,
      );
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new UserError(`Invalid ${specPath}: expected a JSON object with kind and scenario.`);
    }
    spec = raw as Record<string, unknown>;
  } else notes.push(`No ${EXPERIMENT_FILE} in the folder: the kind of experiment is inferred from the runs.`);

  const dbPath = join(dir, RESULTS_FILE);
  let runs: ExperimentRun[] = [];
  let stepKpis: string[] = [];
  const fans = new Map<string, Map<number, number[][]>>();
  const finalDoubles = new Map<string, Map<string, number>>();
  if (!existsSync(dbPath)) notes.push(`No ${RESULTS_FILE} in the folder: nothing to chart across runs yet.`);
  else {
    const instance = await DuckDBInstance.create(dbPath, { access_mode: "READ_ONLY" });
    const db = await instance.connect();
    try {
      const tables = new Set(
        (await rows(db, "SELECT table_name FROM information_schema.tables")).map((r) => String(r["table_name"])),
      );
      if (tables.has("runs")) runs = await readRuns(db);
      else notes.push(`${RESULTS_FILE} has no runs table: no final KPIs, parameters or statuses.`);
      if (tables.has("steps")) {
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
      } else notes.push(`${RESULTS_FILE} has no steps table: no KPI trajectories across runs.`);
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
  };
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
