/** `sim report`: the HTML report of a run or experiment folder. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { UserError } from "../engine/errors.js";
import type { ScenarioInfo } from "../analysis/report/experimentReport.js";
import { writeReport, type WriteReportReturnType } from "../analysis/report/writeReport.js";
import { loadScenario } from "../scenarios/index.js";
import { scenarioHost } from "./host.js";

export interface ReportArgs {
  readonly in?: string | undefined;
  readonly out?: string | undefined;
}

/**
 * The scenario of a results folder (its flows and parameter schema, for units and flow
 * diagrams), when it can be loaded here: by the file or name its manifest records. A folder
 * whose scenario is gone still gets its report, without them.
 */
async function scenarioOfFolder(
  hre: HardhatRuntimeEnvironment | undefined,
  dir: string,
): Promise<ScenarioInfo | undefined> {
  if (hre === undefined) return undefined;
  for (const file of ["manifest.json", "experiment.json"]) {
    let m: { scenario?: unknown; scenarioFile?: unknown };
    try {
      m = JSON.parse(readFileSync(join(dir, file), "utf8")) as typeof m;
    } catch {
      continue; // missing or damaged: the report's reader says which
    }
    const ref =
      typeof m.scenarioFile === "string" ? m.scenarioFile : typeof m.scenario === "string" ? m.scenario : undefined;
    if (ref === undefined) return undefined;
    try {
      const s = await loadScenario(scenarioHost(hre), ref);
      return { flows: s.flows ?? [], schema: s.schema };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Writes the report; returns the exit code (0 written, 2 bad input). */
export async function simReport(args: ReportArgs, hre?: HardhatRuntimeEnvironment): Promise<number> {
  try {
    const r = await report(args, hre);
    process.stdout.write(`Report (${r.kind}, ${r.charts} charts, ${(r.bytes / 1e6).toFixed(1)} MB): ${r.path}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export async function report(args: ReportArgs, hre?: HardhatRuntimeEnvironment): Promise<WriteReportReturnType> {
  if (args.in === undefined || args.in.trim() === "") {
    throw new UserError(
      "Missing option --in: expected a run folder or an experiment folder, for example results/boson-commerce-1-0a7c687b.",
    );
  }
  const info = await scenarioOfFolder(hre, args.in);
  return writeReport({
    in: args.in,
    ...(args.out !== undefined ? { out: args.out } : {}),
    scenarioOf: () => info,
  });
}
