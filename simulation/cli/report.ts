/** `sim report`: the HTML report of a run, experiment or fuzz campaign folder. */
import { UserError } from "../engine/errors.js";
import { writeReport, type WriteReportReturnType } from "../analysis/report/writeReport.js";

export interface ReportArgs {
  readonly in?: string | undefined;
  readonly out?: string | undefined;
}

/** Writes the report; returns the exit code (0 written, 2 bad input). */
export async function simReport(args: ReportArgs): Promise<number> {
  try {
    const r = await report(args);
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

/**
 * The report of the folder `args.in`, drawn from what the folder records (the scenario's units,
 * flows and groups included): the scenario is not loaded, so a report reads the same wherever,
 * and whenever, it is written.
 */
export async function report(args: ReportArgs): Promise<WriteReportReturnType> {
  if (args.in === undefined || args.in.trim() === "") {
    throw new UserError(
      "Missing option --in: expected a run, experiment or fuzz campaign folder, for example results/boson-commerce-1-0a7c687b.",
    );
  }
  return writeReport({ in: args.in, ...(args.out !== undefined ? { out: args.out } : {}) });
}
