/**
 * What `sim fuzz` may say: every Action kind the mechanism declares, each argument with its kind.
 * The kinds come, in this order, from the binding's `fuzz.args`, from the ABI (a binding without an
 * `args` function takes the Action's arguments by the function's parameter names), or from the
 * Actions the scenario's own agents emit (a short model-mode run, watched). The agents' values are
 * kept too: generators draw realistic amounts and names from them beside the boundaries.
 */
import type { FunctionFragment, ParamType } from "ethers";
import { executeRun } from "../engine/execute.js";
import type { Action, ActionArg } from "../engine/types.js";
import type { LoadedScenario } from "../scenarios/load.js";
import type { FuzzArgKind } from "../sdk/mechanism.js";
import { functionOf } from "../sdk/resolve.js";

/** An argument's kind as generators use it. */
export type ArgKind =
  | { readonly type: "uint"; readonly bits: number }
  | { readonly type: "int"; readonly bits: number }
  | { readonly type: "address" }
  | { readonly type: "bool" }
  | { readonly type: "oneOf"; readonly values: readonly ActionArg[] };

export interface KindSpec {
  readonly kind: string;
  /** The arguments, by name, in a stable order. */
  readonly args: readonly (readonly [string, ArgKind])[];
  /** Where the kinds came from: "declared", "abi" or "agents". */
  readonly source: "declared" | "abi" | "agents";
}

export interface Vocabulary {
  readonly kinds: readonly KindSpec[];
  /** Kinds left out, with the reason (skipped by declaration, or no way to know their arguments). */
  readonly left: readonly { readonly kind: string; readonly reason: string }[];
  /** Values the agents gave each argument name, whatever the kind (deduplicated, in the order seen). */
  readonly seen: ReadonlyMap<string, readonly ActionArg[]>;
  /** The Actions the agents emitted while watched, by kind: what echoes start from. */
  readonly agentActions: ReadonlyMap<string, readonly Action[]>;
}

/** Steps the scenario's agents are watched for (in model mode), to learn argument names and values. */
export const LEARN_STEPS = 6;
const SEEN_PER_ARG = 64;
const ACTIONS_PER_KIND = 32;

function fromDeclared(k: FuzzArgKind): ArgKind {
  if (k === "uint") return { type: "uint", bits: 256 };
  if (k === "address") return { type: "address" };
  if (k === "bool") return { type: "bool" };
  return { type: "oneOf", values: k.map((v) => v as ActionArg) };
}

function fromAbi(p: ParamType): ArgKind | undefined {
  const m = /^(u?)int(\d*)$/.exec(p.type);
  if (m !== null) return { type: m[1] === "u" ? "uint" : "int", bits: m[2] === "" ? 256 : Number(m[2]) };
  if (p.type === "address") return { type: "address" };
  if (p.type === "bool") return { type: "bool" };
  return undefined;
}

function fromValues(all: readonly ActionArg[]): ArgKind {
  const values = [...new Map(all.map((v) => [`${typeof v}:${String(v)}`, v])).values()];
  if (values.every((v) => typeof v === "boolean")) return { type: "bool" };
  if (values.every((v) => typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v))) return { type: "address" };
  if (values.every((v) => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v) && v >= 0))) {
    return { type: "uint", bits: 256 };
  }
  return { type: "oneOf", values };
}

/** Watches the scenario's agents for `steps` steps of a model-mode run: the Actions they emit. */
export async function watchAgents(scenario: LoadedScenario, params: object, seed: number, steps: number) {
  const emitted: Action[] = [];
  const policies: Record<string, (typeof scenario.policies)[string]> = {};
  for (const [role, policy] of Object.entries(scenario.policies)) {
    const watched = (view: unknown, ctx: Parameters<typeof policy>[1]): readonly Action[] => {
      const actions = policy(view, ctx);
      for (const a of actions) emitted.push(a);
      return actions;
    };
    policies[role] = policy.substeps !== undefined ? Object.assign(watched, { substeps: policy.substeps }) : watched;
  }
  await executeRun({
    scenario: { ...scenario, policies },
    params,
    modelParams: params,
    mode: "model",
    seed,
    steps: Math.min(steps, scenario.defaultSteps),
  });
  return emitted;
}

