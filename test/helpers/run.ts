import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { scenarioHost } from "../../simulation/cli/host.js";
import { prepareRun, type PreparedRun, type RunRequest } from "../../simulation/cli/prepare.js";
import { executeRun, type Executed, type ExecuteOptions } from "../../simulation/engine/execute.js";
import { loadScenario, type LoadedScenario } from "../../simulation/scenarios/index.js";
import { reportDeclarations } from "../../simulation/cli/manifest.js";

/** A scenario as the command line loads it (by name or path), in this project. */
export function scenario(ref: string): Promise<LoadedScenario> {
  return loadScenario(scenarioHost(hre), ref);
}

/** Prepares a run as the command line would. */
export function prepare(req: RunRequest): Promise<PreparedRun> {
  return prepareRun(req, scenarioHost(hre));
}

/** Prepares a run as the command line would and executes it on the in-process chain. */
export async function runFromRequest(req: RunRequest, options: Omit<ExecuteOptions, "target"> = {}): Promise<Executed> {
  const prepared = await prepare(req);
  return executeRun(prepared, { ...options, target: inProcessTarget(hre) });
}

/** A divergence, printed so a failing parity test says where and how to replay it. */
export function describeDivergence(e: Executed): string {
  const d = e.result.firstDivergence;
  if (d === undefined) return "no divergence";
  return `first divergence at step ${d.step}, substep ${d.substep}: ${d.variable}: model ${d.model}, chain ${d.chain} (seed ${d.seed})`;
}

/** What a run or experiment of scenario `ref` records of its declarations, as the command line writes it. */
export async function declarationsOf(ref: string): Promise<Record<string, unknown>> {
  return reportDeclarations(await scenario(ref));
}
