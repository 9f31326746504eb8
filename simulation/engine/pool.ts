/**
 * Runs an experiment's tasks: in this process one after another (workers = 0), or in a
 * pool of worker processes, each with its own in-process chain, handing runs out as
 * workers free up. A run that fails is recorded with its error and the rest go on; a
 * worker that dies is replaced; a stop request ends every run at its next step boundary.
 * Each run is deterministic on its own, so the results do not depend on the pool.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ActionRecord, RunResult, RunSink } from "./run";
import type { RunTask } from "./plan";
import type { StepSample, TraceLayout } from "../analysis/trace";

/** Where the pool delivers what runs produce; called in order for any one run. */
export interface PoolSink {
  begin(task: RunTask, layout: TraceLayout): void | Promise<void>;
  samples(task: RunTask, samples: readonly StepSample[]): void | Promise<void>;
  actions(task: RunTask, records: readonly ActionRecord[]): void | Promise<void>;
  done(task: RunTask, result: RunResult): void | Promise<void>;
  failed(task: RunTask, error: string): void | Promise<void>;
}

export interface PoolOptions {
  readonly workers: number;
  readonly sink: PoolSink;
  /** Runs a task in this process (workers = 0). */
  readonly inProcess?: (task: RunTask, sink: RunSink, shouldStop: () => boolean) => Promise<RunResult>;
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (done: number, failed: number, total: number) => void;
}

export interface PoolOutcome {
  readonly completed: number;
  readonly failed: number;
  readonly stopped: boolean;
}

/** Messages from a worker process. */
export type WorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "begin"; readonly layout: TraceLayout }
  | { readonly type: "batch"; readonly samples: StepSample[]; readonly actions: ActionRecord[] }
  | { readonly type: "done"; readonly result: RunResult }
  | { readonly type: "failed"; readonly error: string };

/** Messages to a worker process. */
export type ParentMessage = { readonly type: "run"; readonly task: RunTask } | { readonly type: "stop" };

/** Buffers samples and actions into batches: few messages, flat memory. */
export class BatchingSink implements RunSink {
  private samplesBuf: StepSample[] = [];
  private actionsBuf: ActionRecord[] = [];
  constructor(
    private readonly emit: (m: WorkerMessage) => void,
    private readonly limit = 2_000,
  ) {}
  begin(layout: TraceLayout): void {
    this.emit({ type: "begin", layout });
  }
  sample(sample: StepSample): void {
    this.samplesBuf.push(sample);
    this.maybeFlush();
  }
  action(record: ActionRecord): void {
    this.actionsBuf.push(record);
    this.maybeFlush();
  }
  private maybeFlush(): void {
    if (this.samplesBuf.length * 50 + this.actionsBuf.length >= this.limit) this.flush();
  }
  flush(): void {
    if (this.samplesBuf.length === 0 && this.actionsBuf.length === 0) return;
    this.emit({ type: "batch", samples: this.samplesBuf, actions: this.actionsBuf });
    this.samplesBuf = [];
    this.actionsBuf = [];
  }
}

export async function runTasks(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome> {
  const shouldStop = options.shouldStop ?? (() => false);
  let completed = 0;
  let failed = 0;
  const progress = (): void => options.onProgress?.(completed, failed, tasks.length);
  if (options.workers <= 0) {
    if (options.inProcess === undefined) throw new Error("runTasks: workers = 0 needs an in-process runner");
    for (const task of tasks) {
      if (shouldStop()) return { completed, failed, stopped: true };
      const sink: RunSink = {
        begin: (layout) => options.sink.begin(task, layout),
        sample: (s) => options.sink.samples(task, [s]),
        action: (r) => options.sink.actions(task, [r]),
      };
      try {
        const result = await options.inProcess(task, sink, shouldStop);
        await options.sink.done(task, result);
        completed++;
      } catch (e) {
        await options.sink.failed(task, e instanceof Error ? e.message : String(e));
        failed++;
      }
      progress();
    }
    return { completed, failed, stopped: shouldStop() };
  }
  return runInWorkers(tasks, options, shouldStop, (ok) => {
    if (ok) completed++;
    else failed++;
    progress();
  }).then((stopped) => ({ completed, failed, stopped }));
}

const WORKER_ENTRY = join(__dirname, "worker.ts");

function startWorker(): ChildProcess {
  return fork(WORKER_ENTRY, [], {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    serialization: "advanced",
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

function runInWorkers(
  tasks: readonly RunTask[],
  options: PoolOptions,
  shouldStop: () => boolean,
  finished: (ok: boolean) => void,
): Promise<boolean> {
  const queue = [...tasks];
  const size = Math.max(1, Math.min(options.workers, tasks.length));
  let live = 0;
  let stopped = false;
  return new Promise<boolean>((resolve) => {
    // The sink's calls for a run must happen in order; chain them per worker.
    const spawn = (): void => {
      const child = startWorker();
      live++;
      let current: RunTask | undefined;
      let chainOfWrites: Promise<void> = Promise.resolve();
      const write = (f: () => void | Promise<void>): void => {
        chainOfWrites = chainOfWrites.then(f);
      };
      const next = (): void => {
        if (shouldStop()) stopped = true;
        const task = stopped ? undefined : queue.shift();
        if (task === undefined) {
          current = undefined;
          child.send({ type: "stop" } satisfies ParentMessage);
          child.disconnect();
          return;
        }
        current = task;
        child.send({ type: "run", task } satisfies ParentMessage);
      };
      const stopTimer = setInterval(() => {
        if (!stopped && shouldStop()) {
          stopped = true;
          if (child.connected) child.send({ type: "stop" } satisfies ParentMessage);
        }
      }, 200);
      child.on("message", (m: WorkerMessage) => {
        const task = current;
        switch (m.type) {
          case "ready":
            next();
            return;
          case "begin":
            if (task !== undefined) write(() => options.sink.begin(task, m.layout));
            return;
          case "batch":
            if (task === undefined) return;
            if (m.samples.length > 0) write(() => options.sink.samples(task, m.samples));
            if (m.actions.length > 0) write(() => options.sink.actions(task, m.actions));
            return;
          case "done":
          case "failed":
            if (task === undefined) return;
            write(async () => {
              if (m.type === "done") await options.sink.done(task, m.result);
              else await options.sink.failed(task, m.error);
              finished(m.type === "done");
            });
            current = undefined;
            write(() => next());
            return;
        }
      });
      child.on("exit", (code, signal) => {
        clearInterval(stopTimer);
        live--;
        const lost = current;
        current = undefined;
        write(async () => {
          if (lost !== undefined) {
            await options.sink.failed(lost, `worker process exited (code ${code ?? "none"}, signal ${signal ?? "none"}) during the run`);
            finished(false);
            if (!stopped && !shouldStop() && queue.length > 0) spawn();
          }
          if (live === 0) resolve(stopped || shouldStop());
        });
      });
    };
    for (let i = 0; i < size; i++) spawn();
  });
}
