import { createKeyRing, type KeyRing } from "./accounts.js";
import { InternalError } from "./errors.js";
import type { ParamSchema } from "./params.js";
import { runScenario, type RunResult, type RunSink } from "./run.js";
import type { ChainBackend, ChainTarget, Mode, Scenario } from "./types.js";
import type { TimeScale } from "./timeScale.js";
import { isActionDivergence } from "./record.js";

/** 2030-03-17T17:46:40Z: every run's clock starts here, so traces do not depend on the day they ran. */
export const DEFAULT_START_TIME = 1_900_000_000n;

export interface ExecuteSpec {
  readonly scenario: Scenario<ParamSchema, unknown, unknown, unknown>;
  readonly params: object;
  readonly modelParams: object;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
}

export interface ExecuteOptions {
  /** Required unless mode is "model". */
  readonly target?: ChainTarget;
  readonly sink?: RunSink;
  readonly keys?: KeyRing;
  readonly startTime?: bigint;
  /** Wall-clock runs on a chain that cannot warp: the scenario's clock compressed (see timeScale.ts). */
  readonly timeScale?: TimeScale;
  readonly simulation?: number;
  readonly subset?: number;
  readonly run?: number;
  readonly onStep?: (step: number, steps: number) => void;
  readonly shouldStop?: () => boolean;
  /**
   * When a lockstep run on an in-process chain diverges on a sampled variable, replay it on a
   * fresh chain up to the diverging step, comparing after each Action of that step, to name the
   * substep and the Action where the two sides part (see RunResult.pinned).
   */
  readonly pinDivergence?: boolean;
  /** (Internal) the replay's step: see RunSpec.pinStep. */
  readonly pinStep?: number;
}

export interface Executed {
  readonly result: RunResult;
  /** Chain facts (chain id, client) when a chain took part. */
  readonly chain?: Record<string, string | number>;
  /** The opaque deployment (contract addresses) when a chain took part. */
  readonly deployment?: unknown;
}

/** Builds a run's backends from its scenario's mechanisms and runs it. */
export async function executeRun(spec: ExecuteSpec, options: ExecuteOptions = {}): Promise<Executed> {
  const keys = options.keys ?? createKeyRing();
  const env = {
    startTime: options.startTime ?? DEFAULT_START_TIME,
    keys,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  };
  let chain: ChainBackend | undefined;
  let deployment: unknown;
  if (spec.mode !== "model") {
    if (options.target === undefined) throw new InternalError(`mode ${spec.mode} needs a chain target`);
    const deployed = await spec.scenario.mechanisms.chain(spec.params as never, env, options.target);
    chain = deployed.backend;
    deployment = deployed.deployment;
  }
  try {
    const model = await spec.scenario.mechanisms.model(spec.modelParams as never, env, deployment);
    const result = await runScenario({
      scenario: spec.scenario,
      params: spec.params as never,
      modelParams: spec.modelParams as never,
      mode: spec.mode,
      seed: spec.seed,
      steps: spec.steps,
      startTime: env.startTime,
      keys,
      model,
      ...(chain !== undefined ? { chain } : {}),
      ...(options.sink !== undefined ? { sink: options.sink } : {}),
      ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
      ...(options.simulation !== undefined ? { simulation: options.simulation } : {}),
      ...(options.subset !== undefined ? { subset: options.subset } : {}),
      ...(options.run !== undefined ? { run: options.run } : {}),
      ...(options.onStep !== undefined ? { onStep: options.onStep } : {}),
      ...(options.shouldStop !== undefined ? { shouldStop: options.shouldStop } : {}),
      ...(options.pinStep !== undefined ? { pinStep: options.pinStep } : {}),
    });
    const facts = chain !== undefined ? await chain.describe() : undefined;
    await chain?.close();
    chain = undefined;
    const pin = await pinIfAsked(spec, options, result);
    // A stop request during the replay stops the run: what it would report is not all there.
    const ended: RunResult = pin.stopped ? { ...result, status: "stopped" } : result;
    return {
      result: pin.pinned === undefined ? ended : { ...ended, pinned: pin.pinned },
      ...(facts !== undefined ? { chain: facts, deployment } : {}),
    };
  } finally {
    await chain?.close();
  }
}

/**
 * The replay behind `pinDivergence`: the same run (runs are deterministic) on a fresh chain, up
 * to the step where a sampled variable first diverged, sending that step's Actions one by one.
 * A divergence in an Action's outcome is pinned already (it names the Action).
 */
async function pinIfAsked(
  spec: ExecuteSpec,
  options: ExecuteOptions,
  result: RunResult,
): Promise<{ pinned?: RunResult["pinned"]; stopped: boolean }> {
  const d = result.firstDivergence;
  if (options.pinDivergence !== true || d === undefined || spec.mode !== "lockstep") return { stopped: false };
  if (result.status === "stopped") return { stopped: true };
  if (options.target?.kind !== "in-process" || isActionDivergence(d.variable)) return { stopped: false };
  const replay = await executeRun(spec, {
    target: options.target,
    ...(options.keys !== undefined ? { keys: options.keys } : {}),
    ...(options.startTime !== undefined ? { startTime: options.startTime } : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.shouldStop !== undefined ? { shouldStop: options.shouldStop } : {}),
    pinStep: d.step - 1,
  });
  const stopped = replay.result.status === "stopped";
  return { ...(!stopped && replay.result.pinned !== undefined ? { pinned: replay.result.pinned } : {}), stopped };
}
