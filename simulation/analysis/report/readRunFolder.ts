/**
 * Reads a run folder (manifest.json, trace.csv, actions.ndjson) into typed data, checking at this boundary what
 * the report relies on. A folder written by an older or newer Lockstep may lack optional fields: those sections
 * are skipped, not failed.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { FileError, fsReason } from "../fileErrors.js";
import {
  array,
  boolean,
  decimalString,
  hex64,
  integerIn,
  isObject,
  JsonFields,
  nonEmptyString,
  object,
  oneOf,
  readJsonObject,
  string,
  stringRecord,
  type JsonObject,
} from "../jsonFields.js";
import { readDeclarations, type Declarations } from "./declarations.js";
import { parseValue } from "./format.js";

export interface RunManifest {
  readonly scenario: string;
  readonly scenarioFile?: string;
  readonly mode: RunMode;
  readonly steps: number;
  readonly seed: number;
  readonly status: string;
  /** Why the run stopped short (a remote run that was interrupted). */
  readonly error?: string;
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
  /** The run's parameters as written: nested objects, amounts as decimal strings. */
  readonly params?: JsonObject;
  readonly modelParams?: JsonObject;
  /** What the run recorded of its scenario's declarations (units, flows, account fields, ...). */
  readonly declarations: Declarations;
}

export type RunMode = "lockstep" | "model" | "chain";

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
  readonly status: "success" | "reverted";
  readonly error?: string;
  readonly txHash?: string;
  readonly gasUsed?: string;
  readonly timestamp?: string;
}

/** The trace, by column: `timesteps[i]` is row i's timestep; `column(name)[i]` its value there. */
export interface Trace {
  /** The run's coordinates, the same on every row. */
  readonly ids: { readonly simulation: number; readonly subset: number; readonly run: number };
  readonly timesteps: readonly number[];
  readonly substeps: readonly string[];
  readonly variables: readonly string[];
  readonly kpis: readonly string[];
  readonly hasModel: boolean;
  readonly hasChain: boolean;
  /** Values of a column (`<variable>:model`, `<variable>:chain` or `kpi:<name>`); undefined where absent. */
  column(name: string): readonly (bigint | number | undefined)[] | undefined;
  /** The cells of a column as written (checked to be numbers or empty); undefined when there is no such column. */
  cells(name: string): readonly string[] | undefined;
  /** The variables outside tolerance at each row. */
  readonly diverged: readonly (readonly string[])[];
}

export interface RunData {
  readonly dir: string;
  readonly manifest: RunManifest;
  /** manifest.json as parsed, for what is carried through verbatim (firstDivergence, KPIs, parameters). */
  readonly manifestJson: JsonObject;
  readonly trace: Trace;
  readonly actions: readonly ActionRow[];
}

export class RunFolderError extends FileError {}

/** Whether `dir` looks like a run folder. */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, "manifest.json")) && existsSync(join(dir, "trace.csv"));
}

/**
 * Reads a run folder strictly: manifest.json (every field the report or the export uses, of its type), trace.csv
 * (see readTrace) and actions.ndjson (every line a whole action, as many as the manifest counts). Anything else is a
 * RunFolderError naming the file, never data drawn from part of a file.
 */
export function readRunFolder(dir: string): RunData {
  const { manifest, json } = readManifest(join(dir, "manifest.json"));
  const trace = readTrace(join(dir, "trace.csv"), manifest.traceHash);
  const actionsPath = join(dir, "actions.ndjson");
  const total = manifest.actions?.total;
  let actions: ActionRow[] = [];
  if (existsSync(actionsPath)) actions = readActions(actionsPath, manifest.mode, total);
  else if (total !== undefined && total > 0)
    throw new RunFolderError(
      `${actionsPath}: missing; expected the run's ${total} actions, one per line, as manifest.json counts them.`,
    );
  return { dir, manifest, manifestJson: json, trace, actions };
}

const MANIFEST = "the manifest.json a run writes";
const MODES: readonly RunMode[] = ["lockstep", "model", "chain"];
const MAX_SEED = 2 ** 32 - 1;
const COUNT = integerIn(0, Number.MAX_SAFE_INTEGER);

