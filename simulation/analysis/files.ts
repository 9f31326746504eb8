import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";

/** An append-only text file written in large chunks: memory stays flat however long the run. */
export class BufferedFile {
  private fd: number;
  private chunks: string[] = [];
  private size = 0;

  constructor(
    readonly path: string,
    private readonly limit = 1 << 16,
  ) {
    this.fd = openSync(path, "w");
  }

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(""));
    this.chunks = [];
    this.size = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes the file without writing what is buffered (the file is about to be removed). */
  discard(): void {
    this.chunks = [];
    this.size = 0;
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** A CSV cell: quoted only when it must be. */
export function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), indent);
}

/** Writes `value` as JSON atomically: a kill leaves the old file or the new one, never half of one. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, toJson(value, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
