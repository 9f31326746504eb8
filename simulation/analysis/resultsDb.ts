/**
 * Opening a folder's results.duckdb to read it: what DuckDB reports about a file that is not a database, is cut short,
 * is damaged or is held by another process becomes one FileError naming the file, and a database without the tables
 * and columns of schema.ts is refused before anything is read from it.
 */
import { statSync } from "node:fs";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { FileError } from "./fileErrors.js";
import { ACTIONS_DDL, RUNS_DDL, stepsDdl, VARIABLES_DDL } from "./schema.js";

export type ResultsTable = "runs" | "steps" | "variables" | "actions";

const RESULTS = "the results.duckdb an experiment writes";

/** The columns a table must have: those of its DDL (for `steps`, the key columns; KPI columns follow). */
export const REQUIRED_COLUMNS: Readonly<Record<ResultsTable, readonly string[]>> = {
  runs: ddlColumns(RUNS_DDL),
  steps: ddlColumns(stepsDdl([])),
  variables: ddlColumns(VARIABLES_DDL),
  actions: ddlColumns(ACTIONS_DDL),
};

function ddlColumns(ddl: string): string[] {
  return [...ddl.matchAll(/^\s+([a-z][a-z0-9_]*) [A-Z]+/gm)].map((m) => m[1]!);
}

/**
 * The one-line FileError for what DuckDB reported while opening (`opening`) or reading the database at `path`, or
 * undefined when the error is not about that file (a mistake in Lockstep's SQL, a file a query writes), which stays
 * what it is.
 */
export function resultsFileError(path: string, e: unknown, opening = true): FileError | undefined {
  const message = e instanceof Error ? e.message : String(e);
  if (/not a valid DuckDB database file/.test(message))
    return new FileError(`${path}: not a DuckDB database; expected ${RESULTS}.`);
  if (/Could not read enough bytes from file/.test(message))
    return new FileError(`${path}: cut short (DuckDB reads past its end); expected the whole of ${RESULTS}.`);
  if (/Corrupt database file/.test(message))
    return new FileError(`${path}: damaged (a block fails its checksum); expected ${RESULTS}, as it was written.`);
  if (!opening) return undefined;
  const lock = /Could not set lock on file .*Conflicting lock is held in .* \(PID (\d+)\)/.exec(message);
  if (lock !== null)
    return new FileError(
      `${path}: open for writing in another process (PID ${lock[1]!}); wait until it ends (an experiment still running?), then try again.`,
    );
  if (/^IO Error: /.test(message))
    return new FileError(
      `${path}: cannot be read: ${message.replace(/^IO Error: /, "").split("\n")[0]!}; expected ${RESULTS}.`,
    );
  return undefined;
}

/** DuckDB's file: three 4 KiB headers, then blocks of 256 KiB (its default block size, which Lockstep writes). */
const HEADERS_BYTES = 3 * 4096;
const BLOCK_BYTES = 256 * 1024;

/**
 * Whether the file at `path` is headers and whole blocks, as DuckDB writes it. A file cut short inside a block that
 * a reader's queries never touch (another table's) would open and read without an error; its size gives it away.
 * A missing or empty file is left to DuckDB's own message.
 */
function wholeBlocks(path: string): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return true;
  }
  return size <= HEADERS_BYTES || (size - HEADERS_BYTES) % BLOCK_BYTES === 0;
}

/**
 * Opens `path` read-only and checks that it has `tables`, each with the columns of schema.ts. Throws a FileError
 * for a file that is not such a database; the caller closes what it returns.
 */
export async function openResultsDb(
  path: string,
  tables: readonly ResultsTable[],
): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  if (!wholeBlocks(path))
    throw new FileError(`${path}: cut short (DuckDB reads past its end); expected the whole of ${RESULTS}.`);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  } catch (e) {
    throw resultsFileError(path, e) ?? e;
  }
  const connection = await instance.connect();
  try {
    await checkTables(path, connection, tables);
    return { instance, connection };
  } catch (e) {
    connection.closeSync();
    instance.closeSync();
    throw resultsFileError(path, e) ?? e;
  }
}

/** Every table of `tables` is there, with the columns of schema.ts. */
export async function checkTables(
  path: string,
  connection: DuckDBConnection,
  tables: readonly ResultsTable[],
): Promise<void> {
  const reader = await connection.runAndReadAll(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'",
  );
  const columns = new Map<string, Set<string>>();
  for (const r of reader.getRowObjectsJS()) {
    const table = String(r["table_name"]);
    const set = columns.get(table) ?? new Set<string>();
    set.add(String(r["column_name"]));
    columns.set(table, set);
  }
  for (const table of tables) {
    const have = columns.get(table);
    if (have === undefined) throw new FileError(`${path}: no table ${table}; expected ${RESULTS}.`);
    const missing = REQUIRED_COLUMNS[table].find((c) => !have.has(c));
    if (missing !== undefined)
      throw new FileError(`${path}: table ${table} has no column ${missing}; expected ${RESULTS}.`);
  }
}
