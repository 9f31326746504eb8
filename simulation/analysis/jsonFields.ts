/**
 * Reading the JSON files Lockstep wrote (manifest.json, experiment.json, a line of actions.ndjson) strictly: a file
 * that is not JSON, not an object, or has a field missing or of the wrong type is one FileError naming the file and
 * the field, with the value found and what was expected:
 *
 *   /r/run-1/manifest.json: field seed = "1"; expected an integer in 0..4294967295.
 */
import { readFileSync } from "node:fs";
import { FileError, fsReason, shownValue } from "./fileErrors.js";

export type JsonObject = Readonly<Record<string, unknown>>;

/** Reads `path` as one JSON object; `what` says what the file should be ("the manifest.json a run writes"). */
export function readJsonObject(path: string, what: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FileError(`${path}: cannot be read: ${fsReason(e)}; expected ${what}.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FileError(
      text.trim() === ""
        ? `${path}: empty; expected ${what}.`
        : `${path}: not valid JSON (cut short or damaged); expected ${what}.`,
    );
  }
  if (!isObject(raw)) throw new FileError(`${path}: holds ${jsonKind(raw)}, not an object; expected ${what}.`);
  return raw;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

/** A check of one field's value: the value when it passes, else undefined. */
export type Check<T> = (v: unknown) => T | undefined;

/**
 * The fields of one JSON object of a file. `where` is the file, with a line when it has lines
 * (`/r/run-1/actions.ndjson: line 3`); `prefix` the path of the object within it (`remote.`).
 */
export class JsonFields {
  constructor(
    readonly where: string,
    readonly object: JsonObject,
    readonly prefix = "",
  ) {}

  /** The field, which must be present and pass `check`. */
  required<T>(name: string, check: Check<T>, expected: string): T {
    const v = this.object[name];
    const ok = check(v);
    if (ok === undefined) throw this.error(name, v, expected);
    return ok;
  }

  /** The field when present and not null; when present, it must pass `check`. */
  optional<T>(name: string, check: Check<T>, expected: string): T | undefined {
    const v = this.object[name];
    if (v === undefined || v === null) return undefined;
    const ok = check(v);
    if (ok === undefined) throw this.error(name, v, expected);
    return ok;
  }

  /** The fields of an object-valued field, which must be present. */
  nested(name: string, expected: string): JsonFields {
    return new JsonFields(this.where, this.required(name, object, expected), `${this.prefix}${name}.`);
  }

  error(name: string, value: unknown, expected: string): FileError {
    return new FileError(`${this.where}: field ${this.prefix}${name} = ${shownValue(value)}; expected ${expected}.`);
  }
}

// Checks.
export const string: Check<string> = (v) => (typeof v === "string" ? v : undefined);
export const nonEmptyString: Check<string> = (v) => (typeof v === "string" && v !== "" ? v : undefined);
export const boolean: Check<boolean> = (v) => (typeof v === "boolean" ? v : undefined);
export const finiteNumber: Check<number> = (v) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
export const object: Check<JsonObject> = (v) => (isObject(v) ? v : undefined);
export const array: Check<readonly unknown[]> = (v) => (Array.isArray(v) ? v : undefined);
export const integerIn =
  (min: number, max: number): Check<number> =>
  (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : undefined;
/** An unsigned integer written as decimal digits (amounts, gas, block numbers). */
export const decimalString: Check<string> = (v) => (typeof v === "string" && /^\d+$/.test(v) ? v : undefined);
export const hex64: Check<string> = (v) => (typeof v === "string" && /^[0-9a-f]{64}$/.test(v) ? v : undefined);
export const stringRecord: Check<Readonly<Record<string, string>>> = (v) =>
  isObject(v) && Object.values(v).every((x) => typeof x === "string")
    ? (v as Readonly<Record<string, string>>)
    : undefined;
