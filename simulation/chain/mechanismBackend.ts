/**
 * The chain side of a run of a declared mechanism: each Action becomes the call its binding
 * names (calldata encoded from the ABI), a revert is decoded with the custom errors of every
 * deployed contract, and the compared variables are read in one batch per sample (storage
 * words located through the compiler's layout, and view calls), at the run's head.
 */
import type { Interface } from "ethers";
import { InternalError, UserError } from "../engine/errors.js";
import type { Account, Action, ChainBackend, Eip1193Provider, Outcome, Tick, Variables } from "../engine/types.js";
import type { ActionArgs, Deployed } from "../sdk/mechanism.js";
import { variableNamer, variableSet, unknownKind } from "../sdk/modelBackend.js";
import { argsByNameOf, eventsOf, functionOf, type Deployment, type ResolvedMechanism } from "../sdk/resolve.js";
import { functionEncoder } from "./encode.js";
import { rpc } from "./rpc.js";
import type { BatchTx, SentTx, StateRead, TxSender } from "./sender.js";
import {
  decodeRead,
  planVariable,
  readOf,
  type PlannedRead,
  type ReadTarget,
  type ResolvedRead,
} from "./variableReads.js";

interface CallPlan {
  readonly encode: (args: readonly unknown[]) => string;
  readonly byName: (args: ActionArgs, kind: string) => unknown[];
}

/**
 * Turns an Action into the call its binding names: the instance's address and the calldata,
 * encoded from the ABI (one encoder per instance and function, built on first use).
 */
export function actionEncoder<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  d: Deployed<C>,
  deployment: Deployment,
): (action: Action) => { to: string; data: string } {
  const definition = r.definition;
  // Calls: one plan per (instance, function), built on first use.
  const calls = new Map<string, CallPlan>();
  const callPlan = (instance: string, fn: string, kind: string): CallPlan => {
    const key = `${instance}\u0000${fn}`;
    let plan = calls.get(key);
    if (plan === undefined) {
      const artifact = deployment.artifacts[instance];
      if (artifact === undefined) {
        throw new UserError(
          `Action ${kind} of mechanism ${definition.name} calls instance ${instance}, which was not deployed ` +
            `(instances: ${Object.keys(deployment.artifacts).join(", ")}).`,
        );
      }
      const iface: Interface = r.iface(artifact);
      const fragment = functionOf(iface, fn, artifact, `action ${kind} of mechanism ${definition.name}`);
      plan = { encode: functionEncoder(iface, fragment.format()), byName: argsByNameOf(fragment) };
      calls.set(key, plan);
    }
    return plan;
  };
  return (action: Action): { to: string; data: string } => {
    const binding = definition.actions[action.kind];
    if (binding === undefined) throw unknownKind(action, Object.keys(definition.actions), definition.name);
    const instance = typeof binding.contract === "string" ? binding.contract : binding.contract(action.args, d);
    const plan = callPlan(instance, binding.function, action.kind);
    const args = binding.args ? binding.args(action.args, d) : plan.byName(action.args, action.kind);
    let data: string;
    try {
      data = plan.encode(args);
    } catch (e) {
      throw new UserError(
        `Action ${action.kind} of agent ${action.agent}: its arguments do not fit ${instance}.${binding.function} ` +
          `(${String((e as Error).message).split("\n")[0]}).`,
      );
    }
    return { to: deployment.addresses[instance]!, data };
  };
}

