import { ParamError, UserError } from "./errors.js";

/**
 * A scenario's parameter schema: a tree whose leaves say the type, range and default
 * of each parameter. Validation happens once, at the boundary (scenario load, CLI
 * parse); past it, code trusts the types.
 */
export interface IntLeaf {
  readonly type: "int";
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit?: string;
}
export interface NumberLeaf {
  readonly type: "number";
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit?: string;
}
export interface AmountLeaf {
  readonly type: "amount";
  readonly min: bigint;
  readonly max: bigint;
  readonly default: bigint;
  readonly unit?: string;
}
export interface BoolLeaf {
  readonly type: "bool";
  readonly default: boolean;
}
export type Leaf = IntLeaf | NumberLeaf | AmountLeaf | BoolLeaf;

export interface SchemaNode {
  readonly [key: string]: Leaf | SchemaNode;
}

/** The TypeScript type of the parameters a schema describes. */
export type ParamsOf<S extends SchemaNode> = {
  -readonly [K in keyof S]: S[K] extends Leaf ? LeafValue<S[K]> : S[K] extends SchemaNode ? ParamsOf<S[K]> : never;
};
type LeafValue<L extends Leaf> = L extends { type: "amount" } ? bigint : L extends { type: "bool" } ? boolean : number;

export type ParamValue = number | bigint | boolean;
export interface ParamTree {
  [key: string]: ParamValue | ParamTree;
}

const MAX_UINT256 = (1n << 256n) - 1n;

export const int = (min: number, max: number, dflt: number, unit?: string): IntLeaf =>
  unit === undefined ? { type: "int", min, max, default: dflt } : { type: "int", min, max, default: dflt, unit };
export const bps = (dflt: number, max = 10_000): IntLeaf => ({
  type: "int",
  min: 0,
  max,
  default: dflt,
  unit: "basis points",
});
export const num = (min: number, max: number, dflt: number, unit?: string): NumberLeaf =>
  unit === undefined ? { type: "number", min, max, default: dflt } : { type: "number", min, max, default: dflt, unit };
export const amount = (dflt: bigint, min = 0n, max = MAX_UINT256): AmountLeaf => ({
  type: "amount",
  min,
  max,
  default: dflt,
  unit: "wei",
});
export const bool = (dflt: boolean): BoolLeaf => ({ type: "bool", default: dflt });

function isLeaf(node: Leaf | SchemaNode): node is Leaf {
  return typeof (node as { type?: unknown }).type === "string" && "default" in node;
}

export function expectation(leaf: Leaf): string {
  const unit = "unit" in leaf && leaf.unit !== undefined ? ` (${leaf.unit})` : "";
  switch (leaf.type) {
    case "int":
      return `an integer in ${leaf.min}..${leaf.max}${unit}`;
    case "number":
      return `a number in ${leaf.min}..${leaf.max}${unit}`;
    case "amount":
      return `an integer amount in ${leaf.min}..${leaf.max === MAX_UINT256 ? "2^256-1" : leaf.max}${unit}`;
    case "bool":
      return "true or false";
  }
}

/** The schema's defaults as a fresh parameter tree. */
export function defaults<S extends SchemaNode>(schema: S): ParamsOf<S> {
  const out: ParamTree = {};
  for (const [key, node] of Object.entries(schema)) out[key] = isLeaf(node) ? node.default : defaults(node);
  return out as ParamsOf<S>;
}

/** Looks up the leaf at a dotted path, or throws a UserError naming the known paths nearby. */
export function leafAt(schema: SchemaNode, path: string, prefix = "params"): Leaf {
  let node: Leaf | SchemaNode = schema;
  const walked: string[] = [];
  for (const part of path.split(".")) {
    if (isLeaf(node) || !Object.prototype.hasOwnProperty.call(node, part)) {
      const group = isLeaf(node) ? {} : node;
      const siblings = listPaths(group, walked.join("."));
      throw new UserError(
        `Unknown parameter ${prefix}.${path}: expected one of ${siblings.length > 0 ? siblings.join(", ") : "(none)"}.`,
      );
    }
    node = (node as SchemaNode)[part]!;
    walked.push(part);
  }
  if (!isLeaf(node)) {
    throw new UserError(`Parameter ${prefix}.${path} is a group: expected one of ${listPaths(node, path).join(", ")}.`);
  }
  return node;
}

