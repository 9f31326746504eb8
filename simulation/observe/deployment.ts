/**
 * What an observer needs of a deployment, read from its folder: the folder `sim deploy` wrote,
 * or that of a remote `sim run` (the same manifest shape: scenario, parameters, start time,
 * time scale, chain, `contracts`). Each field is checked at this boundary; a folder that is
 * neither is one line naming what is missing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { toJson } from "../analysis/files.js";
import {
  decimalString,
  integerIn,
  isObject,
  JsonFields,
  nonEmptyString,
  object,
  readJsonObject,
  string,
  type JsonObject,
} from "../analysis/jsonFields.js";
import { UserError } from "../engine/errors.js";
import { applyAssignments, defaults } from "../engine/params.js";
import type { TimeScale } from "../engine/timeScale.js";
import type { Address } from "../sdk/mechanism.js";
import type { Deployment } from "../sdk/resolve.js";
import { loadScenario, type LoadedScenario, type ScenarioHost } from "../scenarios/index.js";
import { checkParams, parseAssignments } from "../cli/prepare.js";

export interface ObservedDeployment {
  readonly folder: string;
  /** `deployment` (sim deploy) or `run` (a remote sim run). */
  readonly kind: "deployment" | "run";
  readonly scenario: LoadedScenario;
  readonly params: object;
  readonly set: readonly { readonly path: string; readonly value: unknown }[];
  readonly startTime: bigint;
  readonly timeScale: TimeScale | undefined;
  readonly chainId: bigint;
  /** The endpoint as recorded; null when it held a secret (give it again). */
  readonly rpcUrl: string | null;
  readonly contracts: Deployment;
  /** Accounts the deployment names, by id (a deployment folder records them; a run's come from its keys). */
  readonly accounts: ReadonlyMap<string, Address> | undefined;
  /** A remote run's agents, by address: the names its actions.ndjson gives them. */
  readonly agents: ReadonlyMap<string, string>;
  /** The deployment's last block (a deployment folder records it); a run's comes from its journal. */
  readonly deployedAtBlock: bigint | undefined;
  /** A remote run's deployment transactions (journal order), to find its last block. */
  readonly deploymentTxs: readonly string[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const address = (v: unknown): Address | undefined =>
  typeof v === "string" && ADDRESS.test(v) ? (v.toLowerCase() as Address) : undefined;

export async function readDeployment(host: ScenarioHost, given: string): Promise<ObservedDeployment> {
  const folder = resolve(given);
  const path = join(folder, "manifest.json");
  const bad = (why: string): UserError =>
    new UserError(`Invalid option --deployment = ${JSON.stringify(given)}: expected ${why}.`);
  if (!existsSync(path)) throw bad("the folder of sim deploy or of a remote sim run (it has no manifest.json)");
  const m = readJsonObject(path, "the manifest.json of a deployment or of a remote run");
  const f = new JsonFields(path, m);
  const kind = m["kind"] === "deployment" ? "deployment" : "run";
  if (kind === "run" && !isObject(m["remote"])) {
    throw bad(
      "the folder of sim deploy or of a remote sim run (this run ran in-process: there is no chain to observe)",
    );
  }
  if (kind === "deployment" && m["status"] !== "deployed") {
    throw bad(`a finished deployment (its status is ${String(m["status"])})`);
  }
  if (!isObject(m["contracts"])) {
    throw bad(
      `a run that finished (its manifest records no contracts; status ${String(m["status"])}: resume it first)`,
    );
  }
  const scenarioRef =
    f.optional("scenarioFile", nonEmptyString, "the scenario's file") ??
    f.required("scenario", nonEmptyString, "a scenario name");
  const scenario = await loadScenario(host, scenarioRef);
  const set = (f.optional("set", (v) => (Array.isArray(v) ? v : undefined), "a list of { path, value }") ?? []).map(
    (a, i) => {
      if (!isObject(a) || typeof a["path"] !== "string") throw f.error(`set[${i}]`, a, "{ path, value }");
      return { path: a["path"], value: a["value"] };
    },
  );
  const assignments = parseAssignments(scenario, set.map((a) => `${a.path}=${String(a.value)}`).join(" "), "set");
  const params = applyAssignments(defaults(scenario.schema), assignments);
  checkParams(scenario, params, "");
  if (toJson(params) !== toJson(f.required("params", object, "the parameters, an object"))) {
    throw bad(`a deployment of this version of scenario ${scenario.name} (its parameters no longer match)`);
  }
  const r = f.nested("remote", "the network's settings, an object");
  const scale = r.optional("timeScale", object, "null, or { chainStepSeconds, scenarioStepSeconds }");
  const seconds = integerIn(1, Number.MAX_SAFE_INTEGER);
  const s = scale === undefined ? undefined : new JsonFields(path, scale, "remote.timeScale.");
  const c = f.nested("contracts", "the deployed contracts: { addresses, artifacts, deployer }");
  const addresses = record(c, "addresses", address, "instance names and addresses");
  const artifacts = record(
    c,
    "artifacts",
    (v) => (typeof v === "string" && v !== "" ? v : undefined),
    "instance names and artifact names",
  );
  for (const instance of Object.keys(addresses)) {
    if (artifacts[instance] === undefined)
      throw c.error(`artifacts.${instance}`, undefined, "the instance's artifact name");
  }
  const accountsJson = f.optional("accounts", object, "the accounts the deployment names: { id: address }");
  const deployedAt = f.optional("deployedAtBlock", decimalString, "a block number, in decimal digits");
  return {
    folder,
    kind,
    scenario,
    params,
    set,
    startTime: BigInt(f.required("startTime", decimalString, "a timestamp, in decimal digits")),
    timeScale:
      s === undefined
        ? undefined
        : {
            chainStepSeconds: s.required("chainStepSeconds", seconds, "seconds, a positive integer"),
            scenarioStepSeconds: s.required("scenarioStepSeconds", seconds, "seconds, a positive integer"),
          },
    chainId: BigInt(r.required("chainId", decimalString, "the chain id, in decimal digits")),
    rpcUrl: r.optional("rpcUrl", string, "the RPC URL, or null") ?? null,
    contracts: { addresses, artifacts, deployer: c.required("deployer", address, "the deployer's address") },
    accounts:
      accountsJson === undefined
        ? undefined
        : new Map(Object.entries(record(f, "accounts", address, "account ids and addresses"))),
    agents: kind === "run" ? runAgents(folder) : new Map(),
    deployedAtBlock: deployedAt === undefined ? undefined : BigInt(deployedAt),
    deploymentTxs: kind === "run" ? deploymentTxs(folder) : [],
  };
}

function record<T>(f: JsonFields, name: string, check: (v: unknown) => T | undefined, what: string): Record<string, T> {
  const o = f.required(name, object, `an object of ${what}`);
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(o as JsonObject)) {
    const ok = check(v);
    if (ok === undefined) throw f.error(`${name}.${k}`, v, `one of ${what}`);
    out[k] = ok;
  }
  return out;
}

/** A remote run's agents by address, from its actions.ndjson. */
function runAgents(folder: string): Map<string, string> {
  const out = new Map<string, string>();
  const path = join(folder, "actions.ndjson");
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const a = JSON.parse(line) as { agent?: unknown; sender?: unknown };
      if (typeof a.agent === "string" && typeof a.sender === "string") out.set(a.sender.toLowerCase(), a.agent);
    } catch {
      // A damaged line names no one; the journal, not the actions, says where the deployment ended.
    }
  }
  return out;
}

/** A remote run's deployment transactions (sends with no step), from its journal. */
function deploymentTxs(folder: string): string[] {
  const path = join(folder, "journal.ndjson");
  if (!existsSync(path)) {
    throw new UserError(
      `Invalid option --deployment = ${JSON.stringify(folder)}: expected a remote run's folder with its journal.ndjson (it is missing).`,
    );
  }
  const out: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const e = JSON.parse(line) as { type?: unknown; step?: unknown; hash?: unknown };
    if (e.type === "tx" && e.step === null && typeof e.hash === "string") out.push(e.hash);
  }
  return out;
}
