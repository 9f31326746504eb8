/**
 * What a run folder or an experiment folder records of its scenario's declarations, for its report: the mechanism's
 * name, the step's length, the fields compared for every account, units (of variables, account fields and KPIs),
 * the value flows, how Action kinds and variables are grouped, and the parameters' units. A report is drawn from
 * these and the results alone; it never loads the scenario, which may have changed since (or be someone else's).
 * Every field is optional: a folder written before Lockstep recorded them still gets a report, without them.
 */
import type { Flow } from "../../engine/types.js";
import { array, integerIn, isObject, nonEmptyString, string, type JsonFields } from "../jsonFields.js";
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
  "parameterUnits",
] as const;

/** Reads the declarations of a manifest.json or an experiment.json, strictly: a field there must be of its type. */
export function readDeclarations(f: JsonFields): Declarations {
  const mechanism = f.optional("mechanism", nonEmptyString, "the mechanism's name");
  const description = f.optional("description", string, "the scenario's description");
  const stepSeconds = f.optional("stepSeconds", integerIn(1, Number.MAX_SAFE_INTEGER), "seconds, a positive integer");
  const accountFields = f.optional("accountFields", stringList, "a list of field names");
  const units = f.optional("units", unitRecord, 'an object of names and units ({ "unit": "xUSD", "decimals": 18 })');
  const flows = f.optional(
    "flows",
    flowList,
    "a list of flows { from, to, label, total, unit, decimals } (decimals an integer in 0..77)",
  );
  const groups = (name: string, what: string) =>
    f.optional(name, groupRecord, `an object of groups and lists of ${what}`);
  return {
    ...(mechanism !== undefined ? { mechanism } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(stepSeconds !== undefined ? { stepSeconds } : {}),
    ...(accountFields !== undefined ? { accountFields } : {}),
    ...(units !== undefined ? { units } : {}),
    flows: flows ?? [],
    actionGroups: groups("actionGroups", "action kinds") ?? {},
    variableGroups: groups("variableGroups", "variable names") ?? {},
    parameterUnits:
      f.optional(
        "parameterUnits",
        unitRecord,
        'an object of parameter paths and units ({ "unit": "wei", "decimals": 18 })',
      ) ?? {},
  };
}

/** A folder that records nothing of its scenario. */
export const NO_DECLARATIONS: Declarations = { flows: [], actionGroups: {}, variableGroups: {}, parameterUnits: {} };

const DECIMALS = integerIn(0, 77);

const stringList = (v: unknown): readonly string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;

function unitOfJson(v: unknown): Unit | undefined {
  if (!isObject(v) || typeof v["unit"] !== "string" || v["unit"] === "") return undefined;
  const decimals = v["decimals"] === undefined ? 0 : DECIMALS(v["decimals"]);
  return decimals === undefined ? undefined : { label: v["unit"], decimals };
}

function unitRecord(v: unknown): Readonly<Record<string, Unit>> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, Unit> = {};
  for (const [name, u] of Object.entries(v)) {
    const unit = unitOfJson(u);
    if (unit === undefined) return undefined;
    out[name] = unit;
  }
  return out;
}

function groupRecord(v: unknown): Readonly<Record<string, readonly string[]>> | undefined {
  if (!isObject(v)) return undefined;
  return Object.values(v).every((list) => stringList(list) !== undefined)
    ? (v as Readonly<Record<string, readonly string[]>>)
    : undefined;
}

function flowList(v: unknown): readonly Flow[] | undefined {
  const list = array(v);
  if (list === undefined) return undefined;
  const flows: Flow[] = [];
  for (const x of list) {
    if (!isObject(x)) return undefined;
    const [from, to, label, total, unit] = (["from", "to", "label", "total", "unit"] as const).map((k) => x[k]);
    const decimals = DECIMALS(x["decimals"]);
    if (![from, to, label, total, unit].every((s) => typeof s === "string") || decimals === undefined) return undefined;
    flows.push({
      from: from as string,
      to: to as string,
      label: label as string,
      total: total as string,
      unit: unit as string,
      decimals,
    });
  }
  return flows;
}
