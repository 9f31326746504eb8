/**
 * Lockstep: check a token mechanism's model against its contracts, step by step.
 *
 * The default export is the Hardhat 3 plugin (`plugins: [lockstep]` in hardhat.config.ts),
 * which adds the `sim` tasks. The named exports are the SDK a scenario file is written with:
 * `defineMechanism` (contracts, deployment, actions and their model functions, compared
 * variables), `defineScenario` (parameters, clock, agents, KPIs), `revert` for a model
 * function that mirrors a custom error, the parameter helpers, and building blocks for agents
 * that learn (`adaptive`, `epsilonGreedy`, `ucb1`, `imitate`). Lockstep's own scenarios use
 * exactly these.
 */
import lockstep from "./cli/plugin.js";

export default lockstep;

export { defineMechanism } from "./sdk/mechanism.js";
export type {
  AccountVariableBinding,
  ActionArgs,
  ActionBinding,
  Address,
  CallEnv,
  ConfigEnv,
  Deadline,
  DeployContext,
  Deployed,
  EventArg,
  FuzzArgKind,
  FuzzDeclaration,
  Invariant,
  MechanismDefinition,
  UnitDeclaration,
  Units,
  ObservedCall,
  VariableBinding,
} from "./sdk/mechanism.js";
export { defineScenario } from "./sdk/scenario.js";
export type { ScenarioDefinition } from "./sdk/scenario.js";
export { ModelRevert, revert } from "./model/revert.js";
export type { ErrorArg } from "./model/revert.js";
export { actsIn } from "./engine/types.js";
export type {
  Account,
  Action,
  ActionArg,
  AgentContext,
  AgentSpec,
  Comparison,
  EmittedEvent,
  Flow,
  Outcome,
  Policy,
  StepContext,
  Substep,
} from "./engine/types.js";
export type { Rng } from "./engine/rng.js";
export {
  adaptive,
  epsilonGreedy,
  imitate,
  newBanditMemory,
  newLearning,
  rewardArm,
  strategyShares,
  ucb1,
} from "./agents/learning.js";
export type { AdaptiveOptions, BanditMemory, Learner, Learning } from "./agents/learning.js";
export { amount, bool, bps, int, num, withDefault } from "./engine/params.js";
export type { ParamSchema, ParamsOf } from "./engine/params.js";
export { z } from "zod";
export type { LockstepConfig, LockstepUserConfig } from "./cli/typeExtensions.js";

/**
 * Replays a sequence `sim fuzz` wrote (the parsed contents of its replay.json) in this Hardhat
 * project, checked after every action: what the mocha test `sim fuzz` exports calls.
 */
export async function replayFuzzSequence(
  hre: import("hardhat/types/hre").HardhatRuntimeEnvironment,
  replay: unknown,
): Promise<import("./fuzz/replay.js").ReplayResult> {
  const { replayFuzzSequence: replayIt } = await import("./fuzz/replay.js");
  return replayIt(hre, replay);
}
