import { simReport, type ReportArgs } from "../report.js";

/** A report is drawn from its folder alone: no build, no scenario to load. */
export default async function reportAction(args: ReportArgs): Promise<void> {
  process.exitCode = await simReport(args);
}
