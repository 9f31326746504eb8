import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../engine/errors.js";
import {
  describeUnwritable,
  duckdbWriteReason,
  fsReason,
  isFsError,
  OutputError,
  unwritableDir,
} from "./fileErrors.js";
import { EXPERIMENT_FILE, readExperimentSpec } from "./report/readExperiment.js";
import { isRunFolder, readRunFolder } from "./report/readRunFolder.js";
import { runFolderStore } from "./runFolderStore.js";
import { quoteIdent, RESULTS_FILE } from "./schema.js";
import { openStore, type Store } from "./store.js";

export type ExportFormat = "parquet" | "csv";

export interface ExportOptions {
  /** The store to export from when it is open in this process (DuckDB allows one opener); default: the folder's. */
  readonly store?: Store;
}

export type ExportResultsParameters = [folder: string, format: ExportFormat, options?: ExportOptions];
export type ExportResultsReturnType = Promise<string[]>;

const TABLES = ["runs", "steps", "variables", "actions"] as const;

/**
 * Writes the tables `runs`, `steps`, `variables` and `actions` of a results folder to
 * `<folder>/export/<table>.<parquet|csv>` with DuckDB's `COPY ... TO`, and returns the
 * paths written (in that order).
 *
 * The folder is an experiment's (`results.duckdb`, opened read-only, and `experiment.json`) or a run's
 * (`manifest.json`, `trace.csv`, `actions.ndjson`: read strictly and loaded into an in-memory store as an
 * experiment's run would be, see runFolderStore.ts). Every file is read, and refused in one line if damaged, before
 * anything is written; the tables are written under a hidden name in `export/` and each moved into place only when
 * all four are, so a failure leaves the export as it was.
 *
 * `steps` comes out the way a radCAD or pandas user expects a frame: cadCAD's columns
 * (`simulation, subset, run, timestep, substep`), the KPI columns, then the run's
 * parameters flattened into one column per leaf, named by its dotted path (`fees.feeBps`),
 * so `df.groupby("fees.feeBps")` works. Integer parameters are BIGINT, real ones DOUBLE,
 * booleans BOOLEAN; amounts keep their exact decimal strings (VARCHAR). Where a run's
 * model parameters differ from its parameters (a changed model assumption), the model's
 * value follows as `model_params.<path>`. A name a KPI already uses gets `params.` in front.
 *
 * Rows are ordered by their keys (runs and steps by run and timestep, variables also by
 * name, actions by `seq`), so equal results give equal files whatever order parallel
 * workers wrote them in. Parquet keeps every type (JSON columns stay JSON); CSV is text:
 * read it back with the source types, and with `allow_quoted_nulls = false` to tell an
 * empty string ("") from a missing value.
 */
