import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exportResults, stepsExportSql } from "../../simulation/analysis/export.js";
import { openStore, query, type RunIds, type Store } from "../../simulation/analysis/store.js";
import { actionOf, BIG, layoutOf, paramsFor, runRowOf, sampleOf, tempFolder } from "./resultsFixture.js";

const TABLES = ["runs", "steps", "variables", "actions"] as const;

/** Writes a run: samples 0..steps, two actions per step, its runs row (unless `recorded` is false). */
async function writeRun(store: Store, ids: RunIds, steps: number, modelGrowth?: number): Promise<void> {
  const sink = store.sinkFor(ids, { variables: true });
  await sink.begin(layoutOf(ids));
  await sink.sample(sampleOf(ids, 0));
  for (let step = 0; step < steps; step++) {
    await sink.action(actionOf(step, 0));
    await sink.action(actionOf(step, 1));
    await sink.sample(sampleOf(ids, step + 1));
  }
  const row = runRowOf(ids, steps);
  await store.recordRun(
    modelGrowth === undefined ? row : { ...row, modelParams: { ...row.params, growth: modelGrowth } },
  );
}

/** Two subsets (fees.feeBps 50 and 75) of two runs, written out of order; run 0/1/1 changed a model assumption. */
async function fill(store: Store): Promise<void> {
  await writeRun(store, { simulation: 0, subset: 1, run: 1 }, 2, 0.75);
  await writeRun(store, { simulation: 0, subset: 0, run: 1 }, 3);
  await writeRun(store, { simulation: 0, subset: 1, run: 0 }, 2);
  await writeRun(store, { simulation: 0, subset: 0, run: 0 }, 3);
}

/** Rows in one relation and not in the other (as multisets), both ways. */
async function difference(store: Store, a: string, b: string): Promise<number> {
  const [row] = await query(
    store,
    `SELECT (SELECT count(*) FROM ((${a}) EXCEPT ALL (${b}))) + (SELECT count(*) FROM ((${b}) EXCEPT ALL (${a}))) AS n`,
  );
  return Number(row!["n"]);
}

async function columnTypes(store: Store, relation: string): Promise<[string, string][]> {
  const rows = await query(store, `DESCRIBE ${relation}`);
  return rows.map((r) => [String(r["column_name"]), String(r["column_type"])]);
}

/** read_csv_auto with the types of the query `source`, telling "" from NULL. */
async function readCsv(store: Store, path: string, source: string): Promise<string> {
  const types = (await columnTypes(store, source)).map(([name, type]) => `'${name.replace(/'/g, "''")}': '${type}'`);
  return `SELECT * FROM read_csv_auto('${path}', header = true, allow_quoted_nulls = false, types = {${types.join(", ")}})`;
}

