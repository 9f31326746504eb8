/**
 * The oracle of `sim fuzz`: a mechanism deployed once on an in-process chain, its state kept as a
 * snapshot, and every sequence run from that snapshot against a fresh model. After each Action the
 * chain's outcome (success, or the custom error and its arguments) must equal the model's, every
 * compared variable must agree within its stated tolerance, and every declared invariant must hold
 * on both sides: the same checks as a lockstep run's, after every action instead of every step.
 */
import { brokenInvariants, sampleNames, sampleReader } from "../engine/invariants.js";
import { createKeyRing, type KeyRing } from "../engine/accounts.js";
import { deterministic } from "../engine/determinism.js";
import { DEFAULT_START_TIME } from "../engine/execute.js";
import { InternalError } from "../engine/errors.js";
import { createRng } from "../engine/rng.js";
import type {
  Account,
  AgentSpec,
  ChainBackend,
  ChainTarget,
  Comparison,
  ModelBackend,
  Outcome,
  Variables,
} from "../engine/types.js";
import { outcomeDifference, withinTolerance } from "../analysis/parity.js";
import { encodeValue } from "../analysis/values.js";
import { rpc } from "../chain/rpc.js";
import type { LoadedScenario } from "../scenarios/load.js";
import type { Address, Deployed } from "../sdk/mechanism.js";
import { variableSet } from "../sdk/modelBackend.js";
import { deployedOf, runConfig, type Deployment } from "../sdk/resolve.js";
import { bytecodeConstants, configConstants, dictionary } from "./dictionary.js";
import { cover, type Coverage, type Failure, type FuzzStep, type StepRecord } from "./types.js";

/** The accounts that act in a fuzz campaign besides the scenario's agents: they own nothing and may do anything. */
export const OUTSIDERS: readonly AgentSpec[] = [
  { id: "outsider-0", role: "outsider" },
  { id: "outsider-1", role: "outsider" },
];

export interface FuzzSessionSpec {
  readonly scenario: LoadedScenario;
  readonly params: object;
  readonly target: ChainTarget;
  /** Every account of the campaign (agents and outsiders), in a stable order; their variables are compared. */
  readonly agents: readonly AgentSpec[];
  readonly keys?: KeyRing;
  readonly startTime?: bigint;
}

/** One sequence in progress on both sides. */
export interface FuzzRun {
  /** The model's state: what a generator reads. */
  readonly world: unknown;
  /** The scenario's off-chain state (what its agents know that the contracts do not). */
  readonly offChain: unknown;
  readonly records: readonly StepRecord[];
  /** The model's compared variables after the last step (before any: after deployment). */
  readonly sample: Variables;
  /** The block time of the last step (the start time before any); on a chain that refuses equal timestamps, one second later. */
  readonly time: bigint;
  /**
   * Ids each account created: after a step that succeeded, every compared variable that grew by exactly one
   * (a count of offers, of exchanges) names an id its sender now owns, by the sender's account id.
   */
  readonly created: ReadonlyMap<string, readonly bigint[]>;
  /** Sends one step to both sides and checks them; the first failure, or undefined. */
  apply(step: FuzzStep): Promise<Failure | undefined>;
  /**
   * The model's outcome of `step` now: whether it accepts it, or the error it refuses it with. A model function
   * checks everything before it writes, so a refusal leaves the model as it was; an acceptance has applied it, and `step` must be the next one
   * sent (`apply` then sends it to the chain alone). What a generator uses to reach deep states.
   */
  probe(step: FuzzStep): Outcome;
}

export interface FuzzSession {
  readonly scenario: LoadedScenario;
  readonly params: object;
  readonly accounts: readonly Account[];
  readonly keys: KeyRing;
  readonly startTime: bigint;
  readonly deployment: Deployment;
  readonly deployed: Deployed<unknown>;
  /** Every account's and deployed instance's address (lower case) and its name: for printing a sequence. */
  readonly names: ReadonlyMap<string, string>;
  /**
   * The numbers of the configuration and of the deployed code (its PUSH constants), each sorted: bounds to try
   * arguments on (see dictionary.ts).
   */
  readonly constants: { readonly config: readonly bigint[]; readonly code: readonly bigint[] };
  /** `instance.function` of an Action: what coverage counts. */
  callOf(step: FuzzStep): string;
  /** Starts a sequence from the deployed state, counting outcomes into `coverage` when given. */
  start(coverage?: Coverage): Promise<FuzzRun>;
}

