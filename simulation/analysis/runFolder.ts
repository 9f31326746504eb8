import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ActionRecord, RunSink } from "../engine/run.js";
import { BufferedFile, csvCell, toJson } from "./files.js";
import { traceHeader, traceRow, type StepSample, type TraceLayout } from "./trace.js";

/**
 * A run's folder: `trace.csv` (cadCAD's shape), `actions.ndjson`, `manifest.json`.
 * Everything is written under a hidden partial name and renamed into place only when
 * the manifest is written, so a failed or rejected run leaves nothing half-written.
 */
export class RunFolder implements RunSink {
  readonly finalPath: string;
  private readonly partialPath: string;
  private readonly trace: BufferedFile;
  private readonly actions: BufferedFile;

  /** The first folder of `outDir` this run created, removed with the run when it is aborted and left empty. */
  private readonly createdOut: string | undefined;

  constructor(outDir: string, name: string) {
    this.createdOut = mkdirSync(outDir, { recursive: true });
    this.finalPath = join(outDir, name);
    this.partialPath = join(outDir, `.${name}.partial-${process.pid}`);
    try {
      rmSync(this.partialPath, { recursive: true, force: true });
      mkdirSync(this.partialPath);
      this.trace = new BufferedFile(join(this.partialPath, "trace.csv"));
      this.actions = new BufferedFile(join(this.partialPath, "actions.ndjson"));
    } catch (e) {
      rmSync(this.partialPath, { recursive: true, force: true });
      removeIfEmpty(this.createdOut);
      throw e;
    }
  }

  private layout: TraceLayout | undefined;

  begin(layout: TraceLayout): void {
    this.layout = layout;
    this.trace.write(traceHeader(layout).map(csvCell).join(",") + "\n");
  }

  sample(sample: StepSample): void {
    this.trace.write(traceRow(this.layout!, sample).map(csvCell).join(",") + "\n");
  }

  action(record: ActionRecord): void {
    this.actions.write(toJson(record) + "\n");
  }

  /** Writes the manifest and moves the folder into place (replacing an older run of the same name). */
  finish(manifest: unknown): string {
    this.trace.close();
    this.actions.close();
    writeFileSync(join(this.partialPath, "manifest.json"), toJson(manifest, 2) + "\n");
    if (existsSync(this.finalPath)) rmSync(this.finalPath, { recursive: true, force: true });
    renameSync(this.partialPath, this.finalPath);
    return this.finalPath;
  }

  /** Removes everything written so far (also when writing is what failed: nothing more is written). */
  abort(): void {
    this.trace.discard();
    this.actions.discard();
    rmSync(this.partialPath, { recursive: true, force: true });
    removeIfEmpty(this.createdOut);
  }
}

/** Removes `dir` and the folders under it when they hold no file (folders a run created and did not fill). */
export function removeIfEmpty(dir: string | undefined): void {
  if (dir === undefined || !existsSync(dir)) return;
  const holdsFile = (d: string): boolean =>
    readdirSync(d, { withFileTypes: true }).some((e) => !e.isDirectory() || holdsFile(join(d, e.name)));
  if (!holdsFile(dir)) rmSync(dir, { recursive: true, force: true });
}
