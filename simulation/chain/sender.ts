import { InternalError } from "../engine/errors.js";
import type { Eip1193Provider } from "../engine/types.js";
import { createTraceReleaser } from "./edrMemory.js";
import { rpc, toQuantity, type Receipt } from "./rpc.js";
import { rpcBatchOf } from "./rpcBatch.js";

/** A mined transaction, successful or reverted. */
export interface SentTx {
  readonly hash: string;
  readonly ok: boolean;
  readonly gasUsed: bigint;
  readonly blockNumber: bigint;
  readonly timestamp: bigint;
  readonly revertData?: string;
  readonly contractAddress?: string;
  /** Position in its block, where several transactions share one (a batch). */
  readonly transactionIndex?: bigint;
  /** The receipt's logs (none for a revert), as the node gave them: decoded only where a mechanism declares events. */
  readonly logs?: Receipt["logs"];
}

/** One transaction of a substep's batch, with the Action it carries (a remote sender journals both). */
export interface BatchTx {
  readonly from: string;
  readonly call: { readonly to?: string; readonly data: string };
  readonly agent?: string;
  readonly kind?: string;
}

/** A read of the chain's state: a storage word, or a view call's return data. */
export type StateRead =
  | { readonly kind: "storage"; readonly at: string; readonly slot: string }
  | { readonly kind: "call"; readonly to: string; readonly data: string };

/** Where a batch belongs in the run. */
export interface BatchPlace {
  readonly step: number;
  readonly substep: string;
}

/**
 * How transactions reach a chain. The in-process sender below unlocks any account and
 * sets each block's timestamp; a remote sender signs, manages nonces and waits for
 * confirmations. Everything above it (deployment, actions, sampling) is the same.
 */
export interface TxSender {
  readonly canWarpTime: boolean;
  prepare(addresses: readonly string[]): Promise<void>;
  /** Sends and waits for the receipt; `at` is the block timestamp to use where time can be set. */
  send(from: string, call: { readonly to?: string; readonly data: string }, at?: bigint): Promise<SentTx>;
  call(to: string, data: string): Promise<string>;
  /**
   * The state at the run's head: each storage read's word (as 0x hex) and each call's return
   * data, in order, all of one block, in as few requests as the chain allows.
   */
  read(reads: readonly StateRead[]): Promise<string[]>;
  /**
   * Sends a substep's transactions at (or, where time cannot be set, after) `at` and waits for all of them; one
   * SentTx per BatchTx, same order. Optional: without it, `send` is called once per transaction.
   */
  sendBatch?(txs: readonly BatchTx[], at: bigint, place?: BatchPlace): Promise<SentTx[]>;
}

/** Gas limit of every transaction: above any single action's need, so a revert is the contract's, never out-of-gas. */
export const TX_GAS_LIMIT = 15_000_000n;
/**
 * Fee caps sent with every in-process transaction. Given explicitly, they spare Hardhat's
 * automatic gas-price lookup (an extra call per transaction, a fifth of the throughput).
 */
const MAX_FEE_PER_GAS = toQuantity(100n * 10n ** 9n);
const MAX_PRIORITY_FEE_PER_GAS = "0x0";
/**
 * Transactions per block when a substep is mined in blocks. It bounds what a revert's
 * `debug_traceTransaction` replays and the traces one `evm_mine` answer carries; a substep
 * has 16 transactions on average in boson-commerce (73 at most in 60 steps).
 */
const BLOCK_TXS = 32;
/** Ether given to each in-process account for gas (1,000,000 ETH). */
const IN_PROCESS_BALANCE = 10n ** 24n;

interface ProviderErrorShape {
  readonly transactionHash?: unknown;
  readonly data?: unknown;
  readonly message?: unknown;
}

/**
 * Hardhat's in-process network: impersonated accounts, every block at a set timestamp. A
 * lone transaction is automined in a block of its own; a substep's batch is mined in blocks
 * of up to BLOCK_TXS transactions (`sendBatch`).
 */
