import { existsSync } from "node:fs";
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { InternalError, UserError } from "../engine/errors.js";
import { toJson } from "./files.js";
import { checkTables, resultsFileError } from "./resultsDb.js";
import { ACTIONS_DDL, quoteIdent, RUNS_DDL, stepsDdl, VARIABLES_DDL } from "./schema.js";
import type { RunIds, RunRow, SinkOptions, StoreMessage } from "./storeRows.js";
import { messageSink } from "./storeRows.js";
import type { ActionRecord, RunSink } from "../engine/run.js";
import type { StepSample, TraceLayout } from "./trace.js";
import { toPlotNumber } from "./values.js";

export * from "./storeRows.js";
export * from "./storeReaders.js";

/**
 * The DuckDB results store (the tables of `schema.ts`): one writer, many readers.
 *
 * A run is recorded whole or not at all. Each run that begins gets a connection of its own and a transaction on it;
 * its `steps`, `variables` and `actions` rows go into that transaction through DuckDB appenders (flushed every
 * `flushRows` rows, so memory stays flat however many steps), and its `runs` row commits them (`recordRun`). A run
 * abandoned (stopped, failed) is rolled back; a process killed mid-run leaves nothing of it in the file, since DuckDB
 * only replays committed transactions. Runs in flight at the same time (a pool of workers) write side by side.
 *
 * The experiment's main process is the only writer (DuckDB locks the file against other processes); workers send it
 * plain `StoreMessage`s (`messageSink`) and it calls `store.write(message)`. The calls for one run are applied in the
 * order they are made: a row is appended synchronously when the run's transaction is open and nothing of the run is
 * queued, otherwise it waits its turn.
 *
 * A KPI that no earlier run reported adds a column to `steps`. DuckDB refuses a transaction that appended to a table
 * another transaction altered, so the column is added once the runs open at that moment have been recorded or
 * abandoned, and the run that reported it (and every run begun after it) opens its transaction after the change.
 *
 * Reading: `query`, `readRuns`, `readStepsSummary`, `readFinalKpis`, each seeing every run recorded before it was
 * called, and nothing of a run not recorded.
 */

/** A plain value read back: bigints become numbers when safe, else decimal strings. */
export type PlainValue = null | boolean | number | string | PlainValue[] | { [key: string]: PlainValue };
export type PlainRow = Record<string, PlainValue>;

export interface StoreOptions {
  /** Open an existing store for reading only (any write throws). */
  readonly readOnly?: boolean;
  /** Rows a run appends between flushes of its appenders; default 10,000. */
  readonly flushRows?: number;
  /** DuckDB's memory limit, such as "1GB"; default DuckDB's (80% of RAM). */
  readonly memoryLimit?: string;
}

export const FLUSH_ROWS = 10_000;

/** The first columns of `steps`; the KPI columns follow. */
const STEPS_KEY_COLUMNS = ["simulation", "subset", "run", "timestep", "substep"] as const;

/**
 * A connection of the store's own, with appenders on the three tables a run fills: a run's transaction while the run
 * is open, idle between runs (kept, appenders and all, for the next run: creating them costs more than a run's rows).
 */
interface RunTx {
  readonly connection: DuckDBConnection;
  /** The KPI columns of `steps` its steps appender was made for (no column is added while a run is open). */
  kpis: readonly string[];
  steps: DuckDBAppender;
  readonly variables: DuckDBAppender;
  readonly actions: DuckDBAppender;
}

/** A run begun and not yet recorded or abandoned. */
interface OpenRun {
  readonly ids: RunIds;
  readonly layout: TraceLayout;
  readonly variables: boolean;
  /** The run's actions so far (the next one's `seq`). */
  seq: number;
  /** Set once its transaction is open. */
  tx: RunTx | undefined;
  /** Rows appended since its appenders were last flushed. */
  unflushed: number;
  /** Its operations, in call order. */
  ops: Promise<void>;
  pending: number;
  /** Settles when the run is recorded or abandoned. */
  readonly ended: Promise<void>;
  readonly end: () => void;
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
    return new Store(path, instance, connection, kpis, readOnly, options.flushRows ?? FLUSH_ROWS);
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw fileError(e);
  }
}

