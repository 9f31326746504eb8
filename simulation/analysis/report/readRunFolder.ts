/**
 * Reads a run folder (manifest.json, trace.csv, actions.ndjson) into typed data, checking at this boundary what
 * the report relies on. A folder written by an older or newer Lockstep may lack optional fields: those sections
 * are skipped, not failed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { UserError } from "../../engine/errors.js";
import { parseValue } from "./format.js";

export interface RunManifest {
  readonly scenario: string;
  readonly mode: string;
  readonly steps: number;
  readonly seed: number;
  readonly status: string;
  readonly divergences?: number;
  readonly comparisons?: number;
  readonly variables?: number;
  readonly firstDivergence?: FirstDivergence;
  readonly kpis: Readonly<Record<string, string | number>>;
  readonly actions?: { readonly total: number; readonly reverted: number };
  readonly gasUsed?: string;
  readonly wallSeconds?: number;
  readonly traceHash?: string;
  readonly git?: string;
  readonly toolchain?: Readonly<Record<string, string>>;
  readonly chain?: Readonly<Record<string, string | number>>;
  /** Deployed contract addresses by name. */
  readonly contracts?: Readonly<Record<string, unknown>>;
  readonly set: readonly Assignment[];
  readonly modelSet: readonly Assignment[];
  readonly params?: unknown;
  readonly modelParams?: unknown;
}

export interface Assignment {
  readonly path: string;
  readonly value: string;
}

export interface FirstDivergence {
  readonly step: number;
  readonly substep: string;
  readonly variable: string;
  readonly model: string;
  readonly chain: string;
  readonly seed: number;
  readonly actions: readonly ActionRow[];
}

/** One line of actions.ndjson, as the report reads it. */
export interface ActionRow {
  readonly step: number;
  readonly substep: string;
  readonly agent: string;
  /** The agent's address. */
  readonly sender?: string;
  readonly kind: string;
  readonly args: Readonly<Record<string, string | number | boolean>>;
  readonly model?: OutcomeRow;
  readonly chain?: OutcomeRow;
  readonly diverged: boolean;
}

export interface OutcomeRow {
  readonly status: string;
  readonly error?: string;
  readonly gasUsed?: string;
}

/** The trace, by column: `timesteps[i]` is row i's timestep; `column(name)[i]` its value there. */
export interface Trace {
  readonly timesteps: readonly number[];
  readonly variables: readonly string[];
  readonly kpis: readonly string[];
  readonly hasModel: boolean;
  readonly hasChain: boolean;
  /** Values of a column (`<variable>:model`, `<variable>:chain` or `kpi:<name>`); undefined where absent. */
  column(name: string): readonly (bigint | number | undefined)[] | undefined;
  /** The variables outside tolerance at each row. */
  readonly diverged: readonly (readonly string[])[];
}

export interface RunData {
  readonly dir: string;
  readonly manifest: RunManifest;
  readonly trace: Trace;
  readonly actions: readonly ActionRow[];
}

export class RunFolderError extends UserError {}

/** Whether `dir` looks like a run folder. */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, "manifest.json")) && existsSync(join(dir, "trace.csv"));
}

export function readRunFolder(dir: string): RunData {
  const manifest = readManifest(join(dir, "manifest.json"));
  const trace = readTrace(join(dir, "trace.csv"), manifest.traceHash);
  const actionsPath = join(dir, "actions.ndjson");
  const actions = existsSync(actionsPath) ? readActions(actionsPath) : [];
  return { dir, manifest, trace, actions };
}

function readManifest(path: string): RunManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RunFolderError(`Cannot read ${path}: ${(e as Error).message}. Expected the manifest.json of a run.`);
  }
  const m = record(raw, path);
  const field = <T>(name: string, check: (v: unknown) => v is T, what: string): T => {
    const v = m[name];
    if (!check(v)) throw new RunFolderError(`Invalid ${path}: field ${name} = ${JSON.stringify(v)}: expected ${what}.`);
    return v;
  };
  const optional = <T>(name: string, check: (v: unknown) => v is T): T | undefined => {
    const v = m[name];
    return check(v) ? v : undefined;
  };
  const first = m["firstDivergence"];
  const actions = optional("actions", isRecord);
  return {
    scenario: field("scenario", isString, "a scenario name"),
    mode: field("mode", isString, "lockstep, model or chain"),
    steps: field("steps", isNumber, "a number of steps"),
    seed: field("seed", isNumber, "a seed"),
    status: field("status", isString, "a run status"),
    kpis: field("kpis", isKpis, "an object of KPI values"),
    set: assignments(m["set"]),
    modelSet: assignments(m["modelSet"]),
    ...defined("divergences", optional("divergences", isNumber)),
    ...defined("comparisons", optional("comparisons", isNumber)),
    ...defined("variables", optional("variables", isNumber)),
    ...defined("firstDivergence", isRecord(first) ? firstDivergence(first, path) : undefined),
    ...defined(
      "actions",
      actions !== undefined && isNumber(actions["total"]) && isNumber(actions["reverted"])
        ? { total: actions["total"], reverted: actions["reverted"] }
        : undefined,
    ),
    ...defined("gasUsed", optional("gasUsed", isString)),
    ...defined("wallSeconds", optional("wallSeconds", isNumber)),
    ...defined("traceHash", optional("traceHash", isString)),
    ...defined("git", optional("git", isString)),
    ...defined("toolchain", optional("toolchain", isStringRecord)),
    ...defined("chain", optional("chain", isRecord) as Record<string, string | number> | undefined),
    ...defined("contracts", optional("contracts", isRecord)),
    ...defined("params", m["params"]),
    ...defined("modelParams", m["modelParams"]),
  };
}

