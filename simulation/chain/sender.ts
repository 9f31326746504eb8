import type { Eip1193Provider } from "../engine/types";
import { rpc, toQuantity, type Receipt } from "./rpc";

/** A mined transaction, successful or reverted. */
export interface SentTx {
  readonly hash: string;
  readonly ok: boolean;
  readonly gasUsed: bigint;
  readonly blockNumber: bigint;
  readonly timestamp: bigint;
  readonly revertData?: string;
  readonly contractAddress?: string;
  /** Position in its block, where several transactions share one (remote chains). */
  readonly transactionIndex?: bigint;
}

/** One transaction of a substep's batch, with the Action it carries (a remote sender journals both). */
export interface BatchTx {
  readonly from: string;
  readonly call: { readonly to?: string; readonly data: string };
  readonly agent?: string;
  readonly kind?: string;
}

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
/** Ether given to each in-process account for gas (1,000,000 ETH). */
const IN_PROCESS_BALANCE = 10n ** 24n;

interface ProviderErrorShape {
  readonly transactionHash?: unknown;
  readonly data?: unknown;
  readonly message?: unknown;
}

/** Hardhat's in-process network: impersonated accounts, automine, one block per transaction at a set timestamp. */
export function createInProcessSender(provider: Eip1193Provider): TxSender {
  const gas = toQuantity(TX_GAS_LIMIT);
  return {
    canWarpTime: true,
    async prepare(addresses) {
      for (const a of addresses) {
        await rpc(provider, "hardhat_impersonateAccount", [a]);
        await rpc(provider, "hardhat_setBalance", [a, toQuantity(IN_PROCESS_BALANCE)]);
      }
    },
    async send(from, call, at) {
      if (at !== undefined) await rpc(provider, "evm_setNextBlockTimestamp", [toQuantity(at)]);
      let hash: string;
      let revertData: string | undefined;
      try {
        hash = await rpc<string>(provider, "eth_sendTransaction", [
          { from, ...call, gas, maxFeePerGas: MAX_FEE_PER_GAS, maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS },
        ]);
      } catch (e) {
        // Hardhat mines a reverting transaction, then throws with its hash and revert data.
        const err = e as ProviderErrorShape;
        if (typeof err.transactionHash !== "string") throw e;
        hash = err.transactionHash;
        revertData = typeof err.data === "string" ? err.data : "0x";
      }
      const receipt = await rpc<Receipt>(provider, "eth_getTransactionReceipt", [hash]);
      return {
        hash,
        ok: receipt.status === "0x1",
        gasUsed: BigInt(receipt.gasUsed),
        blockNumber: BigInt(receipt.blockNumber),
        timestamp: at ?? 0n,
        ...(revertData !== undefined ? { revertData } : {}),
        ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress.toLowerCase() } : {}),
      };
    },
    async call(to, data) {
      return rpc<string>(provider, "eth_call", [{ to, data }, "latest"]);
    },
  };
}
