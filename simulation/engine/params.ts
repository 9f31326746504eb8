import { z } from "zod";
import { ParamError, UserError } from "./errors.js";

/**
 * A scenario's parameters are a zod object schema: groups are nested `z.object`s, and each leaf is a
 * `z.number()` (`.int()` for an integer), a `z.bigint()` (an amount in wei) or a `z.boolean()`, with its
 * range as zod checks, its unit as its description, and a `.default(...)`:
 *
 *     z.object({ fees: z.object({ feeBps: z.number().int().min(0).max(10_000).describe("basis points").default(250) }) })
 *
 * `bps(250)`, `int(...)`, `num(...)`, `amount(...)` and `bool(...)` below build exactly such leaves. Rules across
 * fields are zod refinements on the object (`.superRefine`): a custom issue's path names the field and its message
 * says what was expected. Validation happens once, at the boundary (scenario load, CLI parse); past it, code trusts
 * the types, which are inferred from the schema (`ParamsOf`, that is `z.infer`).
 *
 * Amounts are uint256 on chain: a bigint leaf without its own bounds is held to 0..2^256-1.
 */
export type ParamSchema = z.ZodObject;

/** The TypeScript type of the parameters a schema describes. */
export type ParamsOf<S extends ParamSchema> = z.output<S>;

export type ParamValue = number | bigint | boolean;
export interface ParamTree {
  [key: string]: ParamValue | ParamTree;
}