function firstDivergence(d: Record<string, unknown>, path: string): FirstDivergence {
  const ok =
    isNumber(d["step"]) &&
    isString(d["substep"]) &&
    isString(d["variable"]) &&
    isString(d["model"]) &&
    isString(d["chain"]) &&
    isNumber(d["seed"]) &&
    Array.isArray(d["actions"]);
  if (!ok)
    throw new RunFolderError(
      `Invalid ${path}: field firstDivergence: expected step, substep, variable, model, chain, seed, actions.`,
    );
  return {
    step: d["step"] as number,
    substep: d["substep"] as string,
    variable: d["variable"] as string,
    model: d["model"] as string,
    chain: d["chain"] as string,
    seed: d["seed"] as number,
    actions: (d["actions"] as unknown[]).map((a, i) => actionRow(a, `${path} firstDivergence.actions[${i}]`)),
  };
}

/** The first five columns of every trace.csv, in cadCAD's shape; the last is `diverged`. */
const TRACE_KEYS = ["simulation", "subset", "run", "timestep", "substep"] as const;
/** A value cell: empty (no value at that step), an integer, a decimal (12 significant digits), NaN or an infinity. */
const VALUE_CELL = /^(?:-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|NaN|-?Infinity)?$/;
const INTEGER_CELL = /^\d+$/;

/**
 * Reads trace.csv strictly: every row has the header's fields, quotes are balanced, the file ends with the newline
 * its last row was written with, every value cell is a number, and, when the manifest has one, the file's SHA-256 is
 * the run's traceHash. Anything else is a RunFolderError naming the file, never a report drawn from part of it.
 */
function readTrace(path: string, traceHash: string | undefined): Trace {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new RunFolderError(`Cannot read ${path}: ${(e as Error).message}. Expected the trace.csv of a run.`);
  }
  const { rows, lines } = parseTraceCsv(bytes.toString("utf8"), path);
  const header = rows.shift();
  lines.shift();
  if (
    header === undefined ||
    TRACE_KEYS.some((key, i) => header[i] !== key) ||
    header.length < TRACE_KEYS.length + 1 ||
    header[header.length - 1] !== "diverged"
  ) {
    throw new RunFolderError(`Invalid ${path}: expected a header simulation,subset,run,timestep,substep,...,diverged.`);
  }
  const index = new Map(header.map((name, i) => [name, i]));
  const variables: string[] = [];
  const kpis: string[] = [];
  let hasModel = false;
  let hasChain = false;
  for (const name of header.slice(5, -1)) {
    if (name.startsWith("kpi:")) kpis.push(name.slice(4));
    else if (name.endsWith(":model")) {
      hasModel = true;
      variables.push(name.slice(0, -6));
    } else if (name.endsWith(":chain")) {
      hasChain = true;
      if (!index.has(`${name.slice(0, -6)}:model`)) variables.push(name.slice(0, -6));
    } else {
      throw new RunFolderError(
        `Invalid ${path}: header column ${JSON.stringify(name)}: expected <variable>:model, <variable>:chain or kpi:<name>.`,
      );
    }
  }
  const known = new Set(variables);
  const dividx = header.length - 1;
  const timesteps: number[] = [];
  const diverged: string[][] = [];
  rows.forEach((r, i) => {
    const at = `line ${lines[i]!}`;
    for (let c = 0; c < TRACE_KEYS.length; c++) {
      if (c !== 4 && !INTEGER_CELL.test(r[c]!))
        throw new RunFolderError(
          `Invalid ${path}: ${at} has ${header[c]} ${JSON.stringify(r[c])}: expected an integer.`,
        );
    }
    for (let c = TRACE_KEYS.length; c < dividx; c++) {
      if (!VALUE_CELL.test(r[c]!))
        throw new RunFolderError(
          `Invalid ${path}: ${at}, column ${header[c]}, holds ${JSON.stringify(r[c])}: expected a number or nothing.`,
        );
    }
    const names = r[dividx]!.split(";").filter((v) => v !== "");
    const unknown = names.find((v) => !known.has(v));
    if (unknown !== undefined)
      throw new RunFolderError(
        `Invalid ${path}: ${at} lists ${JSON.stringify(unknown)} as diverged: expected variables of the header.`,
      );
    if (Number(r[3]) !== i)
      throw new RunFolderError(
        `Invalid ${path}: ${at} has timestep ${r[3]}: expected ${i} (one row per step from 0, in order).`,
      );
    timesteps.push(i);
    diverged.push(names);
  });
  if (rows.length === 0)
    throw new RunFolderError(`Invalid ${path}: no row after the header: expected the initial state at timestep 0.`);
  if (traceHash !== undefined) {
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== traceHash)
      throw new RunFolderError(
        `Invalid ${path}: its SHA-256 (${actual.slice(0, 12)}...) is not the manifest's traceHash (${traceHash.slice(0, 12)}...): the file was cut short or changed after the run wrote it.`,
      );
  }
  const cache = new Map<string, (bigint | number | undefined)[]>();
  return {
    timesteps,
    variables,
    kpis,
    hasModel,
    hasChain,
    diverged,
    column(name) {
      let col = cache.get(name);
      if (col === undefined) {
        const i = index.get(name);
        if (i === undefined) return undefined;
        col = rows.map((r) => parseValue(r[i]!));
        cache.set(name, col);
      }
      return col;
    },
  };
}

