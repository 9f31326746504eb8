import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import hre from "hardhat";
import { Redis } from "ioredis";
import { simAb } from "../../simulation/cli/experiments/ab.js";
import { simOptimize } from "../../simulation/cli/experiments/optimize.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { encode } from "../../simulation/queue/codec.js";
import { EXPERIMENTS_KEY, PREFIX, queueName, type Announcement } from "../../simulation/queue/protocol.js";
import { checkoutCommit } from "../../simulation/queue/version.js";
import { capture } from "../helpers/capture.js";
import { expectWhole, onlyFolder, readJson, runTimes, sim, tablesOf, type Rows } from "../helpers/interrupted.js";
import { PROJECT_ROOT } from "../remote/node.js";
import { startRedis, startWorker, type RedisServer, type WorkerProcess } from "./redis.js";

/**
 * Experiments through a real redis-server and real `sim worker` processes: results equal the local pool's run by
 * run; a worker SIGKILLed mid-run has its run given to another and recorded once; a coordinator SIGKILLed and
 * resumed ends with the results.duckdb of an uninterrupted experiment, running no run twice; a worker of another
 * version refuses an experiment's runs.
 */
const LOCKSTEP = { scenario: "fees-and-rewards", grid: "fees.feeBps=25,50", runs: "3", steps: "3", mode: "lockstep" };
const MODEL = { scenario: "fees-and-rewards", grid: "fees.feeBps=25,50", runs: "4", steps: "4", seed: "5" };
const AB = { scenario: "fees-and-rewards", a: "fees.feeBps=25", b: "fees.feeBps=100", runs: "3", steps: "4" };
const OPTIMIZE = {
  scenario: "fees-and-rewards",
  objective: "protocol_revenue",
  param: "fees.feeBps=0..300",
  budget: "8",
  runsPerEval: "2",
  confirm: "1",
  steps: "3",
};
const FAILING = { scenario: "test/fixtures/scenarios/failingAtStep.ts", grid: "savers=2,3", runs: "1", steps: "4" };