interface LeafBase {
  /** The leaf's schema without its default: what a value is validated against. */
  readonly schema: z.core.$ZodType;
  /** The schema's description, shown in parentheses after what is expected. */
  readonly unit?: string;
}
export interface IntLeaf extends LeafBase {
  readonly type: "int";
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
export interface NumberLeaf extends LeafBase {
  readonly type: "number";
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
export interface AmountLeaf extends LeafBase {
  readonly type: "amount";
  readonly min: bigint;
  readonly max: bigint;
  readonly default: bigint;
}
export interface BoolLeaf extends LeafBase {
  readonly type: "bool";
  readonly default: boolean;
}
/** What Lockstep reads off a leaf of the schema: its kind, bounds, default and unit. */
export type Leaf = IntLeaf | NumberLeaf | AmountLeaf | BoolLeaf;

const MAX_UINT256 = (1n << 256n) - 1n;

function described<T extends z.ZodType>(schema: T, unit: string | undefined): T {
  return unit === undefined ? schema : schema.describe(unit);
}

/** An integer in min..max. */
export const int = (min: number, max: number, dflt: number, unit?: string) =>
  described(z.number().int().min(min).max(max), unit).default(dflt);
/** Basis points: an integer in 0..max (10_000 = 100%). */
export const bps = (dflt: number, max = 10_000) =>
  z.number().int().min(0).max(max).describe("basis points").default(dflt);
/** A finite number in min..max. */
export const num = (min: number, max: number, dflt: number, unit?: string) =>
  described(z.number().min(min).max(max), unit).default(dflt);
/** An amount in wei, min..max (uint256 by default). */
export const amount = (dflt: bigint, min = 0n, max = MAX_UINT256) =>
  z.bigint().min(min).max(max).describe("wei").default(dflt);
export const bool = (dflt: boolean) => z.boolean().default(dflt);

/** The same leaf with another default (its checks and description kept). */
export function withDefault<T extends z.ZodType>(leaf: z.ZodDefault<T>, dflt: z.util.NoUndefined<z.output<T>>) {
  const next = leaf.unwrap().default(dflt);
  const meta = z.globalRegistry.get(leaf);
  return meta === undefined ? next : next.meta(meta);
}

type Node = z.core.$ZodType;

const leaves = new WeakMap<Node, Leaf>();

function isGroup(node: Node): node is z.ZodObject {
  return node._zod.def.type === "object";
}

/**
 * Whether `value` is a zod (4) object schema: by shape, not `instanceof`, so a schema built
 * with a project's own copy of zod 4 is one too.
 */
export function isParamSchema(value: unknown): value is ParamSchema {
  const zod = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return typeof value === "object" && value !== null && zod?.def?.type === "object" && "shape" in value;
}

function shapeOf(group: z.ZodObject): Readonly<Record<string, Node>> {
  return group.shape as Readonly<Record<string, Node>>;
}

/** Numeric bounds and formats of a number or bigint schema, read from its zod checks. */
interface Checks {
  lo?: { value: number | bigint; inclusive: boolean };
  hi?: { value: number | bigint; inclusive: boolean };
  integer: boolean;
  multipleOf?: number | bigint;
}

function checksOf(schema: Node): Checks {
  const out: Checks = { integer: false };
  for (const check of schema._zod.def.checks ?? []) {
    const def = (check as z.core.$ZodChecks)._zod.def;
    switch (def.check) {
      case "greater_than":
        if (typeof def.value === "number" || typeof def.value === "bigint")
          out.lo = { value: def.value, inclusive: def.inclusive };
        break;
      case "less_than":
        if (typeof def.value === "number" || typeof def.value === "bigint")
          out.hi = { value: def.value, inclusive: def.inclusive };
        break;
      case "number_format":
        if (def.format.includes("int")) out.integer = true;
        break;
      case "multiple_of":
        out.multipleOf = def.value;
        break;
      default:
        break;
    }
  }
  return out;
}

const LEAF_KINDS = new Set(["number", "bigint", "boolean"]);

/** The leaf a node of the schema is, or undefined for a group; a node that is neither is a UserError. */
function leafOf(node: Node, path: string): Leaf | undefined {
  if (isGroup(node)) return undefined;
  const cached = leaves.get(node);
  if (cached !== undefined) return cached;
  const def = node._zod.def;
  const inner = def.type === "default" ? (node as z.core.$ZodDefault)._zod.def.innerType : undefined;
  const kind = inner?._zod.def.type;
  if (inner === undefined || kind === undefined || !LEAF_KINDS.has(kind)) {
    const what =
      inner !== undefined
        ? `a zod ${kind}`
        : LEAF_KINDS.has(def.type)
          ? `a z.${def.type}() without a .default(...)`
          : `a zod ${def.type}`;
    throw new UserError(
      `Invalid parameter schema at ${path}: ${what}: expected z.number(), z.bigint() or z.boolean() with a .default(...), or a z.object() of them.`,
    );
  }
  const dflt: unknown = (node as z.core.$ZodDefault)._zod.def.defaultValue;
  const unitText = z.globalRegistry.get(node)?.description ?? z.globalRegistry.get(inner)?.description;
  const unit = unitText === undefined ? {} : { unit: unitText };
  const c = checksOf(inner);
  let leaf: Leaf;
  if (kind === "boolean") {
    leaf = { type: "bool", default: dflt as boolean, schema: inner, ...unit };
  } else if (kind === "bigint") {
    leaf = {
      type: "amount",
      min: typeof c.lo?.value === "bigint" ? c.lo.value : 0n,
      max: typeof c.hi?.value === "bigint" ? c.hi.value : MAX_UINT256,
      default: dflt as bigint,
      schema: inner,
      ...unit,
    };
  } else {
    leaf = {
      type: c.integer ? "int" : "number",
      min: typeof c.lo?.value === "number" ? c.lo.value : -Infinity,
      max: typeof c.hi?.value === "number" ? c.hi.value : Infinity,
      default: dflt as number,
      schema: inner,
      ...unit,
    };
  }
  leaves.set(node, leaf);
  return leaf;
}

const bound = (v: number | bigint): string => (v === MAX_UINT256 ? "2^256-1" : String(v));

/** What a leaf accepts, in words: `an integer in 0..10000 (basis points)`. */
export function expectation(leaf: Leaf): string {
  if (leaf.type === "bool") return "true or false";
  const unit = leaf.unit !== undefined ? ` (${leaf.unit})` : "";
  const c = checksOf(leaf.schema);
  const what = leaf.type === "int" ? "an integer" : leaf.type === "number" ? "a number" : "an integer amount";
  // An amount without bounds of its own is a uint256.
  const lo = c.lo ?? (leaf.type === "amount" ? { value: 0n, inclusive: true } : undefined);
  const hi = c.hi ?? (leaf.type === "amount" ? { value: MAX_UINT256, inclusive: true } : undefined);
  let range = "";
  if (lo !== undefined && hi !== undefined && lo.inclusive && hi.inclusive)
    range = ` in ${bound(lo.value)}..${bound(hi.value)}`;
  else {
    const parts: string[] = [];
    if (lo !== undefined) parts.push(`${lo.inclusive ? "at least" : "above"} ${bound(lo.value)}`);
    if (hi !== undefined) parts.push(`${hi.inclusive ? "at most" : "below"} ${bound(hi.value)}`);
    if (parts.length > 0) range = ` ${parts.join(" and ")}`;
  }
  const multiple = c.multipleOf !== undefined ? `, a multiple of ${c.multipleOf}` : "";
  return `${what}${range}${multiple}${unit}`;
}

/** The schema's defaults as a fresh parameter tree. */
export function defaults<S extends ParamSchema>(schema: S): ParamsOf<S> {
  return defaultsOf(schema, "params") as ParamsOf<S>;
}

function defaultsOf(group: z.ZodObject, prefix: string): ParamTree {
  const out: ParamTree = {};
  for (const [key, node] of Object.entries(shapeOf(group))) {
    const leaf = leafOf(node, `${prefix}.${key}`);
    out[key] = leaf === undefined ? defaultsOf(node as z.ZodObject, `${prefix}.${key}`) : leaf.default;
  }
  return out;
}

/** Looks up the leaf at a dotted path, or throws a UserError naming the known paths nearby. */
export function leafAt(schema: ParamSchema, path: string, prefix = "params"): Leaf {
  let node: Node = schema;
  const walked: string[] = [];
  for (const part of path.split(".")) {
    const group = isGroup(node) ? shapeOf(node) : undefined;
    if (group === undefined || !Object.prototype.hasOwnProperty.call(group, part)) {
      const siblings = group === undefined ? [] : listPaths(node as z.ZodObject, walked.join("."));
      throw new UserError(
        `Unknown parameter ${prefix}.${path}: expected one of ${siblings.length > 0 ? siblings.join(", ") : "(none)"}.`,
      );
    }
    node = group[part]!;
    walked.push(part);
  }
  const leaf = leafOf(node, `${prefix}.${path}`);
  if (leaf === undefined) {
    throw new UserError(
      `Parameter ${prefix}.${path} is a group: expected one of ${listPaths(node as z.ZodObject, path).join(", ")}.`,
    );
  }
  return leaf;
}

/** Every leaf path of a schema, dotted. */
export function listPaths(schema: ParamSchema, base = ""): string[] {
  const out: string[] = [];
  for (const [key, node] of Object.entries(shapeOf(schema))) {
    const path = base === "" ? key : `${base}.${key}`;
    if (isGroup(node)) out.push(...listPaths(node, path));
    else out.push(path);
  }
  return out;
}

/** A decimal literal: digits, an optional fraction, an optional exponent. */
const DECIMAL = /^[+-]?(?:(\d+)\.?(\d*)|\.(\d+))(?:e[+-]?\d+)?$/i;

/** Parses the text of a `--set path=value` value for the given leaf. */
export function parseLeaf(leaf: Leaf, text: string, path: string): ParamValue {
  const t = text.trim();
  switch (leaf.type) {
    case "int": {
      if (!/^-?\d+$/.test(t)) throw new ParamError(path, text, expectation(leaf));
      const n = Number(t);
      // Past 2^53 the text is not the number it would become: report what was typed.
      if (!Number.isSafeInteger(n)) throw new ParamError(path, text, expectation(leaf));
      return checkLeaf(leaf, n === 0 ? 0 : n, path);
    }
    case "number": {
      const m = DECIMAL.exec(t);
      if (m === null) throw new ParamError(path, text, expectation(leaf));
      const n = Number(t);
      // 1e400 overflows to Infinity; 1e-400 is not 0 but would become 0.
      if (!Number.isFinite(n)) throw new ParamError(path, text, expectation(leaf));
      if (n === 0 && /[1-9]/.test((m[1] ?? "") + (m[2] ?? "") + (m[3] ?? ""))) {
        throw new ParamError(path, text, `${expectation(leaf)}: it is nearer 0 than the smallest double (5e-324)`);
      }
      return checkLeaf(leaf, n === 0 ? 0 : n, path);
    }
    case "amount": {
      // An integer, optionally with a decimal exponent: 1500, 25e18, 1.5e18.
      const m = /^(\d+)(?:\.(\d+))?(?:e(\d+))?$/i.exec(t);
      if (m === null) throw new ParamError(path, text, `${expectation(leaf)}, written as digits or as 1.5e18`);
      const frac = m[2] ?? "";
      const exp = Number(m[3] ?? "0");
      if (frac.length > exp) throw new ParamError(path, text, `${expectation(leaf)}: not a whole number of wei`);
      // Count the digits before computing: 1e999999999 must not become a billion-digit bigint.
      const significant = (m[1]! + frac).replace(/^0+/, "");
      if (significant === "") return checkLeaf(leaf, 0n, path);
      if (significant.length + exp - frac.length > String(leaf.max).length) {
        throw new ParamError(path, text, expectation(leaf));
      }
      return checkLeaf(leaf, BigInt(significant) * 10n ** BigInt(exp - frac.length), path);
    }
    case "bool": {
      if (t !== "true" && t !== "false") throw new ParamError(path, text, expectation(leaf));
      return t === "true";
    }
  }
}

/** Checks a value against its leaf (by zod); returns it unchanged. */
export function checkLeaf(leaf: Leaf, value: unknown, path: string): ParamValue {
  if (leaf.type === "amount" && typeof value === "bigint" && (value < leaf.min || value > leaf.max))
    throw new ParamError(path, value, expectation(leaf));
  const result = z.safeParse(leaf.schema, value);
  if (!result.success) throw new ParamError(path, value, issueExpectation(result.error.issues[0], leaf));
  return value as ParamValue;
}

/** What a zod issue says was expected: a refinement's own message, otherwise the leaf's expectation. */
function issueExpectation(issue: z.core.$ZodIssue | undefined, leaf: Leaf | undefined): string {
  if (issue !== undefined && issue.code === "custom") return issue.message;
  return leaf === undefined ? (issue?.message ?? "an object") : expectation(leaf);
}

/**
 * Validates a whole parameter tree: every key known, every leaf present and valid, in the schema's order, then the
 * schema's refinements (rules across fields). The first fault is a UserError naming its path.
 */
export function validate<S extends ParamSchema>(schema: S, tree: unknown, prefix = "params"): ParamsOf<S> {
  validateGroup(schema, tree, prefix);
  const result = schema.safeParse(tree);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String);
    // A rule that names no field: say what it expected of the parameters as a whole.
    if (path.length === 0) throw new UserError(`Invalid ${prefix}: expected ${issueExpectation(issue, undefined)}.`);
    let leaf: Leaf | undefined;
    try {
      leaf = path.length === 0 ? undefined : leafAt(schema, path.join("."), prefix);
    } catch {
      leaf = undefined;
    }
    const at = [prefix, ...path].join(".");
    throw new ParamError(at, valueAt(tree, path), issueExpectation(issue, leaf));
  }
  return tree as ParamsOf<S>;
}

