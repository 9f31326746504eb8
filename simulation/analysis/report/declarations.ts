/**
 * What a run folder or an experiment folder records of its scenario's declarations, for its report: the mechanism's
 * name, the step's length, the fields compared for every account, units (of variables, account fields and KPIs),
 * the value flows, how Action kinds and variables are grouped, and the parameters' units. A report is drawn from
 * these and the results alone; it never loads the scenario, which may have changed since (or be someone else's).
 * Every field is optional: a folder written before Lockstep recorded them still gets a report, without them.
 */
import type { Flow } from "../../engine/types.js";
import { array, integerIn, isObject, JsonFields, nonEmptyString, object, string } from "../jsonFields.js";
import type { Unit } from "./units.js";

export interface Declarations {
  /** The mechanism's name. */
  readonly mechanism?: string;
  /** The scenario's description. */
  readonly description?: string;
  /** The length of a step, seconds. */
  readonly stepSeconds?: number;
  /** The fields compared for every account (`<agent id>.<field>`); undefined when the folder does not say. */
  readonly accountFields?: readonly string[];
  /** Units by name (a variable, an account field, a KPI; `*` for any characters), the first match winning; undefined when not recorded. */
  readonly units?: Readonly<Record<string, Unit>>;
  readonly flows: readonly Flow[];
  /** Action kinds by group, in the legend's order. */
  readonly actionGroups: Readonly<Record<string, readonly string[]>>;
  /** Global variables (names, `*` for any characters) by chart group. */
  readonly variableGroups: Readonly<Record<string, readonly string[]>>;
  /** KPIs (names, `*` for any characters) drawn together, by chart. */
  readonly kpiGroups: Readonly<Record<string, readonly string[]>>;
  /** Units of the parameters, by dotted path; amounts have 18 decimals. */
  readonly parameterUnits: Readonly<Record<string, Unit>>;
}

/** The recorded fields, as the writers name them in manifest.json and experiment.json. */
export const DECLARATION_FIELDS = [
  "mechanism",
  "description",
  "stepSeconds",
  "accountFields",
  "units",
  "flows",
  "actionGroups",
  "variableGroups",
  "kpiGroups",
  "parameterUnits",
] as const;

/** Reads the declarations of a manifest.json or an experiment.json, strictly: a field there must be of its type. */
export function readDeclarations(f: JsonFields): Declarations {
  const mechanism = f.optional("mechanism", nonEmptyString, "the mechanism's name");
  const description = f.optional("description", string, "the scenario's description");
  const stepSeconds = f.optional("stepSeconds", integerIn(1, Number.MAX_SAFE_INTEGER), "seconds, a positive integer");
  const accountFields = f.optional("accountFields", stringList, "a list of field names");
  const units = unitRecord(f, "units", "names");
  const flowList = f.optional("flows", array, "a list of flows { from, to, label, total, unit, decimals }");
  return {
    ...(mechanism !== undefined ? { mechanism } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(stepSeconds !== undefined ? { stepSeconds } : {}),
    ...(accountFields !== undefined ? { accountFields } : {}),
    ...(units !== undefined ? { units } : {}),
    flows: (flowList ?? []).map((x, i) => flow(f, x, i)),
    actionGroups: groupRecord(f, "actionGroups", "action kinds") ?? {},
    variableGroups: groupRecord(f, "variableGroups", "variable names") ?? {},
    kpiGroups: groupRecord(f, "kpiGroups", "KPI names") ?? {},
    parameterUnits: unitRecord(f, "parameterUnits", "parameter paths") ?? {},
  };
}

/** A folder that records nothing of its scenario. */
export const NO_DECLARATIONS: Declarations = {
  flows: [],
  actionGroups: {},
  variableGroups: {},
  kpiGroups: {},
  parameterUnits: {},
};

const DECIMALS = integerIn(0, 77);
const DECIMALS_EXPECTED = "an integer in 0..77 (18 for an amount in wei)";

const stringList = (v: unknown): readonly string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;

/** `{ name: { unit, decimals } }`, each unit checked where it is (`units.balance.decimals`). */
function unitRecord(f: JsonFields, field: string, keys: string): Readonly<Record<string, Unit>> | undefined {
  const record = f.optional(field, object, `an object of ${keys} and their units`);
  if (record === undefined) return undefined;
  const fields = new JsonFields(f.where, record, `${f.prefix}${field}.`);
  const out: Record<string, Unit> = {};
  for (const name of Object.keys(record)) {
    const u = new JsonFields(
      f.where,
      fields.required(name, object, '{ "unit": ..., "decimals": ... }'),
      `${fields.prefix}${name}.`,
    );
    out[name] = {
      label: u.required("unit", nonEmptyString, "a unit's name"),
      decimals: u.optional("decimals", DECIMALS, DECIMALS_EXPECTED) ?? 0,
    };
  }
  return out;
}

function groupRecord(
  f: JsonFields,
  field: string,
  what: string,
): Readonly<Record<string, readonly string[]>> | undefined {
  const record = f.optional(field, object, `an object of groups and lists of ${what}`);
  if (record === undefined) return undefined;
  const fields = new JsonFields(f.where, record, `${f.prefix}${field}.`);
  const out: Record<string, readonly string[]> = {};
  for (const name of Object.keys(record)) out[name] = fields.required(name, stringList, `a list of ${what}`);
  return out;
}

function flow(f: JsonFields, x: unknown, i: number): Flow {
  const at = `${f.prefix}flows[${i}]`;
  if (!isObject(x)) throw f.error(`flows[${i}]`, x, "a flow { from, to, label, total, unit, decimals }");
  const g = new JsonFields(f.where, x, `${at}.`);
  const text = (name: string, what: string) => g.required(name, nonEmptyString, what);
  return {
    from: text("from", "the stock it leaves"),
    to: text("to", "the stock it enters"),
    label: text("label", "what flows"),
    total: text("total", "the trace column totalling it"),
    unit: text("unit", "a unit's name"),
    decimals: g.required("decimals", DECIMALS, DECIMALS_EXPECTED),
  };
}
