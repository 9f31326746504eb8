import { execFileSync } from "node:child_process";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { selectedNetwork } from "./network.js";
import type { Executed } from "../engine/execute.js";
import type { PreparedRun } from "./prepare.js";
import type { LoadedScenario } from "../scenarios/index.js";

/** The source commit the run came from, with `-dirty` when the tree had changes. */
export function gitCommit(root: string): string {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    return dirty === "" ? head : `${head}-dirty`;
  } catch {
    return "unknown";
  }
}

export function toolchain(hre: HardhatRuntimeEnvironment): Record<string, string> {
  const network = selectedNetwork(hre);
  return {
    solc: hre.config.solidity.profiles["default"]?.compilers[0]?.version ?? "unknown",
    hardfork: network.config.type === "edr-simulated" ? network.config.hardfork : "unknown",
    network: network.name,
    node: process.version,
  };
}

/**
 * The fields a run compares for every account (`<agent id>.<field>`), as its mechanism declares
 * them: what a report needs to tell an account's variables from the globals.
 */
export function accountFields(scenario: LoadedScenario): string[] {
  return Object.keys(scenario.resolved.definition.accountVariables ?? {});
}

/** The manifest fields every finished run has, local or remote: its chain, status, parity and KPIs. */
export function outcomeFields(executed: Executed): Record<string, unknown> {
  const result = executed.result;
  return {
    chain: executed.chain ?? null,
    contracts: executed.deployment ?? null,
    status: result.status,
    divergences: result.divergences,
    firstDivergence: result.firstDivergence ?? null,
    pinnedDivergence: result.pinned ?? null,
    invariantViolations: result.invariantViolations,
    firstInvariantViolation: result.firstViolation ?? null,
    traceHash: result.traceHash,
    variables: result.variables,
    comparisons: result.comparisons,
    kpis: result.kpis,
    actions: result.actions,
    gasUsed: result.gasUsed,
    wallSeconds: result.wallMs / 1000,
    timing: result.timing,
  };
}

/** The fields every run manifest opens with: what ran, from which parameters, with which code. */
export function runHeader(
  hre: HardhatRuntimeEnvironment,
  prepared: PreparedRun,
  startTime: bigint,
): Record<string, unknown> {
  return {
    lockstep: "0.1.0",
    scenario: prepared.scenario.name,
    ...(prepared.scenario.file !== undefined ? { scenarioFile: prepared.scenario.file } : {}),
    mode: prepared.mode,
    steps: prepared.steps,
    seed: prepared.seed,
    startTime,
    params: prepared.params,
    modelParams: prepared.modelParams,
    set: prepared.set,
    modelSet: prepared.modelSet,
    git: gitCommit(hre.config.paths.root),
    toolchain: toolchain(hre),
    bytecode: prepared.scenario.bytecodeHashes(),
    accountFields: accountFields(prepared.scenario),
  };
}
