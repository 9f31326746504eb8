/**
 * Reading a results store: plain rows, the runs table with exact values restored, KPI summaries per step, final KPIs.
 * Each reader sees every run recorded before it was called.
 */
import { InternalError, UserError } from "../engine/errors.js";
import type { ParamTree } from "../engine/params.js";
import type { Divergence } from "../engine/run.js";
import type { Mode } from "../engine/types.js";
import type { DuckDBValue } from "@duckdb/node-api";
import { quoteIdent } from "./schema.js";
import type { PlainRow, PlainValue, Store } from "./store.js";
import type { RunRow, RunStatus, RunIds } from "./storeRows.js";
import type { Summary } from "./stats.js";
import { toPlotNumber } from "./values.js";

/** Runs SQL against the store; rows come back plain. */
export function query(
  store: Store,
  sql: string,
  params: readonly DuckDBValue[] | Readonly<Record<string, DuckDBValue>> = [],
): Promise<PlainRow[]> {
  return store.query(sql, params);
}

/** Every runs row, in (simulation, subset, run) order, exact values restored (amounts as bigint). */
export async function readRuns(store: Store): Promise<RunRow[]> {
  const rows = await store.query("SELECT * FROM runs ORDER BY simulation, subset, run");
  return rows.map((r) => {
    const opt = <T>(key: string, f: (v: PlainValue) => T): T | undefined => (r[key] === null ? undefined : f(r[key]!));
    const error = opt("error", String);
    const divergences = opt("divergences", Number);
    const firstDivergence = opt("first_divergence", (v) => JSON.parse(String(v)) as Divergence);
    const traceHash = opt("trace_hash", String);
    const kpis = opt("kpis", (v) => reviveKpis(JSON.parse(String(v))));
    const actions = opt("actions", Number);
    const reverted = opt("reverted", Number);
    const gasUsed = opt("gas_used", (v) => BigInt(String(v)));
    const wallSeconds = opt("wall_seconds", Number);
    const row: RunRow = {
      simulation: Number(r["simulation"]),
      subset: Number(r["subset"]),
      run: Number(r["run"]),
      scenario: String(r["scenario"]),
      mode: String(r["mode"]) as Mode,
      seed: Number(r["seed"]),
      steps: Number(r["steps"]),
      params: reviveParams(JSON.parse(String(r["params"]))),
      modelParams: reviveParams(JSON.parse(String(r["model_params"]))),
      status: String(r["status"]) as RunStatus,
      ...(error !== undefined ? { error } : {}),
      ...(divergences !== undefined ? { divergences } : {}),
      ...(firstDivergence !== undefined ? { firstDivergence } : {}),
      ...(traceHash !== undefined ? { traceHash } : {}),
      ...(kpis !== undefined ? { kpis } : {}),
      ...(actions !== undefined ? { actions } : {}),
      ...(reverted !== undefined ? { reverted } : {}),
      ...(gasUsed !== undefined ? { gasUsed } : {}),
      ...(wallSeconds !== undefined ? { wallSeconds } : {}),
    };
    return row;
  });
}

/** One KPI across runs at one (simulation, subset, timestep). */
export interface StepSummaryRow extends Summary {
  readonly simulation: number;
  readonly subset: number;
  readonly timestep: number;
}

/**
 * A KPI's distribution across runs, per simulation, subset and timestep, computed in
 * SQL (quantiles by `quantile_cont`, type 7, as `stats.quantile`). Null statistics
 * (no value, or sd of one) come back as NaN.
 */
export async function readStepsSummary(store: Store, kpi: string): Promise<StepSummaryRow[]> {
  await store.flush();
  if (!store.kpis.includes(kpi)) {
    throw new UserError(
      `Unknown KPI ${JSON.stringify(kpi)}: expected one of ${store.kpis.length > 0 ? store.kpis.join(", ") : "(none: no run has begun)"}.`,
    );
  }
  const k = quoteIdent(kpi);
  const rows = await store.query(
    `SELECT simulation, subset, timestep, count(${k}) AS n, avg(${k}) AS mean, stddev_samp(${k}) AS sd,
       quantile_cont(${k}, 0.05) AS p5, quantile_cont(${k}, 0.5) AS p50, quantile_cont(${k}, 0.95) AS p95
     FROM steps GROUP BY simulation, subset, timestep ORDER BY simulation, subset, timestep`,
  );
  const num = (v: PlainValue | undefined): number => (v === null || v === undefined ? NaN : Number(v));
  return rows.map((r) => ({
    simulation: num(r["simulation"]),
    subset: num(r["subset"]),
    timestep: num(r["timestep"]),
    n: num(r["n"]),
    mean: num(r["mean"]),
    sd: num(r["sd"]),
    p5: num(r["p5"]),
    p50: num(r["p50"]),
    p95: num(r["p95"]),
  }));
}

/** A run's KPIs at its end, from its runs row. */
export interface FinalKpis extends RunIds {
  readonly seed: number;
  readonly status: RunStatus;
  /** For statistics and plots: bigints through `toPlotNumber`. */
  readonly kpis: Readonly<Record<string, number>>;
  /** As the run reported them. */
  readonly exact: Readonly<Record<string, number | bigint>>;
}

/** Every run's final KPIs, in (simulation, subset, run) order; failed runs have none. */
export async function readFinalKpis(store: Store): Promise<FinalKpis[]> {
  const rows = await store.query(
    "SELECT simulation, subset, run, seed, status, kpis FROM runs ORDER BY simulation, subset, run",
  );
  return rows.map((r) => {
    const exact = r["kpis"] === null ? {} : reviveKpis(JSON.parse(String(r["kpis"])));
    const kpis: Record<string, number> = {};
    for (const [k, v] of Object.entries(exact)) kpis[k] = typeof v === "bigint" ? toPlotNumber(v) : v;
    return {
      simulation: Number(r["simulation"]),
      subset: Number(r["subset"]),
      run: Number(r["run"]),
      seed: Number(r["seed"]),
      status: String(r["status"]) as RunStatus,
      kpis,
      exact,
    };
  });
}

const INTEGER_TEXT = /^-?\d+$/;

/** Parameters as written: amounts (bigints) are the only strings. */
function reviveParams(v: unknown): ParamTree {
  const out: ParamTree = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === "string" && INTEGER_TEXT.test(x)) out[k] = BigInt(x);
    else if (typeof x === "number" || typeof x === "boolean") out[k] = x;
    else if (typeof x === "object" && x !== null) out[k] = reviveParams(x);
    else throw new InternalError(`runs.params holds ${JSON.stringify(x)} at ${k}`);
  }
  return out;
}

function reviveKpis(v: unknown): Record<string, number | bigint> {
  const out: Record<string, number | bigint> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === "number") out[k] = x;
    else if (typeof x === "string" && INTEGER_TEXT.test(x)) out[k] = BigInt(x);
    else if (x === "NaN" || x === "Infinity" || x === "-Infinity") out[k] = Number(x);
    else throw new InternalError(`runs.kpis holds ${JSON.stringify(x)} at ${k}`);
  }
  return out;
}
