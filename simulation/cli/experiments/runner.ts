/**
 * An experiment's life: its options parsed (or, resuming, read back from its folder), its folder and results.duckdb
 * opened, its runs handed to the worker pool (those already recorded skipped), its summaries written, and
 * experiment.json marked `complete`, or `interrupted` when Ctrl-C or SIGTERM stopped it, with the resume command.
 */
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { RESULTS_FILE } from "../../analysis/schema.js";
import { openStore, runRowFromError, runRowFromResult, type RunIds, type Store } from "../../analysis/store.js";
import { inProcessTarget } from "../../chain/inprocess.js";
import { UserError } from "../../engine/errors.js";
import { executeRun } from "../../engine/execute.js";
import type { RunTask } from "../../engine/plan.js";
import { runTasks, type PoolOptions, type PoolOutcome, type PoolSink, type WorkerPool } from "../../engine/pool.js";
import { testPoint, testSignalsPlanned } from "../../engine/testHooks.js";
import { loadScenario, type LoadedScenario } from "../../scenarios/index.js";
import { build } from "../build.js";
import { scenarioHost } from "../host.js";
import { interruptible, type Interrupt } from "../interrupt.js";
import { gitCommit, reportDeclarations, toolchain } from "../manifest.js";
import { optionError } from "../prepare.js";
import { progressBar } from "../progress.js";
import { outputError } from "../run.js";
import { ExperimentFolder, refuseSettingsWithResume, resumedArgs, type ExperimentKind } from "./folder.js";

/** What an experiment is, once its options are parsed. */
export interface ExperimentPlan {
  readonly kind: ExperimentKind;
  readonly scenario: LoadedScenario;
  readonly outDir: string;
  readonly name: string;
  readonly workers: number;
  /** Its options as text, defaults resolved: what --resume parses again. */
  readonly inputs: Record<string, string | boolean>;
  /** What experiment.json says from the start (the plan); the results are added when it ends. */
  readonly spec: Record<string, unknown>;
}

/** How an experiment's body ended. */
export interface Ended {
  /** Every run recorded and every summary written; otherwise the experiment is interrupted. */
  readonly complete: boolean;
  /** The results, for experiment.json. */
  readonly results: Record<string, unknown>;
  /** What the terminal shows. */
  readonly print: readonly string[];
  /** The exit code of a complete experiment (1 when runs failed). */
  readonly code: number;
}

/** The runs of one batch handed to the pool: those recorded before were skipped. */
export interface RunsOutcome extends PoolOutcome {
  readonly total: number;
  /** Recorded by an earlier process (a resumed experiment), so not run again. */
  readonly skipped: number;
}

export const runKey = (t: RunIds): string => `${t.simulation}/${t.subset}/${t.run}`;

/** An experiment under way: its store, whether it was asked to stop, and how to run a batch of its runs. */
export class Experiment {
  /** Runs this process recorded. */
  recordedNow = 0;

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    readonly store: Store,
    private readonly interrupt: Interrupt,
    private readonly workers: number,
    /** Every run recorded so far, by key. */
    readonly recorded: Set<string>,
  ) {}

  /** Whether Ctrl-C or SIGTERM asked it to stop. */
  stop(): boolean {
    return this.interrupt.requested();
  }

  /** Runs the tasks not yet recorded (on `pool` when given) and records each as it ends. */
  async runAll(tasks: readonly RunTask[], label: string, pool?: WorkerPool): Promise<RunsOutcome> {
    const todo = tasks.filter((t) => !this.recorded.has(runKey(t)));
    const skipped = tasks.length - todo.length;
    let failures = 0;
    const bar = progressBar(label, process.stderr, () => (failures > 0 ? `, ${failures} failed` : ""));
    const options: PoolOptions = {
      workers: this.workers,
      sink: this.sink(),
      inProcess: inProcessRunner(this.hre),
      shouldStop: () => this.stop(),
      configPath: this.hre.config.paths.config,
      onProgress: (done, failed, total) => {
        failures = failed;
        bar(skipped + done + failed, skipped + total);
      },
    };
    const outcome =
      todo.length === 0
        ? { completed: 0, failed: 0, interrupted: 0, stopped: this.stop() }
        : pool !== undefined
          ? await pool.run(todo, options)
          : await runTasks(todo, options);
    await this.store.flush();
    return { ...outcome, total: tasks.length, skipped };
  }

  /** Every task recorded (done or failed). */
  allRecorded(tasks: readonly RunTask[]): boolean {
    return tasks.every((t) => this.recorded.has(runKey(t)));
  }

  /**
   * Streams a run's rows into its transaction; its end commits them with its runs row (done, failed) or rolls them
   * back (stopped: it runs again on resume).
   */
  private sink(): PoolSink {
    const ids = (t: RunTask): RunIds => ({ simulation: t.simulation, subset: t.subset, run: t.run });
    const base = (t: RunTask) => ({
      ...ids(t),
      scenario: t.scenario,
      mode: t.mode,
      seed: t.seed,
      steps: t.steps,
      params: t.params,
      modelParams: t.modelParams,
    });
    const recorded = async (t: RunTask): Promise<void> => {
      this.recorded.add(runKey(t));
      this.recordedNow++;
      if (testSignalsPlanned) await testPoint(`recorded:${this.recordedNow}`);
    };
    return {
      begin: (t, layout) => this.store.beginRun(ids(t), layout, { variables: t.variables }),
      samples: async (t, samples) => {
        for (const s of samples) await this.store.appendSample(ids(t), s);
      },
      actions: async (t, records) => {
        for (const r of records) await this.store.appendAction(ids(t), r);
      },
      done: async (t, result) => {
        if (result.status === "stopped") return this.store.abandonRun(ids(t));
        await this.store.recordRun(runRowFromResult(base(t), result));
        await recorded(t);
      },
      failed: async (t, error) => {
        await this.store.abandonRun(ids(t));
        await this.store.recordRun(runRowFromError(base(t), new Error(error)));
        await recorded(t);
      },
    };
  }
}

