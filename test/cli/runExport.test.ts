import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { parse } from "csv-parse/sync";
import hre from "hardhat";
import { simExport } from "../../simulation/cli/experiments/export.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simRun } from "../../simulation/cli/run.js";
import { runSeed } from "../../simulation/engine/plan.js";
import { capture } from "../helpers/capture.js";

const TABLES = ["runs", "steps", "variables", "actions"] as const;

type Row = Record<string, unknown>;

async function rows(db: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as Row[];
}

/**
 * `sim export --in <run folder>` against the export of an experiment holding the same run: `sim run --seed S` and a
 * one-subset, one-run lockstep sweep with --independent-seeds whose run 0 of subset 0 gets seed S (plan.ts:
 * runSeed(1, 0, 0, false); a seed whose run has a complaint rate that is not round), with the
 * scenario's default parameters (the swept value is the default) and the same steps.
 */
describe("cli: sim export of a run folder", function () {
  this.timeout(300_000);
  let root: string;
  let runDir: string;
  let expDir: string;
  let db: DuckDBConnection;
  let instance: DuckDBInstance;
  const parquet = (dir: string, table: string): string => `read_parquet('${join(dir, "export", `${table}.parquet`)}')`;

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-run-export-"));
    const seed = runSeed(1, 0, 0, false);
    const run = await capture(() =>
      simRun(hre, { scenario: "boson-commerce", steps: "4", seed: String(seed), out: join(root, "runs") }),
    );
    expect(run.value, run.stderr).to.equal(0);
    runDir = join(root, "runs", readdirSync(join(root, "runs"))[0]!);
    const exp = await capture(() =>
      simSweep(hre, {
        scenario: "boson-commerce",
        grid: "fees.feeBps=50",
        runs: "1",
        steps: "4",
        seed: "1",
        mode: "lockstep",
        workers: "0",
        independentSeeds: true,
        out: join(root, "experiments"),
      }),
    );
    expect(exp.value, exp.stderr).to.equal(0);
    expDir = join(root, "experiments", readdirSync(join(root, "experiments"))[0]!);
    for (const dir of [runDir, expDir]) {
      for (const format of ["parquet", "csv"]) {
        const { value, stderr } = await capture(() => simExport({ in: dir, format }));
        expect(value, stderr).to.equal(0);
      }
    }
    instance = await DuckDBInstance.create(":memory:");
    db = await instance.connect();
  });
  after(() => {
    db.closeSync();
    instance.closeSync();
    rmSync(root, { recursive: true, force: true });
  });

  it("sim run and the sweep ran the same run: same seed, same trace hash", async function () {
    const manifest = JSON.parse(readFileSync(join(runDir, "manifest.json"), "utf8")) as Record<string, unknown>;
    const [exp] = await rows(db, `SELECT seed, trace_hash FROM ${parquet(expDir, "runs")}`);
    expect(String(exp!["seed"])).to.equal(String(manifest["seed"]));
    expect(exp!["trace_hash"]).to.equal(manifest["traceHash"]);
  });

  it("sim export: a run folder's export has the four tables, with the columns and types of the experiment's", async function () {
    expect(readdirSync(join(runDir, "export")).sort()).to.deep.equal(
      TABLES.flatMap((t) => [`${t}.csv`, `${t}.parquet`]).sort(),
    );
    for (const table of TABLES) {
      const types = async (dir: string) =>
        (await rows(db, `DESCRIBE SELECT * FROM ${parquet(dir, table)}`)).map((r) => [
          r["column_name"],
          r["column_type"],
        ]);
      const fromRun = await types(runDir);
      expect(fromRun.length, table).to.be.greaterThan(5);
      expect(fromRun, table).to.deep.equal(await types(expDir));
      const header = (dir: string) => readFileSync(join(dir, "export", `${table}.csv`), "utf8").split("\n")[0];
      expect(header(runDir), `${table}.csv header`).to.equal(header(expDir));
    }
  });

  it("sim export: a run folder's variables and actions equal the experiment's row for row (Parquet), byte for byte (CSV)", async function () {
    for (const table of ["variables", "actions"]) {
      const [count] = await rows(db, `SELECT count(*) AS n FROM ${parquet(runDir, table)}`);
      expect(Number(count!["n"]), table).to.be.greaterThan(50);
      const [diff] = await rows(
        db,
        `SELECT (SELECT count(*) FROM (SELECT * FROM ${parquet(runDir, table)} EXCEPT ALL SELECT * FROM ${parquet(expDir, table)}))
              + (SELECT count(*) FROM (SELECT * FROM ${parquet(expDir, table)} EXCEPT ALL SELECT * FROM ${parquet(runDir, table)})) AS n`,
      );
      expect(Number(diff!["n"]), table).to.equal(0);
      const csv = (dir: string) => readFileSync(join(dir, "export", `${table}.csv`), "utf8");
      expect(csv(runDir) === csv(expDir), `${table}.csv`).to.equal(true);
    }
  });

  it("sim export: a run folder's steps equal the experiment's row for row, a KPI that is not an integer to trace.csv's 12 significant digits", async function () {
    const order = "ORDER BY simulation, subset, run, timestep";
    const fromRun = await rows(db, `SELECT * FROM ${parquet(runDir, "steps")} ${order}`);
    const fromExp = await rows(db, `SELECT * FROM ${parquet(expDir, "steps")} ${order}`);
    expect(fromRun).to.have.length(5);
    expect(fromRun.length).to.equal(fromExp.length);
    const rounded = new Set<string>();
    fromRun.forEach((r, i) => {
      const e = fromExp[i]!;
      expect(Object.keys(r)).to.deep.equal(Object.keys(e));
      for (const [k, v] of Object.entries(r)) {
        const x = e[k];
        if (typeof v === "number" && typeof x === "number" && v !== x) {
          expect(v, `${k} at timestep ${String(r["timestep"])}`).to.equal(Number(x.toPrecision(12)));
          rounded.add(k);
        } else expect(v, `${k} at timestep ${String(r["timestep"])}`).to.deep.equal(x);
      }
    });
    // The KPIs here that are ratios (the complaint rate, the sellers' strategy shares), and only they, show the
    // trace's precision.
    expect(rounded.size).to.be.greaterThan(0);
    for (const k of rounded) expect(k).to.match(/^(complaint_rate|adaptive_share|strategy_\w+)$/);
  });

  it("sim export: a run folder's steps hold trace.csv's KPI values", async function () {
    const [header, ...trace] = parse(readFileSync(join(runDir, "trace.csv"), "utf8")) as string[][];
    const kpis = header!.filter((h) => h.startsWith("kpi:"));
    expect(kpis.length).to.be.greaterThan(5);
    const steps = await rows(db, `SELECT * FROM ${parquet(runDir, "steps")} ORDER BY timestep`);
    trace.forEach((cells, i) => {
      for (const k of kpis) {
        const cell = cells[header!.indexOf(k)]!;
        expect(steps[i]![k.slice(4)], `${k} at timestep ${i}`).to.equal(cell === "" ? null : Number(cell));
      }
    });
  });

  it("sim export: a diverged run folder's runs row carries the manifest's first divergence whole, actions and all", async function () {
    const out = join(root, "diverged");
    const run = await capture(() =>
      simRun(hre, { scenario: "boson-commerce", steps: "4", modelSet: "rewards.aggregatorPointsBps=4000", out }),
    );
    expect(run.value, run.stderr).to.equal(1);
    const dir = join(out, readdirSync(out)[0]!);
    expect((await capture(() => simExport({ in: dir, format: "parquet" }))).value).to.equal(0);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    const first = manifest["firstDivergence"] as { actions: Record<string, unknown>[] };
    expect(first.actions.length, "the divergence's actions").to.be.greaterThan(0);
    const [row] = await rows(db, `SELECT status, divergences, first_divergence FROM ${parquet(dir, "runs")}`);
    expect(row!["status"]).to.equal("diverged");
    expect(row!["divergences"]).to.equal(manifest["divergences"]);
    expect(JSON.parse(String(row!["first_divergence"]))).to.deep.equal(first);
  });

  it("sim export: a run folder's runs row equals the experiment's but for the wall-clock time", async function () {
    const q = (dir: string) => rows(db, `SELECT * EXCLUDE (wall_seconds) FROM ${parquet(dir, "runs")}`);
    const fromRun = await q(runDir);
    expect(fromRun).to.have.length(1);
    expect(fromRun).to.deep.equal(await q(expDir));
    expect(fromRun[0]!["status"]).to.equal("parity");
  });
});
