/**
 * Finds a scenario by what the user typed: a built-in name, a name registered in the
 * project's config (`lockstep.scenarios`), or the path of a scenario file whose default
 * export is a `defineScenario(...)`. A declared scenario's mechanism is resolved against the
 * project's compiled contracts here, so every command (and every worker process) loads a
 * scenario the same way, and the engine sees only its own `Scenario`.
 */
import { existsSync } from "node:fs";
import { extname, isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ContractSource } from "../chain/artifacts.js";
import { UserError } from "../engine/errors.js";
import { isParamSchema } from "../engine/params.js";
import type { Scenario } from "../engine/types.js";
import type { ParamSchema } from "../engine/params.js";
import type { Units } from "../sdk/mechanism.js";
import { resolveMechanism, type ResolvedMechanism } from "../sdk/resolve.js";
import { DEFAULT_SUBSTEPS, type ScenarioDefinition } from "../sdk/scenario.js";
import { BUILT_IN_SCENARIOS } from "./builtIn.js";

/** A scenario with its types erased, as the command line and experiments handle them. */
export type AnyScenario = Scenario<ParamSchema, unknown, unknown, unknown>;

/** A loaded scenario: the engine's scenario, where it came from, and the code it deploys. */
export interface LoadedScenario extends AnyScenario {
  /** What a worker process loads it by: a name, or a scenario file's absolute path. */
  readonly ref: string;
  /** The scenario file, relative to the project root; undefined for a built-in one. */
  readonly file: string | undefined;
  /** keccak256 of the creation bytecode of every contract it deployed or may deploy, by artifact name. */
  bytecodeHashes(): Record<string, string>;
  /** Its mechanism, resolved against the project's contracts. */
  readonly resolved: ResolvedMechanism<unknown, unknown, unknown>;
  /** The units its definition declares (of KPIs, and of variables where it overrides its mechanism). */
  readonly units: Units;
  /** The KPIs its report draws together, by chart. */
  readonly kpiGroups: Readonly<Record<string, readonly string[]>>;
}

/** Where scenarios come from: the project's root, its registered names, its compiled contracts. */
export interface ScenarioHost {
  readonly root: string;
  readonly registered: Readonly<Record<string, string>>;
  readonly contracts: ContractSource;
}

const SCRIPT = /\.(ts|mts|js|mjs)$/;
const cache = new WeakMap<ScenarioHost, Map<string, Promise<LoadedScenario>>>();

/** The names a user can give `--scenario`, for messages. */
export function knownScenarioNames(host: ScenarioHost): string[] {
  return [...BUILT_IN_SCENARIOS.keys(), ...Object.keys(host.registered).filter((n) => !BUILT_IN_SCENARIOS.has(n))];
}

/** Loads (once per host) the scenario `ref` names: a name, or a path to a scenario file. */
export function loadScenario(host: ScenarioHost, ref: string): Promise<LoadedScenario> {
  let byRef = cache.get(host);
  if (byRef === undefined) {
    byRef = new Map();
    cache.set(host, byRef);
  }
  const key = ref.trim();
  let p = byRef.get(key);
  if (p === undefined) {
    p = load(host, key);
    byRef.set(key, p);
    p.catch(() => byRef.delete(key));
  }
  return p;
}

async function load(host: ScenarioHost, ref: string): Promise<LoadedScenario> {
  if (ref === "") {
    throw new UserError(
      `Missing option --scenario: expected a scenario file or one of ${knownScenarioNames(host).join(", ")}.`,
    );
  }
  const builtIn = BUILT_IN_SCENARIOS.get(ref);
  if (builtIn !== undefined) {
    const definition = await builtIn();
    for (const artifact of Object.values(definition.mechanism.contracts)) {
      if (!(await host.contracts.has(artifact))) {
        throw new UserError(
          `Scenario ${ref} runs on Lockstep's own contracts (${artifact} and others, in contracts/ of Lockstep's ` +
            `repository), which this project does not compile: run a scenario of your own (npx hardhat sim init ` +
            `writes a starter), or run ${ref} in Lockstep's repository.`,
        );
      }
    }
    return fromDefinition(host, definition, ref, undefined);
  }
  const registered = host.registered[ref];
  const looksLikeFile = ref.includes("/") || ref.includes("\\") || SCRIPT.test(ref);
  if (registered === undefined && !looksLikeFile) {
    throw new UserError(
      `Unknown scenario ${JSON.stringify(ref)}: expected a scenario file (./sim/my-scenario.ts) or one of ` +
        `${knownScenarioNames(host).join(", ")}.`,
    );
  }
  const file = registered ?? (isAbsolute(ref) ? ref : resolve(host.root, ref));
  const shown = registered !== undefined ? `${ref} (${relative(host.root, file)})` : ref;
  if (!existsSync(file)) {
    throw new UserError(
      `Scenario file ${shown} does not exist${registered !== undefined ? " (lockstep.scenarios in hardhat.config)" : ""}.`,
    );
  }
  if (!SCRIPT.test(extname(file))) {
    throw new UserError(`Scenario file ${shown}: expected a .ts, .mts, .js or .mjs module.`);
  }
  let module: { readonly default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { readonly default?: unknown };
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`Scenario file ${shown}: ${e.message}`);
    const first = String(e instanceof Error ? e.message : e).split("\n")[0];
    throw new UserError(`Scenario file ${shown} does not load: ${e instanceof Error ? e.name : "error"}: ${first}`);
  }
  const definition = checkDefinition(module.default, shown);
  return fromDefinition(host, definition, file, relative(host.root, file));
}

