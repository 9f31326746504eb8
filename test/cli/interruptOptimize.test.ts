import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simOptimize } from "../../simulation/cli/experiments/optimize.js";
import { capture } from "../helpers/capture.js";
import { expectWhole, onlyFolder, readJson, runTimes, sim, tablesOf, type Rows } from "../helpers/interrupted.js";

/**
 * `sim optimize` stopped by real signals in its search and in its chain confirmation: no verdict is printed for what
 * did not run, and the resumed search (seeded, told only what the store holds) asks the same candidates and ends
 * with the uninterrupted optimisation's results.
 */
const OPTIMIZE = {
  scenario: "fees-and-rewards",
  objective: "protocol_revenue",
  param: "fees.feeBps=0..300",
  budget: "8",
  population: "4",
  runsPerEval: "2",
  confirm: "2",
  steps: "3",
} as const;
/** Runs of the search: 2 generations of 4 candidates, 2 seeds each. */
const SEARCH_RUNS = 16;

const argv = (out: string, workers: string): string[] => [
  "optimize",
  ...Object.entries(OPTIMIZE).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v]),
  "--workers",
  workers,
  "--out",
  out,
];

describe("interrupted sim optimize: no verdict for what did not run; resumed, the same search and results", function () {
  this.timeout(300_000);
  let root: string;
  let tables: Record<string, Rows>;
  let optimize: Record<string, unknown>;
  let n = 0;
  const fresh = (): string => join(root, `case-${n++}`);

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-interrupt-opt-"));
    const out = join(root, "ref");
    const { value, stderr } = await capture(() => simOptimize(hre, { ...OPTIMIZE, workers: "2", out }));
    expect(value, stderr).to.equal(0);
    const folder = onlyFolder(out);
    tables = await tablesOf(folder);
    optimize = readJson(join(folder, "experiment.json"))["optimize"] as Record<string, unknown>;
    expect((optimize["history"] as unknown[]).length).to.equal(2);
    expect((optimize["confirmation"] as unknown[]).length).to.equal(2);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function resumeAndCompare(folder: string): Promise<string> {
    const before = await runTimes(folder);
    const { value, stdout, stderr } = await capture(() => simOptimize(hre, { resume: folder }));
    expect(value, stderr).to.equal(0);
    const spec = readJson(join(folder, "experiment.json"));
    expect(spec["status"]).to.equal("complete");
    expect(spec["optimize"]).to.deep.equal(optimize);
    const resumed = await tablesOf(folder);
    for (const [table, rows] of Object.entries(tables)) expect(resumed[table], table).to.deep.equal(rows);
    const after = await runTimes(folder);
    for (const [k, seconds] of before) expect(after.get(k), `run ${k}`).to.equal(seconds);
    return stdout;
  }

  it("sim optimize: SIGINT after the first generation stops the search: no best is final, no confirmation verdict; resumed, the search asks the same candidates and ends as the uninterrupted one", async function () {
    const out = fresh();
    const r = await sim(argv(out, "2"), "generation:1=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include(
      "Interrupted in the search, after 1 generations (4 of 8 candidates): the chain confirmation has not run, so there is no verdict on the ranking; a resume continues the search.",
    );
    expect(r.stdout).to.not.match(/confirms the model's ranking|does NOT confirm/);
    expect(r.stdout).to.include("Best so far: ");
    const folder = onlyFolder(out);
    const spec = readJson(join(folder, "experiment.json"));
    expect(spec["status"]).to.equal("interrupted");
    const o = spec["optimize"] as Record<string, unknown>;
    expect(o["rankingConfirmed"]).to.equal(null);
    expect(o["history"]).to.deep.equal((optimize["history"] as unknown[]).slice(0, 1));
    expect(o["candidates"]).to.deep.equal((optimize["candidates"] as unknown[]).slice(0, 4));
    expect(expectWhole(await tablesOf(folder), false, false)).to.have.length(8);
    await resumeAndCompare(folder);
  });

  it("sim optimize: SIGINT in the middle of a generation tells the search nothing of it (a generation counts whole); resumed, the same search", async function () {
    const out = fresh();
    // In this process: the first generation's 8 runs one after another, stopped after 3.
    const r = await sim(argv(out, "0"), "recorded:3=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include("Interrupted in the search, after 0 generations (0 of 8 candidates)");
    const folder = onlyFolder(out);
    const o = readJson(join(folder, "experiment.json"))["optimize"] as Record<string, unknown>;
    expect([o["history"], o["candidates"], o["evaluations"]]).to.deep.equal([[], [], 0]);
    expect(expectWhole(await tablesOf(folder), false, false)).to.have.length(3);
    await resumeAndCompare(folder);
  });

  it("sim optimize: SIGINT as the chain confirmation starts gives the search's results but no verdict on the ranking", async function () {
    const out = fresh();
    const r = await sim(argv(out, "2"), "confirmation=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include(
      "Chain confirmation (lockstep, 2 seeds each): interrupted with 0 of 4 runs recorded: no verdict on the ranking yet; a resume runs the rest.",
    );
    expect(r.stdout).to.not.match(/confirms the model's ranking|does NOT confirm/);
    const folder = onlyFolder(out);
    const o = readJson(join(folder, "experiment.json"))["optimize"] as Record<string, unknown>;
    expect(o["rankingConfirmed"]).to.equal(null);
    expect(o["history"]).to.deep.equal(optimize["history"]);
    expect(o["best"]).to.deep.equal(optimize["best"]);
    const stdout = await resumeAndCompare(folder);
    expect(stdout).to.include(`${SEARCH_RUNS} runs recorded before.`);
  });

  it("sim optimize: SIGKILL in the middle of the chain confirmation keeps the confirmation runs recorded whole; resumed, the same verdict as uninterrupted", async function () {
    const out = fresh();
    const r = await sim(argv(out, "0"), `recorded:${SEARCH_RUNS + 1}=SIGKILL`);
    expect(r.signal).to.equal("SIGKILL");
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("running");
    const recorded = expectWhole(await tablesOf(folder), false, false);
    expect(recorded.filter((k) => k.startsWith("1/"))).to.have.length(1);
    await resumeAndCompare(folder);
  });
});
