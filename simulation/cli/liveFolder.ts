import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BufferedFile, csvCell, toJson } from "../analysis/files.js";
import { traceHeader, traceRow, type StepSample, type TraceLayout } from "../analysis/trace.js";
import type { ActionRecord, RunSink } from "../engine/run.js";

/**
 * A remote run's folder, written in place from the start (an in-process run's RunFolder is
 * written under a hidden name and renamed at the end): its journal must survive a crash and
 * `--resume <folder>` must find it, so the manifest says `"status": "running"` until the run
 * ends. The trace and the actions are rewritten from step 0 by a resumed run (it re-runs the
 * scenario from the start); the journal only grows.
 */
export class LiveRunFolder implements RunSink {
  private trace: BufferedFile | undefined;
  private actions: BufferedFile | undefined;
  private layout: TraceLayout | undefined;

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }

  static exists(path: string): boolean {
    return existsSync(join(path, "manifest.json"));
  }

  /** Writes manifest.json atomically (a crash leaves the old or the new one, never half of one). */
  writeManifest(manifest: unknown): void {
    const tmp = join(this.path, `.manifest.json.${process.pid}`);
    writeFileSync(tmp, toJson(manifest, 2) + "\n");
    renameSync(tmp, join(this.path, "manifest.json"));
  }

  begin(layout: TraceLayout): void {
    this.layout = layout;
    this.trace = new BufferedFile(join(this.path, "trace.csv"));
    this.actions ??= new BufferedFile(join(this.path, "actions.ndjson"));
    this.trace.write(traceHeader(layout).map(csvCell).join(",") + "\n");
  }

  sample(sample: StepSample): void {
    this.trace!.write(traceRow(this.layout!, sample).map(csvCell).join(",") + "\n");
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
}
