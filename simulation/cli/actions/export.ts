import { simExport, type ExportArgs } from "../experiment.js";

export default async function exportAction(args: ExportArgs): Promise<void> {
  process.exitCode = await simExport(args);
}
