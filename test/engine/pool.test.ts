import { expect } from "chai";
import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { executeRun } from "../../simulation/engine/execute.js";
import { defaults } from "../../simulation/engine/params.js";
import { expandGrid, planRuns, type RunTask } from "../../simulation/engine/plan.js";
import { runTasks, type PoolSink } from "../../simulation/engine/pool.js";
import type { RunResult, RunSink } from "../../simulation/engine/run.js";
import { scenario as loadScenario } from "../helpers/run.js";

interface Collected {
  readonly results: Map<string, RunResult>;
  readonly failures: Map<string, string>;
  readonly samples: Map<string, number>;
}

const key = (t: RunTask): string => `${t.subset}/${t.run}`;

function collector(): Collected & { sink: PoolSink } {
  const results = new Map<string, RunResult>();
  const failures = new Map<string, string>();
  const samples = new Map<string, number>();
  return {
    results,
    failures,
    samples,
    sink: {
      begin: () => {},
      samples: (t, s) => void samples.set(key(t), (samples.get(key(t)) ?? 0) + s.length),
      actions: () => {},
      done: (t, r) => void results.set(key(t), r),
      failed: (t, e) => void failures.set(key(t), e),
    },
  };
}

const inProcess = async (task: RunTask, sink: RunSink | undefined, shouldStop: () => boolean) =>
  executeRun(
    { ...task, scenario: await loadScenario(task.scenario) },
    {
      target: inProcessTarget(hre),
      ...(sink !== undefined ? { sink } : {}),
      subset: task.subset,
      run: task.run,
      shouldStop,
    },
  ).then((e) => e.result);

const feesAndRewards = await loadScenario("fees-and-rewards");

function smallSweep(mode: "model" | "lockstep", runs: number, steps: number): RunTask[] {
  const scenario = feesAndRewards;
  return planRuns({
    scenario: scenario.name,
    base: defaults(scenario.schema),
    subsets: expandGrid([{ path: "fees.feeBps", values: [25, 100] }]),
    runs,
    seed: 11,
    mode,
    steps,
    commonSeeds: false,
  });
}

describe("engine: worker pool", function () {
  this.timeout(300_000);

  it("pool: two worker processes give the same results as one run after another in this process, run by run", async function () {
    const tasks = [
      ...smallSweep("model", 2, 6),
      ...smallSweep("lockstep", 1, 3).map((t) => ({ ...t, run: t.run + 10 })),
    ];
    const serial = collector();
    await runTasks(tasks, { workers: 0, sink: serial.sink, inProcess });
    const parallel = collector();
    const outcome = await runTasks(tasks, { workers: 2, sink: parallel.sink });
    expect(outcome).to.deep.equal({ completed: tasks.length, failed: 0, interrupted: 0, stopped: false });
    expect(parallel.failures.size).to.equal(0);
    for (const t of tasks) {
      const a = serial.results.get(key(t))!;
      const b = parallel.results.get(key(t))!;
      expect(b.traceHash, key(t)).to.equal(a.traceHash);
      expect(b.kpis, key(t)).to.deep.equal(a.kpis);
      expect(b.actions, key(t)).to.deep.equal(a.actions);
      expect(parallel.samples.get(key(t))).to.equal(t.steps + 1);
    }
    // Different subsets and runs really are different runs.
    expect(new Set([...serial.results.values()].map((r) => r.traceHash)).size).to.equal(tasks.length);
  });

  it("pool: a worker that dies mid-run is reported and replaced, and the other runs complete", async function () {
    const tasks = smallSweep("model", 2, 5);
    const c = collector();
    process.env["LOCKSTEP_TEST_CRASH"] = "1:0:3";
    try {
      const outcome = await runTasks(tasks, { workers: 2, sink: c.sink });
      expect(outcome).to.deep.equal({ completed: 3, failed: 1, interrupted: 0, stopped: false });
    } finally {
      delete process.env["LOCKSTEP_TEST_CRASH"];
    }
    expect(c.failures.get("1/0")).to.equal("worker process exited (code 70, signal none) during the run");
    expect([...c.results.keys()].sort()).to.deep.equal(["0/0", "0/1", "1/1"]);
  });

  it("pool: a sink that cannot record a run (a disk that filled) ends the batch with its error; no run starts after it", async function () {
    // One worker: runs 0/0, 0/1, 1/0, 1/1 one after another; recording 0/1 fails.
    const tasks = smallSweep("model", 2, 3);
    const c = collector();
    let message = "";
    await runTasks(tasks, {
      workers: 1,
      sink: {
        ...c.sink,
        done: (t) => {
          if (t.subset === 0 && t.run === 1) throw new Error("No space left on device");
          c.results.set(key(t), {} as RunResult);
        },
      },
    }).catch((e: Error) => (message = e.message));
    expect(message).to.equal("No space left on device");
    expect([...c.results.keys()]).to.deep.equal(["0/0"]);
  });

  it("pool: a stop request ends the experiment and keeps what finished", async function () {
    const tasks = smallSweep("model", 3, 4);
    const c = collector();
    let done = 0;
    const outcome = await runTasks(tasks, {
      workers: 0,
      sink: { ...c.sink, done: (t, r) => void (done++, c.results.set(key(t), r)) },
      inProcess,
      shouldStop: () => done >= 2,
    });
    expect(outcome.stopped).to.equal(true);
    expect(c.results.size).to.equal(2);
  });
});