type AnyDefinition = ScenarioDefinition<ParamSchema, unknown, unknown, unknown>;

/** Checks the shape of what a scenario file exports; every mistake is one line naming the field. */
export function checkDefinition(value: unknown, shown: string): AnyDefinition {
  const bad = (field: string, expected: string, got?: unknown): never => {
    const what = got === undefined ? "is missing" : `is ${describe(got)}`;
    throw new UserError(`Scenario file ${shown}: ${field} ${what}: expected ${expected}.`);
  };
  if (value === undefined) bad("the default export", "defineScenario({ ... }) (export default defineScenario(...))");
  if (typeof value !== "object" || value === null) bad("the default export", "defineScenario({ ... })", value);
  const d = value as Record<string, unknown>;
  if (typeof d["name"] !== "string" || d["name"].trim() === "") bad("name", "a non-empty string", d["name"]);
  if (!isParamSchema(d["params"])) bad("params", "a zod object schema (z.object({ ... }))", d["params"]);
  const m = d["mechanism"];
  if (typeof m !== "object" || m === null) bad("mechanism", "defineMechanism({ ... })", m);
  const mech = m as Record<string, unknown>;
  if (typeof mech["name"] !== "string") bad("mechanism.name", "a string", mech["name"]);
  if (typeof mech["contracts"] !== "object" || mech["contracts"] === null) {
    bad("mechanism.contracts", "an object of instance names and artifact names", mech["contracts"]);
  }
  if (typeof mech["deploy"] !== "function")
    bad("mechanism.deploy", "an async function (ctx) => { ... }", mech["deploy"]);
  if (typeof mech["model"] !== "function")
    bad("mechanism.model", "a function returning the model's state", mech["model"]);
  if (typeof mech["actions"] !== "object" || mech["actions"] === null) {
    bad("mechanism.actions", "an object of action bindings", mech["actions"]);
  }
  for (const [kind, b] of Object.entries(mech["actions"] as Record<string, unknown>)) {
    const binding = b as Record<string, unknown> | null;
    if (typeof binding !== "object" || binding === null)
      bad(`mechanism.actions.${kind}`, "{ contract, function, model }", b);
    if (typeof binding!["function"] !== "string")
      bad(`mechanism.actions.${kind}.function`, "a function name", binding!["function"]);
    if (typeof binding!["model"] !== "function")
      bad(`mechanism.actions.${kind}.model`, "a model function", binding!["model"]);
    if (typeof binding!["contract"] !== "string" && typeof binding!["contract"] !== "function") {
      bad(`mechanism.actions.${kind}.contract`, "an instance name", binding!["contract"]);
    }
  }
  if (!Number.isSafeInteger(d["steps"]) || (d["steps"] as number) < 1) bad("steps", "a positive integer", d["steps"]);
  if (
    typeof d["stepSeconds"] !== "function" &&
    !(Number.isSafeInteger(d["stepSeconds"]) && (d["stepSeconds"] as number) > 0)
  ) {
    bad("stepSeconds", "a positive integer of seconds, or a function of the parameters", d["stepSeconds"]);
  }
  if (typeof d["population"] !== "function") bad("population", "a function (params, step) => agents", d["population"]);
  if (typeof d["policies"] !== "object" || d["policies"] === null)
    bad("policies", "an object of policies by role", d["policies"]);
  for (const [role, p] of Object.entries(d["policies"] as Record<string, unknown>)) {
    if (typeof p !== "function") bad(`policies.${role}`, "a function (view, ctx) => actions", p);
  }
  for (const optional of ["init", "view", "observe", "compare", "kpis"]) {
    if (d[optional] !== undefined && typeof d[optional] !== "function") bad(optional, "a function", d[optional]);
  }
  checkFlows(d["flows"], bad);
  checkUnits(d["units"], "units", bad);
  checkUnits(mech["units"], "mechanism.units", bad);
  checkGroups(d["kpiGroups"], "kpiGroups", "KPI names (* for any characters)", bad);
  checkGroups(mech["actionGroups"], "mechanism.actionGroups", "action kinds", bad);
  checkGroups(mech["variableGroups"], "mechanism.variableGroups", "variable names (* for any characters)", bad);
  return value as AnyDefinition;
}

