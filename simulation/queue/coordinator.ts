/**
 * The coordinator's side of a queue experiment: its runs go into the experiment's BullMQ queue as jobs, and their
 * results come back as the jobs' return values; this process records each (it is the single writer of
 * results.duckdb) and only then removes the job. A job stays in Redis until its run is recorded, so nothing is lost
 * when the coordinator dies: a resume finds the results waiting, and a result whose run was already recorded (the
 * coordinator died between the commit and the removal) is dropped by its run id. A worker that dies mid-run leaves
 * its job's lock to expire, and BullMQ gives the run to another worker: one job per run, so one result.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { RunTask } from "../engine/plan.js";
import type { PoolOptions, PoolOutcome, RunPool } from "../engine/pool.js";
import { decode, encode } from "./codec.js";
import { probe } from "./probe.js";
import {
  ATTEMPTS,
  connection,
  EXPERIMENTS_KEY,
  jobId,
  PREFIX,
  queueName,
  shownUrl,
  type Announcement,
  type RunJob,
  type RunPayload,
} from "./protocol.js";

/** Results read from Redis at a time (a lockstep run's is megabytes: a page is held in memory). */
const PAGE = 4;
/** Jobs added to Redis at a time. */
const ENQUEUE_CHUNK = 1_000;
/** How long the coordinator waits when no result came, before it looks again (ms). */
const IDLE_MS = 25;
/** How often the count of runs on workers is asked (ms). */
const RUNNING_EVERY_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class QueuePool implements RunPool {
  private constructor(
    private readonly url: string,
    private readonly queue: Queue,
    private readonly redis: Redis,
    private readonly announcement: Announcement,
    /** Whether the run of a job id is recorded (by this process or an earlier one). */
    private readonly recorded: (id: string) => boolean,
  ) {}

  /**
   * Connects to Redis (bad input when it does not answer), announces the experiment to workers, and resumes its
   * queue if an interrupted coordinator paused it. A `fresh` experiment (not a resume) starts from an empty queue: what
   * an abandoned one of the same name left (its folder removed to start again) is dropped, not recorded.
   */
  static async open(
    url: string,
    announcement: Announcement,
    recorded: (id: string) => boolean,
    fresh: boolean,
  ): Promise<QueuePool> {
    await probe(url);
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue<RunJob>(queueName(announcement.experiment), {
      connection: connection(url),
      prefix: PREFIX,
    });
    await queue.waitUntilReady();
    if (fresh) await queue.obliterate({ force: true });
    await redis.hset(EXPERIMENTS_KEY, announcement.experiment, JSON.stringify(announcement));
    await queue.resume();
    return new QueuePool(url, queue, redis, announcement, recorded);
  }

  /** Where the runs go, for messages (no password). */
  get where(): string {
    return shownUrl(this.url);
  }

  /**
   * Enqueues the tasks (a run whose job is already in Redis is not added again) and records each result as it comes
   * back, until every task is recorded or a stop is asked: then the queue is paused (workers take no new run; the
   * runs they hold end and their results wait in Redis for the resume).
   */
  async run(tasks: readonly RunTask[], options: PoolOptions): Promise<PoolOutcome> {
    const shouldStop = options.shouldStop ?? (() => false);
    const pending = new Map(tasks.map((t) => [jobId(t), t]));
    const counts = { completed: 0, failed: 0 };
    let running = 0;
    const progress = (): void => options.onProgress?.(counts.completed, counts.failed, tasks.length, running);
    // Results an earlier coordinator left: recorded now, their runs not run again.
    await this.collect(pending, options, counts, progress);
    const todo = [...pending.values()];
    for (let i = 0; i < todo.length; i += ENQUEUE_CHUNK) {
      await this.queue.addBulk(
        todo.slice(i, i + ENQUEUE_CHUNK).map((t) => ({
          name: "run",
          data: { task: encode({ ...t, scenario: this.announcement.scenario }) } satisfies RunJob,
          opts: { jobId: jobId(t), attempts: ATTEMPTS, backoff: { type: "fixed", delay: 500 } },
        })),
      );
    }
    let asked = 0;
    let stopped = false;
    while (pending.size > 0) {
      if (shouldStop()) {
        stopped = true;
        await this.queue.pause();
        running = await this.queue.getActiveCount();
        break;
      }
      const got = await this.collect(pending, options, counts, progress);
      if (performance.now() - asked >= RUNNING_EVERY_MS) {
        asked = performance.now();
        running = await this.queue.getActiveCount();
        progress();
      }
      if (got === 0) await sleep(IDLE_MS);
    }
    progress();
    // Runs on workers when the stop came: not recorded, their results wait for the resume.
    return { completed: counts.completed, failed: counts.failed, interrupted: stopped ? running : 0, stopped };
  }

  /**
   * Records the results in Redis of the runs in `pending` (done, or failed after their attempts), removing each job
   * once recorded; drops the results of runs recorded before. Returns how many it recorded.
   */
  private async collect(
    pending: Map<string, RunTask>,
    options: PoolOptions,
    counts: { completed: number; failed: number },
    onRecorded: () => void,
  ): Promise<number> {
    let got = 0;
    for (const state of ["completed", "failed"] as const) {
      // Results of runs of a later batch (an optimisation's next generation) are left where they are.
      let skipped = 0;
      for (;;) {
        const ids = await this.queue.getRanges([state], skipped, skipped + PAGE - 1, true);
        const mine = ids.filter((id) => pending.has(id));
        const stale = ids.filter((id) => !pending.has(id) && this.recorded(id));
        skipped += ids.length - mine.length - stale.length;
        // Fetched together (one round trip), recorded one by one, removed together once recorded: a coordinator
        // killed in between leaves recorded runs' jobs, which the resume drops by their run ids.
        const jobs = await Promise.all(mine.map((id) => this.queue.getJob(id)));
        for (const job of jobs) {
          if (job?.id === undefined) continue;
          const task = pending.get(job.id)!;
          if (state === "completed") {
            const p = decode<RunPayload>(job.returnvalue as string);
            if (p.layout !== undefined) await options.sink.begin(task, p.layout);
            if (p.samples.length > 0) await options.sink.samples(task, p.samples);
            if (p.actions.length > 0) await options.sink.actions(task, p.actions);
            await options.sink.done(task, p.result);
            counts.completed++;
          } else {
            await options.sink.failed(task, job.failedReason);
            counts.failed++;
          }
          pending.delete(job.id);
          got++;
          onRecorded();
        }
        await Promise.all([...mine, ...stale].map((id) => this.queue.remove(id)));
        if (ids.length < PAGE) break;
      }
    }
    return got;
  }

  /** The experiment is complete: its queue and its announcement leave Redis (workers let go of it). */
  async finish(): Promise<void> {
    await this.redis.hdel(EXPERIMENTS_KEY, this.announcement.experiment);
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