/** manifest.json: required fields present and typed; optional ones absent, null, or typed. */
export function readManifest(path: string): { manifest: RunManifest; json: JsonObject } {
  const json = readJsonObject(path, MANIFEST);
  const status = json["status"];
  if (status === "running" || status === "interrupted")
    throw new RunFolderError(
      `${path}: the run is not finished (its status is ${status}); resume it with npx hardhat sim run --resume ${dirname(path)}, then try again.`,
    );
  const f = new JsonFields(path, json);
  const mode = f.required("mode", oneOf(MODES), "lockstep, model or chain");
  const first = f.optional(
    "firstDivergence",
    object,
    "an object: step, substep, variable, model, chain, seed, actions",
  );
  const actions = f.optional("actions", object, "an object with the counts total and reverted");
  const counts = actions === undefined ? undefined : new JsonFields(path, actions, "actions.");
  const manifest: RunManifest = {
    scenario: f.required("scenario", nonEmptyString, "a scenario name"),
    ...defined("scenarioFile", f.optional("scenarioFile", nonEmptyString, "the path of the scenario's file")),
    mode,
    steps: f.required("steps", integerIn(1, Number.MAX_SAFE_INTEGER), "a positive integer, the run's steps"),
    seed: f.required("seed", integerIn(0, MAX_SEED), `an integer in 0..${MAX_SEED}, the run's seed`),
    status: f.required("status", nonEmptyString, "the run's status, such as parity or diverged"),
    ...defined("error", f.optional("error", string, "a message, why the run stopped")),
    kpis: kpis(new JsonFields(path, f.required("kpis", object, "an object of the run's final KPIs"), "kpis.")),
    set: assignments(f, "set"),
    modelSet: assignments(f, "modelSet"),
    ...defined("divergences", f.optional("divergences", COUNT, "a count, an integer from 0")),
    ...defined("comparisons", f.optional("comparisons", COUNT, "a count, an integer from 0")),
    ...defined("variables", f.optional("variables", COUNT, "a count, an integer from 0")),
    ...defined(
      "firstDivergence",
      first === undefined ? undefined : firstDivergence(new JsonFields(path, first, "firstDivergence."), mode),
    ),
    ...defined(
      "actions",
      counts === undefined
        ? undefined
        : {
            total: counts.required("total", COUNT, "a count, an integer from 0"),
            reverted: counts.required("reverted", COUNT, "a count, an integer from 0"),
          },
    ),
    ...defined("gasUsed", f.optional("gasUsed", decimalString, "the gas used, in decimal digits")),
    ...defined("wallSeconds", f.optional("wallSeconds", nonNegative, "seconds, a number from 0")),
    ...defined("traceHash", f.optional("traceHash", hex64, "the SHA-256 of trace.csv, 64 lowercase hex digits")),
    ...defined("git", f.optional("git", string, "a commit")),
    ...defined("toolchain", f.optional("toolchain", stringRecord, "an object of versions (strings)")),
    ...defined("chain", f.optional("chain", chainFacts, "an object of the chain's facts (strings and numbers)")),
    ...defined("contracts", f.optional("contracts", object, "an object of the deployed contracts")),
    ...defined("params", f.optional("params", paramTree, "the run's parameters, an object")),
    ...defined("modelParams", f.optional("modelParams", paramTree, "the model's parameters, an object")),
    declarations: readDeclarations(f),
  };
  return { manifest, json };
}

function kpis(f: JsonFields): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const name of Object.keys(f.object)) {
    out[name] = f.required(name, kpiValue, "a number, or an amount in decimal digits");
  }
  return out;
}

const kpiValue = (v: unknown): string | number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^-?\d+$/.test(v) ? v : undefined;

const nonNegative = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;

const chainFacts = (v: unknown): Readonly<Record<string, string | number>> | undefined =>
  isObject(v) && Object.values(v).every((x) => typeof x === "string" || typeof x === "number")
    ? (v as Readonly<Record<string, string | number>>)
    : undefined;

/** A parameter tree: objects down to numbers, booleans and amounts (decimal strings). */
const paramTree = (v: unknown): JsonObject | undefined => (isObject(v) && isParamTree(v) ? v : undefined);

function isParamTree(v: JsonObject): boolean {
  return Object.values(v).every(
    (x) =>
      (typeof x === "number" && Number.isFinite(x)) ||
      typeof x === "boolean" ||
      (typeof x === "string" && /^\d+$/.test(x)) ||
      (isObject(x) && isParamTree(x)),
  );
}

/** `set` and `modelSet`: `[{ path, value }]`, absent in older manifests. */
function assignments(f: JsonFields, name: string): Assignment[] {
  const list = f.optional(name, array, "a list of { path, value }") ?? [];
  return list.map((a, i) => {
    if (!isObject(a) || typeof a["path"] !== "string" || !isAssignmentValue(a["value"])) {
      throw f.error(`${name}[${i}]`, a, "{ path, value }: a parameter's path and its value");
    }
    return { path: a["path"], value: String(a["value"]) };
  });
}

