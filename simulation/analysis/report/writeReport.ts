/**
 * `sim report`: reads a run folder or an experiment folder and writes its report, one self-contained HTML file
 * (by default `<folder>/report.html`).
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../engine/errors.js";
import { experimentReport, isExperimentFolder, type ScenarioInfo } from "./experimentReport.js";
import type { ReportPage } from "./page.js";
import { isRunFolder, readRunFolder } from "./readRunFolder.js";
import { renderHtml } from "./renderHtml.js";
import { runReport } from "./runReport.js";

export interface WriteReportParameters {
  /** A run folder (manifest.json, trace.csv) or an experiment folder (experiment.json, results.duckdb). */
  readonly in: string;
  /** The HTML file to write; default `<in>/report.html`. */
  readonly out?: string;
  /** A scenario's flows and parameter schema by name (the scenario registry); undefined when unknown. */
  readonly scenarioOf?: (scenario: string) => ScenarioInfo | undefined;
}

export interface WriteReportReturnType {
  readonly path: string;
  readonly kind: "run" | "experiment";
  readonly charts: number;
  readonly bytes: number;
}

export async function writeReport(p: WriteReportParameters): Promise<WriteReportReturnType> {
  const dir = resolve(p.in);
  if (!existsSync(dir)) throw new UserError(`Invalid option --in = ${JSON.stringify(p.in)}: no such folder.`);
  if (!statSync(dir).isDirectory())
    throw new UserError(
      `Invalid option --in = ${JSON.stringify(p.in)}: expected a run or experiment folder, not a file.`,
    );
  const scenarioOf = p.scenarioOf ?? (() => undefined);
  let page: ReportPage;
  if (isRunFolder(dir)) {
    const run = readRunFolder(dir);
    page = runReport(run, scenarioOf(run.manifest.scenario)?.flows ?? []);
  } else if (isExperimentFolder(dir)) {
    page = await experimentReport(dir, scenarioOf);
  } else {
    throw new UserError(
      `Invalid option --in = ${JSON.stringify(p.in)}: expected a run folder (manifest.json and trace.csv) or an experiment folder (experiment.json or results.duckdb).`,
    );
  }
  const out = resolve(p.out ?? join(dir, "report.html"));
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UserError(`Invalid option --out = ${JSON.stringify(p.out)}: a folder; expected an HTML file path.`);
  }
  const html = renderHtml({ ...page, generator: "Lockstep sim report" });
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.partial-${process.pid}`;
  writeFileSync(partial, html);
  renameSync(partial, out);
  return {
    path: out,
    kind: page.kind,
    charts: (html.match(/class="chart"/g) ?? []).length,
    bytes: Buffer.byteLength(html),
  };
}