function inProcessRunner(hre: HardhatRuntimeEnvironment): NonNullable<PoolOptions["inProcess"]> {
  return async (task, sink, shouldStop) =>
    (
      await executeRun(
        { ...task, scenario: await loadScenario(scenarioHost(hre), task.scenario) },
        {
          target: inProcessTarget(hre),
          sink,
          simulation: task.simulation,
          subset: task.subset,
          run: task.run,
          shouldStop,
          ...(testSignalsPlanned
            ? {
                onStep: (step: number) =>
                  void testPoint(`run-step:${task.simulation}/${task.subset}/${task.run}:${step}`),
              }
            : {}),
        },
      )
    ).result;
}

function provenance(hre: HardhatRuntimeEnvironment, scenario: LoadedScenario): Record<string, unknown> {
  return {
    git: gitCommit(hre.config.paths.root),
    toolchain: toolchain(hre),
    bytecode: scenario.bytecodeHashes(),
    ...reportDeclarations(scenario),
  };
}

/** Counts of the runs recorded (of one simulation, or all): completed ones and failed ones. */
export async function recordedCounts(
  store: Store,
  simulation?: number,
): Promise<{ completed: number; failed: number }> {
  const where = simulation === undefined ? "" : ` WHERE simulation = ${simulation}`;
  const [row] = await store.query(
    `SELECT count(*) FILTER (WHERE status <> 'failed') AS completed, count(*) FILTER (WHERE status = 'failed') AS failed FROM runs${where}`,
  );
  return { completed: Number(row?.["completed"] ?? 0), failed: Number(row?.["failed"] ?? 0) };
}

/**
 * Runs an experiment end to end; returns the exit code: 0, 1 when runs failed, 2 for bad input, 130 or 143 when
 * Ctrl-C or SIGTERM stopped it (its folder then says `interrupted` and the resume command is printed).
 */
export async function withExperiment<
  A extends { readonly workers?: string | undefined; readonly resume?: string | undefined },
