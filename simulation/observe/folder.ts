/**
 * An observation's folder, written in place as blocks are processed (an observation that
 * follows the chain has no end to wait for): the ordinary run folder's trace.csv,
 * actions.ndjson and manifest.json, plus calls.ndjson (every call into the mechanism, with its
 * calldata and outcome, whatever it became) and checkpoint.json.
 *
 * After each processed block that changed something, the new lines are appended and fsynced,
 * then checkpoint.json is replaced atomically (written aside, renamed): it names the last
 * block fully processed and how many lines of each file belong to it. A process killed at any
 * point leaves a checkpoint that is either the old one or the new one; `--resume` cuts every
 * file back to its checkpoint's lines and goes on from the next block, so no call is missed or
 * counted twice.
 *
 * The trace's columns are the compared variables of the accounts known so far. When an
 * observed agent first appears, its columns are added: the trace is rewritten with them (empty
 * in earlier rows: not yet compared), aside and renamed.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { csvCell, toJson } from "../analysis/files.js";
import { traceHeader, traceRow, type StepSample, type TraceLayout } from "../analysis/trace.js";
import type { ActionRecord } from "../engine/record.js";
import { UserError } from "../engine/errors.js";
import type { CallRecord, ObserverSnapshot } from "./observer.js";

export interface Checkpoint {
  readonly version: 1;
  /** The last block fully processed, and its hash (a reorganisation past it is detected). */
  readonly block: string;
  readonly blockHash: string;
  /** Lines of each file that belong to the blocks up to `block`. */
  readonly lines: { readonly calls: number; readonly actions: number; readonly traceRows: number };
  /** The trace's header at `block`. */
  readonly header: readonly string[];
  readonly observer: ObserverSnapshot;
  readonly kpis: Readonly<Record<string, number | bigint>>;
  /** The block the observation compared first (its initial row) and the first it read. */
  readonly fromBlock: string;
}

export const FILES = {
  trace: "trace.csv",
  actions: "actions.ndjson",
  calls: "calls.ndjson",
  checkpoint: "checkpoint.json",
  manifest: "manifest.json",
} as const;