/** Every leaf path of a schema, dotted. */
export function listPaths(schema: SchemaNode, base = ""): string[] {
  const out: string[] = [];
  for (const [key, node] of Object.entries(schema)) {
    const path = base === "" ? key : `${base}.${key}`;
    if (isLeaf(node)) out.push(path);
    else out.push(...listPaths(node, path));
  }
  return out;
}

/** Parses the text of a `--set path=value` value for the given leaf. */
export function parseLeaf(leaf: Leaf, text: string, path: string): ParamValue {
  const t = text.trim();
  switch (leaf.type) {
    case "int": {
      if (!/^-?\d+$/.test(t)) throw new ParamError(path, text, expectation(leaf));
      return checkLeaf(leaf, Number(t), path);
    }
    case "number": {
      const n = Number(t);
      if (t === "" || !Number.isFinite(n)) throw new ParamError(path, text, expectation(leaf));
      return checkLeaf(leaf, n, path);
    }
    case "amount": {
      // An integer, optionally with a decimal exponent: 1500, 25e18, 1.5e18.
      const m = /^(\d+)(?:\.(\d+))?(?:e(\d+))?$/i.exec(t);
      if (m === null) throw new ParamError(path, text, `${expectation(leaf)}, written as digits or as 1.5e18`);
      const frac = m[2] ?? "";
      const exp = Number(m[3] ?? "0");
      if (frac.length > exp) throw new ParamError(path, text, `${expectation(leaf)}: not a whole number of wei`);
      const value = BigInt(m[1]! + frac) * 10n ** BigInt(exp - frac.length);
      return checkLeaf(leaf, value, path);
    }
    case "bool": {
      if (t !== "true" && t !== "false") throw new ParamError(path, text, expectation(leaf));
      return t === "true";
    }
  }
}

/** Checks a value's type and range against its leaf; returns it unchanged. */
export function checkLeaf(leaf: Leaf, value: unknown, path: string): ParamValue {
  switch (leaf.type) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < leaf.min || value > leaf.max)
        throw new ParamError(path, value, expectation(leaf));
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value) || value < leaf.min || value > leaf.max)
        throw new ParamError(path, value, expectation(leaf));
      return value;
    case "amount":
      if (typeof value !== "bigint" || value < leaf.min || value > leaf.max)
        throw new ParamError(path, value, expectation(leaf));
      return value;
    case "bool":
      if (typeof value !== "boolean") throw new ParamError(path, value, expectation(leaf));
      return value;
  }
}

/** Validates a whole parameter tree (for example one read back from a manifest). */
export function validate<S extends SchemaNode>(schema: S, tree: unknown, prefix = "params"): ParamsOf<S> {
  if (typeof tree !== "object" || tree === null) throw new ParamError(prefix, tree, "an object");
  const obj = tree as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      throw new UserError(`Unknown parameter ${prefix}.${key}: expected one of ${Object.keys(schema).join(", ")}.`);
    }
  }
  for (const [key, node] of Object.entries(schema)) {
    const path = `${prefix}.${key}`;
    if (isLeaf(node)) checkLeaf(node, obj[key], path);
    else validate(node, obj[key], path);
  }
  return tree as ParamsOf<S>;
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
  let node: unknown = params;
  for (const part of path.split(".")) node = (node as ParamTree)[part];
  return node as ParamValue;
}

/** One `path=value` assignment, as given on the command line. */
export interface Assignment {
  readonly path: string;
  readonly value: ParamValue;
}

/** Parses `path=value` against the schema; `flag` names the option in messages. */
export function parseAssignment(schema: SchemaNode, text: string, flag: string): Assignment {
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
