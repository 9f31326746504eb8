/**
 * Files Lockstep reads back and writes, at the boundary: a file that is damaged, cut short or not what it should be,
 * and an output that cannot be written, are each one line naming the file (exit code 2), never a stack trace and
 * never a result drawn from part of a file.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatValue, UserError } from "../engine/errors.js";

/** A file Lockstep reads back is damaged, cut short, unreadable or not the file it should be. */
export class FileError extends UserError {}

/** An output (a folder, a report, an export) cannot be written where it was asked for. */
export class OutputError extends UserError {}

/** An errno-carrying error from node:fs. */
export function isFsError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string";
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "a read-only file system",
  ENOTDIR: "not a folder",
  EISDIR: "a folder, not a file",
  EEXIST: "already exists",
  ENOENT: "no such file or folder",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENAMETOOLONG: "name too long",
};

/**
 * Why DuckDB could not write a file, in its words, or undefined for an error that is not that: `IO Error: <why>`,
 * or `... Could not write file "<path>": <why>` (a commit or a COPY on a full disk).
 */
export function duckdbWriteReason(e: unknown): string | undefined {
  const message = e instanceof Error ? e.message : String(e);
  const file = /Could not write file "[^"]+": (.*)$/m.exec(message);
  if (file !== null) return file[1]!;
  return /^IO Error: /.test(message) ? message.replace(/^IO Error: /, "").split("\n")[0]! : undefined;
}

/** A node:fs error in words, with its code: `permission denied, EACCES`. */
export function fsReason(e: unknown): string {
  if (!isFsError(e)) return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  return `${
    REASONS[e.code] ??
    e.message
      .split("\n")[0]!
      .replace(/^\w+: /, "")
      .replace(/, \w+ '.*$/, "")
  }, ${e.code}`;
}

/** Why a folder cannot be written in: `at` (it, or its nearest existing ancestor) is a file, or cannot be written. */
export interface Unwritable {
  readonly at: string;
  /** Set when `at` is a file; else `reason` says why it cannot be written. */
  readonly file: boolean;
  readonly reason: string;
}

/**
 * Why `dir` cannot be made a folder to write in, or undefined when it can: it or an ancestor is a file, or its
 * nearest existing ancestor cannot be written (read-only, immutable, not ours). Looks only; creates nothing.
 */
export function unwritableDir(dir: string): Unwritable | undefined {
  let at = resolve(dir);
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!statSync(at).isDirectory()) return { at, file: true, reason: "a file" };
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    return { at, file: false, reason: fsReason(e) };
  }
  return undefined;
}

/**
 * What a folder to write in must be, said of `dir` when it cannot be one: `a directory (it is a file)`,
 * `a directory (/r/f is a file)`, `a directory Lockstep can write in (/r/ro: permission denied, EACCES)`.
 */
export function expectedDir(u: Unwritable, dir: string): string {
  if (u.file) return `a directory (${u.at === resolve(dir) ? "it" : u.at} is a file)`;
  return `a directory Lockstep can write in (${u.at}: ${u.reason})`;
}

/** `u` said of `target`: `a file, not a folder`, `/r/f is a file`, `/r/ro cannot be written (permission denied, EACCES)`. */
export function describeUnwritable(u: Unwritable, target: string): string {
  const self = u.at === resolve(target);
  if (u.file) return self ? "a file, not a folder" : `${u.at} is a file`;
  return `${self ? "" : `${u.at} `}cannot be written (${u.reason})`;
}

/** A value for a one-line message: as `formatValue` shows it, cut to 60 characters. */
export function shownValue(value: unknown): string {
  const text = formatValue(value);
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}
