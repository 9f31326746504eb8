import { execFileSync } from "node:child_process";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { selectedNetwork } from "./network.js";
import type { Executed } from "../engine/execute.js";
import type { PreparedRun } from "./prepare.js";
import { defaults, leafAt, listPaths } from "../engine/params.js";
import type { LoadedScenario } from "../scenarios/index.js";
import { UnitTable, type Unit } from "../analysis/report/units.js";

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

type RecordedUnits = Record<string, { unit: string; decimals: number }>;

/**
 * The units a scenario and its mechanism declare, as a folder records them (`decimals` always
 * written): the scenario's first, then the mechanism's others. The first match wins (units.ts).
 */
function declaredUnits(scenario: LoadedScenario): RecordedUnits {
  const out: RecordedUnits = {};
  for (const units of [scenario.units, scenario.resolved.definition.units ?? {}]) {
    for (const [name, u] of Object.entries(units)) out[name] ??= { unit: u.unit, decimals: u.decimals ?? 0 };
  }
  return out;
}

/** The units of a scenario's KPIs and variables, as its reports show them. */
export function unitTable(scenario: LoadedScenario): UnitTable {
  const units: Record<string, Unit> = {};
  for (const [name, u] of Object.entries(declaredUnits(scenario)))
    units[name] = { label: u.unit, decimals: u.decimals };
  return new UnitTable(units, scenario.flows ?? []);
}

/**
 * What a report needs of the scenario, recorded with its results so the report never loads the
 * scenario (analysis/report/declarations.ts reads it back): the mechanism, the step's length (at
 * `params`, else at the defaults), the fields compared per account, the units, the flows, how
 * Action kinds, variables and KPIs are grouped, and the parameters' units.
 */
export function reportDeclarations(scenario: LoadedScenario, params?: object): Record<string, unknown> {
  const mechanism = scenario.resolved.definition;
  const parameterUnits: Record<string, { unit: string; decimals: number }> = {};
  for (const path of listPaths(scenario.schema)) {
    const leaf = leafAt(scenario.schema, path);
    if (leaf.type === "amount") parameterUnits[path] = { unit: "wei", decimals: 18 };
    else if (leaf.unit !== undefined) parameterUnits[path] = { unit: leaf.unit, decimals: 0 };
  }
  return {
    mechanism: mechanism.name,
    ...(scenario.description !== "" ? { description: scenario.description } : {}),
    stepSeconds: scenario.stepSeconds(
      (params ?? defaults(scenario.schema)) as Parameters<typeof scenario.stepSeconds>[0],
    ),
    accountFields: accountFields(scenario),
    units: declaredUnits(scenario),
    flows: scenario.flows ?? [],
    actionGroups: mechanism.actionGroups ?? {},
    variableGroups: mechanism.variableGroups ?? {},
    kpiGroups: scenario.kpiGroups,
    parameterUnits,
  };
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
    ...reportDeclarations(prepared.scenario, prepared.params),
  };
}
