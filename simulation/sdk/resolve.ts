/**
 * A declared mechanism made runnable: its contracts read from the project's artifacts, its
 * actions checked against their ABIs, and the engine's `Mechanisms` built on top (deploy on a
 * chain target, or predict the addresses a fresh chain would give, and build the model). The
 * engine knows nothing of the declaration; this is the one place that does.
 */
import { getCreateAddress, Interface, keccak256, type FunctionFragment } from "ethers";
import type { CompiledContract, ContractSource } from "../chain/artifacts.js";
import { createErrorDecoder, type ErrorDecoder } from "../chain/errors.js";
import { createMechanismChainBackend } from "../chain/mechanismBackend.js";
import { remoteSenderOf } from "../chain/remote.js";
import { createInProcessSender, type TxSender } from "../chain/sender.js";
import type { KeyRing } from "../engine/accounts.js";
import { InternalError, UserError } from "../engine/errors.js";
import { scaleDurations } from "../engine/timeScale.js";
import type { Mechanisms, SystemEnv } from "../engine/types.js";
import type { ActionArgs, Address, Deployed, DeployContext, MechanismDefinition } from "./mechanism.js";
import { createMechanismModelBackend } from "./modelBackend.js";
import { declaredEvents, type DeclaredEvents } from "./events.js";

/** The account that deploys a mechanism: a key-ring id like any agent's. */
export const DEPLOYER_ID = "deployer";

/** What a run records of a deployment, and what the model of a lockstep run is built from. */
export interface Deployment {
  readonly addresses: Readonly<Record<string, Address>>;
  /** Each instance's artifact name. */
  readonly artifacts: Readonly<Record<string, string>>;
  readonly deployer: Address;
}

/** A mechanism whose contracts are loaded (more load as a run deploys them) and checked. */
export interface ResolvedMechanism<P, C, M> {
  readonly definition: MechanismDefinition<P, C, M>;
  readonly mechanisms: Mechanisms<P, M>;
  /** Loads an artifact (once); the synchronous accessors below need it loaded. */
  load(artifact: string): Promise<void>;
  contract(artifact: string): CompiledContract;
  iface(artifact: string): Interface;
  /** Decodes reverts with the custom errors of every artifact loaded so far. */
  errors(): ErrorDecoder;
  /** keccak256 of each loaded artifact's creation bytecode, by artifact name: which code a run deploys. */
  bytecodeHashes(): Record<string, string>;
}

const INSTANCE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The events `definition.events` declares, over a deployment's instances (their artifacts loaded first); undefined
 * when it declares none, so that nothing is decoded or kept.
 */
export async function eventsOf<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  deployment: Deployment,
): Promise<DeclaredEvents | undefined> {
  const patterns = r.definition.events;
  if (patterns === undefined || patterns.length === 0) return undefined;
  const instances = [];
  for (const [name, artifact] of Object.entries(deployment.artifacts)) {
    await r.load(artifact);
    instances.push({ name, artifact, address: deployment.addresses[name]!, iface: r.iface(artifact) });
  }
  return declaredEvents(patterns, instances, r.definition.name);
}

/** Loads the artifacts the mechanism names and checks its actions' functions against their ABIs. */
export async function resolveMechanism<P, C, M>(
  definition: MechanismDefinition<P, C, M>,
  source: ContractSource,
): Promise<ResolvedMechanism<P, C, M>> {
  const where = `mechanism ${definition.name}`;
  const compiled = new Map<string, CompiledContract>();
  const ifaces = new Map<string, Interface>();
  let decoder: ErrorDecoder | undefined;
  const load = async (artifact: string): Promise<void> => {
    if (compiled.has(artifact)) return;
    const c = await source.contract(artifact);
    compiled.set(artifact, c);
    ifaces.set(artifact, new Interface(c.abi as never));
    decoder = undefined;
  };
  for (const [instance, artifact] of Object.entries(definition.contracts)) {
    if (!INSTANCE_NAME.test(instance)) {
      throw new UserError(
        `Invalid instance name ${JSON.stringify(instance)} in contracts of ${where}: expected letters, digits, _ and -.`,
      );
    }
    await load(artifact);
  }
  for (const [kind, binding] of Object.entries(definition.actions)) {
    if (typeof binding.contract !== "string") continue;
    const artifact = definition.contracts[binding.contract];
    if (artifact === undefined) continue; // an instance `deploy` names itself: checked when first called
    functionOf(ifaces.get(artifact)!, binding.function, artifact, `action ${kind} of ${where}`);
  }
  const r: Omit<ResolvedMechanism<P, C, M>, "mechanisms"> = {
    definition,
    load,
    contract: (artifact) => compiled.get(artifact) ?? notLoaded(artifact),
    iface: (artifact) => ifaces.get(artifact) ?? notLoaded(artifact),
    errors: () => (decoder ??= createErrorDecoder([...compiled.values()].map((c) => c.abi as never))),
    bytecodeHashes: () => {
      const out: Record<string, string> = {};
      for (const [artifact, c] of compiled) if (c.bytecode !== "0x") out[artifact] = keccak256(c.bytecode);
      return out;
    },
  };
  const resolved = r as ResolvedMechanism<P, C, M>;
  (resolved as { mechanisms: Mechanisms<P, M> }).mechanisms = mechanismsOf(resolved);
  return resolved;
}

