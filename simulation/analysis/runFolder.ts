import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ActionRecord, RunSink } from "../engine/run.js";
import { BufferedFile, csvCell, toJson, writeJsonAtomic } from "./files.js";
import { traceHeader, traceRow, type StepSample, type TraceLayout } from "./trace.js";

/**
 * A run's folder: `manifest.json`, `trace.csv` (cadCAD's shape), `actions.ndjson` (and a remote run's
 * `journal.ndjson`, which the remote sender writes). It is written in place from the start: the manifest says
 * `"status": "running"` until the run ends, so a folder a kill left is visible, says what it is, and `--resume`
 * finds it. Each step's rows reach the file when the step ends; the manifest is replaced atomically. A resumed run
 * runs again from step 0 and writes the trace and the actions anew (runs are deterministic: the same rows).
 */
export class RunFolder implements RunSink {
  private trace: BufferedFile | undefined;
  private actions: BufferedFile | undefined;
  private layout: TraceLayout | undefined;

  /** `createdOut`: the first folder above it this run created, removed with it when the run is withdrawn. */
  constructor(
    readonly path: string,
    private readonly createdOut?: string | undefined,
  ) {
    mkdirSync(path, { recursive: true });
  }

  /** Creates `<outDir>/<name>` (and `outDir` where needed). */
  static create(outDir: string, name: string): RunFolder {
    const createdOut = mkdirSync(outDir, { recursive: true });
    try {
      return new RunFolder(join(outDir, name), createdOut);
    } catch (e) {
      removeIfEmpty(createdOut);
      throw e;
    }
  }

  static exists(path: string): boolean {
    return existsSync(join(path, "manifest.json"));
  }

  /** Writes manifest.json atomically (a crash leaves the old or the new one, never half of one). */
  writeManifest(manifest: unknown): void {
    writeJsonAtomic(join(this.path, "manifest.json"), manifest);
  }

  begin(layout: TraceLayout): void {
    this.layout = layout;
    this.trace?.discard();
    this.trace = new BufferedFile(join(this.path, "trace.csv"));
    this.actions ??= new BufferedFile(join(this.path, "actions.ndjson"));
    this.trace.write(traceHeader(layout).map(csvCell).join(",") + "\n");
  }

  /** A sample ends a step (or is the initial state): the step's rows go to the files now. */
  sample(sample: StepSample): void {
    this.trace!.write(traceRow(this.layout!, sample).map(csvCell).join(",") + "\n");
    this.actions?.flush();
    this.trace!.flush();
  }

  action(record: ActionRecord): void {
    this.actions ??= new BufferedFile(join(this.path, "actions.ndjson"));
    this.actions.write(toJson(record) + "\n");
  }

  /** Flushes and closes the trace and the actions. */
  close(): void {
    this.trace?.close();
    this.actions?.close();
  }

  /** Closes the files after a failure: what cannot be written any more (the disk filled) is dropped. */
  closeQuietly(): void {
    for (const file of [this.trace, this.actions]) {
      try {
        file?.close();
      } catch {
        file?.discard();
      }
    }
  }

  /** Removes the folder and everything in it (a run withdrawn: bad input, a disk that filled). */
  remove(): void {
    this.trace?.discard();
    this.actions?.discard();
    rmSync(this.path, { recursive: true, force: true });
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
