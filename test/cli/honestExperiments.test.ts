import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simOptimize } from "../../simulation/cli/experiments/optimize.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simReport } from "../../simulation/cli/report.js";
import { runSeed } from "../../simulation/engine/plan.js";
import { capture } from "../helpers/capture.js";
import { onlyFolder, readJson, sim, tablesOf } from "../helpers/interrupted.js";

/**
 * Experiments that say only what their noise allows: sweeps on common random numbers (a parameter with no effect
 * shows no difference between subsets), an optimiser that calls a flat objective flat instead of naming a best, and a
 * chain confirmation that calls a ranking within the noise a tie.
 *
 * The parameter with no effect: fees.maxFeeBps of fees-and-rewards, the cap of a fee ramp that, over these few steps,
 * never comes near it (the fee starts at 25 bps and rises 25 bps every 4 steps); no agent reads it. The one with an
 * effect: fees.feeBps on protocol_revenue, over 4 steps (before the ramp's first raise).
 */
const NO_EFFECT = { scenario: "fees-and-rewards", grid: "fees.maxFeeBps=300,400", runs: "3", steps: "6", seed: "5" };

type Summary = { subset: number; n: number; kpis: Record<string, { mean: number; p5: number; p95: number }> }[];

describe("honest experiments: common random numbers, flat objectives and tied rankings", function () {
  this.timeout(300_000);
  let root: string;
  let n = 0;
  const fresh = (): string => join(root, `case-${n++}`);
  before(() => (root = mkdtempSync(join(tmpdir(), "lockstep-honest-"))));
  after(() => rmSync(root, { recursive: true, force: true }));

  async function sweep(args: Record<string, string | boolean>): Promise<{ folder: string; stdout: string }> {
    const out = fresh();
    const { value, stdout, stderr } = await capture(() => simSweep(hre, { ...args, workers: "0", out }));
    expect(value, stderr).to.equal(0);
    return { folder: onlyFolder(out), stdout };
  }

  it("sim sweep: with common random numbers (the default), a parameter with no effect gives every subset the same KPIs; with --independent-seeds it does not", async function () {
    const common = await sweep(NO_EFFECT);
    const spec = readJson(join(common.folder, "experiment.json"));
    expect([spec["seeds"], (spec["inputs"] as Record<string, unknown>)["independentSeeds"]]).to.deep.equal([
      "common",
      false,
    ]);
    expect(common.stdout).to.include("x 3 runs (the same seeds in every subset: common random numbers)");
    const summary = spec["summary"] as Summary;
    expect(summary.map((s) => s.n)).to.deep.equal([3, 3]);
    expect(summary[1]!.kpis).to.deep.equal(summary[0]!.kpis);
    // The KPIs do vary from seed to seed: the equality is not of constants.
    expect(summary[0]!.kpis["commits"]!.p95).to.be.greaterThan(summary[0]!.kpis["commits"]!.p5);
    // Its report says how the subsets were seeded.
    const html = join(root, "common-report.html");
    const report = await capture(() => simReport({ in: common.folder, out: html }));
    expect(report.value, report.stderr).to.equal(0);
    expect(readFileSync(html, "utf8")).to.include("Every subset ran on the same seeds (common random numbers)");
    const runs = (await tablesOf(common.folder))["runs"]!;
    for (const r of runs) expect(Number(r["seed"])).to.equal(runSeed(5, 0, Number(r["run"]), true));

    const independent = await sweep({ ...NO_EFFECT, independentSeeds: true });
    expect(independent.folder).to.not.equal(common.folder);
    const ispec = readJson(join(independent.folder, "experiment.json"));
    expect(ispec["seeds"]).to.equal("independent");
    expect(independent.stdout).to.include("x 3 runs (independent seeds per subset)");
    const isummary = ispec["summary"] as Summary;
    // The draws differ from subset to subset, so the same no-effect parameter shows "effects".
    expect(isummary[1]!.kpis).to.not.deep.equal(isummary[0]!.kpis);
    for (const r of (await tablesOf(independent.folder))["runs"]!)
      expect(Number(r["seed"])).to.equal(runSeed(5, Number(r["subset"]), Number(r["run"]), false));
  });

  it("sim sweep --resume: a folder written before common random numbers (no independentSeeds in its inputs) resumes on its own, independent seeds", async function () {
    const args = { ...NO_EFFECT, independentSeeds: true };
    const reference = await sweep(args);
    const out = fresh();
    const argv = [
      "sweep",
      ...Object.entries(NO_EFFECT).flatMap(([k, v]) => [`--${k}`, v]),
      "--independent-seeds",
      "--workers",
      "0",
      "--out",
      out,
    ];
    const r = await sim(argv, "recorded:2=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    const folder = onlyFolder(out);
    // What such a folder's experiment.json said: no seeds field, no independentSeeds input.
    const spec = readJson(join(folder, "experiment.json"));
    const { seeds: _seeds, ...rest } = spec;
    const { independentSeeds: _flag, ...inputs } = rest["inputs"] as Record<string, unknown>;
    writeFileSync(join(folder, "experiment.json"), JSON.stringify({ ...rest, inputs }, null, 2));
    expect((await tablesOf(folder))["runs"]).to.have.length(2);
    const { value, stderr } = await capture(() => simSweep(hre, { resume: folder }));
    expect(value, stderr).to.equal(0);
    const resumed = await tablesOf(folder);
    const ref = await tablesOf(reference.folder);
    for (const [table, rows] of Object.entries(ref)) expect(resumed[table], table).to.deep.equal(rows);
    expect(readJson(join(folder, "experiment.json"))["seeds"]).to.equal("independent");
  });

  async function optimize(args: Record<string, string>): Promise<{ stdout: string; o: Record<string, unknown> }> {
    const out = fresh();
    const { value, stdout, stderr } = await capture(() =>
      simOptimize(hre, {
        scenario: "fees-and-rewards",
        objective: "protocol_revenue",
        budget: "8",
        population: "4",
        confirm: "2",
        workers: "2",
        out,
        ...args,
      }),
    );
    expect(value, stderr).to.equal(0);
    const spec = readJson(join(onlyFolder(out), "experiment.json"));
    expect(spec["seeds"]).to.equal("common");
    const o = spec["optimize"] as Record<string, unknown>;
    return { stdout, o };
  }

  it("sim optimize: a parameter with no effect gives a flat objective, no best named, and the chain's ranking a tie", async function () {
    const { stdout, o } = await optimize({ param: "fees.maxFeeBps=100..400", runsPerEval: "3", steps: "6" });
    expect(stdout).to.match(
      /^Flat objective: protocol_revenue does not vary over fees\.maxFeeBps in 100\.\.400 beyond its noise/m,
    );
    expect(stdout).to.include("No best is named");
    expect(stdout).to.not.match(/^Best/m);
    expect(stdout).to.match(/^The ranking is a tie: no difference between the confirmed candidates exceeds the noise/m);
    expect(stdout).to.not.match(/confirms the model's ranking/);
    const flatness = o["flatness"] as Record<string, unknown>;
    expect([flatness["verdict"], flatness["status"], flatness["blocks"]]).to.deep.equal(["flat", "identical", 3]);
    expect(flatness["treatments"]).to.be.at.least(2);
    const ranking = o["ranking"] as { verdict: string; pairs: { verdict: string; meanDiff: number }[] };
    expect(ranking.verdict).to.equal("tie");
    expect(ranking.pairs.map((p) => [p.verdict, p.meanDiff])).to.deep.equal([["tie", 0]]);
    expect(o["rankingConfirmed"]).to.equal(false);
  });

  it("sim optimize: a parameter with a real effect (the fee on fee revenue) varies beyond the noise, names a best, and the chain confirms the ranking", async function () {
    // Sellers whose margins (50%) no fee here threatens: none leaves, so over 4 steps revenue is the fee times
    // what the seed's trade brings, and the best is the highest fee by a margin the same on every seed.
    const { stdout, o } = await optimize({
      param: "fees.feeBps=0..300",
      runsPerEval: "5",
      steps: "4",
      set: "sellers.marginMean=0.5 sellers.marginSd=0",
    });
    expect(stdout).to.match(
      /^The objective varies over the range beyond its noise \(randomized complete block F-test, seeds as blocks, over \d+ candidates x 5 common seeds: F = [\d.e+]+ on \d+ and \d+ df, p [<=] [\d.e-]+, below 0\.05\)\.$/m,
    );
    expect(stdout).to.match(/^Best: fees\.feeBps=\d+: protocol_revenue /m);
    expect(stdout).to.match(
      /^The chain confirms the model's ranking: every neighbouring difference exceeds the noise/m,
    );
    const flatness = o["flatness"] as Record<string, number | string>;
    expect(flatness["verdict"]).to.equal("varies");
    expect(flatness["pValue"]).to.be.below(0.05);
    const ranking = o["ranking"] as {
      verdict: string;
      pairs: { verdict: string; meanDiff: number; adjustedP: number }[];
    };
    expect(ranking.verdict).to.equal("confirmed");
    expect(ranking.pairs).to.have.length(1);
    expect(ranking.pairs[0]!.meanDiff).to.be.greaterThan(0);
    expect(ranking.pairs[0]!.adjustedP).to.be.at.most(0.05);
    expect(o["rankingConfirmed"]).to.equal(true);
  });
});
