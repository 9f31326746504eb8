/**
 * The results database (one DuckDB file per run or experiment folder: `results.duckdb`).
 * Rows are in cadCAD's shape (`simulation, subset, run, timestep, substep`, ...). Exact
 * amounts are kept exact as decimal strings (uint256 does not fit HUGEINT); every
 * amount also has a DOUBLE twin for plotting. This file is the contract between the
 * writers (runs, experiments) and the readers (export, report).
 */

/** One row per run. JSON columns hold bigints as decimal strings. */
export const RUNS_DDL = `CREATE TABLE IF NOT EXISTS runs (
  simulation INTEGER NOT NULL,
  subset INTEGER NOT NULL,
  run INTEGER NOT NULL,
  scenario VARCHAR NOT NULL,
  mode VARCHAR NOT NULL,
  seed UBIGINT NOT NULL,
  steps INTEGER NOT NULL,
  params JSON NOT NULL,
  model_params JSON NOT NULL,
  status VARCHAR NOT NULL,
  error VARCHAR,
  divergences INTEGER,
  first_divergence JSON,
  trace_hash VARCHAR,
  kpis JSON,
  actions INTEGER,
  reverted INTEGER,
  gas_used VARCHAR,
  wall_seconds DOUBLE,
  PRIMARY KEY (simulation, subset, run)
)`;

/**
 * One row per sample (timestep 0 is the initial state), one DOUBLE column per KPI, named
 * as the KPI (quoted identifiers). The store creates it with no KPI columns when it opens
 * and adds each KPI's column (`ALTER TABLE steps ADD COLUMN`) when the first run that
 * reports it begins, since the KPI set is the scenario's.
 */
export function stepsDdl(kpis: readonly string[]): string {
  const cols = kpis.map((k) => `  ${quoteIdent(k)} DOUBLE`).join(",\n");
  return `CREATE TABLE IF NOT EXISTS steps (
  simulation INTEGER NOT NULL,
  subset INTEGER NOT NULL,
  run INTEGER NOT NULL,
  timestep INTEGER NOT NULL,
  substep VARCHAR NOT NULL${kpis.length > 0 ? ",\n" + cols : ""}
)`;
}

/** Every compared variable at every sample, long: exact values and their DOUBLE twins. */
export const VARIABLES_DDL = `CREATE TABLE IF NOT EXISTS variables (
  simulation INTEGER NOT NULL,
  subset INTEGER NOT NULL,
  run INTEGER NOT NULL,
  timestep INTEGER NOT NULL,
  substep VARCHAR NOT NULL,
  variable VARCHAR NOT NULL,
  model VARCHAR,
  chain VARCHAR,
  model_f64 DOUBLE,
  chain_f64 DOUBLE,
  diverged BOOLEAN NOT NULL
)`;

/**
 * Every action of every run, as actions.ndjson has it. `seq` is the action's position in
 * its run (0, 1, ...: the order actions.ndjson lists them, the chain's execution order):
 * a table has no row order, and the order of a substep's actions decides its outcome.
 */
export const ACTIONS_DDL = `CREATE TABLE IF NOT EXISTS actions (
  simulation INTEGER NOT NULL,
  subset INTEGER NOT NULL,
  run INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  step INTEGER NOT NULL,
  substep VARCHAR NOT NULL,
  agent VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  args JSON NOT NULL,
  model_status VARCHAR,
  model_error VARCHAR,
  chain_status VARCHAR,
  chain_error VARCHAR,
  tx_hash VARCHAR,
  gas_used BIGINT,
  diverged BOOLEAN NOT NULL
)`;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export const RESULTS_FILE = "results.duckdb";
