/**
 * A remote run's journal, `journal.ndjson`: every signed transaction, appended and fsynced
 * before it is broadcast. After a crash, `--resume` re-runs the scenario (runs are
 * deterministic) and, for every send the journal already holds, waits for that very
 * transaction (rebroadcasting its raw bytes if the node forgot it) instead of signing a new
 * one: the same hash and nonce, so nothing is ever executed twice.
 *
 * A raw signed transaction holds no key; the journal holds no secret.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, ftruncateSync, writeSync } from "node:fs";
import { LockstepError } from "../engine/errors.js";

/** A transaction of the run proper: deployment (step null) or an Action. */
export interface JournalTx {
  readonly type: "tx";
  /** Position in the run's sequence of sends: deployment first, then every Action in execution order. */
  readonly seq: number;
  /** 0; then 1, 2, ... for a transaction re-signed for the same send (nonce resynchronised, out of gas). */
  readonly attempt: number;
  readonly step: number | null;
  readonly substep: string;
  /** Index in its batch (or in the deployment). */
  readonly index: number;
  readonly agent: string | null;
  readonly kind: string | null;
  readonly from: string;
  readonly nonce: number;
  readonly gasLimit: string;
  readonly hash: string;
  readonly raw: string;
}

/** Gas ether from the funder to an agent. */
export interface JournalFunding {
  readonly type: "fund";
  readonly from: string;
  readonly to: string;
  readonly amountWei: string;
  readonly nonce: number;
  readonly hash: string;
  readonly raw: string;
}

export type JournalEntry = JournalTx | JournalFunding;

export class JournalError extends LockstepError {}

export class Journal {
  private readonly bySeqMap = new Map<number, JournalTx[]>();
  private readonly maxNonce = new Map<string, number>();
  private fd = -1;
  private position = 0;
  readonly entries: JournalEntry[] = [];

  private constructor(readonly path: string | undefined) {}

  /** Opens (or creates) the journal at `path`, reading what an earlier process wrote; a torn last line is dropped. */
  static open(path: string): Journal {
    const j = new Journal(path);
    let keep = 0;
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      let offset = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const complete = i < lines.length - 1;
        if (!complete) break; // no newline yet: the write was cut short, so it was never broadcast
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          // A torn write is only possible at the end: anything after it was never written.
          if (lines.slice(i + 1).some((l) => l.trim() !== "")) {
            throw new JournalError(`${path}: line ${i + 1} is not JSON; the journal is damaged.`);
          }
          break;
        }
        j.index(entry);
        offset += Buffer.byteLength(line, "utf8") + 1;
        keep = offset;
      }
    }
    j.fd = openSync(path, existsSync(path) ? "r+" : "w");
    ftruncateSync(j.fd, keep);
    j.position = keep;
    return j;
  }

  /** A journal that keeps nothing on disk (dry runs, tests). */
  static memory(): Journal {
    return new Journal(undefined);
  }

  private index(entry: JournalEntry): void {
    this.entries.push(entry);
    if (entry.type === "tx") {
      const list = this.bySeqMap.get(entry.seq) ?? [];
      list.push(entry);
      this.bySeqMap.set(entry.seq, list);
    }
    const from = entry.from.toLowerCase();
    this.maxNonce.set(from, Math.max(this.maxNonce.get(from) ?? -1, entry.nonce));
  }

  /** Every transaction journaled for send `seq`, oldest attempt first. */
  attempts(seq: number): readonly JournalTx[] {
    return this.bySeqMap.get(seq) ?? [];
  }

  /** The next send the journal has not seen. */
  get nextSeq(): number {
    let n = 0;
    for (const seq of this.bySeqMap.keys()) n = Math.max(n, seq + 1);
    return n;
  }

  /** The highest nonce journaled for an account, or -1. */
  highestNonce(address: string): number {
    return this.maxNonce.get(address.toLowerCase()) ?? -1;
  }

  fundings(): JournalFunding[] {
    return this.entries.filter((e): e is JournalFunding => e.type === "fund");
  }

  /** Appends and fsyncs: when this returns, the entries survive a crash, and only then may they be broadcast. */
  append(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.index(e);
    if (this.fd < 0) return;
    const bytes = Buffer.from(entries.map((e) => JSON.stringify(e) + "\n").join(""), "utf8");
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.position + done);
    this.position += bytes.length;
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}