type Bad = (field: string, expected: string, got?: unknown) => never;

/** `units`: absent, or names to `{ unit, decimals? }`. */
function checkUnits(units: unknown, field: string, bad: Bad): void {
  if (units === undefined) return;
  if (typeof units !== "object" || units === null || Array.isArray(units))
    bad(field, 'an object of names and units ({ total: { unit: "USDC", decimals: 6 } })', units);
  for (const [name, u] of Object.entries(units as Record<string, unknown>)) {
    const at = `${field}[${JSON.stringify(name)}]`;
    if (typeof u !== "object" || u === null || Array.isArray(u)) bad(at, "{ unit, decimals? }", u);
    const { unit, decimals } = u as Record<string, unknown>;
    if (typeof unit !== "string" || unit.trim() === "") bad(`${at}.unit`, "a non-empty string", unit);
    if (decimals !== undefined && !isDecimals(decimals))
      bad(`${at}.decimals`, "an integer in 0..77 (18 for an amount in wei)", decimals);
  }
}

/** `flows`: absent, or a list of `{ from, to, label, total, unit, decimals }`. */
function checkFlows(flows: unknown, bad: Bad): void {
  if (flows === undefined) return;
  if (!Array.isArray(flows)) bad("flows", "a list of flows { from, to, label, total, unit, decimals }", flows);
  (flows as unknown[]).forEach((f, i) => {
    if (typeof f !== "object" || f === null || Array.isArray(f))
      bad(`flows[${i}]`, "a flow { from, to, label, total, unit, decimals }", f);
    const flow = f as Record<string, unknown>;
    for (const k of ["from", "to", "label", "total", "unit"]) {
      if (typeof flow[k] !== "string" || flow[k] === "") bad(`flows[${i}].${k}`, "a non-empty string", flow[k]);
    }
    if (!isDecimals(flow["decimals"]))
      bad(`flows[${i}].decimals`, "an integer in 0..77 (18 for an amount in wei)", flow["decimals"]);
  });
}

const isDecimals = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 77;

/** `kpiGroups`, `actionGroups` and `variableGroups`: absent, or group names to lists of names. */
function checkGroups(groups: unknown, field: string, what: string, bad: Bad): void {
  if (groups === undefined) return;
  if (typeof groups !== "object" || groups === null || Array.isArray(groups))
    bad(field, `an object of group names and lists of ${what}`, groups);
  for (const [name, list] of Object.entries(groups as Record<string, unknown>)) {
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string"))
      bad(`${field}[${JSON.stringify(name)}]`, `a list of ${what}`, list);
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v);
  if (typeof v === "object") return "an object of another shape";
  return `${typeof v} ${String(v)}`;
}

async function fromDefinition(
  host: ScenarioHost,
  d: AnyDefinition,
  ref: string,
  file: string | undefined,
): Promise<LoadedScenario> {
  const resolved = await resolveMechanism(d.mechanism, host.contracts);
  const stepSeconds = d.stepSeconds;
  return {
    ref,
    file,
    bytecodeHashes: () => resolved.bytecodeHashes(),
    resolved: resolved as ResolvedMechanism<unknown, unknown, unknown>,
    name: d.name,
    description: d.description ?? "",
    schema: d.params,
    defaultSteps: d.steps,
    stepSeconds: typeof stepSeconds === "function" ? stepSeconds : () => stepSeconds,
    substeps: d.substeps ?? DEFAULT_SUBSTEPS,
    population: (params, step) => d.population(params, step),
    policies: d.policies,
    mechanisms: resolved.mechanisms,
    init: (params, stream) => (d.init ? d.init(params, stream) : undefined),
    view: (world, state) => (d.view ? d.view(world, state) : world),
    ...(d.observe !== undefined ? { observe: d.observe } : {}),
    ...(d.compare !== undefined ? { compare: d.compare } : {}),
    ...(d.flows !== undefined ? { flows: d.flows } : {}),
    kpis: (view, ctx) => (d.kpis ? d.kpis(view, ctx) : {}),
    ...(d.headline !== undefined ? { headline: d.headline } : {}),
    units: d.units ?? {},
    kpiGroups: d.kpiGroups ?? {},
  };
}
