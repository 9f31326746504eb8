/**
 * Ctrl-C and SIGTERM for the commands that write results (`sim run` in-process, `sweep`, `ab`, `optimize`).
 *
 * The first signal asks the work to stop: runs end at their next step, what finished is kept, the folder is marked
 * interrupted and the resume command printed; the command then exits with 130 (SIGINT) or 143 (SIGTERM). A second
 * signal quits at once: the quit hooks mark the folder interrupted (synchronously), and the process exits. Nothing
 * committed is lost either way: a run folder or a results.duckdb never holds half of a run.
 */
import { testPoint } from "../engine/testHooks.js";

export interface Interrupt {
  /** Whether a signal asked the work to stop. */
  requested(): boolean;
  /** The exit code of a command a signal stopped: 128 + the signal's number. */
  readonly exitCode: number;
  /** `hook` runs when the first signal arrives (a pool tells its workers at once). */
  onStop(hook: () => void): void;
  /** `hook` runs, synchronously, before a second signal quits the process: it marks the folder interrupted. */
  onQuit(hook: () => void): void;
  /** Gives the signals back to their default handling. */
  release(): void;
}

const CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Handles SIGINT and SIGTERM until `release`; `what` is what a stop keeps ("what finished is kept"). */
export function interruptible(what: string): Interrupt {
  let signal: NodeJS.Signals | undefined;
  const stopHooks: (() => void)[] = [];
  const quitHooks: (() => void)[] = [];
  const name = (s: NodeJS.Signals): string => (s === "SIGINT" ? "Ctrl-C" : s);
  const handler = (s: NodeJS.Signals): void => {
    if (signal !== undefined) {
      process.stderr.write(`\n${name(s)} again: quitting now; nothing committed is lost.\n`);
      for (const hook of quitHooks) {
        try {
          hook();
        } catch {
          // Quitting: a hook that cannot write leaves the folder as a kill would, which resume handles too.
        }
      }
      process.exit(CODES[signal] ?? 130);
    }
    signal = s;
    process.stderr.write(`\n${name(s)}: stopping: ${what}. ${name(s)} again to quit at once.\n`);
    for (const hook of stopHooks) hook();
    void testPoint("stopping");
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    requested: () => signal !== undefined,
    get exitCode() {
      return CODES[signal ?? "SIGINT"] ?? 130;
    },
    onStop: (hook) => void stopHooks.push(hook),
    onQuit: (hook) => void quitHooks.push(hook),
    release: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