/** The campaign's vocabulary: every declared kind whose arguments can be known. */
export function buildVocabulary(scenario: LoadedScenario, emitted: readonly Action[]): Vocabulary {
  const r = scenario.resolved;
  const definition = r.definition;
  const seen = new Map<string, ActionArg[]>();
  const seenKeys = new Map<string, Set<string>>();
  const byKindArgs = new Map<string, Map<string, ActionArg[]>>();
  const agentActions = new Map<string, Action[]>();
  for (const a of emitted) {
    let list = agentActions.get(a.kind);
    if (list === undefined) agentActions.set(a.kind, (list = []));
    if (list.length < ACTIONS_PER_KIND) list.push(a);
    let args = byKindArgs.get(a.kind);
    if (args === undefined) byKindArgs.set(a.kind, (args = new Map()));
    for (const [name, value] of Object.entries(a.args)) {
      const key = `${typeof value}:${String(value)}`;
      let keys = seenKeys.get(name);
      if (keys === undefined) seenKeys.set(name, (keys = new Set()));
      if (!keys.has(key) && keys.size < SEEN_PER_ARG) {
        keys.add(key);
        let values = seen.get(name);
        if (values === undefined) seen.set(name, (values = []));
        values.push(value);
      }
      let values = args.get(name);
      if (values === undefined) args.set(name, (values = []));
      if (values.length < SEEN_PER_ARG) values.push(value);
    }
  }
  const kinds: KindSpec[] = [];
  const left: { kind: string; reason: string }[] = [];
  for (const [kind, binding] of Object.entries(definition.actions)) {
    if (binding.fuzz?.skip === true) {
      left.push({ kind, reason: "skipped by its declaration (fuzz.skip)" });
      continue;
    }
    const declared = binding.fuzz?.args;
    if (declared !== undefined) {
      kinds.push({ kind, source: "declared", args: Object.entries(declared).map(([n, k]) => [n, fromDeclared(k)]) });
      continue;
    }
    const fragment = binding.args === undefined ? abiFunction(scenario, binding.contract, binding.function) : undefined;
    if (fragment !== undefined) {
      const args: [string, ArgKind][] = [];
      let ok = true;
      for (const p of fragment.inputs) {
        const k = fromAbi(p);
        if (k === undefined) {
          const values = seen.get(p.name);
          if (values === undefined) {
            ok = false;
            break;
          }
          args.push([p.name, { type: "oneOf", values }]);
        } else args.push([p.name, k]);
      }
      if (ok) {
        kinds.push({ kind, source: "abi", args });
        continue;
      }
    }
    const learned = byKindArgs.get(kind);
    if (learned !== undefined) {
      kinds.push({ kind, source: "agents", args: [...learned].map(([n, values]) => [n, fromValues(values)]) });
      continue;
    }
    left.push({
      kind,
      reason: "its binding has an args function and the scenario's agents never emit it: declare fuzz.args to fuzz it",
    });
  }
  return { kinds, left, seen, agentActions };
}

/** The function a binding with a fixed instance calls, or undefined (an instance chosen per Action). */
function abiFunction(
  scenario: LoadedScenario,
  contract: string | ((...a: never[]) => string),
  fn: string,
): FunctionFragment | undefined {
  if (typeof contract !== "string") return undefined;
  const artifact = scenario.resolved.definition.contracts[contract];
  if (artifact === undefined) return undefined;
  return functionOf(scenario.resolved.iface(artifact), fn, artifact, `mechanism ${scenario.resolved.definition.name}`);
}
