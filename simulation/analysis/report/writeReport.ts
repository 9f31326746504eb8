/**
 * `sim report`: reads a run folder or an experiment folder and writes its report, one self-contained HTML file
 * (by default `<folder>/report.html`). It reads the folder alone: what the report needs of the scenario, the folder
 * recorded when it was written.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../engine/errors.js";
import { describeUnwritable, fsReason, isFsError, OutputError, unwritableDir } from "../fileErrors.js";
import { experimentReport, isExperimentFolder } from "./experimentReport.js";
import { fuzzReport } from "./fuzzReport.js";
import type { ReportPage } from "./page.js";
import { isFuzzFolder, readFuzzFolder } from "./readFuzzFolder.js";
import { isRunFolder, readRunFolder } from "./readRunFolder.js";
import { renderHtml } from "./renderHtml.js";
import { runReport } from "./runReport.js";

export interface WriteReportParameters {
  /** A run folder (manifest.json, trace.csv), an experiment folder (experiment.json, results.duckdb) or a fuzz campaign folder (campaign.json). */
  readonly in: string;
  /** The HTML file to write; default `<in>/report.html`. */
  readonly out?: string;
}

export interface WriteReportReturnType {
  readonly path: string;
  readonly kind: ReportPage["kind"];
  readonly charts: number;
  readonly bytes: number;
}

export async function writeReport(p: WriteReportParameters): Promise<WriteReportReturnType> {
  const dir = resolve(p.in);
  if (!existsSync(dir)) throw new UserError(`Invalid option --in = ${JSON.stringify(p.in)}: no such folder.`);
  if (!statSync(dir).isDirectory())
    throw new UserError(
      `Invalid option --in = ${JSON.stringify(p.in)}: expected a run, experiment or fuzz campaign folder, not a file.`,
    );
  // The output first: a report that cannot be written is refused before the folder is read.
  const out = resolve(p.out ?? join(dir, "report.html"));
  const unwritable = unwritableDir(dirname(out));
  const outIsFolder = unwritable === undefined && existsSync(out) && statSync(out).isDirectory();
  if (unwritable !== undefined || outIsFolder) {
    const problem = unwritable !== undefined ? describeUnwritable(unwritable, out) : "a folder";
    throw p.out !== undefined
      ? new OutputError(`Invalid option --out = ${JSON.stringify(p.out)}: ${problem}; expected an HTML file path.`)
      : new OutputError(`${out}: ${problem}; give --out a path where the report can be written.`);
  }
  let page: ReportPage;
  if (isRunFolder(dir)) {
    page = runReport(readRunFolder(dir));
  } else if (isExperimentFolder(dir)) {
    page = await experimentReport(dir);
  } else if (isFuzzFolder(dir)) {
    page = fuzzReport(readFuzzFolder(dir));
  } else {
    throw new UserError(
      `Invalid option --in = ${JSON.stringify(p.in)}: expected a run folder (manifest.json and trace.csv), an experiment folder (experiment.json or results.duckdb) or a fuzz campaign folder (campaign.json).`,
    );
  }
  const html = renderHtml({ ...page, generator: "Lockstep sim report" });
  const partial = `${out}.partial-${process.pid}`;
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(partial, html);
    renameSync(partial, out);
  } catch (e) {
    rmSync(partial, { force: true });
    if (!isFsError(e)) throw e;
    throw new OutputError(
      `${out}: cannot be written: ${fsReason(e)}; give --out a path where the report can be written.`,
    );
  }
  return {
    path: out,
    kind: page.kind,
    charts: (html.match(/class="chart"/g) ?? []).length,
    bytes: Buffer.byteLength(html),
  };
}
