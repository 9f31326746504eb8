/**
 * What a run's or an experiment's folder says about itself: its status (`running`, `interrupted`, or finished) and
 * which process writes it. A folder is written in place from the start, so one a kill left behind is visible and
 * resumable; its status says `running` and its owner is gone, which makes it interrupted.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** The process writing a folder: its pid, its host, and (on Linux) its start time, which a reused pid does not share. */
export interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly started?: string;
}

/** Status values of a folder that is not finished. */
export const RUNNING = "running";
export const INTERRUPTED = "interrupted";

/** This process, as a folder's owner. */
export function currentOwner(): Owner {
  const started = processStart(process.pid);
  return { pid: process.pid, host: hostname(), ...(started !== undefined ? { started } : {}) };
}

/** Whether `owner` is a process alive now on this host (a pid reused by another process does not count). */
export function ownerAlive(owner: unknown): boolean {
  if (typeof owner !== "object" || owner === null) return false;
  const { pid, host, started } = owner as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 || host !== hostname()) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: a process we may not signal exists.
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return started === undefined || started === processStart(pid);
}

/** The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where /proc exists. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** A folder's state as its JSON file (manifest.json, experiment.json) gives it. */
export interface FolderState {
  /** `running` (its owner alive), `interrupted` (stopped, or `running` with its owner gone), or its final status. */
  readonly status: string;
  /** The process writing it, when it is running. */
  readonly owner?: Owner;
  readonly json: Record<string, unknown>;
}

/**
 * The state of `folder` from its `file`, or undefined when the file is missing or not a JSON object (a folder created
 * but killed before its first write, or not one of ours).
 */
export function folderState(folder: string, file: string): FolderState | undefined {
  const path = join(folder, file);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const m = json as Record<string, unknown>;
  const recorded = typeof m["status"] === "string" ? m["status"] : undefined;
  if (recorded === RUNNING && ownerAlive(m["owner"])) return { status: RUNNING, owner: m["owner"] as Owner, json: m };
  if (recorded === RUNNING || recorded === INTERRUPTED) return { status: INTERRUPTED, json: m };
  // No status: a folder written before statuses were recorded, which was finished when it was moved into place.
  return { status: recorded ?? "complete", json: m };
}

/** Whether the state is of a folder still being written or left unfinished. */
export function unfinished(state: FolderState | undefined): boolean {
  return state !== undefined && (state.status === RUNNING || state.status === INTERRUPTED);
}
