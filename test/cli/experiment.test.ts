import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simAb } from "../../simulation/cli/experiments/ab.js";
import { simExport } from "../../simulation/cli/experiments/export.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { openStore } from "../../simulation/analysis/store.js";
import { runSeed } from "../../simulation/engine/plan.js";
import { capture } from "../helpers/capture.js";

/**
 * chai's closeTo, for floats. Hardhat 3's chai matchers take closeTo over for every number once this process has
 * opened a network connection, and turn its arguments into bigints: a mean in wei beyond 2^53 then throws
 * "Integer ... is unsafe" (so closeTo passed or threw depending on which tests ran before).
 */
function expectClose(actual: number, expected: number, delta: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual}, expected ${expected} +/- ${delta}`).to.be.at.most(delta);
}

function onlyFolder(dir: string): string {
  const entries = readdirSync(dir).filter((e) => !e.startsWith("."));
  expect(entries).to.have.length(1);
  return join(dir, entries[0]!);
}

describe("cli: experiments", function () {
  this.timeout(600_000);
  let out: string;
  beforeEach(() => (out = mkdtempSync(join(tmpdir(), "lockstep-exp-"))));
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  it("sim sweep: the grid's cartesian product times the runs lands in DuckDB, run by run, on two workers", async function () {
    const { value: code } = await capture(() =>
      simSweep(hre, {
        scenario: "fees-and-rewards",
        grid: "fees.feeBps=25,100 fees.ecoBps=1000,9000",
        runs: "2",
        steps: "4",
        seed: "9",
        workers: "2",
        out,
      }),
    );
    expect(code).to.equal(0);
    const folder = onlyFolder(out);
    const manifest = JSON.parse(readFileSync(join(folder, "experiment.json"), "utf8"));
    expect(manifest.kind).to.equal("sweep");
    expect(manifest.status).to.equal("complete");
    expect(manifest.runs).to.deep.equal({ total: 8, completed: 8, failed: 0 });
    expect(
      manifest.subsets.map((s: { assignments: { value: number }[] }) => s.assignments.map((a) => a.value)),
    ).to.deep.equal([
      [25, 1000],
      [25, 9000],
      [100, 1000],
      [100, 9000],
    ]);
    const store = await openStore(join(folder, "results.duckdb"), { readOnly: true });
    try {
      const runs = await store.query(
        "SELECT subset, run, seed, status, json_extract(params, '$.fees.feeBps')::INT AS fee, json_extract(params, '$.fees.ecoBps')::INT AS eco FROM runs ORDER BY subset, run",
      );
      expect(runs).to.have.length(8);
      for (const r of runs) {
        expect(r["status"]).to.equal("model-only");
        // Common random numbers: run r of every subset on the seed of (--seed, r).
        expect(r["seed"]).to.equal(runSeed(9, 0, Number(r["run"]), true));
        expect([r["fee"], r["eco"]]).to.deep.equal(
          manifest.subsets[Number(r["subset"])].assignments.map((a: { value: number }) => a.value),
        );
      }
      const steps = await store.query("SELECT count(*) AS n, count(DISTINCT timestep) AS t FROM steps");
      expect(steps[0]).to.deep.equal({ n: 8 * 5, t: 5 });
      // Model-mode runs keep their actions in the worker unless --actions asks for them.
      expect(await store.query("SELECT count(*) AS n FROM actions")).to.deep.equal([{ n: 0 }]);
      // Monte Carlo summaries per KPI per step: the median of two runs is their mean.
      const summary = await store.query(
        "SELECT s.mean, s.p50, s.n, (SELECT avg(commits) FROM steps WHERE subset = 3 AND timestep = 4) AS direct FROM step_summaries s WHERE kpi = 'commits' AND subset = 3 AND timestep = 4",
      );
      expect(summary).to.have.length(1);
      expect(summary[0]!["n"]).to.equal(2);
      expect(summary[0]!["mean"]).to.equal(summary[0]!["direct"]);
      expect(summary[0]!["p50"]).to.equal(summary[0]!["mean"]);
      expect(manifest.stepSummaries.rows).to.equal(
        manifest.subsets.length * 5 * Object.keys(manifest.summary[0].kpis).length,
      );
      // A higher ecosystem share moves fees from the rewards pool to the ecosystem fund, seed by seed.
      const eco = await store.query(
        'SELECT subset, run, "ecosystem_fund" AS e, "rewards_pool" AS p FROM steps WHERE timestep = 4 ORDER BY subset, run',
      );
      expect(Number(eco[2]!["e"])).to.be.greaterThan(Number(eco[0]!["e"]));
    } finally {
      await store.close();
    }
    const { value: exportCode } = await capture(() => simExport({ in: folder, format: "csv" }));
    expect(exportCode).to.equal(0);
    const header = readFileSync(join(folder, "export", "steps.csv"), "utf8").split("\n")[0]!;
    expect(header.split(",").slice(0, 5)).to.deep.equal(["simulation", "subset", "run", "timestep", "substep"]);
    expect(header).to.include("fees.feeBps");
  });

  it("sim sweep --actions: model-mode runs store every action, the same in a worker as in this process", async function () {
    const counts: number[][] = [];
    for (const workers of ["1", "0"]) {
      const dir = join(out, `w${workers}`);
      const { value: code } = await capture(() =>
        simSweep(hre, {
          scenario: "fees-and-rewards",
          grid: "fees.feeBps=25,100",
          runs: "1",
          steps: "3",
          workers,
          actions: true,
          out: dir,
        }),
      );
      expect(code).to.equal(0);
      const store = await openStore(join(onlyFolder(dir), "results.duckdb"), { readOnly: true });
      try {
        const rows = await store.query(
          "SELECT r.subset, r.actions AS total, (SELECT count(*) FROM actions a WHERE a.subset = r.subset AND a.run = r.run) AS stored FROM runs r ORDER BY r.subset",
        );
        expect(rows).to.have.length(2);
        for (const r of rows) expect(Number(r["stored"])).to.equal(Number(r["total"])).and.to.be.greaterThan(0);
        counts.push(rows.map((r) => Number(r["stored"])));
      } finally {
        await store.close();
      }
    }
    expect(counts[0]).to.deep.equal(counts[1]);
  });

  it("sim ab: the paired difference of a case with a known answer (revenue scales with the fee on common seeds)", async function () {
    // For 4 steps the fee ramp has not started: arm B charges exactly 4x arm A's fee, agents act the same
    // on common seeds (their sellers' margins, 50%, are far above either fee, so none leaves), and prices
    // are whole cents, so each pair's revenue differs by exactly 3x arm A's.
    const { value: code, stdout } = await capture(() =>
      simAb(hre, {
        scenario: "fees-and-rewards",
        a: "fees.feeBps=25",
        b: "fees.feeBps=100",
        set: "sellers.marginMean=0.5 sellers.marginSd=0",
        runs: "8",
        steps: "4",
        workers: "0",
        out,
      }),
    );
    expect(code, stdout).to.equal(0);
    const manifest = JSON.parse(readFileSync(join(onlyFolder(out), "experiment.json"), "utf8"));
    expect(manifest.seeds).to.equal("common");
    const revenue = manifest.ab.kpis.protocol_revenue;
    expect(manifest.ab.pairs).to.equal(8);
    expectClose(revenue.meanB, 4 * revenue.meanA, 1e-6 * revenue.meanB, "meanB");
    expectClose(revenue.meanDiff, 3 * revenue.meanA, 1e-6 * revenue.meanB, "meanDiff");
    expect(revenue.ci[0]).to.be.lessThan(revenue.meanDiff);
    expect(revenue.ci[1]).to.be.greaterThan(revenue.meanDiff);
    expect(revenue.pValue).to.be.lessThan(0.01);
    // Printed in whole tokens of the unit the scenario declares (stored in wei).
    expect(stdout).to.match(/protocol_revenue\s+[\d.]+ xUSD\s+[\d.]+ xUSD\s+[\d.]+ xUSD/);
    const commits = manifest.ab.kpis.commits;
    expect(commits.meanDiff).to.equal(0);
    expect(commits.status).to.equal("zero-variance");
    expect(commits.pValue).to.equal(1);
  });

  it("sim sweep: a run whose worker dies is recorded as failed with its error, and the others complete", async function () {
    process.env["LOCKSTEP_TEST_CRASH"] = "1:1:2";
    let code: number;
    try {
      ({ value: code } = await capture(() =>
        simSweep(hre, {
          scenario: "fees-and-rewards",
          grid: "fees.feeBps=25,50",
          runs: "2",
          steps: "3",
          workers: "2",
          out,
        }),
      ));
    } finally {
      delete process.env["LOCKSTEP_TEST_CRASH"];
    }
    expect(code).to.equal(1);
    const folder = onlyFolder(out);
    const manifest = JSON.parse(readFileSync(join(folder, "experiment.json"), "utf8"));
    expect(manifest.runs).to.deep.equal({ total: 4, completed: 3, failed: 1 });
    expect(manifest.summary.map((s: { n: number }) => s.n)).to.deep.equal([2, 1]);
    const store = await openStore(join(folder, "results.duckdb"), { readOnly: true });
    try {
      const runs = await store.query("SELECT subset, run, status, error FROM runs ORDER BY subset, run");
      expect(runs.map((r) => r["status"])).to.deep.equal(["model-only", "model-only", "model-only", "failed"]);
      expect(runs[3]!["error"]).to.equal("Error: worker process exited (code 70, signal none) during the run");
      // The failed run left no rows but its own, and the summaries are over the completed runs only.
      expect(await store.query("SELECT count(*) AS n FROM steps WHERE subset = 1 AND run = 1")).to.deep.equal([
        { n: 0 },
      ]);
      expect(await store.query("SELECT DISTINCT subset, n FROM step_summaries ORDER BY subset")).to.deep.equal([
        { subset: 0, n: 2 },
        { subset: 1, n: 1 },
      ]);
    } finally {
      await store.close();
    }
  });

  it("sim sweep: a run that fails part-way is recorded as failed with its error and none of its rows", async function () {
    const { value: code } = await capture(() =>
      simSweep(hre, {
        scenario: "test/fixtures/scenarios/failingAtStep.ts",
        grid: "savers=2,3",
        runs: "1",
        steps: "4",
        workers: "0",
        out,
      }),
    );
    expect(code).to.equal(1);
    const store = await openStore(join(onlyFolder(out), "results.duckdb"), { readOnly: true });
    try {
      const runs = await store.query("SELECT subset, status, error FROM runs ORDER BY subset");
      expect(runs).to.deep.equal(
        [0, 1].map((subset) => ({ subset, status: "failed", error: "Error: the saver's policy failed at step 2" })),
      );
      for (const table of ["steps", "variables", "actions"])
        expect(await store.query(`SELECT count(*) AS n FROM ${table}`), table).to.deep.equal([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });

  it("sim sweep: rejects bad input with one line and exit code 2, leaving nothing behind", async function () {
    const cases: [Record<string, string>, string][] = [
      [{ grid: "" }, 'Missing option --grid: expected path=v1,v2,..., for example --grid "fees.feeBps=25,50,100".'],
      [
        { grid: "fees.feeBps=25,99999" },
        "Invalid parameter params.fees.feeBps = 99999: expected an integer in 0..10000 (basis points).",
      ],
      [
        { grid: "fees.feeBps=25 fees.feeBps=50" },
        "Parameter params.fees.feeBps is swept twice in --grid: give it once.",
      ],
      [{ grid: "fees.feeBps=25", workers: "-2" }, 'Invalid option --workers = "-2": expected an integer in 0..64.'],
      [{ grid: "fees.feeBps=25", mode: "chain" }, 'Invalid option --mode = "chain": expected model or lockstep.'],
      [
        { grid: "fees.feeBps=600" },
        "Invalid parameter params.fees.feeBps = 600: expected at most params.fees.maxFeeBps (400) (in --grid).",
      ],
    ];
    for (const [args, message] of cases) {
      const { value: code, stderr } = await capture(() =>
        simSweep(hre, { scenario: "fees-and-rewards", out, ...args }),
      );
      expect(stderr, JSON.stringify(args)).to.equal(`error: ${message}\n`);
      expect(code).to.equal(2);
      expect(readdirSync(out)).to.deep.equal([]);
    }
  });
});