/**
 * trace.csv's rows and the line each starts on, by csv-parse in its strict defaults (RFC 4180: a quote opens only a
 * field, a quoted field closes before a delimiter, every record has the first record's number of fields).
 */
function parseTraceCsv(text: string, path: string): { rows: string[][]; lines: number[] } {
  if (text !== "" && !text.endsWith("\n")) {
    const line = text.split("\n").length;
    throw new RunFolderError(`Invalid ${path}: line ${line} ends without a newline: the file is cut short.`);
  }
  const lines: number[] = [];
  let line = 1;
  let width = 0;
  try {
    const rows = parse(text, {
      on_record: (record: string[], info) => {
        if (lines.length === 0) width = record.length;
        lines.push(line);
        line = info.lines + 1;
        return record;
      },
    });
    return { rows, lines };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    throw new RunFolderError(`Invalid ${path}: ${csvProblem(e, width, line)}: the file is cut short or damaged.`);
  }
}

/** What csv-parse found wrong, in words of ours; `width` is the header's number of fields, `line` where the failing row starts. */
function csvProblem(e: CsvError, width: number, line: number): string {
  const fields = Array.isArray(e["record"]) ? e["record"].length : undefined;
  switch (e.code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
      return `line ${line} has ${fields} fields, the header ${width}`;
    case "CSV_QUOTE_NOT_CLOSED":
      return `the row on line ${line} opens a quote that is never closed`;
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_CLOSING_QUOTE":
      return `the row on line ${line} has a quote inside a field`;
    default:
      return `the row on line ${line}: ${e.message.replace(/\s+/g, " ").replace(/\.$/, "")}`;
  }
}

function readActions(path: string): ActionRow[] {
  const out: ActionRow[] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new RunFolderError(`Invalid ${path}: line ${i + 1} is not JSON (${(e as Error).message}).`);
    }
    out.push(actionRow(raw, `${path} line ${i + 1}`));
  });
  return out;
}

function actionRow(raw: unknown, where: string): ActionRow {
  const a = record(raw, where);
  if (!isNumber(a["step"]) || !isString(a["substep"]) || !isString(a["agent"]) || !isString(a["kind"])) {
    throw new RunFolderError(`Invalid action at ${where}: expected step, substep, agent and kind.`);
  }
  const model = outcome(a["model"]);
  const chain = outcome(a["chain"]);
  return {
    step: a["step"],
    substep: a["substep"],
    agent: a["agent"],
    ...(isString(a["sender"]) ? { sender: a["sender"] } : {}),
    kind: a["kind"],
    args: isRecord(a["args"]) ? (a["args"] as Record<string, string | number | boolean>) : {},
    ...(model !== undefined ? { model } : {}),
    ...(chain !== undefined ? { chain } : {}),
    diverged: a["diverged"] === true,
  };
}

function outcome(raw: unknown): OutcomeRow | undefined {
  if (!isRecord(raw) || !isString(raw["status"])) return undefined;
  return {
    status: raw["status"],
    ...(isString(raw["error"]) ? { error: raw["error"] } : {}),
    ...(isString(raw["gasUsed"]) ? { gasUsed: raw["gasUsed"] } : {}),
  };
}

function assignments(raw: unknown): Assignment[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((a) => ({ path: String(a["path"]), value: String(a["value"]) }));
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringRecord = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every(isString);
const isKpis = (v: unknown): v is Record<string, string | number> =>
  isRecord(v) && Object.values(v).every((x) => isString(x) || isNumber(x));

function record(raw: unknown, where: string): Record<string, unknown> {
  if (!isRecord(raw)) throw new RunFolderError(`Invalid ${where}: expected a JSON object.`);
  return raw;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