function notLoaded(artifact: string): never {
  throw new InternalError(`artifact ${artifact} was used before it was loaded`);
}

/** The function `name` (or a signature) of an ABI, or a UserError saying what there is. */
export function functionOf(iface: Interface, name: string, artifact: string, where: string): FunctionFragment {
  const named = iface.fragments.filter(
    (f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).name === name,
  );
  if (named.length > 1) {
    throw new UserError(
      `Function ${name} of ${artifact} in ${where} is overloaded: give its signature (${named.map((f) => f.format()).join(", ")}).`,
    );
  }
  let fn: FunctionFragment | null = null;
  try {
    fn = iface.getFunction(name);
  } catch {
    fn = null;
  }
  if (fn === null) {
    const names = [
      ...new Set(iface.fragments.filter((f) => f.type === "function").map((f) => (f as FunctionFragment).name)),
    ];
    throw new UserError(`${artifact} has no function ${name} (in ${where}); it has ${names.join(", ") || "none"}.`);
  }
  return fn;
}

/** The configuration of a run: the mechanism's `config` of the parameters, durations scaled for the chain's clock. */
export function runConfig<P, C, M>(definition: MechanismDefinition<P, C, M>, params: P, env: SystemEnv): C {
  const config = definition.config ? definition.config(params, { startTime: env.startTime }) : (params as unknown as C);
  return scaleDurations(config, env.timeScale);
}

function instanceArtifact(
  definition: MechanismDefinition<never, unknown, unknown>,
  name: string,
  given?: string,
): string {
  if (!INSTANCE_NAME.test(name)) {
    throw new UserError(
      `deploy("${name}") in mechanism ${definition.name}: instance names take letters, digits, _ and -.`,
    );
  }
  const artifact = given ?? definition.contracts[name];
  if (artifact === undefined) {
    throw new UserError(
      `deploy("${name}") in mechanism ${definition.name}: no artifact for instance ${name} ` +
        `(name it in contracts, or pass { artifact }).`,
    );
  }
  return artifact;
}

function unknownInstance(mechanism: string, name: string): never {
  throw new UserError(`Mechanism ${mechanism}: no instance ${name} was deployed before it was asked for.`);
}

/**
 * The deployment `deploy` makes, without a chain: each account's nonce counts its deployments
 * and setup transactions from zero (a fresh chain's), so the addresses follow Ethereum's rule.
 */
export async function predictDeployment<P, C, M>(
  definition: MechanismDefinition<P, C, M>,
  config: C,
  keys: KeyRing,
): Promise<Deployment> {
  const deployer = keys.addressOf(DEPLOYER_ID);
  const nonces = new Map<string, number>();
  const bump = (from: Address): number => {
    const n = nonces.get(from) ?? 0;
    nonces.set(from, n + 1);
    return n;
  };
  const addresses: Record<string, Address> = {};
  const artifacts: Record<string, string> = {};
  const sender = (from: string | undefined): Address => (from !== undefined ? keys.addressOf(from) : deployer);
  const ctx: DeployContext<C> = {
    config,
    deployer,
    account: (id) => keys.addressOf(id),
    async deploy(name, _args, options) {
      const artifact = instanceArtifact(definition as never, name, options?.artifact);
      const from = sender(options?.from);
      const address = getCreateAddress({ from, nonce: bump(from) }).toLowerCase() as Address;
      addresses[name] = address;
      artifacts[name] = artifact;
      return address;
    },
    async send(_name, _fn, _args, options) {
      bump(sender(options?.from));
    },
    address: (name) => addresses[name] ?? unknownInstance(definition.name, name),
  };
  await definition.deploy(ctx);
  return { addresses, artifacts, deployer };
}

