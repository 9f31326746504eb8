import { existsSync } from "node:fs";
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { InternalError, UserError } from "../engine/errors.js";
import type { ParamTree } from "../engine/params.js";
import type { ActionRecord, Divergence, RunResult, RunSink } from "../engine/run.js";
import type { Mode } from "../engine/types.js";
import { toJson } from "./files.js";
import { checkTables, resultsFileError } from "./resultsDb.js";
import { ACTIONS_DDL, quoteIdent, RUNS_DDL, stepsDdl, VARIABLES_DDL } from "./schema.js";
import type { StepSample, TraceLayout } from "./trace.js";
import { toPlotNumber } from "./values.js";

/**
 * The DuckDB results store (the tables of `schema.ts`): one writer, many readers.
 *
 * Writing: rows go through DuckDB appenders and are flushed every `flushRows` rows (and
 * before every runs row, so a run's row is only ever written after all of its samples
 * and actions), so memory stays flat however many steps and runs. The experiment's main
 * process is the only writer (DuckDB locks the file against other processes); workers
 * send it plain `StoreMessage`s (`messageSink`) and it calls `store.write(message)`.
 * Within the process, calls are applied in the order they are made: a row whose table is
 * ready is appended synchronously, anything else (and every row after it) waits its turn.
 *
 * Reading: `query`, `readRuns`, `readStepsSummary`, `readFinalKpis`, each seeing every
 * row written before it was called.
 */

/** A run's coordinates, cadCAD's: simulation, subset (parameter set), run (Monte Carlo). */
export interface RunIds {
  readonly simulation: number;
  readonly subset: number;
  readonly run: number;
}

export interface SinkOptions {
  /** Also write every variable at every sample (the `variables` table; large). */
  readonly variables: boolean;
}

/** A run's final status: the engine's, or `failed` when it threw. */
export type RunStatus = RunResult["status"] | "failed";

/** One row of the `runs` table. Exact values stay exact (bigint); JSON columns hold them as decimal strings. */
export interface RunRow extends RunIds {
  readonly scenario: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
  readonly params: Readonly<ParamTree>;
  readonly modelParams: Readonly<ParamTree>;
  readonly status: RunStatus;
  /** Why a failed run failed. */
  readonly error?: string;
  readonly divergences?: number;
  readonly firstDivergence?: Divergence;
  readonly traceHash?: string;
  /** KPIs at the end of the run. */
  readonly kpis?: Readonly<Record<string, number | bigint>>;
  readonly actions?: number;
  readonly reverted?: number;
  readonly gasUsed?: bigint;
  readonly wallSeconds?: number;
}

/** What a runs row says before the run's outcome is known. */
export interface RunRowBase extends RunIds {
  readonly scenario: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
  readonly params: object;
  readonly modelParams: object;
}

/** The runs row of a run that finished (or stopped). */
export function runRowFromResult(base: RunRowBase, result: RunResult): RunRow {
  return {
    ...baseRow(base),
    status: result.status,
    divergences: result.divergences,
    ...(result.firstDivergence !== undefined ? { firstDivergence: result.firstDivergence } : {}),
    traceHash: result.traceHash,
    kpis: result.kpis,
    actions: result.actions.total,
    reverted: result.actions.reverted,
    gasUsed: result.gasUsed,
    wallSeconds: result.wallMs / 1000,
  };
}

/** The runs row of a run that threw. */
export function runRowFromError(base: RunRowBase, error: unknown): RunRow {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { ...baseRow(base), status: "failed", error: message };
}

function baseRow(base: RunRowBase): RunRow {
  const { simulation, subset, run, scenario, mode, seed, steps } = base;
  return {
    simulation,
    subset,
    run,
    scenario,
    mode,
    seed,
    steps,
    params: base.params as ParamTree,
    modelParams: base.modelParams as ParamTree,
    status: "failed",
  };
}

/** What a worker sends the writer: plain data (structured-clone-able: bigints and Maps included). */
export type StoreMessage =
  | { readonly type: "begin"; readonly ids: RunIds; readonly layout: TraceLayout; readonly options: SinkOptions }
  | { readonly type: "sample"; readonly ids: RunIds; readonly sample: StepSample }
  | { readonly type: "action"; readonly ids: RunIds; readonly record: ActionRecord }
  | { readonly type: "run"; readonly row: RunRow };

/**
 * A RunSink that turns a run's begin, samples and actions into StoreMessages and hands
 * them to `post` (a worker's `process.send` or `parentPort.postMessage`; or `store.write`).
 */
export function messageSink(
  ids: RunIds,
  options: SinkOptions,
  post: (message: StoreMessage) => void | Promise<void>,
): RunSink {
  return {
    begin: (layout) => post({ type: "begin", ids, layout, options }),
    sample: (sample) => post({ type: "sample", ids, sample }),
    action: (record) => post({ type: "action", ids, record }),
  };
}