const isAssignmentValue = (v: unknown): boolean =>
  (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean" || typeof v === "string";

function firstDivergence(f: JsonFields, mode: RunMode): FirstDivergence {
  return {
    step: f.required("step", COUNT, "a step, an integer from 0"),
    substep: f.required("substep", string, "a substep's name"),
    variable: f.required("variable", string, "a variable's name"),
    model: f.required("model", string, "the model's value, as text"),
    chain: f.required("chain", string, "the chain's value, as text"),
    seed: f.required("seed", integerIn(0, MAX_SEED), `an integer in 0..${MAX_SEED}`),
    actions: f.required("actions", array, "the list of the actions up to the divergence").map((a, i) => {
      if (!isObject(a)) throw f.error(`actions[${i}]`, a, "an action, a JSON object");
      return actionRow(new JsonFields(f.where, a, `${f.prefix}actions[${i}].`), mode);
    }),
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
  const substeps: string[] = [];
  const diverged: string[][] = [];
  rows.forEach((r, i) => {
    const at = `line ${lines[i]!}`;
    for (let c = 0; c < TRACE_KEYS.length; c++) {
      if (c !== 4 && !INTEGER_CELL.test(r[c]!))
        throw new RunFolderError(
          `Invalid ${path}: ${at} has ${header[c]} ${JSON.stringify(r[c])}: expected an integer.`,
        );
    }
    for (let c = 0; c < 3 && i > 0; c++) {
      if (r[c] !== rows[0]![c])
        throw new RunFolderError(
          `Invalid ${path}: ${at} has ${header[c]} ${r[c]!}: expected ${rows[0]![c]!}, as on line ${lines[0]!} (one run per trace).`,
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
    substeps.push(r[4]!);
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
  const first = rows[0]!;
  return {
    ids: { simulation: Number(first[0]), subset: Number(first[1]), run: Number(first[2]) },
    timesteps,
    substeps,
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
    cells(name) {
      const i = index.get(name);
      return i === undefined || i < TRACE_KEYS.length || i === dividx ? undefined : rows.map((r) => r[i]!);
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

const ACTIONS = "one action per line, a JSON object, as the run wrote it";

/**
 * actions.ndjson: every line a whole JSON object with the fields of an action, the last one ended by its newline, and
 * as many lines as the manifest's `actions.total` when it has one (a file cut at a line's end reads otherwise).
 */
function readActions(path: string, mode: RunMode, total: number | undefined): ActionRow[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new RunFolderError(`${path}: cannot be read: ${fsReason(e)}; expected ${ACTIONS}.`);
  }
  const lines = text.split("\n");
  const last = lines.pop();
  if (last !== "")
    throw new RunFolderError(
      `${path}: line ${lines.length + 1} is cut short (no newline at its end); expected ${ACTIONS}.`,
    );
  const out = lines.map((line, i) => {
    const where = `${path}: line ${i + 1}`;
    if (line.trim() === "") throw new RunFolderError(`${where} is empty; expected ${ACTIONS}.`);
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new RunFolderError(`${where} is not JSON (cut short or damaged); expected ${ACTIONS}.`);
    }
    if (!isObject(raw)) throw new RunFolderError(`${where} is not a JSON object; expected ${ACTIONS}.`);
    return actionRow(new JsonFields(where, raw), mode);
  });
  if (total !== undefined && out.length !== total)
    throw new RunFolderError(
      `${path}: ${out.length} actions, but manifest.json counts ${total} (actions.total); the file was cut short or changed after the run wrote it.`,
    );
  return out;
}

/** One action, from actions.ndjson or the manifest's firstDivergence: the outcome of each side the mode runs. */
function actionRow(f: JsonFields, mode: RunMode): ActionRow {
  const side = (name: "model" | "chain", runs: boolean): OutcomeRow | undefined => {
    const expected = `the ${name}'s outcome, an object with a status (success or reverted)`;
    const o = runs
      ? f.required(name, object, `${expected}: a ${mode} run has one`)
      : f.optional(name, object, expected);
    return o === undefined ? undefined : outcome(new JsonFields(f.where, o, `${f.prefix}${name}.`));
  };
  const model = side("model", mode !== "chain");
  const chain = side("chain", mode !== "model");
  const sender = f.optional("sender", string, "the agent's address");
  return {
    step: f.required("step", COUNT, "the action's step, an integer from 0"),
    substep: f.required("substep", string, "the action's substep"),
    agent: f.required("agent", nonEmptyString, "the agent's name"),
    ...(sender !== undefined ? { sender } : {}),
    kind: f.required("kind", nonEmptyString, "the action's kind"),
    args: f.required("args", actionArgs, "the action's arguments, an object of strings, numbers and booleans"),
    ...(model !== undefined ? { model } : {}),
    ...(chain !== undefined ? { chain } : {}),
    diverged: f.required("diverged", boolean, "true or false"),
  };
}

const actionArgs = (v: unknown): Readonly<Record<string, string | number | boolean>> | undefined =>
  isObject(v) &&
  Object.values(v).every(
    (x) => typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x)),
  )
    ? (v as Readonly<Record<string, string | number | boolean>>)
    : undefined;

function outcome(f: JsonFields): OutcomeRow {
  const error = f.optional("error", string, "the decoded custom error, as text");
  const txHash = f.optional("txHash", string, "a transaction hash");
  const gasUsed = f.optional("gasUsed", decimalString, "the gas used, in decimal digits");
  const timestamp = f.optional("timestamp", decimalString, "a block timestamp, in decimal digits");
  return {
    status: f.required("status", oneOf(["success", "reverted"] as const), "success or reverted"),
    ...(error !== undefined ? { error } : {}),
    ...(txHash !== undefined ? { txHash } : {}),
    ...(gasUsed !== undefined ? { gasUsed } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