describe("export", () => {
  let dir: string;
  let cleanup: () => void;
  let store: Store;

  beforeEach(async () => {
    ({ dir, cleanup } = tempFolder("export"));
    store = await openStore(join(dir, "results.duckdb"));
  });

  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it("exportResults: writes runs, steps, variables and actions to export/<table>.parquet", async () => {
    await fill(store);
    const paths = await exportResults(dir, "parquet", { store });
    expect(paths).to.deep.equal(TABLES.map((t) => join(dir, "export", `${t}.parquet`)));
    for (const p of paths) expect(existsSync(p), p).to.equal(true);
  });

  it("exportResults: round-trips runs, variables and actions through Parquet exactly, types included", async () => {
    await fill(store);
    await exportResults(dir, "parquet", { store });
    for (const table of ["runs", "variables", "actions"]) {
      const file = `read_parquet('${join(dir, "export", `${table}.parquet`)}')`;
      expect(await difference(store, `SELECT * FROM ${table}`, `SELECT * FROM ${file}`), table).to.equal(0);
      expect(await columnTypes(store, `SELECT * FROM ${file}`), table).to.deep.equal(
        await columnTypes(store, `SELECT * FROM ${table}`),
      );
      const [counts] = await query(
        store,
        `SELECT (SELECT count(*) FROM ${table}) AS a, (SELECT count(*) FROM ${file}) AS b`,
      );
      expect(counts!["a"], table).to.equal(counts!["b"]);
      expect(counts!["a"], table).to.be.above(0);
    }
  });

  it("exportResults: writes steps as a radCAD frame: cadCAD columns, KPIs, then parameters by dotted path", async () => {
    await fill(store);
    await exportResults(dir, "parquet", { store });
    const file = `read_parquet('${join(dir, "export", "steps.parquet")}')`;
    expect(await columnTypes(store, `SELECT * FROM ${file}`)).to.deep.equal([
      ["simulation", "INTEGER"],
      ["subset", "INTEGER"],
      ["run", "INTEGER"],
      ["timestep", "INTEGER"],
      ["substep", "VARCHAR"],
      ["revenue", "DOUBLE"],
      ["quality", "DOUBLE"],
      ["fees.feeBps", "BIGINT"],
      ["fees.maxFeeBps", "BIGINT"],
      ["offers.priceMin", "VARCHAR"],
      ["offers.enabled", "BOOLEAN"],
      ["growth", "DOUBLE"],
      ["model_params.growth", "DOUBLE"],
    ]);
    // The cadCAD and KPI columns are the steps table exactly.
    const cadcad = "simulation, subset, run, timestep, substep, revenue, quality";
    expect(await difference(store, `SELECT ${cadcad} FROM ${file}`, "SELECT * FROM steps")).to.equal(0);
    // One parameter set per run, as written; amounts exact; ordered by run and timestep.
    const rows = await query(store, `SELECT * FROM ${file}`);
    expect(rows).to.have.length(4 + 4 + 3 + 3);
    const keys = rows.map((r) => [r["subset"], r["run"], r["timestep"]].join("/"));
    expect(keys).to.deep.equal([...keys].sort());
    for (const r of rows) {
      const ids = { simulation: 0, subset: Number(r["subset"]), run: Number(r["run"]) };
      expect(r).to.include({
        "fees.feeBps": paramsFor(ids).fees.feeBps,
        "fees.maxFeeBps": 1000,
        "offers.priceMin": BIG.toString(),
        "offers.enabled": true,
        growth: 0.5,
        "model_params.growth": ids.subset === 1 && ids.run === 1 ? 0.75 : 0.5,
      });
    }
    // What df.groupby("fees.feeBps").size() would give.
    expect(
      await query(store, `SELECT "fees.feeBps" AS fee, count(*) AS n FROM ${file} GROUP BY ALL ORDER BY fee`),
    ).to.deep.equal([
      { fee: 50, n: 8 },
      { fee: 75, n: 6 },
    ]);
  });

  it("exportResults: round-trips every table through CSV exactly when read back with the source types", async () => {
    await fill(store);
    const paths = await exportResults(dir, "csv", { store });
    expect(paths).to.deep.equal(TABLES.map((t) => join(dir, "export", `${t}.csv`)));
    for (const table of TABLES) {
      const source = table === "steps" ? await stepsExportSql(store) : `SELECT * FROM ${table}`;
      const back = await readCsv(store, join(dir, "export", `${table}.csv`), source);
      expect(await difference(store, source, back), table).to.equal(0);
      const [counts] = await query(
        store,
        `SELECT (SELECT count(*) FROM (${source})) AS a, (SELECT count(*) FROM (${back})) AS b`,
      );
      expect(counts!["a"], table).to.equal(counts!["b"]);
      expect(counts!["a"], table).to.be.above(0);
    }
    const header = readFileSync(join(dir, "export", "steps.csv"), "utf8").split("\n")[0];
    expect(header).to.equal(
      "simulation,subset,run,timestep,substep,revenue,quality,fees.feeBps,fees.maxFeeBps,offers.priceMin,offers.enabled,growth,model_params.growth",
    );
    // Amounts stay exact digits in the text (2^200 has 61 of them).
    expect(readFileSync(join(dir, "export", "variables.csv"), "utf8")).to.contain((2n ** 200n).toString());
  });

  it("exportResults: opens the folder's database read-only when no store is given", async () => {
    await fill(store);
    await store.close();
    const paths = await exportResults(dir, "parquet");
    expect(paths).to.have.length(4);
    store = await openStore(join(dir, "results.duckdb"), { readOnly: true });
    const [n] = await query(store, `SELECT count(*) AS n FROM read_parquet('${paths[1]}')`);
    expect(n).to.deep.equal({ n: 14 });
  });

  it("exportResults: exports the steps of a run that has no runs row with empty parameters (a file an older Lockstep left when killed)", async () => {
    await writeRun(store, { simulation: 0, subset: 0, run: 0 }, 1);
    // This store records a run whole or not at all; an older one wrote a run's steps before its runs row.
    await store.query(
      "INSERT INTO steps (simulation, subset, run, timestep, substep) VALUES (0, 0, 1, 0, 'init'), (0, 0, 1, 1, 'settle')",
    );
    await exportResults(dir, "parquet", { store });
    const rows = await query(
      store,
      `SELECT run, "fees.feeBps" AS fee FROM read_parquet('${join(dir, "export", "steps.parquet")}') ORDER BY run, timestep`,
    );
    expect(rows).to.deep.equal([
      { run: 0, fee: 50 },
      { run: 0, fee: 50 },
      { run: 1, fee: null },
      { run: 1, fee: null },
    ]);
  });

  it("exportResults: prefixes a parameter whose path a KPI already uses", async () => {
    const ids = { simulation: 0, subset: 0, run: 0 };
    const sink = store.sinkFor(ids, { variables: false });
    await sink.begin(layoutOf(ids, ["growth"]));
    await sink.sample({ ...sampleOf(ids, 0), kpis: { growth: 3n } });
    await store.recordRun(runRowOf(ids, 0));
    await exportResults(dir, "parquet", { store });
    const names = (
      await columnTypes(store, `SELECT * FROM read_parquet('${join(dir, "export", "steps.parquet")}')`)
    ).map(([n]) => n);
    expect(names).to.include("growth");
    expect(names).to.include("params.growth");
  });

  it("exportResults: writes empty tables with their columns when nothing has run", async () => {
    const paths = await exportResults(dir, "csv", { store });
    expect(readFileSync(paths[1]!, "utf8")).to.equal("simulation,subset,run,timestep,substep\n");
    expect(readFileSync(paths[0]!, "utf8").split("\n")[0]).to.match(/^simulation,subset,run,scenario,mode,seed,/);
  });

  it("exportResults: rejects an unknown format", async () => {
    let message = "";
    await exportResults(dir, "xlsx" as "csv", { store }).catch((e: Error) => (message = e.message));
    expect(message).to.equal('Invalid export format "xlsx": expected parquet or csv.');
  });
});