/** A plain value read back: bigints become numbers when safe, else decimal strings. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };
export type PlainRow = Record<string, PlainValue>;

export interface StoreOptions {
  /** Open an existing store for reading only (any write throws). */
  readonly readOnly?: boolean;
  /** Rows appended between flushes; default 10,000. */
  readonly flushRows?: number;
  /** DuckDB's memory limit, such as "1GB"; default DuckDB's (80% of RAM). */
  readonly memoryLimit?: string;
}

export const FLUSH_ROWS = 10_000;

/** The first columns of `steps`; the KPI columns follow. */
const STEPS_KEY_COLUMNS = ["simulation", "subset", "run", "timestep", "substep"] as const;

interface OpenRun {
  readonly ids: RunIds;
  readonly layout: TraceLayout;
  readonly variables: boolean;
  seq: number;
}

/** Opens (creating if needed) the results database at `path`. */
export async function openStore(path: string, options: StoreOptions = {}): Promise<Store> {
  const readOnly = options.readOnly ?? false;
  if (readOnly && !existsSync(path)) {
    throw new UserError(`No results database at ${path}: expected a folder written by an experiment or a run.`);
  }
  const config: Record<string, string> = {};
  if (readOnly) config["access_mode"] = "READ_ONLY";
  if (options.memoryLimit !== undefined) config["memory_limit"] = options.memoryLimit;
  // Reading, what DuckDB says about a damaged file, or a missing table, is one line naming the file.
  const fileError = (e: unknown): unknown => (readOnly ? (resultsFileError(path, e) ?? e) : e);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, config);
  } catch (e) {
    throw fileError(e);
  }
  const connection = await instance.connect();
  try {
    if (!readOnly) {
      await connection.run(RUNS_DDL);
      await connection.run(stepsDdl([]));
      await connection.run(VARIABLES_DDL);
      await connection.run(ACTIONS_DDL);
    } else await checkTables(path, connection, ["runs", "steps", "variables", "actions"]);
    const columns = await connection.runAndReadAll(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'steps' ORDER BY ordinal_position",
    );
    const kpis = columns
      .getRowObjectsJS()
      .map((r) => String(r["column_name"]))
      .slice(STEPS_KEY_COLUMNS.length);
    const store = new Store(path, instance, connection, kpis, readOnly, options.flushRows ?? FLUSH_ROWS);
    if (!readOnly) await store.createAppenders();
    return store;
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw fileError(e);
  }
}

