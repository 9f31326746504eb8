/**
 * A worker process of the experiment pool: loads Hardhat (its own in-process chain),
 * then runs the tasks its parent sends, streaming samples and actions back in batches.
 */
import hre from "hardhat";
import { inProcessTarget } from "../chain/inprocess.js";
import { loadScenario } from "../scenarios/index.js";
import { scenarioHost } from "../cli/host.js";
import { executeRun } from "./execute.js";
import { BatchingSink, type ParentMessage, type WorkerMessage } from "./pool.js";
import { testPoint, testSignalsPlanned } from "./testHooks.js";

// The parent decides when to stop: Ctrl-C reaches the whole process group, and so does a SIGTERM sent to the group
// (systemd, a job scheduler); the parent asks its workers to stop at their next step and records what ended. A worker
// whose parent is gone exits (see "disconnect" below).
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

let stopRequested = false;
const send = (m: WorkerMessage): void => {
  // The parent may have closed the pool while this worker was starting.
  if (process.connected) process.send?.(m, undefined, {}, () => {});
};

/** Test hook: `LOCKSTEP_TEST_CRASH=<subset>:<run>:<step>` kills this worker mid-run, to prove the pool survives it. */
const crashAt = process.env["LOCKSTEP_TEST_CRASH"]?.split(":").map(Number);

process.on("message", (m: ParentMessage) => {
  if (m.type === "stop") {
    stopRequested = true;
    return;
  }
  const task = m.task;
  const sink = new BatchingSink(send, task.variables, task.actions);
  void (async () => {
    try {
      const { result } = await executeRun(
        { ...task, scenario: await loadScenario(scenarioHost(hre), task.scenario) },
        {
          target: inProcessTarget(hre),
          sink,
          simulation: task.simulation,
          subset: task.subset,
          run: task.run,
          shouldStop: () => stopRequested,
          onStep: (step) => {
            if (testSignalsPlanned)
              void testPoint(`run-step:${task.simulation}/${task.subset}/${task.run}:${step}`, process.ppid);
            if (crashAt !== undefined && crashAt[0] === task.subset && crashAt[1] === task.run && crashAt[2] === step) {
              process.exit(70);
            }
          },
        },
      );
      sink.flush();
      send({ type: "done", result });
    } catch (e) {
      sink.flush();
      send({ type: "failed", error: e instanceof Error ? e.message : String(e) });
    }
  })();
});

// A worker outlives neither its parent nor the pool: the channel may have closed while Hardhat was loading, before
// this listener existed (a pool closed early by Ctrl-C, a parent killed), and then nothing else would end the process.
process.on("disconnect", () => process.exit(0));
if (!process.connected) process.exit(0);
send({ type: "ready" });