>(
  hre: HardhatRuntimeEnvironment,
  kind: ExperimentKind,
  args: A,
  plan: (args: A) => Promise<ExperimentPlan>,
  body: (experiment: Experiment) => Promise<Ended>,
): Promise<number> {
  // Scenarios are resolved against the compiled contracts: build first.
  await build(hre);
  let target: ExperimentPlan;
  let resumed: ExperimentFolder | undefined;
  try {
    if (args.resume !== undefined) {
      refuseSettingsWithResume(args);
      resumed = ExperimentFolder.resume(args.resume, kind);
      target = await plan(resumedArgs<A>(resumed, kind, args.workers));
      checkResumable(resumed, target, args.resume);
    } else target = await plan(args);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // From here on a signal stops the experiment (before, it ends the process: there is nothing to keep yet).
  const interrupt = interruptible("runs end at their next step, and every run recorded is kept");
  try {
    return await runExperiment(hre, kind, target, resumed, interrupt, body);
  } finally {
    interrupt.release();
  }
}

async function runExperiment(
  hre: HardhatRuntimeEnvironment,
  kind: ExperimentKind,
  target: ExperimentPlan,
  resumed: ExperimentFolder | undefined,
  interrupt: Interrupt,
  body: (experiment: Experiment) => Promise<Ended>,
): Promise<number> {
  let folder: ExperimentFolder;
  try {
    folder = resumed ?? createFolder(target, kind);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  const fresh = resumed === undefined;
  const resumeLine = `Resume with: npx hardhat sim ${kind} --resume ${folder.path}`;
  const started = performance.now();
  const seconds = (): number => folder.earlierSeconds + (performance.now() - started) / 1000;
  const spec = { ...target.spec, inputs: target.inputs, ...provenance(hre, target.scenario) };
  let store: Store | undefined;
  let recorded = new Set<string>();
  interrupt.onQuit(() => {
    if (!folder.started) {
      if (fresh) folder.remove();
      return;
    }
    folder.end("interrupted", { wallSeconds: seconds() });
    process.stderr.write(`Interrupted: ${plural(recorded.size, "run")} recorded in ${folder.path}\n${resumeLine}\n`);
  });
  try {
    folder.start(spec);
    store = await openStore(join(folder.path, RESULTS_FILE));
    recorded = new Set(
      (await store.query("SELECT simulation, subset, run FROM runs")).map((r) =>
        runKey({ simulation: Number(r["simulation"]), subset: Number(r["subset"]), run: Number(r["run"]) }),
      ),
    );
  } catch (e) {
    await store?.close().catch(() => {});
    if (fresh) folder.remove();
    const error = outputError(e, target.outDir);
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
  const experiment = new Experiment(hre, store, interrupt, target.workers, recorded);
  await testPoint("folder");
  if (!fresh) process.stdout.write(`Resuming ${folder.path}: ${plural(recorded.size, "run")} recorded before.\n`);
  try {
    const ended = await body(experiment);
    await store.close();
    const complete = ended.complete;
    folder.end(complete ? "complete" : "interrupted", { ...ended.results, wallSeconds: seconds() });
    // It is written: a signal from here on stops the printing, not the experiment.
    interrupt.release();
    const tail = complete
      ? [`Experiment folder: ${folder.path}`, `Next: npx hardhat sim report --in ${folder.path}`]
      : [`Interrupted; the folder is kept: ${folder.path}`, resumeLine];
    process.stdout.write([...ended.print, ...tail].join("\n") + "\n");
    return complete ? ended.code : interrupt.exitCode;
  } catch (e) {
    await store.close().catch(() => {});
    const error = e instanceof UserError ? e : outputError(e, target.outDir);
    if (error !== undefined && fresh) folder.remove();
    else {
      try {
        folder.end("interrupted", { error: e instanceof Error ? e.message : String(e), wallSeconds: seconds() });
      } catch {
        // The folder cannot be written (the disk filled): it says "running", with its process gone.
      }
    }
    if (error === undefined) throw e;
    process.stderr.write(`error: ${error.message}\n`);
    return 2;
  }
}

function createFolder(target: ExperimentPlan, kind: ExperimentKind): ExperimentFolder {
  try {
    return ExperimentFolder.create(target.outDir, target.name, kind);
  } catch (e) {
    const error = e instanceof UserError ? undefined : outputError(e, target.outDir);
    throw error ?? e;
  }
}

/** A resumed experiment must be the one its folder holds: the same base parameters, the same contracts. */
function checkResumable(folder: ExperimentFolder, target: ExperimentPlan, given: string): void {
  const spec = folder.resumed!;
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(JSON.parse(JSON.stringify(target.spec["base"], bigints)), spec["base"])) {
    throw optionError(
      "resume",
      given,
      `a ${target.kind} of this version of the scenario (its parameters no longer match)`,
    );
  }
  const bytecode = spec["bytecode"];
  if (bytecode !== undefined && !same(target.scenario.bytecodeHashes(), bytecode)) {
    throw optionError(
      "resume",
      given,
      `a ${target.kind} of these contracts (their bytecode changed since it ran: remove the folder to start again)`,
    );
  }
}

const bigints = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);

/** "1 run", "2 runs". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
