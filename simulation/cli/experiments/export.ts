import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { RESULTS_FILE } from "../../analysis/schema.js";
import { UserError } from "../../engine/errors.js";
import { optionError } from "../prepare.js";

/** `sim export`: the folder's results as Parquet or CSV that pandas, polars and radCAD notebooks read. */
export interface ExportArgs {
  readonly in?: string | undefined;
  readonly format?: string | undefined;
}

export async function simExport(args: ExportArgs): Promise<number> {
  try {
    if (args.in === undefined) throw new UserError("Missing option --in: expected a run or experiment folder.");
    const folder = resolve(args.in);
    const { isRunFolder } = await import("../../analysis/report/readRunFolder.js");
    if (!existsSync(join(folder, RESULTS_FILE)) && !isRunFolder(folder))
      throw optionError(
        "in",
        args.in,
        `a run folder (manifest.json and trace.csv) or an experiment folder (${RESULTS_FILE})`,
      );
    const format = (args.format ?? "parquet").trim();
    if (format !== "parquet" && format !== "csv") throw optionError("format", format, "parquet or csv");
    const { exportResults } = await import("../../analysis/export.js");
    const files = await exportResults(folder, format);
    process.stdout.write(files.map((f) => `wrote ${f}`).join("\n") + "\n");
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