/** Deploys on a chain through `sender`, in `deploy`'s order; every setup transaction must succeed. */
export async function deployOnChain<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  config: C,
  sender: TxSender,
  keys: KeyRing,
): Promise<Deployment> {
  const definition = r.definition;
  const deployer = keys.addressOf(DEPLOYER_ID);
  const addresses: Record<string, Address> = {};
  const artifacts: Record<string, string> = {};
  const prepared = new Set<string>();
  const from = async (id: string | undefined): Promise<Address> => {
    const a = id !== undefined ? keys.addressOf(id) : deployer;
    if (!prepared.has(a)) {
      prepared.add(a);
      await sender.prepare([a]);
    }
    return a;
  };
  const reverted = (what: string, revertData: string | undefined): UserError => {
    const error = r.errors().decode(revertData);
    return new UserError(`${what} in mechanism ${definition.name} reverted: ${error.name}(${error.args.join(", ")}).`);
  };
  const ctx: DeployContext<C> = {
    config,
    deployer,
    account: (id) => keys.addressOf(id),
    async deploy(name, args = [], options) {
      const artifact = instanceArtifact(definition as never, name, options?.artifact);
      await r.load(artifact);
      const compiled = r.contract(artifact);
      if (compiled.bytecode === "0x") {
        throw new UserError(
          `${artifact} has no bytecode (an interface or an abstract contract): it cannot be deployed.`,
        );
      }
      let data: string;
      try {
        data =
          compiled.bytecode +
          r
            .iface(artifact)
            .encodeDeploy(args as unknown[])
            .slice(2);
      } catch (e) {
        throw new UserError(
          `deploy("${name}") in mechanism ${definition.name}: the arguments do not fit ${artifact}'s constructor ` +
            `(${String((e as Error).message).split("\n")[0]}).`,
        );
      }
      const sent = await sender.send(await from(options?.from), { data });
      if (!sent.ok || sent.contractAddress === undefined)
        throw reverted(`Deploying ${name} (${artifact})`, sent.revertData);
      const address = sent.contractAddress.toLowerCase() as Address;
      addresses[name] = address;
      artifacts[name] = artifact;
      return address;
    },
    async send(name, fn, args = [], options) {
      const to = addresses[name] ?? unknownInstance(definition.name, name);
      const artifact = artifacts[name]!;
      const iface = r.iface(artifact);
      const fragment = functionOf(iface, fn, artifact, `a setup transaction of mechanism ${definition.name}`);
      let data: string;
      try {
        data = iface.encodeFunctionData(fragment, args as unknown[]);
      } catch (e) {
        throw new UserError(
          `The setup transaction ${name}.${fn} of mechanism ${definition.name}: the arguments do not fit ` +
            `${fragment.format()} (${String((e as Error).message).split("\n")[0]}).`,
        );
      }
      const sent = await sender.send(await from(options?.from), { to, data });
      if (!sent.ok) throw reverted(`The setup transaction ${name}.${fn}`, sent.revertData);
    },
    address: (name) => addresses[name] ?? unknownInstance(definition.name, name),
  };
  await definition.deploy(ctx);
  return { addresses, artifacts, deployer };
}

export function deployedOf<C>(config: C, deployment: Deployment, keys: KeyRing): Deployed<C> {
  return {
    config,
    addresses: deployment.addresses,
    deployer: deployment.deployer,
    account: (id) => keys.addressOf(id),
  };
}

function mechanismsOf<P, C, M>(r: ResolvedMechanism<P, C, M>): Mechanisms<P, M> {
  const definition = r.definition;
  return {
    ...(definition.invariants !== undefined ? { invariants: definition.invariants } : {}),
    config: (params, startTime) => runConfig(definition, params, { startTime, keys: undefined as never }),
    async chain(params, env, target) {
      if (target.kind === "in-process") await target.fresh();
      const sender = target.kind === "remote" ? remoteSenderOf(target) : createInProcessSender(target.provider);
      const config = runConfig(definition, params, env);
      const deployment = await deployOnChain(r, config, sender, env.keys);
      const deployed = deployedOf(config, deployment, env.keys);
      const backend = await createMechanismChainBackend(r, target.provider, sender, deployed, deployment);
      return { backend, deployment };
    },
    async model(params, env, deployment) {
      const config = runConfig(definition, params, env);
      const d = (deployment as Deployment | undefined) ?? (await predictDeployment(definition, config, env.keys));
      // Events are compared with a chain's: a model built on a chain's deployment keeps them, a model alone does not.
      const events = deployment !== undefined ? await eventsOf(r, d) : undefined;
      return createMechanismModelBackend(r, deployedOf(config, d, env.keys), events);
    },
  };
}

/**
 * The Action's arguments in the order of `fragment`'s parameters, by their ABI names: what a
 * binding without `args` sends. A missing one is the scenario's mistake, said in one line.
 */
export function argsByNameOf(fragment: FunctionFragment): (args: ActionArgs, kind: string) => unknown[] {
  const names = fragment.inputs.map((p) => p.name);
  return (args, kind) =>
    names.map((name, i) => {
      const value = args[name];
      if (value === undefined) {
        throw new UserError(
          `Action ${kind} has no argument ${name === "" ? `#${i}` : name}: ${fragment.format("full")} takes ` +
            `${names.map((n) => n || "(unnamed)").join(", ")} (or give its binding an args function).`,
        );
      }
      return value;
    });
}