export async function createMechanismChainBackend<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  provider: Eip1193Provider,
  sender: TxSender,
  d: Deployed<C>,
  deployment: Deployment,
): Promise<ChainBackend> {
  const definition = r.definition;
  for (const artifact of Object.values(deployment.artifacts)) await r.load(artifact);
  const target = (instance: string): ReadTarget | undefined => {
    const artifact = deployment.artifacts[instance];
    if (artifact === undefined) return undefined;
    return {
      address: deployment.addresses[instance]!,
      iface: r.iface(artifact),
      layout: r.contract(artifact).layout,
      artifact,
    };
  };

  const encode = actionEncoder(r, d, deployment);
  // The declared events, decoded from each transaction's logs; nothing is decoded when none are declared.
  const events = await eventsOf(r, deployment);

  // Reads: each variable planned once; per-account reads resolved once per account.
  const set = variableSet(r, d);
  const names = variableNamer(set);
  const instanceRef = (name: string): bigint | undefined => {
    if (name === "deployer") return BigInt(d.deployer);
    const a = deployment.addresses[name];
    return a === undefined ? undefined : BigInt(a);
  };
  const refFor =
    (account: string | undefined, where: string) =>
    (name: string): bigint => {
      if (name === "account") {
        if (account === undefined) throw new UserError(`$account in ${where}: only account variables have an account.`);
        return BigInt(account);
      }
      const v = instanceRef(name);
      if (v === undefined) {
        throw new UserError(
          `$${name} in ${where}: no deployed instance ${name} (instances: ${Object.keys(deployment.addresses).join(", ")}).`,
        );
      }
      return v;
    };
  const globalReads: ResolvedRead[] = set.globals.map(([name, v]) => {
    const where = `variable ${name} of mechanism ${definition.name}`;
    return readOf(planVariable(v.chain, target, where), refFor(undefined, where), where);
  });
  const accountPlans: PlannedRead[] = set.perAccount.map(([name, v]) =>
    planVariable(v.chain, target, `account variable ${name} of mechanism ${definition.name}`),
  );
  const accountReads = new Map<string, ResolvedRead[]>();
  const readsOf = (address: string): ResolvedRead[] => {
    let reads = accountReads.get(address);
    if (reads === undefined) {
      reads = accountPlans.map((plan, i) => {
        const where = `account variable ${set.perAccount[i]![0]} of mechanism ${definition.name}`;
        return readOf(plan, refFor(address, where), where);
      });
      accountReads.set(address, reads);
    }
    return reads;
  };
  let sampleData: { accounts: readonly Account[]; reads: ResolvedRead[]; requests: StateRead[] } | undefined;

  return {
    async prepare(accounts) {
      await sender.prepare(accounts.map((a) => a.address));
    },
    async execute(batch: readonly { action: Action; sender: `0x${string}` }[], time: bigint, tick?: Tick) {
      const txs: BatchTx[] = batch.map(({ action, sender: from }) => ({
        from,
        call: encode(action),
        agent: action.agent,
        kind: action.kind,
      }));
      let sent: SentTx[];
      if (sender.sendBatch !== undefined) sent = await sender.sendBatch(txs, time, tick);
      else {
        sent = [];
        for (const { from, call } of txs) sent.push(await sender.send(from, call, time));
      }
      const errors = r.errors();
      return sent.map((tx): Outcome => ({
        ok: tx.ok,
        ...(tx.ok ? {} : { error: errors.decode(tx.revertData) }),
        ...(events !== undefined ? { events: tx.ok ? events.chain(tx.logs ?? []) : [] } : {}),
        // The block's own timestamp: where time is set it is `time`; where it is not, the model follows the chain.
        timestamp: tx.timestamp,
        txHash: tx.hash,
        gasUsed: tx.gasUsed,
        // Chain order (block, index in block), so the model applies a batch the chain reordered in the chain's order.
        ...(tx.transactionIndex !== undefined ? { order: (tx.blockNumber << 32n) | tx.transactionIndex } : {}),
      }));
    },
    async sample(accounts: readonly Account[]): Promise<Variables> {
      // The reads depend only on the account list, which a run keeps while it does not change: built once.
      if (sampleData?.accounts !== accounts) {
        const reads = [...globalReads];
        for (const a of accounts) reads.push(...readsOf(a.address));
        sampleData = { accounts, reads, requests: reads.map((x) => x.read) };
      }
      const answers = await sender.read(sampleData.requests);
      if (answers.length !== sampleData.reads.length) {
        throw new InternalError(
          `a sample of ${sampleData.reads.length} reads came back with ${answers.length} answers`,
        );
      }
      const list = names(accounts);
      const out: Variables = new Map();
      for (let i = 0; i < list.length; i++) out.set(list[i]!, decodeRead(sampleData.reads[i]!, answers[i]!));
      return out;
    },
    async describe() {
      const chainId = BigInt(await rpc<string>(provider, "eth_chainId"));
      const client = await rpc<string>(provider, "web3_clientVersion").catch(() => "unknown");
      return { chainId: Number(chainId), client };
    },
    async close() {},
  };
}
