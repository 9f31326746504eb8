/**
 * `sim worker --queue redis://...`: a queue worker. It finds the experiments coordinators announce in Redis, refuses
 * those whose code differs from its own (commit, contracts' bytecode, scenario file), and runs the runs of one it
 * accepts, one at a time, each on its own in-process chain, returning each run's rows and result through its job.
 * Ctrl-C or SIGTERM: the run in hand ends and its result is sent, then the worker exits; a second one exits at once
 * (the run goes to another worker when its lock expires).
 */
import { Worker, type Job } from "bullmq";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { Redis } from "ioredis";
import type { StepSample, TraceLayout } from "../analysis/trace.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { scenarioHost } from "../cli/host.js";
import { executeRun } from "../engine/execute.js";
import { BatchingSink } from "../engine/pool.js";
import type { ActionRecord } from "../engine/record.js";
import { testPoint, testSignalsPlanned } from "../engine/testHooks.js";
import { loadScenario } from "../scenarios/index.js";
import { decode, encode } from "./codec.js";
import { probe } from "./probe.js";
import {
  connection,
  EXPERIMENTS_KEY,
  MAX_STALLS,
  PREFIX,
  queueName,
  shownUrl,
  stallMs,
  versionDifference,
  type Announcement,
  type RunJob,
  type RunPayload,
  type RunTask,
} from "./protocol.js";
import { checkoutCommit, codeVersion } from "./version.js";

/** How often a worker looks for experiments, and whether its own is still on (ms). */
const POLL_MS = 500;

const CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Serves the queue at `url` until Ctrl-C or SIGTERM; returns the exit code. */
export async function serveQueue(hre: HardhatRuntimeEnvironment, url: string): Promise<number> {
  await probe(url);
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const root = hre.config.paths.root;
  const host = scenarioHost(hre);
  const refused = new Set<string>();
  const commit = checkoutCommit(root);
  let serving: { readonly id: string; readonly worker: Worker<RunJob, string>; ran: number } | undefined;
  let signal: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    if (signal !== undefined) {
      process.stderr.write(`${s} again: quitting now; the run in hand goes to another worker.\n`);
      process.exit(CODES[signal] ?? 130);
    }
    signal = s;
    process.stderr.write(`${s}: stopping: the run in hand ends and its result is sent. ${s} again to quit at once.\n`);
    wake?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const say = (line: string): boolean => process.stdout.write(`[worker ${process.pid}] ${line}\n`);
  say(`waiting for experiments on ${shownUrl(url)} (Ctrl-C to stop).`);
  let taken = 0;
  const processor = async (job: Job<RunJob, string>): Promise<string> => {
    const task = decode<RunTask>(job.data.task);
    const nth = ++taken;
    let layout: TraceLayout | undefined;
    const samples: StepSample[] = [];
    const actions: ActionRecord[] = [];
    // The local pool's sink, so a run keeps (and drops) exactly what it keeps there.
    const sink = new BatchingSink(
      (m) => {
        if (m.type === "begin") layout = m.layout;
        else if (m.type === "batch") {
          for (const s of m.samples) samples.push(s);
          for (const a of m.actions) actions.push(a);
        }
      },
      task.variables,
      task.actions,
    );
    const { result } = await executeRun(
      { ...task, scenario: await loadScenario(host, task.scenario) },
      {
        target: inProcessTarget(hre),
        sink,
        simulation: task.simulation,
        subset: task.subset,
        run: task.run,
        ...(testSignalsPlanned ? { onStep: (step: number) => void testPoint(`worker-run:${nth}:${step}`) } : {}),
      },
    );
    sink.flush();
    if (serving !== undefined) serving.ran++;
    return encode({ layout, samples, actions, result } satisfies RunPayload);
  };
  try {
    while (signal === undefined) {
      const announced = await redis.hgetall(EXPERIMENTS_KEY);
      if (serving !== undefined && announced[serving.id] === undefined) {
        await serving.worker.close();
        say(`experiment ${serving.id} ended (${serving.ran} runs here).`);
        serving = undefined;
      }
      if (serving === undefined) {
        for (const id of Object.keys(announced).sort()) {
          if (refused.has(id)) continue;
          const why = await refusal(root, host, commit, JSON.parse(announced[id]!) as Announcement);
          if (why !== undefined) {
            refused.add(id);
            process.stderr.write(
              `[worker ${process.pid}] refusing the runs of experiment ${id}: ${why}. Mixed versions would corrupt the experiment: check out the coordinator's code (and build) here, then start this worker again.\n`,
            );
            continue;
          }
          const worker = new Worker<RunJob, string>(queueName(id), processor, {
            connection: connection(url),
            prefix: PREFIX,
            concurrency: 1,
            lockDuration: stallMs(),
            stalledInterval: stallMs(),
            maxStalledCount: MAX_STALLS,
          });
          worker.on("error", (e) => process.stderr.write(`[worker ${process.pid}] ${e.message}\n`));
          serving = { id, worker, ran: 0 };
          say(`running the runs of experiment ${id}.`);
          break;
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, POLL_MS);
      });
    }
    // Waits for the run in hand: its result is sent.
    await serving?.worker.close();
    say(`stopped${serving !== undefined ? ` (${serving.ran} runs of experiment ${serving.id} here)` : ""}.`);
    // Stopping is how a worker ends: a clean exit.
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    redis.disconnect();
  }
}

/** Why this checkout cannot run the announced experiment's runs; undefined when it can. */
async function refusal(
  root: string,
  host: ReturnType<typeof scenarioHost>,
  commit: string,
  a: Announcement,
): Promise<string | undefined> {
  try {
    const scenario = await loadScenario(host, a.scenario);
    return versionDifference(codeVersion(root, scenario, commit), a.version);
  } catch (e) {
    return `its scenario ${a.scenario} does not load here (${e instanceof Error ? e.message : String(e)})`;
  }
}
