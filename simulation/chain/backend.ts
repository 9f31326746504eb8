import type { Account, Action, ChainBackend, Outcome, Tick } from "../engine/types.js";
import type { SystemAddresses, SystemConfig } from "../model/system.js";
import { toVariables } from "../model/variables.js";
import { callContextFor, encodeAction } from "./calls.js";
import { ERRORS } from "./contracts.js";
import { rpc } from "./rpc.js";
import { InternalError } from "../engine/errors.js";
import { encodeSampleCall, inLayout, samplePlan, slotReads, type SamplePlan } from "./storage.js";
import type { BatchTx, SentTx, SlotRead, TxSender } from "./sender.js";
import type { Eip1193Provider } from "../engine/types.js";

/**
 * How a step's state is read; both read the same storage slots (storage.ts), checked against
 * the contracts' getters by test/chain/storage.test.ts.
 * - "lens": one `eth_call` to the Lens, which reads the slots through each contract's
 *   `extsload`. One request on any JSON-RPC chain, where a request is what costs.
 * - "storage": the sender's `readSlots`, one batch of `eth_getStorageAt` on Hardhat's
 *   in-process chain (rpcBatch.ts). There a request costs little and EVM execution is what
 *   costs: EDR records every step of an `eth_call` (9,000 for 86 agents' Lens sample) and
 *   frees the record later, and a step's sample took longer than the same words read directly
 *   (boson-commerce, 24 steps: 95-150 ms of sampling a run against 73-83 ms).
 * The default is "storage" where the sender offers it, else "lens".
 */
export type SampleBy = "lens" | "storage";

/** The chain side of a run on the deployed system: Actions become transactions, state is read by storage slot. */
export function createChainBackend(
  provider: Eip1193Provider,
  sender: TxSender,
  config: SystemConfig,
  addresses: SystemAddresses,
  sampleBy: SampleBy = sender.readSlots !== undefined ? "storage" : "lens",
): ChainBackend {
  const releaseNames = config.releases.map((r) => r.name);
  const ctx = callContextFor(config, addresses);
  const readSlots = sender.readSlots?.bind(sender);
  if (sampleBy === "storage" && readSlots === undefined) {
    throw new InternalError("sampling by storage reads needs a sender that reads slots");
  }
  let sampleData:
    { accounts: readonly Account[]; data: string; reads: SlotRead[]; ids: string[]; plan: SamplePlan } | undefined;
  return {
    async prepare(accounts) {
      await sender.prepare(accounts.map((a) => a.address));
    },
    async execute(batch: readonly { action: Action; sender: `0x${string}` }[], time: bigint, tick?: Tick) {
      const txs: BatchTx[] = batch.map(({ action, sender: from }) => ({
        from,
        call: encodeAction(ctx, action),
        agent: action.agent,
        kind: action.kind,
      }));
      let sent: SentTx[];
      if (sender.sendBatch !== undefined) sent = await sender.sendBatch(txs, time, tick);
      else {
        sent = [];
        for (const { from, call } of txs) sent.push(await sender.send(from, call, time));
      }
      return sent.map((tx): Outcome => ({
        ok: tx.ok,
        ...(tx.ok ? {} : { error: ERRORS.decode(tx.revertData) }),
        // The block's own timestamp: where time is set it is `time`; where it is not, the model follows the chain.
        timestamp: tx.timestamp,
        txHash: tx.hash,
        gasUsed: tx.gasUsed,
        // Chain order (block, index in block), so the model applies a batch the chain reordered in the chain's order.
        ...(tx.transactionIndex !== undefined ? { order: (tx.blockNumber << 32n) | tx.transactionIndex } : {}),
      }));
    },
    async sample(accounts: readonly Account[]) {
      // The Lens calldata and the storage reads depend only on the account list, which a run keeps: built once.
      if (sampleData?.accounts !== accounts) {
        const plan = samplePlan(addresses, accounts);
        sampleData = {
          accounts,
          plan,
          data: sampleBy === "lens" ? encodeSampleCall(plan) : "",
          reads: sampleBy === "storage" ? slotReads(plan) : [],
          ids: accounts.map((a) => a.id),
        };
      }
      const words =
        sampleBy === "lens"
          ? decodeUintArray(await sender.call(addresses.lens, sampleData.data))
          : await readSlots!(sampleData.reads);
      return toVariables(inLayout(sampleData.plan, words), releaseNames, sampleData.ids);
    },
    async describe() {
      const chainId = BigInt(await rpc<string>(provider, "eth_chainId"));
      const client = await rpc<string>(provider, "web3_clientVersion").catch(() => "unknown");
      return { chainId: Number(chainId), client };
    },
    async close() {},
  };
}

/**
 * Decodes an ABI-encoded `uint256[]` return value (offset, length, words). Written out
 * because the generic decoder costs more than the call itself on a 2,000-word sample.
 */
export function decodeUintArray(hex: string): bigint[] {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const word = (i: number): string => body.slice(i * 64, (i + 1) * 64);
  const offsetWords = Number(BigInt("0x" + word(0)) / 32n);
  const length = Number(BigInt("0x" + word(offsetWords)));
  if (body.length < (offsetWords + 1 + length) * 64) {
    throw new Error(`Lens returned ${body.length / 2} bytes, too few for ${length} words (this is a bug in Lockstep).`);
  }
  const out = new Array<bigint>(length);
  for (let i = 0; i < length; i++) out[i] = BigInt("0x" + word(offsetWords + 1 + i));
  return out;
}