describe("queue experiments (redis-server, BullMQ, sim worker processes)", function () {
  this.timeout(600_000);
  let root: string;
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let n = 0;
  const fresh = (): string => join(root, `case-${n++}`);

  /** The tables a local-pool experiment leaves (the reference). */
  async function local(run: (out: string) => Promise<number>, code = 0): Promise<Record<string, Rows>> {
    const out = fresh();
    const { value, stderr } = await capture(() => run(out));
    expect(value, stderr).to.equal(code);
    return tablesOf(onlyFolder(out));
  }

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-queue-"));
    redis = await startRedis();
    // The first worker kills itself (SIGKILL) after step 1 of the first run it takes.
    workers = [startWorker(redis.url, "worker-run:1:1=SIGKILL"), startWorker(redis.url), startWorker(redis.url)];
    await Promise.all(workers.map((w) => w.waitFor("waiting for experiments")));
  });
  after(async function () {
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("sim sweep --queue: a Redis that does not answer is one line and exit code 2, before anything is written", async function () {
    const out = fresh();
    const { value, stderr } = await capture(() => simSweep(hre, { ...MODEL, queue: "redis://127.0.0.1:1", out }));
    expect(value).to.equal(2);
    expect(stderr).to.equal(
      'error: Invalid option --queue = "redis://127.0.0.1:1": expected a Redis that answers (connect ECONNREFUSED 127.0.0.1:1): start redis-server there, or give its address.\n',
    );
    expect(existsSync(out)).to.equal(false);
  });

  it("sim worker: refuses the runs of an experiment whose code differs from its own, and leaves them queued", async function () {
    const client = new Redis(redis.url);
    const queue = new Queue(queueName("sweep-other-version"), { connection: { url: redis.url }, prefix: PREFIX });
    try {
      const announcement: Announcement = {
        experiment: "sweep-other-version",
        scenario: "fees-and-rewards",
        version: { commit: "0123456789abcdef-other", bytecode: {}, scenarioSource: null },
      };
      await queue.add("run", { task: encode({ simulation: 0, subset: 0, run: 0 }) }, { jobId: "run-0-0-0" });
      await client.hset(EXPERIMENTS_KEY, announcement.experiment, JSON.stringify(announcement));
      const line =
        `refusing the runs of experiment sweep-other-version: its commit is 0123456789abcdef-other and this ` +
        `worker's is ${checkoutCommit(PROJECT_ROOT)}. Mixed versions would corrupt the experiment: check out the ` +
        `coordinator's code (and build) here, then start this worker again.`;
      await Promise.all(workers.map((w) => w.waitFor(line, 30_000)));
      expect(await queue.getJobState("run-0-0-0")).to.equal("waiting");
    } finally {
      await client.hdel(EXPERIMENTS_KEY, "sweep-other-version");
      await queue.obliterate({ force: true });
      await queue.close();
      client.disconnect();
    }
  });

  it("sim sweep --queue: a worker SIGKILLed mid-run has its run given to another; every run is recorded once, equal to the local pool's", async function () {
    const reference = await local((out) => simSweep(hre, { ...LOCKSTEP, workers: "2", out }));
    const out = fresh();
    const { value, stderr } = await capture(() => simSweep(hre, { ...LOCKSTEP, queue: redis.url, out }));
    expect(value, stderr).to.equal(0);
    expect(await workers[0]!.exited).to.deep.equal({ code: null, signal: "SIGKILL" });
    const tables = await tablesOf(onlyFolder(out));
    expect(expectWhole(tables, true, true)).to.deep.equal(["0/0/0", "0/0/1", "0/0/2", "0/1/0", "0/1/1", "0/1/2"]);
    // Run by run: trace hashes, KPIs, action counts, every step's KPIs, every variable and every action.
    for (const [table, rows] of Object.entries(reference)) expect(tables[table], table).to.deep.equal(rows);
  });

  it("sim ab --queue and a scenario file whose runs fail: equal to the local pool's (failed runs recorded failed, after their attempts)", async function () {
    const abReference = await local((out) => simAb(hre, { ...AB, workers: "2", out }));
    const failingReference = await local((out) => simSweep(hre, { ...FAILING, workers: "0", out }), 1);
    const abOut = fresh();
    const ab = await capture(() => simAb(hre, { ...AB, queue: redis.url, out: abOut }));
    expect(ab.value, ab.stderr).to.equal(0);
    expect(await tablesOf(onlyFolder(abOut))).to.deep.equal(abReference);
    const failingOut = fresh();
    const failing = await capture(() => simSweep(hre, { ...FAILING, queue: redis.url, out: failingOut }));
    expect(failing.value, failing.stderr).to.equal(1);
    const tables = await tablesOf(onlyFolder(failingOut));
    expect(tables["runs"]!.map((r) => [r["status"], r["error"]])).to.deep.equal([
      ["failed", "Error: the saver's policy failed at step 2"],
      ["failed", "Error: the saver's policy failed at step 2"],
    ]);
    expect(tables).to.deep.equal(failingReference);
  });

  it("sim optimize --queue: generation after generation and the lockstep confirmation through the queue, equal to the local pool's", async function () {
    const refOut = fresh();
    const ref = await capture(() => simOptimize(hre, { ...OPTIMIZE, workers: "2", out: refOut }));
    expect(ref.value, ref.stderr).to.equal(0);
    const out = fresh();
    const queued = await capture(() => simOptimize(hre, { ...OPTIMIZE, queue: redis.url, out }));
    expect(queued.value, queued.stderr).to.equal(0);
    // The confirmation ran through the queue and reached the local pool's verdict (whichever the agents give).
    const verdict = (stdout: string): string | undefined =>
      stdout
        .split("\n")
        .find((l) => /^(The chain (confirms|does NOT confirm)|The ranking is a tie|One candidate confirmed)/.test(l));
    expect(verdict(ref.stdout), ref.stdout).to.be.a("string");
    expect(verdict(queued.stdout)).to.equal(verdict(ref.stdout));
    expect(await tablesOf(onlyFolder(out))).to.deep.equal(await tablesOf(onlyFolder(refOut)));
    const results = (folder: string): unknown => readJson(join(onlyFolder(folder), "experiment.json"))["optimize"];
    expect(results(out)).to.deep.equal(results(refOut));
  });

  it("sim sweep --queue: the coordinator SIGKILLed, then resumed, ends equal to an uninterrupted sweep; no run is run twice", async function () {
    const reference = await local((out) => simSweep(hre, { ...MODEL, workers: "2", out }));
    const out = fresh();
    const args = Object.entries({ ...MODEL, queue: redis.url, out }).flatMap(([k, v]) => [`--${k}`, v]);
    const killed = await sim(["sweep", ...args], "recorded:2=SIGKILL");
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("running");
    const before = await runTimes(folder);
    expect(before.size).to.equal(2);
    const { value, stdout, stderr } = await capture(() => simSweep(hre, { resume: folder, queue: redis.url }));
    expect(value, stderr).to.equal(0);
    expect(stdout).to.include(`Resuming ${folder}: 2 runs recorded before.`);
    const tables = await tablesOf(folder);
    for (const [table, rows] of Object.entries(reference)) expect(tables[table], table).to.deep.equal(rows);
    const after = await runTimes(folder);
    for (const [k, seconds] of before) expect(after.get(k), `run ${k}`).to.equal(seconds);
    // The workers ran each of the 8 runs once: the results the killed coordinator left in Redis were recorded.
    const name = folder.split("/").pop()!;
    const ran = await Promise.all(
      workers.slice(1).map(async (w) => {
        await w.waitFor(new RegExp(`experiment ${name} ended \\(\\d+ runs here\\)`), 30_000);
        return Number(new RegExp(`experiment ${name} ended \\((\\d+) runs here\\)`).exec(w.output())![1]);
      }),
    );
    expect(ran.reduce((a, b) => a + b, 0)).to.equal(8);
  });
});
