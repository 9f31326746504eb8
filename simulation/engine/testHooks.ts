/**
 * Test hook: `LOCKSTEP_TEST_SIGNAL="<point>=<SIGNAL>[@group][;...]"` makes a process send a real signal when it
 * reaches a named point, once per point: the interruption tests stop Lockstep at moments they choose, not at moments
 * a timer happens to hit. The signal goes to the experiment's (or the run's) main process (from a worker, its parent),
 * or with `@group` to its whole process group, workers included, as a terminal's Ctrl-C or systemd's stop does.
 *
 * Points: `folder` (the run's or the experiment's folder has just been created), `workers` (a pool has just started
 * its worker processes, which are still loading), `run-step:<sim>/<subset>/<run>:<step>`
 * (a run has just finished that step, in whichever process runs it), `recorded:<n>` (the main process has just
 * committed its n-th run), `generation:<g>` (the optimiser has just been told generation g), `confirmation` (the
 * optimiser's chain confirmation starts), `summaries` (inside the summaries' transaction), `stopping` (the first
 * signal has just been handled: a second one tests "stop at once").
 *
 * Without the variable (every real use) this costs one lookup in an empty map.
 */
import { readFileSync } from "node:fs";

const SIGNALS = new Set<string>(["SIGINT", "SIGTERM", "SIGKILL"]);

const planned = new Map<string, { signal: NodeJS.Signals; group: boolean }>();
for (const entry of (process.env["LOCKSTEP_TEST_SIGNAL"] ?? "").split(";")) {
  const eq = entry.lastIndexOf("=");
  if (eq <= 0) continue;
  const [signal, to] = entry
    .slice(eq + 1)
    .trim()
    .split("@");
  if (signal !== undefined && SIGNALS.has(signal))
    planned.set(entry.slice(0, eq).trim(), { signal: signal as NodeJS.Signals, group: to === "group" });
}

/** This process's group (Linux: field 5 of /proc/self/stat). */
function processGroup(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** Whether any point is planned (callers skip building point names otherwise). */
export const testSignalsPlanned = planned.size > 0;

/**
 * Sends the signal planned for `point`, if any, to `target` (default: this process). Sent to this process, the
 * promise settles once the signal's handlers have run, so a caller that awaits it goes on as a process interrupted
 * exactly there would (a signal is otherwise handled at some later turn of the event loop).
 */
export function testPoint(point: string, target: number = process.pid): Promise<void> {
  const plan = planned.get(point);
  if (plan === undefined) return Promise.resolve();
  planned.delete(point);
  const { signal } = plan;
  if (plan.group) {
    process.kill(-processGroup(), signal);
    return Promise.resolve();
  }
  if (target !== process.pid || signal === "SIGKILL") {
    process.kill(target, signal);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    // A signal's watcher does not keep the event loop alive: this interval does, until the signal is handled.
    const alive = setInterval(() => {}, 1_000);
    // Listeners run in the order they were added: this one after the command's own handler.
    process.once(signal, () => {
      clearInterval(alive);
      setImmediate(resolve);
    });
    process.kill(target, signal);
  });
}