export function createInProcessSender(
  provider: Eip1193Provider,
  /** Send a block's calls as EDR batches where the provider allows (see rpcBatch.ts); false: one `request` each. */
  options: { readonly batches?: boolean } = {},
): TxSender {
  const batch = rpcBatchOf(provider, options.batches ?? true);
  const gas = toQuantity(TX_GAS_LIMIT);
  const request = (from: string, call: { readonly to?: string; readonly data: string }): object => ({
    from,
    ...call,
    gas,
    maxFeePerGas: MAX_FEE_PER_GAS,
    maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
  });
  const traces = createTraceReleaser();
  /** The block gas limit this sender raised the chain to (0: never raised). */
  let blockGasLimit = 0n;

  const send = async (
    from: string,
    call: { readonly to?: string; readonly data: string },
    at?: bigint,
  ): Promise<SentTx> => {
    if (at !== undefined) await rpc(provider, "evm_setNextBlockTimestamp", [toQuantity(at)]);
    let hash: string;
    let revertData: string | undefined;
    try {
      hash = await rpc<string>(provider, "eth_sendTransaction", [request(from, call)]);
    } catch (e) {
      // Hardhat mines a reverting transaction, then throws with its hash and revert data.
      const err = e as ProviderErrorShape;
      if (typeof err.transactionHash !== "string") throw e;
      hash = err.transactionHash;
      revertData = typeof err.data === "string" ? err.data : "0x";
    }
    const receipt = await rpc<Receipt>(provider, "eth_getTransactionReceipt", [hash]);
    traces.executed(BigInt(receipt.gasUsed));
    return {
      hash,
      ok: receipt.status === "0x1",
      gasUsed: BigInt(receipt.gasUsed),
      blockNumber: BigInt(receipt.blockNumber),
      timestamp: at ?? 0n,
      ...(revertData !== undefined ? { revertData } : {}),
      ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress.toLowerCase() } : {}),
      ...(receipt.logs !== undefined ? { logs: receipt.logs } : {}),
    };
  };

  /** Raises the block gas limit, if needed, so that `n` transactions fit in a block even if each used its whole limit. */
  const fitBlock = async (n: number): Promise<void> => {
    const needed = BigInt(n) * TX_GAS_LIMIT;
    if (needed <= blockGasLimit) return;
    const latest = await rpc<{ gasLimit: string }>(provider, "eth_getBlockByNumber", ["latest", false]);
    blockGasLimit = BigInt(latest.gasLimit);
    if (needed <= blockGasLimit) return;
    await rpc(provider, "evm_setBlockGasLimit", [toQuantity(needed)]);
    blockGasLimit = needed;
  };

  /**
   * Transactions as one block: automine off, queued in order, one `evm_mine` at `at`,
   * automine back on, all in one batch; then the receipts in another. With equal tips the
   * mempool keeps insertion order, so the block runs them in that order, each on the state
   * the previous one left, at the substep's timestamp:
   * the outcomes and gas of one block per transaction, for one block's work (one state root)
   * and no timestamp call per transaction. A transaction that did not fit the block's gas
   * would be left out with its sender's later ones, reordering them: the block gas limit is
   * raised first to hold every transaction at its full limit, and each receipt's place is
   * checked. Receipts carry no revert data: a reverted transaction's comes from
   * `debug_traceTransaction`, which replays the block up to it (reverts are rare).
   */
  const mineBlock = async (txs: readonly BatchTx[], at: bigint): Promise<SentTx[]> => {
    await fitBlock(txs.length);
    let hashes: string[];
    try {
      const results = await batch([
        { method: "evm_setAutomine", params: [false] },
        ...txs.map(({ from, call }) => ({ method: "eth_sendTransaction", params: [request(from, call)] })),
        { method: "evm_mine", params: [toQuantity(at)] },
        { method: "evm_setAutomine", params: [true] },
      ]);
      hashes = results.slice(1, 1 + txs.length) as string[];
    } catch (e) {
      // The batch stopped at the call that failed: nothing queued may ride along with the next
      // automined transaction, and automine must be back on.
      const pending = await rpc<{ hash: string }[]>(provider, "eth_pendingTransactions");
      for (const { hash } of pending) await rpc(provider, "hardhat_dropTransaction", [hash]);
      await rpc(provider, "evm_setAutomine", [true]);
      throw e;
    }
    const receipts = (await batch(
      hashes.map((hash) => ({ method: "eth_getTransactionReceipt", params: [hash] })),
    )) as (Receipt | null)[];
    const sent: SentTx[] = [];
    let block: string | undefined;
    for (const [i, hash] of hashes.entries()) {
      const receipt = receipts[i] ?? null;
      block ??= receipt?.blockNumber;
      if (receipt === null || receipt.blockNumber !== block || BigInt(receipt.transactionIndex) !== BigInt(i)) {
        throw new InternalError(
          `transaction ${i} of ${hashes.length} (${hash}) was not mined at index ${i} of one block`,
        );
      }
      const ok = receipt.status === "0x1";
      sent.push({
        hash,
        ok,
        gasUsed: BigInt(receipt.gasUsed),
        blockNumber: BigInt(receipt.blockNumber),
        timestamp: at,
        transactionIndex: BigInt(i),
        ...(ok ? {} : { revertData: await revertDataOf(provider, hash) }),
        ...(receipt.logs !== undefined ? { logs: receipt.logs } : {}),
      });
    }
    traces.executed(sent.reduce((sum, tx) => sum + tx.gasUsed, 0n));
    return sent;
  };

  return {
    canWarpTime: true,
    async prepare(addresses) {
      await batch(
        addresses.flatMap((a) => [
          { method: "hardhat_impersonateAccount", params: [a] },
          { method: "hardhat_setBalance", params: [a, toQuantity(IN_PROCESS_BALANCE)] },
        ]),
      );
    },
    send,
    /**
     * A substep in blocks of up to BLOCK_TXS transactions, all at `at` (see `mineBlock`);
     * a lone transaction is automined as by `send`.
     */
    async sendBatch(txs, at) {
      if (txs.length === 0) return [];
      if (txs.length === 1) return [await send(txs[0]!.from, txs[0]!.call, at)];
      const sent: SentTx[] = [];
      for (let start = 0; start < txs.length; start += BLOCK_TXS) {
        sent.push(...(await mineBlock(txs.slice(start, start + BLOCK_TXS), at)));
      }
      return sent;
    },
    async call(to, data) {
      const result = await rpc<string>(provider, "eth_call", [{ to, data }, "latest"]);
      traces.answered();
      return result;
    },
    async read(reads) {
      if (reads.length === 0) return [];
      const answers = await batch(
        reads.map((r) =>
          r.kind === "storage"
            ? { method: "eth_getStorageAt", params: [r.at, r.slot, "latest"] }
            : { method: "eth_call", params: [{ to: r.to, data: r.data }, "latest"] },
        ),
      );
      traces.answered();
      return answers as string[];
    },
  };
}

/** A mined, reverted transaction's revert data, from the struct logger's return value (Hardhat gives it without 0x). */
async function revertDataOf(provider: Eip1193Provider, hash: string): Promise<string> {
  const trace = await rpc<{ returnValue?: unknown }>(provider, "debug_traceTransaction", [
    hash,
    { disableStorage: true, disableMemory: true, disableStack: true },
  ]);
  const value = typeof trace.returnValue === "string" ? trace.returnValue : "";
  return value.startsWith("0x") ? value : `0x${value}`;
}
