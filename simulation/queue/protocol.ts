/**
 * What a coordinator and its queue workers agree on: where an experiment's runs wait in Redis (a BullMQ queue per
 * experiment, named after its folder), what a job holds (a run's task) and what it returns (the run's rows and
 * result), what code an experiment needs (its version), and how long a silent worker keeps its run.
 */
import type { ConnectionOptions } from "bullmq";
import type { TraceLayout, StepSample } from "../analysis/trace.js";
import type { RunTask } from "../engine/plan.js";
import type { ActionRecord, RunResult } from "../engine/record.js";
import { optionError } from "../cli/prepare.js";

/** The prefix of every key Lockstep writes in Redis. */
export const PREFIX = "lockstep";

/** A hash: experiment id -> its Announcement (JSON). Workers read it to find work. */
export const EXPERIMENTS_KEY = `${PREFIX}:experiments`;

/**
 * Attempts at a run before it is recorded as failed: a run that throws is tried again (a worker's machine may be at
 * fault), and one that fails every time is recorded with its error.
 */
export const ATTEMPTS = 3;

/** Times a run may be lost with its worker (killed, its machine gone) before it is recorded as failed. */
export const MAX_STALLS = 3;

/**
 * How long (ms) a worker holds a run without renewing its lock before the run goes back to the queue: BullMQ's
 * lockDuration and stalledInterval. 30 s by default; `LOCKSTEP_QUEUE_STALL_MS` shortens it (the tests use 1.5 s).
 */
export function stallMs(): number {
  const text = process.env["LOCKSTEP_QUEUE_STALL_MS"];
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) && n >= 200 ? n : 30_000;
}

/** The code an experiment's runs need: workers whose code differs refuse them. */
export interface CodeVersion {
  /** The project's git commit; `-dirty` and a hash of the uncommitted changes when there are some. */
  readonly commit: string;
  /** keccak256 of each contract's creation bytecode, by artifact name. */
  readonly bytecode: Readonly<Record<string, string>>;
  /** sha256 of the scenario file (a user's scenario); null for a built-in one (its code is the commit's). */
  readonly scenarioSource: string | null;
}

/** What a coordinator tells workers of its experiment. */
export interface Announcement {
  readonly experiment: string;
  /** The scenario as a worker loads it: a built-in or registered name, or a file relative to the project root. */
  readonly scenario: string;
  readonly version: CodeVersion;
}

/** What a job carries: a run's task (encoded with codec.ts: parameters hold bigints), its scenario as announced. */
export interface RunJob {
  readonly task: string;
}

export type { RunTask };

/** What a worker returns for a run (encoded with codec.ts): everything the coordinator records of it. */
export interface RunPayload {
  readonly layout: TraceLayout | undefined;
  readonly samples: readonly StepSample[];
  readonly actions: readonly ActionRecord[];
  readonly result: RunResult;
}

/** The BullMQ queue of an experiment (its folder's name: the same inputs, the same queue, so a resume finds it). */
export function queueName(experiment: string): string {
  return `${PREFIX}-${experiment}`;
}

/** A run's job id: BullMQ keeps one job per id, so enqueueing a run twice (a resume) adds nothing. */
export function jobId(t: { simulation: number; subset: number; run: number }): string {
  return `run-${t.simulation}-${t.subset}-${t.run}`;
}

/** `--queue`: a Redis address, `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
export function parseQueueUrl(text: string): string {
  const t = text.trim();
  let url: URL | undefined;
  try {
    url = new URL(t);
  } catch {
    url = undefined;
  }
  if (url === undefined || !["redis:", "rediss:"].includes(url.protocol) || url.hostname === "") {
    throw optionError("queue", text, "a Redis address, redis://host:port (for example redis://127.0.0.1:6379)");
  }
  return t;
}

/** BullMQ's connection to `url`; commands wait for a Redis that went away instead of failing (BullMQ's advice). */
export function connection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null };
}

/** The address without its password, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "redis://?";
  }
}

/** Why a worker of version `mine` cannot run an experiment of version `theirs`; undefined when they are the same. */
export function versionDifference(mine: CodeVersion, theirs: CodeVersion): string | undefined {
  if (mine.commit !== theirs.commit) return `its commit is ${theirs.commit} and this worker's is ${mine.commit}`;
  const names = [...new Set([...Object.keys(mine.bytecode), ...Object.keys(theirs.bytecode)])].sort();
  for (const name of names) {
    if (mine.bytecode[name] !== theirs.bytecode[name])
      return `the bytecode of ${name} differs (${short(theirs.bytecode[name])} there, ${short(mine.bytecode[name])} here)`;
  }
  if (mine.scenarioSource !== theirs.scenarioSource)
    return `its scenario file differs (sha256 ${short(theirs.scenarioSource)} there, ${short(mine.scenarioSource)} here)`;
  return undefined;
}

const short = (h: string | null | undefined): string => (h === null || h === undefined ? "none" : h.slice(0, 10));
