import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { scenarioHost } from "../../simulation/cli/host.js";
import { prepareRun, type PreparedRun, type RunRequest } from "../../simulation/cli/prepare.js";
import { executeRun, type Executed, type ExecuteOptions } from "../../simulation/engine/execute.js";
import { loadScenario, type LoadedScenario } from "../../simulation/scenarios/index.js";
import type { ScenarioInfo } from "../../simulation/analysis/report/experimentReport.js";

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

/** The built-in scenarios' report information (flows, schema), by name, as `sim report` finds it for a folder. */
export async function builtInScenarioInfo(): Promise<(name: string) => ScenarioInfo | undefined> {
  const infos = new Map<string, ScenarioInfo>();
  for (const name of ["boson-commerce", "fees-and-rewards"]) {
    const s = await scenario(name);
    infos.set(name, { flows: s.flows ?? [], schema: s.schema });
  }
  return (name) => infos.get(name);
}