/** Deploys the scenario's mechanism once and prepares every account; sequences then start from that state. */
export async function openFuzzSession(spec: FuzzSessionSpec): Promise<FuzzSession> {
  const { scenario, params, target } = spec;
  if (target.kind !== "in-process") {
    throw new InternalError("sim fuzz runs on an in-process chain (it resets it to a snapshot for every sequence)");
  }
  const keys = spec.keys ?? createKeyRing();
  const startTime = spec.startTime ?? DEFAULT_START_TIME;
  const env = { startTime, keys };
  const definition = scenario.resolved.definition;
  const { backend: chain, deployment: opaque } = await scenario.mechanisms.chain(params as never, env, target);
  const deployment = opaque as Deployment;
  const config = runConfig(definition, params, env);
  const deployed = deployedOf(config, deployment, keys);
  const accounts: Account[] = spec.agents.map((a) => ({
    id: a.id,
    role: a.role,
    address: keys.addressOf(a.id),
    attrs: a.attrs ?? {},
  }));
  await chain.prepare(accounts);
  const provider = target.provider;
  // Whether the chain takes two blocks with one timestamp (Lockstep's networks do; a project's default may not):
  // where it does not, each step goes one second after the one before at least.
  const latest = await rpc<{ timestamp: string }>(provider, "eth_getBlockByNumber", ["latest", false]);
  let strictTime = false;
  try {
    await rpc(provider, "evm_setNextBlockTimestamp", [latest.timestamp]);
  } catch {
    strictTime = true;
  }
  const codes = await Promise.all(
    Object.values(deployment.addresses).map((a) => rpc<string>(provider, "eth_getCode", [a, "latest"])),
  );
  const constants = { config: dictionary(configConstants(config)), code: dictionary(...codes.map(bytecodeConstants)) };
  let snapshot = await rpc<string>(provider, "evm_snapshot");
  const comparisons = comparisonsOf(scenario, deployed, accounts);
  const invariants = scenario.mechanisms.invariants ?? {};
  const where = `Scenario ${scenario.name}`;

  const callOf = (step: FuzzStep): string => {
    const binding = definition.actions[step.action.kind];
    if (binding === undefined) return step.action.kind;
    const instance =
      typeof binding.contract === "string" ? binding.contract : binding.contract(step.action.args, deployed);
    return `${instance}.${binding.function}`;
  };

  const names = new Map<string, string>();
  for (const [instance, address] of Object.entries(deployment.addresses)) names.set(address.toLowerCase(), instance);
  for (const a of accounts) names.set(a.address.toLowerCase(), a.id);
  names.set("0x0000000000000000000000000000000000000000", "zero");
  return {
    scenario,
    params,
    names,
    constants,
    accounts,
    keys,
    startTime,
    deployment,
    deployed,
    callOf,
    async start(coverage) {
      await rpc(provider, "evm_revert", [snapshot]);
      snapshot = await rpc<string>(provider, "evm_snapshot");
      const model = await scenario.mechanisms.model(params as never, env, deployment);
      const offChain = deterministic(`${where} (its init)`, () =>
        scenario.init(params as never, (name) =>
          createRng({ seed: 0, scenario: scenario.name, stream: `fuzz/env/${name}` }),
        ),
      );
      return newRun(model, chain, offChain, coverage);
    },
  };

  function newRun(model: ModelBackend<unknown>, chainSide: ChainBackend, offChain: unknown, coverage?: Coverage) {
    const records: StepRecord[] = [];
    let time = startTime;
    let sample = model.sample(accounts);
    let probed: { given: FuzzStep; step: FuzzStep; outcome: Outcome } | undefined;
    /**
     * The step at a time the chain takes: never before the last one; on a chain that refuses two blocks with one
     * timestamp (a project's default network may), one second after it. The step as sent is the one recorded.
     */
    const onTime = (step: FuzzStep): FuzzStep => {
      const earliest = strictTime && records.length > 0 ? time + 1n : time;
      if (step.time >= earliest) return step;
      if (!strictTime) {
        throw new InternalError(`a fuzz step at ${step.time} comes after one at ${time}: time only moves forward`);
      }
      return { ...step, time: earliest };
    };
    const created = new Map<string, bigint[]>();
    const applyModel = (step: FuzzStep) =>
      deterministic(`${where}: the model of action ${step.action.kind}`, () =>
        model.apply(step.action, step.sender, step.time),
      );
    const run: FuzzRun = {
      world: model.world,
      offChain,
      records,
      get sample() {
        return sample;
      },
      get time() {
        return strictTime && records.length > 0 ? time + 1n : time;
      },
      created,
      async apply(given) {
        if (probed !== undefined && probed.given !== given) {
          throw new InternalError("a step the model accepted in a probe was not the next one sent");
        }
        const step = probed?.step ?? onTime(given);
        time = step.time;
        const index = records.length;
        const [c] = await chainSide.execute([{ action: step.action, sender: step.sender }], step.time);
        if (c!.timestamp !== step.time) {
          throw new InternalError(`the chain ran a step at ${c!.timestamp}, not at its time ${step.time}`);
        }
        const m = probed?.outcome ?? applyModel(step);
        probed = undefined;
        deterministic(`${where}: its observation of action ${step.action.kind}`, () =>
          scenario.observe?.(scenario.view(model.world, offChain), step.action, m, {
            params: params as never,
            step: 0,
            addressOf: (id) => keys.addressOf(id),
          }),
        );
        records.push({ step, model: m, chain: c! });
        if (coverage !== undefined) {
          const fn = callOf(step);
          cover(coverage.model, fn, m);
          cover(coverage.chain, fn, c!);
        }
        const difference = outcomeDifference(m, c!);
        if (difference !== undefined) {
          return {
            kind: "outcome",
            index,
            action: `${step.action.kind} by ${step.action.agent}`,
            ...difference,
          };
        }
        const chainVars = await chainSide.sample(accounts);
        const before = sample;
        sample = model.sample(accounts);
        if (m.ok) {
          for (const [name, v] of sample) {
            const was = before.get(name);
            if (typeof v === "bigint" && typeof was === "bigint" && v === was + 1n && v <= 1_000_000n) {
              let ids = created.get(step.action.agent);
              if (ids === undefined) created.set(step.action.agent, (ids = []));
              if (!ids.includes(v)) ids.push(v);
            }
          }
        }
        for (const [name, m2] of sample) {
          const cmp = comparisons(name);
          if (cmp === false) continue;
          const c2 = chainVars.get(name);
          if (c2 !== undefined && withinTolerance(m2, c2, cmp)) continue;
          return {
            kind: "variable",
            index,
            variable: name,
            model: encodeValue(m2),
            chain: c2 === undefined ? "(missing)" : encodeValue(c2),
          };
        }
        for (const [side, vars] of [
          ["chain", chainVars],
          ["model", sample],
        ] as const) {
          const broken = brokenInvariants(invariants, sampleReader(vars), side, index, sampleNames(vars));
          const first = broken[0];
          if (first !== undefined) {
            return { kind: "invariant", index, side, invariant: first.invariant, message: first.message };
          }
        }
        return undefined;
      },
      probe(given) {
        if (probed !== undefined) throw new InternalError("a probe while an accepted one waits to be sent");
        const step = onTime(given);
        const outcome = applyModel(step);
        if (outcome.ok) probed = { given, step, outcome };
        return outcome;
      },
    };
    return run;
  }
}

/**
 * How each variable is compared: the scenario's `compare` first (false skips it), else the
 * binding's own `compare`, else exactly.
 */
function comparisonsOf(
  scenario: LoadedScenario,
  deployed: Deployed<unknown>,
  accounts: readonly Account[],
): (name: string) => Comparison | false | undefined {
  const set = variableSet(scenario.resolved, deployed);
  const own = new Map<string, Comparison | undefined>();
  for (const [name, v] of set.globals) own.set(name, v.compare);
  for (const a of accounts) for (const [name, v] of set.perAccount) own.set(`${a.id}.${name}`, v.compare);
  const cache = new Map<string, Comparison | false | undefined>();
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    const c = scenario.compare?.(name) ?? own.get(name);
    cache.set(name, c);
    return c;
  };
}

export type { Address };
