/**
 * `sim run` on the in-process chain (or model mode), and `sim run --resume <folder>` of such a run.
 *
 * The run's folder is written in place: manifest.json says `"status": "running"` (and which process writes it) from
 * the start, trace.csv and actions.ndjson grow step by step. Ctrl-C or SIGTERM ends the run at its next step and marks
 * it `interrupted`; a second signal, or a kill, leaves it so or `running` with its process gone, which is the same.
 * A resume runs it again from step 0, into the same folder: an in-process chain's state does not outlive its process,
 * and runs are deterministic, so the resumed run's trace and actions are those of an uninterrupted run, byte for
 * byte (the same traceHash). A new run with the inputs of an unfinished folder is refused with the resume command;
 * one with the inputs of a finished folder replaces it.
 */
import { existsSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { RunFolder } from "../analysis/runFolder.js";
import {
  array,
  integerIn,
  isObject,
  JsonFields,
  nonEmptyString,
  oneOf,
  readJsonObject,
  type JsonObject,
} from "../analysis/jsonFields.js";
import { toJson } from "../analysis/files.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { UserError } from "../engine/errors.js";
import { DEFAULT_START_TIME, executeRun, type Executed } from "../engine/execute.js";
import { testPoint, testSignalsPlanned } from "../engine/testHooks.js";
import { MODES } from "../engine/types.js";
import { currentOwner, folderState, INTERRUPTED, RUNNING, unfinished } from "./folderStatus.js";
import { scenarioHost } from "./host.js";
import { interruptible, type Interrupt } from "./interrupt.js";
import { outcomeFields, runHeader } from "./manifest.js";
import { MAX_SEED, MAX_STEPS, optionError, prepareRun, type PreparedRun } from "./prepare.js";
import { progressBar } from "./progress.js";
import { checkOutDir, outputError, printSummary, runName, type RunArgs } from "./run.js";

/** Where the run goes: a new folder, or the folder of the run it resumes. */
interface Target {
  readonly prepared: PreparedRun;
  readonly outDir: string;
  readonly name: string;
  /** The manifest of the run resumed. */
  readonly resumed: JsonObject | undefined;
}

/** `sim run` in-process, new or resumed; returns the exit code. */
export async function simRunInProcess(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<number> {
  let target: Target;
  try {
    target = args.resume !== undefined ? await resumeTarget(hre, args, args.resume) : await newTarget(hre, args);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  // From here on a signal stops the run (before, it ends the process: there is nothing to keep yet).
  const interrupt = interruptible("the run ends at its next step, its folder is kept");
  let executed: Executed | number;
  try {
    executed = await runInFolder(hre, target, interrupt);
  } finally {
    // The run is recorded: a signal from here on stops the printing, not the run.
    interrupt.release();
  }
  return typeof executed === "number" ? executed : finish(args, target, executed);
}

/** Runs into the folder; returns the run, or the exit code of a run that did not end (stopped, failed). */
async function runInFolder(
  hre: HardhatRuntimeEnvironment,
  target: Target,
  interrupt: Interrupt,
): Promise<Executed | number> {
  const { prepared } = target;
  const fresh = target.resumed === undefined;
  const path = join(target.outDir, target.name);
  let folder: RunFolder;
  try {
    if (fresh && existsSync(path)) rmSync(path, { recursive: true, force: true });
    folder = RunFolder.create(target.outDir, target.name);
  } catch (e) {
    const error = outputError(e, target.outDir);
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  const header = { ...runHeader(hre, prepared, DEFAULT_START_TIME), resumes: resumeCount(target.resumed) };
  const resumeLine = `Resume with: npx hardhat sim run --resume ${path}`;
  let stepsDone = 0;
  let started = false;
  const markInterrupted = (extra: Record<string, unknown> = {}): void =>
    folder.writeManifest({ ...header, status: INTERRUPTED, stepsRun: stepsDone, ...extra });
  interrupt.onQuit(() => {
    if (!started) {
      if (fresh) folder.remove();
      return;
    }
    markInterrupted();
    process.stderr.write(`Interrupted after step ${stepsDone} of ${prepared.steps}: ${path}\n${resumeLine}\n`);
  });
  try {
    folder.writeManifest({ ...header, status: RUNNING, owner: currentOwner() });
    started = true;
  } catch (e) {
    if (fresh) folder.remove();
    const error = outputError(e, target.outDir);
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  await testPoint("folder");
  if (!fresh) process.stdout.write(`Resuming ${path}: the run starts again from step 0.\n`);
  const bar = progressBar(`${prepared.scenario.name} seed ${prepared.seed}: step`);
  try {
    const executed = await executeRun(prepared, {
      target: inProcessTarget(hre),
      sink: folder,
      onStep: (step, steps) => {
        stepsDone = step;
        bar(step, steps);
        if (testSignalsPlanned) void testPoint(`run-step:0/0/0:${step}`);
      },
      pinDivergence: true,
      shouldStop: () => interrupt.requested(),
    });
    folder.close();
    if (executed.result.status === "stopped") {
      markInterrupted();
      process.stdout.write(
        `Interrupted after step ${stepsDone} of ${prepared.steps}; the folder is kept: ${path}\n${resumeLine}\n`,
      );
      return interrupt.exitCode;
    }
    folder.writeManifest({ ...header, ...outcomeFields(executed) });
    return executed;
  } catch (e) {
    folder.closeQuietly();
    // A scenario's mistake found while it runs (a model that throws, Math.random in a policy, an Action the
    // mechanism does not declare) is bad input like any other: one line, exit 2; so is a folder that cannot be
    // written. A new run's folder goes with it; a resumed one stays, interrupted, with the error.
    const error = e instanceof UserError ? e : outputError(e, target.outDir);
    const message = e instanceof Error ? e.message : String(e);
    if (error !== undefined && fresh) folder.remove();
    else {
      try {
        markInterrupted({ error: message });
      } catch {
        // The folder cannot be written (the disk filled): it says "running", with its process gone.
      }
    }
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
}

/** A finished run: its summary, and its report when asked. */
async function finish(args: RunArgs, target: Target, executed: Executed): Promise<number> {
  const { prepared } = target;
  const path = join(target.outDir, target.name);
  const { result } = executed;
  printSummary(prepared, result, path);
  if (args.report === true) {
    const { report } = await import("./report.js");
    try {
      const written = await report({ in: path });
      process.stdout.write(`Report: ${written.path}\n`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
  } else process.stdout.write(`Next: npx hardhat sim report --in ${path}\n`);
  return result.divergences > 0 || result.invariantViolations > 0 ? 1 : 0;
}

async function newTarget(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<Target> {
  const prepared = await prepareRun(args, scenarioHost(hre));
  const outDir = checkOutDir(args.out ?? "results");
  const name = runName(prepared);
  const path = join(outDir, name);
  const state = folderState(path, "manifest.json");
  if (state !== undefined && unfinished(state)) {
    throw new UserError(
      state.status === RUNNING
        ? `${path} is being written by process ${state.owner?.pid ?? "?"}, a run with these inputs: wait for it to end, or stop it.`
        : `${path} holds an interrupted run with these inputs: resume it with npx hardhat sim run --resume ${path}, or remove the folder to start again.`,
    );
  }
  return { prepared, outDir, name, resumed: undefined };
}

/** The flags a resumed run takes from its manifest, and so refuses. */
const FROM_MANIFEST = ["steps", "seed", "mode", "set", "modelSet", "out", "confirmations", "stepSeconds"] as const;

async function resumeTarget(hre: HardhatRuntimeEnvironment, args: RunArgs, given: string): Promise<Target> {
  for (const flag of FROM_MANIFEST) {
    const value = args[flag];
    const shown = flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (value !== undefined)
      throw optionError(
        shown,
        value,
        `no --${shown} with --resume: a resumed run takes its settings from its manifest.json`,
      );
  }
  if (args.rpcUrl !== undefined)
    throw optionError("rpc-url", args.rpcUrl, "no --rpc-url with --resume of an in-process run (it ran on no network)");
  const folder = resolve(given);
  const path = join(folder, "manifest.json");
  if (!existsSync(path)) throw optionError("resume", given, "a run folder (it has no manifest.json)");
  const m = readJsonObject(path, "the manifest.json of a run");
  const state = folderState(folder, "manifest.json");
  if (state?.status === RUNNING)
    throw optionError("resume", given, `a run no process is writing (process ${state.owner?.pid ?? "?"} is)`);
  if (!unfinished(state))
    throw optionError("resume", given, `an unfinished run (its status is ${String(m["status"])})`);
  const f = new JsonFields(path, m);
  const list = (name: string): string | undefined => {
    const entries = (f.optional(name, array, "a list of { path, value }") ?? []).map((a, i) => {
      if (!isObject(a) || typeof a["path"] !== "string" || !["number", "string", "boolean"].includes(typeof a["value"]))
        throw f.error(`${name}[${i}]`, a, "{ path, value }: a parameter's path and its value");
      return `${a["path"]}=${String(a["value"])}`;
    });
    return entries.length === 0 ? undefined : entries.join(" ");
  };
  const scenario = f.required("scenario", nonEmptyString, "a scenario name");
  const scenarioFile = f.optional("scenarioFile", nonEmptyString, "the path of the scenario's file");
  const steps = f.required("steps", integerIn(1, MAX_STEPS), `a positive integer up to ${MAX_STEPS}, the run's steps`);
  const seed = f.required("seed", integerIn(0, MAX_SEED), `an integer in 0..${MAX_SEED}, the run's seed`);
  const mode = f.required("mode", oneOf(MODES), MODES.join(", "));
  const set = list("set");
  const modelSet = list("modelSet");
  const prepared = await prepareRun(
    { scenario: scenarioFile ?? scenario, steps: String(steps), seed: String(seed), mode, set, modelSet },
    scenarioHost(hre),
  );
  if (toJson(prepared.params) !== toJson(m["params"]) || toJson(prepared.modelParams) !== toJson(m["modelParams"])) {
    throw optionError("resume", given, "a run of this version of the scenario (its parameters no longer match)");
  }
  return { prepared, outDir: dirname(folder), name: basename(folder), resumed: m };
}

function resumeCount(resumed: JsonObject | undefined): number {
  if (resumed === undefined) return 0;
  const before = resumed["resumes"];
  return (typeof before === "number" ? before : 0) + 1;
}
