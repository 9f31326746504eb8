import { simExport, type ExportArgs } from "../experiments/export.js";

export default async function exportAction(args: ExportArgs): Promise<void> {
  process.exitCode = await simExport(args);
}
