/**
 * Runs an experiment's tasks: in this process one after another (workers = 0), or in a
 * pool of worker processes, each with its own in-process chain, handing runs out as
 * workers free up. A run that fails is recorded with its error and the rest go on; a
 * worker that dies is replaced; a stop request ends every run at its next step boundary.
 * Each run is deterministic on its own, so the results do not depend on the pool.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ActionRecord, RunResult, RunSink } from "./run.js";
import type { RunTask } from "./plan.js";
import type { StepSample, TraceLayout } from "../analysis/trace.js";
import { testPoint, testSignalsPlanned } from "./testHooks.js";

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
  /** `running`: runs under way now, where the pool knows it (a queue). */
  readonly onProgress?: (done: number, failed: number, total: number, running?: number) => void;
  /** The Hardhat config the workers load (default: the one Hardhat finds from the working directory). */
  readonly configPath?: string | undefined;
}

/** Where an experiment's runs go: worker processes here (WorkerPool) or a queue's workers (QueuePool). */
export interface RunPool {
  run(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome>;
}

export interface PoolOutcome {
  /** Runs that ran to their end. */
  readonly completed: number;
  readonly failed: number;
  /** Runs a stop request ended before their last step. */
  readonly interrupted: number;
  /** A stop request ended the batch (runs may be left unstarted). */
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
    /** Keep each sample's variables (lockstep parity data); without, a sample is its KPIs, far cheaper to send. */
    private readonly variables = true,
    /** Send the run's action records; without, none leave the worker. */
    private readonly actions = true,
    private readonly limit = 2_000,
  ) {}
  get keeps(): { variables: boolean; actions: boolean } {
    return { variables: this.variables, actions: this.actions };
  }
  begin(layout: TraceLayout): void {
    this.emit({ type: "begin", layout });
  }
  sample(sample: StepSample): void {
    this.samplesBuf.push(
      this.variables
        ? sample
        : { timestep: sample.timestep, substep: sample.substep, kpis: sample.kpis, diverged: sample.diverged },
    );
    this.maybeFlush();
  }
  action(record: ActionRecord): void {
    if (!this.actions) return;
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

/** Runs tasks once: in this process (workers = 0) or in a pool started and closed for them. */
export async function runTasks(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome> {
  if (options.workers <= 0) return runInProcess(tasks, options);
  const pool = new WorkerPool(Math.min(options.workers, Math.max(1, tasks.length)), options.configPath);
  try {
    return await pool.run(tasks, options);
  } finally {
    await pool.close();
  }
}

async function runInProcess(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome> {
  const shouldStop = options.shouldStop ?? (() => false);
  if (options.inProcess === undefined) throw new Error("runTasks: workers = 0 needs an in-process runner");
  let completed = 0;
  let failed = 0;
  let interrupted = 0;
  for (const task of tasks) {
    if (shouldStop()) return { completed, failed, interrupted, stopped: true };
    const sink: RunSink = {
      begin: (layout) => options.sink.begin(task, layout),
      sample: (s) => options.sink.samples(task, [s]),
      action: (r) => options.sink.actions(task, [r]),
      keeps: { variables: task.variables, actions: task.actions },
    };
    try {
      const result = await options.inProcess(task, sink, shouldStop);
      await options.sink.done(task, result);
      if (result.status === "stopped") interrupted++;
      else completed++;
    } catch (e) {
      await options.sink.failed(task, e instanceof Error ? e.message : String(e));
      failed++;
    }
    options.onProgress?.(completed, failed, tasks.length);
  }
  return { completed, failed, interrupted, stopped: shouldStop() };
}

/** The worker's module: worker.ts run from the sources (through tsx, as Hardhat runs them), worker.js once built. */
const WORKER_ENTRY = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url),
);

/**
 * Node flags of a worker: tsx's loader, which Hardhat itself uses, so that TypeScript (the
 * project's config, a scenario file) loads in the worker as in the parent.
 */
const WORKER_LOADER = ["--import", import.meta.resolve("tsx/esm")];

/**
 * A worker is one core's share of the pool: its garbage collector runs on its own thread only.
 * By default V8 also collects on helper threads, so one model-mode worker kept 1.2 cores busy,
 * and two workers on two cores slowed each other down: Monte Carlo of boson-commerce, 60 steps,
 * 2 workers went from 43.6-45.1 to 52.4-56.8 runs/s with this flag, 1 worker from 29.1-30.8 to
 * 28.3-29.8 (measured as `npm run bench` does: warmed pools, four alternating batches of 16 runs).
 */
const WORKER_V8_FLAGS = ["--single-threaded-gc"];

/** How long a disconnected worker has to exit before the pool kills it. */
const CLOSE_GRACE_MS = 10_000;

interface Worker {
  readonly child: ChildProcess;
  ready: boolean;
  current: RunTask | undefined;
  /** The sink's calls for one run happen in order: chained here. */
  writes: Promise<void>;
}

/**
 * Worker processes that outlive one batch of tasks (an optimiser evaluates generation
 * after generation on the same pool, without paying the start-up each time).
 */
export class WorkerPool implements RunPool {
  private readonly workers = new Set<Worker>();
  private closed = false;
  private batch:
    | {
        readonly queue: RunTask[];
        readonly options: PoolOptions;
        readonly shouldStop: () => boolean;
        completed: number;
        failed: number;
        interrupted: number;
        stopped: boolean;
        inFlight: number;
        readonly total: number;
        /** The first error the sink threw (the results cannot be written): the batch ends with it. */
        error: { readonly cause: unknown } | undefined;
        readonly resolve: (o: PoolOutcome) => void;
        readonly reject: (e: unknown) => void;
      }
    | undefined;
  private stopTimer: NodeJS.Timeout | undefined;

  /** `configPath`: the Hardhat config the workers load (default: the one found from the working directory). */
  constructor(
    readonly size: number,
    private readonly configPath?: string | undefined,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
    if (testSignalsPlanned) void testPoint("workers");
  }

  run(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome> {
    if (this.batch !== undefined) throw new Error("WorkerPool.run: a batch is already running");
    return new Promise<PoolOutcome>((resolve, reject) => {
      this.batch = {
        queue: [...tasks],
        options,
        shouldStop: options.shouldStop ?? (() => false),
        completed: 0,
        failed: 0,
        interrupted: 0,
        stopped: false,
        inFlight: 0,
        total: tasks.length,
        error: undefined,
        resolve,
        reject,
      };
      this.stopTimer = setInterval(() => this.checkStop(), 200);
      for (const w of this.workers) this.dispatch(w);
      this.maybeFinish();
    });
  }

  /**
   * Disconnects the workers, which then exit; one still there after CLOSE_GRACE_MS (stuck in a step that does not
   * end) is killed, so closing the pool always ends.
   */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
          const kill = setTimeout(() => w.child.kill("SIGKILL"), CLOSE_GRACE_MS);
          w.child.once("exit", () => {
            clearTimeout(kill);
            resolve();
          });
          if (w.child.connected) w.child.disconnect();
        }),
    );
    await Promise.all(exits);
  }

  private spawn(): void {
    const child = fork(WORKER_ENTRY, [], {
      execArgv: [...WORKER_LOADER, ...WORKER_V8_FLAGS],
      serialization: "advanced",
      // Only the workers get HARDHAT_CONFIG: `import hre from "hardhat"` in a worker reads it.
      env: this.configPath === undefined ? process.env : { ...process.env, HARDHAT_CONFIG: this.configPath },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const w: Worker = { child, ready: false, current: undefined, writes: Promise.resolve() };
    this.workers.add(w);
    child.on("message", (m: WorkerMessage) => this.onMessage(w, m));
    child.on("exit", (code, signal) => this.onExit(w, code, signal));
  }

  /** Chains a sink call after the worker's earlier ones; one that throws ends the batch with its error. */
  private write(w: Worker, f: () => void | Promise<void>): void {
    w.writes = w.writes.then(f).catch((e: unknown) => {
      const b = this.batch;
      if (b !== undefined) {
        b.error ??= { cause: e };
        this.checkStop();
      }
    });
  }

  private checkStop(): void {
    const b = this.batch;
    if (b === undefined || b.stopped || (!b.shouldStop() && b.error === undefined)) return;
    b.stopped = true;
    for (const w of this.workers)
      if (w.current !== undefined && w.child.connected) w.child.send({ type: "stop" } satisfies ParentMessage);
    this.maybeFinish();
  }

  private dispatch(w: Worker): void {
    const b = this.batch;
    if (b === undefined || !w.ready || w.current !== undefined || !w.child.connected) return;
    if (b.shouldStop() || b.error !== undefined) b.stopped = true;
    if (b.stopped) return;
    const task = b.queue.shift();
    if (task === undefined) return;
    w.current = task;
    b.inFlight++;
    w.child.send({ type: "run", task } satisfies ParentMessage);
  }

  private finishRun(
    w: Worker,
    task: RunTask,
    outcome: "completed" | "failed" | "interrupted",
    report: () => void | Promise<void>,
  ): void {
    const b = this.batch!;
    w.current = undefined;
    this.write(w, async () => {
      try {
        await report();
        b[outcome]++;
      } catch (e) {
        b.error ??= { cause: e };
      } finally {
        b.inFlight--;
        b.options.onProgress?.(b.completed, b.failed, b.total);
        this.dispatch(w);
        this.maybeFinish();
      }
    });
    void task;
  }

  private maybeFinish(): void {
    const b = this.batch;
    if (b === undefined || b.inFlight > 0) return;
    if (!b.stopped && b.queue.length > 0) return;
    clearInterval(this.stopTimer);
    this.batch = undefined;
    if (b.error !== undefined) return b.reject(b.error.cause);
    b.resolve({ completed: b.completed, failed: b.failed, interrupted: b.interrupted, stopped: b.stopped });
  }

  private onMessage(w: Worker, m: WorkerMessage): void {
    const task = w.current;
    const sink = this.batch?.options.sink;
    switch (m.type) {
      case "ready":
        w.ready = true;
        this.dispatch(w);
        return;
      case "begin":
        if (task !== undefined && sink !== undefined) this.write(w, () => sink.begin(task, m.layout));
        return;
      case "batch":
        if (task === undefined || sink === undefined) return;
        if (m.samples.length > 0) this.write(w, () => sink.samples(task, m.samples));
        if (m.actions.length > 0) this.write(w, () => sink.actions(task, m.actions));
        return;
      case "done":
        if (task !== undefined && sink !== undefined)
          this.finishRun(w, task, m.result.status === "stopped" ? "interrupted" : "completed", () =>
            sink.done(task, m.result),
          );
        return;
      case "failed":
        if (task !== undefined && sink !== undefined)
          this.finishRun(w, task, "failed", () => sink.failed(task, m.error));
        return;
    }
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w);
    const lost = w.current;
    const b = this.batch;
    if (lost !== undefined && b !== undefined) {
      const message = `worker process exited (code ${code ?? "none"}, signal ${signal ?? "none"}) during the run`;
      this.finishRun(w, lost, "failed", () => b.options.sink.failed(lost, message));
    }
    if (!this.closed) this.spawn();
  }
}