export class ObserveFolder {
  private layout: TraceLayout | undefined;
  private lines = { calls: 0, actions: 0, traceRows: 0 };

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
  }

  private file(name: string): string {
    return join(this.path, name);
  }

  /** A fresh observation: empty files. */
  start(): void {
    for (const f of [FILES.trace, FILES.actions, FILES.calls]) writeFileSync(this.file(f), "");
    this.layout = undefined;
    this.lines = { calls: 0, actions: 0, traceRows: 0 };
  }

  /** Writes manifest.json atomically. */
  writeManifest(manifest: unknown): void {
    atomicWrite(this.file(FILES.manifest), toJson(manifest, 2) + "\n");
  }

  /**
   * Appends a processed stretch of blocks (its calls, actions and trace rows, under `layout`) and
   * replaces the checkpoint. `checkpoint` gets the lines counted here.
   */
  commit(
    layout: TraceLayout,
    records: { calls: readonly CallRecord[]; actions: readonly ActionRecord[]; samples: readonly StepSample[] },
    checkpoint: Omit<Checkpoint, "lines" | "header" | "version">,
  ): void {
    appendLines(
      this.file(FILES.calls),
      records.calls.map((c) => toJson(c)),
    );
    appendLines(
      this.file(FILES.actions),
      records.actions.map((a) => toJson(a)),
    );
    const header = traceHeader(layout);
    if (this.layout === undefined && this.lines.traceRows === 0) {
      appendLines(this.file(FILES.trace), [header.map(csvCell).join(",")]);
    } else if (this.layout === undefined || traceHeader(this.layout).join(",") !== header.join(",")) {
      this.rewriteTrace(header, this.lines.traceRows);
    }
    this.layout = layout;
    appendLines(
      this.file(FILES.trace),
      records.samples.map((s) => traceRow(layout, s).map(csvCell).join(",")),
    );
    this.lines = {
      calls: this.lines.calls + records.calls.length,
      actions: this.lines.actions + records.actions.length,
      traceRows: this.lines.traceRows + records.samples.length,
    };
    atomicWrite(
      this.file(FILES.checkpoint),
      toJson({ version: 1, ...checkpoint, lines: this.lines, header } satisfies Checkpoint, 2) + "\n",
    );
  }

  /**
   * Cuts every file back to the checkpoint (what a killed process wrote after it is dropped)
   * and returns it with the recorded calls, which rebuild the model; undefined when the
   * observation was stopped before its first checkpoint (it starts again).
   */
  restore(
    layoutOf: (header: readonly string[]) => TraceLayout,
  ): { checkpoint: Checkpoint; calls: CallRecord[] } | undefined {
    const path = this.file(FILES.checkpoint);
    if (!existsSync(path)) return undefined;
    let checkpoint: Checkpoint;
    try {
      checkpoint = JSON.parse(readFileSync(path, "utf8")) as Checkpoint;
    } catch {
      throw new UserError(`${path}: not valid JSON; the checkpoint is damaged (it is only ever replaced whole).`);
    }
    const calls = keepLines(this.file(FILES.calls), checkpoint.lines.calls);
    keepLines(this.file(FILES.actions), checkpoint.lines.actions);
    this.rewriteTrace(checkpoint.header, checkpoint.lines.traceRows);
    this.layout = layoutOf(checkpoint.header);
    this.lines = { ...checkpoint.lines };
    return { checkpoint, calls: calls.map((l) => JSON.parse(l) as CallRecord) };
  }

  /** The trace's first `rows` rows under `header` (columns it did not have are empty), written aside and renamed. */
  private rewriteTrace(header: readonly string[], rows: number): void {
    const path = this.file(FILES.trace);
    const text = existsSync(path) ? readFileSync(path, "utf8") : "";
    const lines = text.split("\n");
    const complete = lines.slice(0, Math.min(lines.length - 1, rows + 1));
    const parsed = complete.length === 0 ? [] : (parse(complete.join("\n") + "\n") as string[][]);
    const old = parsed[0] ?? [];
    const index = new Map(old.map((name, i) => [name, i]));
    const out = [header.map(csvCell).join(",")];
    for (const row of parsed.slice(1)) {
      out.push(header.map((name) => csvCell(index.has(name) ? row[index.get(name)!]! : "")).join(","));
    }
    if (out.length - 1 !== rows) {
      throw new UserError(
        `${path}: ${out.length - 1} row(s), but the checkpoint counts ${rows}: the trace was changed outside Lockstep.`,
      );
    }
    atomicWrite(path, out.join("\n") + "\n");
  }

  /** The trace's last row, by column. */
  lastRow(): Map<string, string> {
    const lines = readFileSync(this.file(FILES.trace), "utf8").split("\n").slice(0, -1);
    if (lines.length < 2) return new Map();
    const [header, row] = parse(`${lines[0]}\n${lines[lines.length - 1]}\n`) as [string[], string[]];
    return new Map(header.map((name, i) => [name, row[i] ?? ""]));
  }

  /** SHA-256 of trace.csv as it is: the manifest's traceHash. */
  traceHash(): string {
    return createHash("sha256")
      .update(readFileSync(this.file(FILES.trace)))
      .digest("hex");
  }
}

function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function appendLines(path: string, lines: readonly string[]): void {
  if (lines.length === 0) return;
  const fd = openSync(path, "a");
  try {
    writeSync(fd, lines.join("\n") + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Keeps the first `n` whole lines of a file (rewriting it when it holds more); returns them. */
function keepLines(path: string, n: number): string[] {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const lines = text.split("\n").slice(0, -1);
  if (lines.length < n) {
    throw new UserError(`${path}: ${lines.length} line(s), but the checkpoint counts ${n}: the file was cut short.`);
  }
  const kept = lines.slice(0, n);
  if (lines.length !== n || (text !== "" && !text.endsWith("\n"))) {
    atomicWrite(path, kept.length === 0 ? "" : kept.join("\n") + "\n");
  }
  return kept;
}