function validateGroup(group: z.ZodObject, tree: unknown, prefix: string): void {
  if (typeof tree !== "object" || tree === null) throw new ParamError(prefix, tree, "an object");
  const obj = tree as Record<string, unknown>;
  const shape = shapeOf(group);
  for (const key of Object.keys(obj)) {
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      throw new UserError(`Unknown parameter ${prefix}.${key}: expected one of ${Object.keys(shape).join(", ")}.`);
    }
  }
  for (const [key, node] of Object.entries(shape)) {
    const path = `${prefix}.${key}`;
    const leaf = leafOf(node, path);
    if (leaf === undefined) validateGroup(node as z.ZodObject, obj[key], path);
    else checkLeaf(leaf, obj[key], path);
  }
}

function valueAt(tree: unknown, path: readonly string[]): unknown {
  let node = tree;
  for (const part of path) node = typeof node === "object" && node !== null ? (node as ParamTree)[part] : undefined;
  return node;
}

/** Returns a copy of `params` with the dotted path set; the value must already be checked. */
export function withParam<P extends object>(params: P, path: string, value: ParamValue): P {
  const [head, ...rest] = path.split(".");
  const tree = params as unknown as ParamTree;
  const copy: ParamTree = { ...tree };
  if (rest.length === 0) copy[head!] = value;
  else copy[head!] = withParam(tree[head!] as ParamTree, rest.join("."), value) as ParamTree;
  return copy as unknown as P;
}

export function getParam(params: object, path: string): ParamValue {
  return valueAt(params, path.split(".")) as ParamValue;
}

/** One `path=value` assignment, as given on the command line. */
export interface Assignment {
  readonly path: string;
  readonly value: ParamValue;
}

/** Parses `path=value` against the schema; `flag` names the option in messages. */
export function parseAssignment(schema: ParamSchema, text: string, flag: string): Assignment {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new UserError(`Malformed ${flag} ${JSON.stringify(text)}: expected path=value, for example fees.feeBps=75.`);
  }
  const path = text
    .slice(0, eq)
    .trim()
    .replace(/^params\./, "");
  const leaf = leafAt(schema, path);
  return { path, value: parseLeaf(leaf, text.slice(eq + 1), `params.${path}`) };
}

export function applyAssignments<P extends object>(params: P, assignments: readonly Assignment[]): P {
  return assignments.reduce((p, a) => withParam(p, a.path, a.value), params);
}