export async function exportResults(
  folder: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<string[]> {
  if (format !== "parquet" && format !== "csv") {
    throw new UserError(`Invalid export format ${JSON.stringify(format)}: expected parquet or csv.`);
  }
  const outDir = resolve(folder, "export");
  const store = options.store ?? (await openFolder(folder));
  try {
    const unwritable = unwritableDir(outDir);
    if (unwritable !== undefined)
      throw new OutputError(
        `${outDir}: ${describeUnwritable(unwritable, outDir)}; expected a folder Lockstep can write the export in.`,
      );
    const queries: [string, string][] = [
      ["runs", "SELECT * FROM runs ORDER BY simulation, subset, run"],
      ["steps", await stepsExportSql(store)],
      ["variables", "SELECT * FROM variables ORDER BY simulation, subset, run, timestep, variable"],
      ["actions", "SELECT * FROM actions ORDER BY simulation, subset, run, seq"],
    ];
    return await writeAtomically(outDir, format, (path, table) => {
      const sql = queries.find(([t]) => t === table)![1];
      const copyOptions = format === "parquet" ? "(FORMAT parquet)" : "(FORMAT csv, HEADER true)";
      return store.query(`COPY (${sql}) TO ${quoteLiteral(path)} ${copyOptions}`).then(() => undefined);
    });
  } finally {
    if (options.store === undefined) await store.close();
  }
}

/** The folder's results, read strictly: an experiment's results.duckdb (and experiment.json), or a run folder. */
async function openFolder(folder: string): Promise<Store> {
  const db = join(folder, RESULTS_FILE);
  if (existsSync(db)) {
    const spec = join(folder, EXPERIMENT_FILE);
    if (existsSync(spec)) readExperimentSpec(spec);
    return openStore(db, { readOnly: true });
  }
  if (isRunFolder(folder)) return runFolderStore(readRunFolder(folder));
  return openStore(db, { readOnly: true }); // says there is none
}

/**
 * Writes each table to `<outDir>/.export-<pid>/`, then moves the files into `outDir`; on any failure removes what it
 * wrote (and `outDir` when it made it). A file-system error is an OutputError naming the folder.
 */
async function writeAtomically(
  outDir: string,
  format: ExportFormat,
  write: (path: string, table: (typeof TABLES)[number]) => Promise<void>,
): Promise<string[]> {
  const made = !existsSync(outDir);
  const partial = join(outDir, `.export-${process.pid}`);
  const written = TABLES.map((table) => join(outDir, `${table}.${format}`));
  // Each file is moved over the one it replaces: nothing may stand in the way once the first has moved.
  const blocked = written.find((path) => existsSync(path) && statSync(path).isDirectory());
  if (blocked !== undefined)
    throw new OutputError(`${blocked}: a folder, not a file; move it away so that the export can be written there.`);
  const cannot = (e: unknown): OutputError =>
    new OutputError(
      `${outDir}: cannot be written: ${isFsError(e) ? fsReason(e) : (duckdbWriteReason(e) ?? String(e))}; expected a folder Lockstep can write the export in.`,
    );
  try {
    try {
      mkdirSync(partial, { recursive: true });
    } catch (e) {
      throw cannot(e);
    }
    for (const table of TABLES) {
      try {
        await write(join(partial, `${table}.${format}`), table);
      } catch (e) {
        throw duckdbWriteReason(e) !== undefined ? cannot(e) : e;
      }
    }
    try {
      TABLES.forEach((table, i) => renameSync(join(partial, `${table}.${format}`), written[i]!));
    } catch (e) {
      throw cannot(e);
    }
    return written;
  } finally {
    rmSync(partial, { recursive: true, force: true });
    if (made && existsSync(outDir) && readdirSync(outDir).length === 0)
      rmSync(outDir, { recursive: true, force: true });
  }
}

/** The steps frame: cadCAD columns, KPIs, then the parameters flattened by dotted path. */
export async function stepsExportSql(store: Store): Promise<string> {
  const kpis = store.kpis;
  const [structure] = await store.query("SELECT json_group_structure(params) AS s FROM runs");
  const leaves = structure?.["s"] == null ? [] : paramLeaves(JSON.parse(String(structure["s"])) as unknown, []);
  const taken = new Set<string>(["simulation", "subset", "run", "timestep", "substep", ...kpis]);
  const columnName = (name: string): string => (taken.has(name) ? `params.${name}` : name);

  const params = leaves.map((leaf) => paramColumn("r.params", leaf, columnName(leaf.path.join("."))));

  // Model parameters, only for the paths where some run's model differs from its chain.
  let modelColumns: string[] = [];
  if (leaves.length > 0) {
    const differs = leaves
      .map(
        (leaf, i) =>
          `bool_or(json_extract(params, ${jsonPath(leaf.path)}) IS DISTINCT FROM json_extract(model_params, ${jsonPath(leaf.path)})) AS d${i}`,
      )
      .join(", ");
    const [row] = await store.query(`SELECT ${differs} FROM runs`);
    modelColumns = leaves
      .filter((_, i) => row?.[`d${i}`] === true)
      .map((leaf) => paramColumn("r.model_params", leaf, columnName(`model_params.${leaf.path.join(".")}`)));
  }
  const columns = [
    "s.simulation",
    "s.subset",
    "s.run",
    "s.timestep",
    "s.substep",
    ...kpis.map((k) => `s.${quoteIdent(k)}`),
    ...params,
    ...modelColumns,
  ];
  return `SELECT ${columns.join(", ")} FROM steps s LEFT JOIN runs r
    ON r.simulation = s.simulation AND r.subset = s.subset AND r.run = s.run
    ORDER BY s.simulation, s.subset, s.run, s.timestep`;
}

interface ParamLeaf {
  readonly path: readonly string[];
  /** The SQL type of the column: BIGINT, DOUBLE, BOOLEAN or VARCHAR (amounts, and anything else). */
  readonly type: "BIGINT" | "DOUBLE" | "BOOLEAN" | "VARCHAR";
  /** An array (not produced by parameter schemas): exported as its JSON text. */
  readonly json: boolean;
}

const INTEGER_TYPES = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "UTINYINT",
  "USMALLINT",
  "UINTEGER",
  "UBIGINT",
  "UHUGEINT",
]);

/** The leaves of `json_group_structure(params)`, with the column type each becomes. */
function paramLeaves(node: unknown, path: readonly string[]): ParamLeaf[] {
  if (typeof node === "object" && node !== null && !Array.isArray(node)) {
    return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => paramLeaves(v, [...path, k]));
  }
  if (Array.isArray(node)) return [{ path, type: "VARCHAR", json: true }];
  const t = String(node);
  if (INTEGER_TYPES.has(t)) return [{ path, type: "BIGINT", json: false }];
  if (t === "DOUBLE" || t === "FLOAT") return [{ path, type: "DOUBLE", json: false }];
  if (t === "BOOLEAN") return [{ path, type: "BOOLEAN", json: false }];
  return [{ path, type: "VARCHAR", json: false }];
}

function paramColumn(source: string, leaf: ParamLeaf, name: string): string {
  const p = jsonPath(leaf.path);
  const value = leaf.json
    ? `CAST(json_extract(${source}, ${p}) AS VARCHAR)`
    : `CAST(json_extract_string(${source}, ${p}) AS ${leaf.type})`;
  return `${value} AS ${quoteIdent(name)}`;
}

/** `'$."fees"."feeBps"'`: every key quoted, so dots and spaces in keys are safe. */
function jsonPath(path: readonly string[]): string {
  return quoteLiteral("$" + path.map((k) => `."${k.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(""));
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