export class Store {
  private stepsAppender: DuckDBAppender | undefined;
  private variablesAppender: DuckDBAppender | undefined;
  private actionsAppender: DuckDBAppender | undefined;
  private readonly kpiColumns: string[];
  private readonly kpiSet: Set<string>;
  private readonly open = new Map<string, OpenRun>();
  private unflushed = 0;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  /** Use `openStore`. */
  constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    kpis: readonly string[],
    readonly readOnly: boolean,
    private readonly flushRows: number,
  ) {
    this.kpiColumns = [...kpis];
    this.kpiSet = new Set(kpis);
  }

  /** @internal Called once by openStore. */
  async createAppenders(): Promise<void> {
    this.stepsAppender = await this.connection.createAppender("steps");
    this.variablesAppender = await this.connection.createAppender("variables");
    this.actionsAppender = await this.connection.createAppender("actions");
  }

  /** The KPI columns of `steps`, in table order. */
  get kpis(): readonly string[] {
    return this.kpiColumns;
  }

  /** Rows appended since the last flush: never more than `flushRows`. */
  get bufferedRows(): number {
    return this.unflushed;
  }

  /** A RunSink writing one run into this store. */
  sinkFor(ids: RunIds, options: SinkOptions): RunSink {
    return messageSink(ids, options, (m) => this.write(m));
  }

  /** Applies one message from a worker (or from `sinkFor`). */
  write(message: StoreMessage): void | Promise<void> {
    switch (message.type) {
      case "begin":
        return this.beginRun(message.ids, message.layout, message.options);
      case "sample":
        return this.appendSample(message.ids, message.sample);
      case "action":
        return this.appendAction(message.ids, message.record);
      case "run":
        return this.recordRun(message.row);
    }
  }

  /** Starts a run: adds the KPI columns `steps` lacks. Its samples and actions may follow at once. */
  beginRun(ids: RunIds, layout: TraceLayout, options: SinkOptions): Promise<void> {
    this.writable();
    const key = runKey(ids);
    if (layout.simulation !== ids.simulation || layout.subset !== ids.subset || layout.run !== ids.run) {
      throw new InternalError(`the sink of run ${key} received the layout of run ${runKey(layout)}`);
    }
    if (this.open.has(key)) {
      throw new InternalError(`run ${key} began twice: discardRun(ids) before running it again`);
    }
    this.open.set(key, { ids, layout, variables: options.variables, seq: 0 });
    const missing = layout.kpis.filter((k) => !this.kpiSet.has(k));
    if (missing.length === 0) return Promise.resolve();
    for (const k of missing) this.kpiSet.add(k);
    return this.enqueue(async () => {
      this.flushAll();
      this.stepsAppender!.closeSync();
      this.stepsAppender = undefined;
      for (const k of missing) {
        await this.connection.run(`ALTER TABLE steps ADD COLUMN ${quoteIdent(k)} DOUBLE`);
        this.kpiColumns.push(k);
      }
      this.stepsAppender = await this.connection.createAppender("steps");
    });
  }

  /** One `steps` row and, when the run writes variables, one `variables` row per variable. */
  appendSample(ids: RunIds, sample: StepSample): void | Promise<void> {
    const open = this.openRun(ids, "sample");
    return this.whenReady(() => {
      const { simulation, subset, run } = open.ids;
      const steps = this.stepsAppender!;
      steps.appendInteger(simulation);
      steps.appendInteger(subset);
      steps.appendInteger(run);
      steps.appendInteger(sample.timestep);
      steps.appendVarchar(sample.substep);
      for (const k of this.kpiColumns) {
        const v = Object.prototype.hasOwnProperty.call(sample.kpis, k) ? sample.kpis[k] : undefined;
        if (v === undefined) steps.appendNull();
        else steps.appendDouble(typeof v === "bigint" ? toPlotNumber(v) : v);
      }
      steps.endRow();
      this.rowsAdded(1);
      if (!open.variables) return;
      const vars = this.variablesAppender!;
      const diverged = sample.diverged.length > 0 ? new Set(sample.diverged) : undefined;
      for (const name of open.layout.variables) {
        const m = sample.model?.get(name);
        const c = sample.chain?.get(name);
        vars.appendInteger(simulation);
        vars.appendInteger(subset);
        vars.appendInteger(run);
        vars.appendInteger(sample.timestep);
        vars.appendVarchar(sample.substep);
        vars.appendVarchar(name);
        appendExact(vars, m);
        appendExact(vars, c);
        appendFloat(vars, m);
        appendFloat(vars, c);
        vars.appendBoolean(diverged?.has(name) ?? false);
        vars.endRow();
      }
      this.rowsAdded(open.layout.variables.length);
    });
  }

  /** One `actions` row; `seq` counts the run's actions from 0. */
  appendAction(ids: RunIds, record: ActionRecord): void | Promise<void> {
    const open = this.openRun(ids, "action");
    return this.whenReady(() => {
      const a = this.actionsAppender!;
      a.appendInteger(open.ids.simulation);
      a.appendInteger(open.ids.subset);
      a.appendInteger(open.ids.run);
      a.appendInteger(open.seq++);
      a.appendInteger(record.step);
      a.appendVarchar(record.substep);
      a.appendVarchar(record.agent);
      a.appendVarchar(record.kind);
      a.appendVarchar(toJson(record.args));
      appendText(a, record.model?.status);
      appendText(a, record.model?.error);
      appendText(a, record.chain?.status);
      appendText(a, record.chain?.error);
      appendText(a, record.chain?.txHash);
      const gas = record.chain?.gasUsed;
      if (gas === undefined) a.appendNull();
      else a.appendBigInt(BigInt(gas));
      a.appendBoolean(record.diverged);
      a.endRow();
      this.rowsAdded(1);
    });
  }

  /**
   * Writes (or replaces) a run's `runs` row and ends the run: its samples and actions are
   * flushed first, so a runs row always comes with all of its rows.
   */
  recordRun(row: RunRow): Promise<void> {
    this.writable();
    this.open.delete(runKey(row));
    return this.enqueue(async () => {
      this.flushAll();
      const values: DuckDBValue[] = [
        row.simulation,
        row.subset,
        row.run,
        row.scenario,
        row.mode,
        BigInt(row.seed),
        row.steps,
        toJson(row.params),
        toJson(row.modelParams),
        row.status,
        row.error ?? null,
        row.divergences ?? null,
        row.firstDivergence !== undefined ? toJson(row.firstDivergence) : null,
        row.traceHash ?? null,
        row.kpis !== undefined ? kpisJson(row.kpis) : null,
        row.actions ?? null,
        row.reverted ?? null,
        row.gasUsed !== undefined ? row.gasUsed.toString() : null,
        row.wallSeconds ?? null,
      ];
      const placeholders = values.map((_, i) => `$${i + 1}`).join(", ");
      await this.connection.run(`INSERT OR REPLACE INTO runs VALUES (${placeholders})`, values);
    });
  }

  /** Removes every row of a run (to run it again after a failure) and forgets it. */
  discardRun(ids: RunIds): Promise<void> {
    this.writable();
    this.open.delete(runKey(ids));
    return this.enqueue(async () => {
      this.flushAll();
      for (const table of ["steps", "variables", "actions", "runs"]) {
        await this.connection.run(`DELETE FROM ${table} WHERE simulation = $1 AND subset = $2 AND run = $3`, [
          ids.simulation,
          ids.subset,
          ids.run,
        ]);
      }
    });
  }

  /** Makes every row appended so far durable and visible. */
  flush(): Promise<void> {
    return this.enqueue(() => this.flushAll());
  }

  /** Runs SQL after every earlier write; rows come back plain (bigints as numbers when safe, else strings). */
  query(sql: string, params: readonly DuckDBValue[] | Readonly<Record<string, DuckDBValue>> = []): Promise<PlainRow[]> {
    if (this.closed) throw new UserError(`The results store ${this.path} is closed: open it again to read.`);
    return this.enqueue(async () => {
      this.flushAll();
      const values = Array.isArray(params) ? [...params] : { ...(params as Record<string, DuckDBValue>) };
      let reader;
      try {
        reader = await this.connection.runAndReadAll(sql, values);
      } catch (e) {
        // A block of a database opened to be read that fails its checksum shows only when it is read.
        throw (this.readOnly ? resultsFileError(this.path, e, false) : undefined) ?? e;
      }
      return reader.getRowObjectsJS().map((row) => {
        const out: PlainRow = {};
        for (const [k, v] of Object.entries(row)) out[k] = toPlain(v);
        return out;
      });
    });
  }

  /** Flushes and closes; later calls do nothing. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return this.enqueue(() => {
      this.flushAll();
      for (const a of [this.stepsAppender, this.variablesAppender, this.actionsAppender]) a?.closeSync();
      this.stepsAppender = this.variablesAppender = this.actionsAppender = undefined;
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private writable(): void {
    if (this.closed) throw new UserError(`The results store ${this.path} is closed: open it again to write.`);
    if (this.readOnly)
      throw new UserError(`The results store ${this.path} is open read-only: open it without readOnly to write.`);
  }

  private openRun(ids: RunIds, what: string): OpenRun {
    this.writable();
    const open = this.open.get(runKey(ids));
    if (open === undefined)
      throw new InternalError(`${what} for run ${runKey(ids)}, which has not begun (or has ended)`);
    return open;
  }

  /** Runs `op` now when nothing is queued, else after everything queued. */
  private whenReady(op: () => void): void | Promise<void> {
    if (this.pending === 0) return op();
    return this.enqueue(op);
  }

  private enqueue<T>(op: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(op).finally(() => {
      this.pending--;
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private rowsAdded(n: number): void {
    this.unflushed += n;
    if (this.unflushed >= this.flushRows) this.flushAll();
  }

  private flushAll(): void {
    if (this.unflushed === 0) return;
    this.stepsAppender?.flushSync();
    this.variablesAppender?.flushSync();
    this.actionsAppender?.flushSync();
    this.unflushed = 0;
  }
}

function runKey(ids: RunIds): string {
  return `${ids.simulation}/${ids.subset}/${ids.run}`;
}

/**
 * The exact text of a value: a bigint's decimal digits; a number's shortest round-trip
 * form (`String`), which, unlike trace.csv's 12 significant digits, reads back to the
 * same double.
 */
function appendExact(a: DuckDBAppender, v: bigint | number | undefined): void {
  if (v === undefined) a.appendNull();
  else a.appendVarchar(String(v));
}

function appendFloat(a: DuckDBAppender, v: bigint | number | undefined): void {
  if (v === undefined) a.appendNull();
  else a.appendDouble(typeof v === "bigint" ? toPlotNumber(v) : v);
}

function appendText(a: DuckDBAppender, v: string | undefined): void {
  if (v === undefined) a.appendNull();
  else a.appendVarchar(v);
}

/** KPIs as JSON: bigints as decimal strings, non-finite numbers as "NaN", "Infinity", "-Infinity". */
function kpisJson(kpis: Readonly<Record<string, number | bigint>>): string {
  return JSON.stringify(kpis, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
}

function toPlain(v: unknown): PlainValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "boolean":
    case "number":
    case "string":
      return v;
    case "bigint":
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    default:
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
      if (Array.isArray(v)) return v.map(toPlain);
      if (typeof v === "object") {
        const out: { [key: string]: PlainValue } = {};
        for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
        return out;
      }
      return String(v);
  }
}

// ---------------------------------------------------------------------------------------
// Readers

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
export interface StepSummaryRow {
  readonly simulation: number;
  readonly subset: number;
  readonly timestep: number;
  /** Runs with a value. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation; NaN when n < 2. */
  readonly sd: number;
  readonly p5: number;
  readonly p50: number;
  readonly p95: number;
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
