import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { prepareRun, type RunRequest } from "../../simulation/cli/prepare.js";
import { executeRun, type Executed, type ExecuteOptions } from "../../simulation/engine/execute.js";

/** Prepares a run as the command line would and executes it on the in-process chain. */
export async function runFromRequest(req: RunRequest, options: Omit<ExecuteOptions, "target"> = {}): Promise<Executed> {
  const prepared = prepareRun(req);
  return executeRun(prepared, { ...options, target: inProcessTarget(hre) });
}

/** A divergence, printed so a failing parity test says where and how to replay it. */
export function describeDivergence(e: Executed): string {
  const d = e.result.firstDivergence;
  if (d === undefined) return "no divergence";
  return `first divergence at step ${d.step}, substep ${d.substep}: ${d.variable}: model ${d.model}, chain ${d.chain} (seed ${d.seed})`;
}