export class Store {
  /** The KPI columns, those being added included. */
  private readonly kpiColumns: string[];
  private readonly kpiSet: Set<string>;
  /** The KPI columns `steps` has now. */
  private tableKpis: readonly string[];
  private readonly open = new Map<string, OpenRun>();
  /** Connections whose run has ended, for the next run. */
  private readonly idle: RunTx[] = [];
  /** Everything a reader must wait for: schema changes, runs recorded, rows removed. */
  private tail: Promise<void> = Promise.resolve();
  /** The latest change to the columns of `steps`: a run's transaction opens after it. */
  private schema: Promise<void> = Promise.resolve();
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
    this.tableKpis = [...kpis];
  }

  /** The KPI columns of `steps`, in table order (a column being added counts). */
  get kpis(): readonly string[] {
    return this.kpiColumns;
  }

  /** Rows the open runs appended since their appenders were last flushed: never more than `flushRows` each. */
  get bufferedRows(): number {
    let n = 0;
    for (const run of this.open.values()) n += run.unflushed;
    return n;
  }

  /** A RunSink writing one run into this store; `recordRun` ends it. */
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

  /** Starts a run: its transaction opens (once `steps` has the KPI columns it reports); its rows may follow at once. */
  beginRun(ids: RunIds, layout: TraceLayout, options: SinkOptions): Promise<void> {
    this.writable();
    const key = runKey(ids);
    if (layout.simulation !== ids.simulation || layout.subset !== ids.subset || layout.run !== ids.run) {
      throw new InternalError(`the sink of run ${key} received the layout of run ${runKey(layout)}`);
    }
    if (this.open.has(key)) {
      throw new InternalError(`run ${key} began twice: discardRun(ids) before running it again`);
    }
    const before = [...this.open.values()].map((r) => r.ended);
    let end = (): void => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    const run: OpenRun = {
      ids,
      layout,
      variables: options.variables,
      seq: 0,
      tx: undefined,
      unflushed: 0,
      ops: Promise.resolve(),
      pending: 0,
      ended,
      end,
    };
    this.open.set(key, run);
    const missing = layout.kpis.filter((k) => !this.kpiSet.has(k));
    if (missing.length > 0) {
      for (const k of missing) {
        this.kpiSet.add(k);
        this.kpiColumns.push(k);
      }
      const previous = this.schema;
      this.schema = this.global(async () => {
        await previous;
        await Promise.all(before);
        for (const k of missing) {
          await this.connection.run(`ALTER TABLE steps ADD COLUMN ${quoteIdent(k)} DOUBLE`);
          this.tableKpis = [...this.tableKpis, k];
        }
      });
    }
    const schema = this.schema;
    return this.runOp(run, async () => {
      await schema;
      run.tx = await this.openTx();
    });
  }

  /** One `steps` row and, when the run writes variables, one `variables` row per variable. */
  appendSample(ids: RunIds, sample: StepSample): void | Promise<void> {
    const run = this.openRun(ids, "sample");
    return this.whenReady(run, (tx) => {
      const { simulation, subset, run: r } = run.ids;
      const steps = tx.steps;
      steps.appendInteger(simulation);
      steps.appendInteger(subset);
      steps.appendInteger(r);
      steps.appendInteger(sample.timestep);
      steps.appendVarchar(sample.substep);
      for (const k of tx.kpis) {
        const v = Object.prototype.hasOwnProperty.call(sample.kpis, k) ? sample.kpis[k] : undefined;
        if (v === undefined) steps.appendNull();
        else steps.appendDouble(typeof v === "bigint" ? toPlotNumber(v) : v);
      }
      steps.endRow();
      this.rowsAdded(run, tx, 1);
      if (!run.variables) return;
      const vars = tx.variables;
      const diverged = sample.diverged.length > 0 ? new Set(sample.diverged) : undefined;
      for (const name of run.layout.variables) {
        const m = sample.model?.get(name);
        const c = sample.chain?.get(name);
        vars.appendInteger(simulation);
        vars.appendInteger(subset);
        vars.appendInteger(r);
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
      this.rowsAdded(run, tx, run.layout.variables.length);
    });
  }

  /** One `actions` row; `seq` counts the run's actions from 0. */
  appendAction(ids: RunIds, record: ActionRecord): void | Promise<void> {
    const run = this.openRun(ids, "action");
    return this.whenReady(run, (tx) => {
      const a = tx.actions;
      a.appendInteger(run.ids.simulation);
      a.appendInteger(run.ids.subset);
      a.appendInteger(run.ids.run);
      a.appendInteger(run.seq++);
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
      this.rowsAdded(run, tx, 1);
    });
  }

  /**
   * Writes (or replaces) a run's `runs` row. For a run that began, the row commits the run's transaction: its
   * samples, actions and row become visible together, or (a kill before the commit) not at all.
   */
  recordRun(row: RunRow): Promise<void> {
    this.writable();
    const key = runKey(row);
    const run = this.open.get(key);
    if (run === undefined) return this.global(() => insertRunRow(this.connection, row));
    this.open.delete(key);
    const committed = this.runOp(run, async () => {
      const tx = this.txOf(run);
      run.tx = undefined;
      try {
        flushAppenders(tx);
        await insertRunRow(tx.connection, row);
        await tx.connection.run("COMMIT");
      } catch (e) {
        await tx.connection.run("ROLLBACK").catch(() => {});
        closeTx(tx);
        throw e;
      }
      this.idle.push(tx);
    });
    void committed.then(run.end, run.end);
    this.tail = settled(this.tail, committed);
    return committed;
  }

  /** Ends a run without recording it (stopped, or failed before its row): everything it appended is rolled back. */
  abandonRun(ids: RunIds): Promise<void> {
    this.writable();
    const key = runKey(ids);
    const run = this.open.get(key);
    if (run === undefined) return Promise.resolve();
    this.open.delete(key);
    const rolledBack = this.runOp(run, () => this.rollback(run));
    void rolledBack.then(run.end, run.end);
    return rolledBack;
  }

  /** Removes every row of a run, recorded or not (to run it again) and forgets it. */
  discardRun(ids: RunIds): Promise<void> {
    const abandoned = this.abandonRun(ids);
    return this.global(async () => {
      await abandoned;
      await this.connection.run("BEGIN TRANSACTION");
      try {
        for (const table of ["steps", "variables", "actions", "runs"]) {
          await this.connection.run(`DELETE FROM ${table} WHERE simulation = $1 AND subset = $2 AND run = $3`, [
            ids.simulation,
            ids.subset,
            ids.run,
          ]);
        }
        await this.connection.run("COMMIT");
      } catch (e) {
        await this.connection.run("ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  /** Waits until every run recorded so far is committed (durable and visible). */
  flush(): Promise<void> {
    return this.global(() => {});
  }

  /**
   * Runs `statements` in one transaction on the store's own connection, after every run recorded so far: a process
   * killed half-way leaves the tables as they were.
   */
  transaction(
    statements: (run: (sql: string, params?: readonly DuckDBValue[]) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    this.writable();
    return this.global(async () => {
      await this.connection.run("BEGIN TRANSACTION");
      try {
        await statements(async (sql, params = []) => void (await this.connection.run(sql, [...params])));
        await this.connection.run("COMMIT");
      } catch (e) {
        await this.connection.run("ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  /** Runs SQL after every run recorded so far; rows come back plain (bigints as numbers when safe, else strings). */
  query(sql: string, params: readonly DuckDBValue[] | Readonly<Record<string, DuckDBValue>> = []): Promise<PlainRow[]> {
    if (this.closed) throw new UserError(`The results store ${this.path} is closed: open it again to read.`);
    return this.global(async () => {
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

  /** Abandons the runs still open (nothing of them is kept), then closes; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    const abandoned = this.readOnly ? [] : [...this.open.values()].map((r) => this.abandonRun(r.ids));
    this.closed = true;
    await Promise.allSettled(abandoned);
    await this.tail;
    for (const tx of this.idle.splice(0)) closeTx(tx);
    this.connection.closeSync();
    this.instance.closeSync();
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

  private txOf(run: OpenRun): RunTx {
    if (run.tx === undefined) throw new InternalError(`run ${runKey(run.ids)} has no open transaction`);
    return run.tx;
  }

  /** A connection in a transaction, with appenders on the three tables a run fills (`steps` as it is now). */
  private async openTx(): Promise<RunTx> {
    let tx = this.idle.pop();
    if (tx === undefined) {
      const connection = await this.instance.connect();
      tx = {
        connection,
        kpis: this.tableKpis,
        steps: await connection.createAppender("steps"),
        variables: await connection.createAppender("variables"),
        actions: await connection.createAppender("actions"),
      };
    } else if (tx.kpis !== this.tableKpis) {
      tx.steps.closeSync();
      tx.steps = await tx.connection.createAppender("steps");
      tx.kpis = this.tableKpis;
    }
    await tx.connection.run("BEGIN TRANSACTION");
    return tx;
  }

  private async rollback(run: OpenRun): Promise<void> {
    const tx = run.tx;
    run.tx = undefined;
    if (tx === undefined) return;
    try {
      // Buffered rows go into the transaction thrown away, not into the next run's.
      flushAppenders(tx);
      await tx.connection.run("ROLLBACK");
      this.idle.push(tx);
    } catch {
      await tx.connection.run("ROLLBACK").catch(() => {});
      closeTx(tx);
    }
  }

  /** Runs `op` on the run's transaction now when nothing of the run is queued, else after what is. */
  private whenReady(run: OpenRun, op: (tx: RunTx) => void): void | Promise<void> {
    if (run.pending === 0 && run.tx !== undefined) return op(run.tx);
    return this.runOp(run, () => op(this.txOf(run)));
  }

  /** Chains `op` after the run's earlier operations. */
  private runOp<T>(run: OpenRun, op: () => T | Promise<T>): Promise<T> {
    run.pending++;
    const result = run.ops.then(op).finally(() => {
      run.pending--;
    });
    run.ops = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Chains `op` after everything a reader waits for. */
  private global<T>(op: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(op);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private rowsAdded(run: OpenRun, tx: RunTx, n: number): void {
    run.unflushed += n;
    if (run.unflushed < this.flushRows) return;
    tx.steps.flushSync();
    tx.variables.flushSync();
    tx.actions.flushSync();
    run.unflushed = 0;
  }
}

/** Flushes the run's last rows into its transaction. */
function flushAppenders(tx: RunTx): void {
  for (const a of [tx.steps, tx.variables, tx.actions]) a.flushSync();
}

/** Closes a connection and its appenders, whatever state they are in. */
function closeTx(tx: RunTx): void {
  for (const a of [tx.steps, tx.variables, tx.actions]) {
    try {
      a.closeSync();
    } catch {
      // Its rows belong to a transaction that is over.
    }
  }
  tx.connection.closeSync();
}

/** `p` after `tail`, never rejecting: what readers wait for. */
function settled(tail: Promise<void>, p: Promise<unknown>): Promise<void> {
  return Promise.all([tail, p]).then(
    () => undefined,
    () => tail,
  );
}

async function insertRunRow(connection: DuckDBConnection, row: RunRow): Promise<void> {
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
  await connection.run(`INSERT OR REPLACE INTO runs VALUES (${placeholders})`, values);
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
