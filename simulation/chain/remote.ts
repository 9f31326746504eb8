/**
 * The remote TxSender: transactions to any JSON-RPC endpoint (a Hardhat node, a public
 * testnet), signed here with each account's key from the KeyRing.
 *
 * - Nonces: one counter per account, the pending nonce fetched once and then kept locally
 *   (never below what the journal already used); resynchronised on "nonce too low".
 * - Journal first: every signed transaction is appended to the journal and fsynced before
 *   it is broadcast. A send the journal already holds (a resumed run) is never signed
 *   again: the sender waits for that transaction, rebroadcasting the same raw bytes (same
 *   hash, same nonce) if the node forgot it.
 * - Time: in warp mode (the node accepts evm_setNextBlockTimestamp) a substep's
 *   transactions go one after another, each block at the substep's timestamp, exactly as
 *   in-process, so a remote run reproduces the in-process trace. In wall-clock mode the
 *   sender waits until the chain's time reaches the substep's, then signs and journals the
 *   whole substep, broadcasts it in batch order (priority tips decreasing along the batch,
 *   so a builder ordering by tip keeps the order) and awaits the receipts concurrently: a
 *   substep costs about one block, not one block per transaction.
 * - Gas: estimated (with headroom, under a cap); a call that reverts in estimation is
 *   still sent, with the largest gas its kind used in the dry run (or a fallback), so the
 *   chain's own outcome is recorded; one that runs out of the gas we gave it is sent
 *   again with the cap (our limit, not the contract, failed it).
 * - Reverts: from the node's answer to the send (Hardhat), else debug_traceTransaction
 *   (callTracer, then the default tracer), else eth_call at the parent block.
 */
import { keccak256, Transaction, Wallet } from "ethers";
import { InternalError, LockstepError } from "../engine/errors.js";
import type { ChainTarget, Eip1193Provider } from "../engine/types.js";
import { Journal, JournalError, type JournalFunding, type JournalTx } from "./journal.js";
import { type JsonRpcClient, RpcResponseError, sleep } from "./jsonRpc.js";
import { rpc, toQuantity, type Receipt } from "./rpc.js";
import type { BatchPlace, BatchTx, SentTx, TxSender } from "./sender.js";

export type TimeMode = "warp" | "wall-clock";

/** A failure of the chain side of a remote run (not bad input, not a bug): it can be resumed. */
export class RemoteError extends LockstepError {}

/** What a first look at the endpoint tells. */
export interface ChainProbe {
  readonly chainId: bigint;
  readonly client: string;
  readonly timeMode: TimeMode;
  /** The node accepts a block at the same timestamp as its parent (Hardhat's allowBlocksWithSameTimestamp). */
  readonly sameTimestamp: boolean;
  readonly latestBlock: bigint;
  readonly latestTimestamp: bigint;
}

interface Block {
  readonly number: string;
  readonly hash: string;
  readonly timestamp: string;
  readonly baseFeePerGas?: string;
}

/** Chain id, client, and whether the node lets us set block timestamps (a Hardhat node) or not (a public node). */
export async function probeChain(provider: Eip1193Provider): Promise<ChainProbe> {
  const chainId = BigInt(await rpc<string>(provider, "eth_chainId"));
  let client = "unknown";
  try {
    client = await rpc<string>(provider, "web3_clientVersion");
  } catch (e) {
    if (!(e instanceof RpcResponseError)) throw e;
  }
  const latest = await rpc<Block>(provider, "eth_getBlockByNumber", ["latest", false]);
  const ts = BigInt(latest.timestamp);
  // Setting the next block to the latest block's timestamp (or one later) changes nothing a run depends on.
  let timeMode: TimeMode = "wall-clock";
  let sameTimestamp = false;
  if (await accepts(provider, "evm_setNextBlockTimestamp", [toQuantity(ts)])) {
    timeMode = "warp";
    sameTimestamp = true;
  } else if (await accepts(provider, "evm_setNextBlockTimestamp", [toQuantity(ts + 1n)])) {
    timeMode = "warp";
  }
  return { chainId, client, timeMode, sameTimestamp, latestBlock: BigInt(latest.number), latestTimestamp: ts };
}

async function accepts(provider: Eip1193Provider, method: string, params: readonly unknown[]): Promise<boolean> {
  try {
    await rpc(provider, method, params);
    return true;
  } catch (e) {
    if (e instanceof RpcResponseError) return false;
    throw e;
  }
}

export interface RemoteSenderOptions {
  readonly provider: Eip1193Provider;
  readonly chainId: bigint;
  /** The private key of an account the run may send from; undefined for any other address. */
  readonly keyOf: (address: string) => string | undefined;
  /** Agent id of an address, for messages. */
  readonly nameOf?: (address: string) => string | undefined;
  readonly journal: Journal;
  readonly timeMode: TimeMode;
  readonly sameTimestamp: boolean;
  /** Blocks a receipt must be under (1: mined). Default 1. */
  readonly confirmations?: number;
  /** No transaction gets more gas than this. Default 10,000,000. */
  readonly gasCap?: bigint;
  /** The most gas an action kind used in the dry run: the limit of a call that reverts in estimation. */
  readonly gasHint?: (kind: string) => bigint | undefined;
  /** The limit of a call that reverts in estimation with no hint. Default 1,000,000. */
  readonly fallbackGas?: bigint;
  /** Estimates and receipts in flight at once (wall-clock mode). Default 8. */
  readonly concurrency?: number;
  /** Longest pause between receipt polls. Default 2,000 ms. */
  readonly pollMaxMs?: number;
  /** Give up on a transaction not mined after this long. Default 900 s. */
  readonly stallSeconds?: number;
  /** Chain time minus the local clock, when the chain runs ahead (a node warped earlier); wall-clock mode. */
  readonly clockSkewSeconds?: bigint;
  /** Latest timestamp the probe saw. */
  readonly latestTimestamp?: bigint;
  /**
   * Sends `amountWei` to an agent the node refused for want of gas ether. The plan funds every account before the
   * run; this is the net for what the plan could not foresee. Absent, the refusal ends the run.
   */
  readonly topUp?: (address: string, amountWei: bigint) => Promise<void>;
}

export interface RemoteStats {
  /** Transactions signed and broadcast by this process. */
  sent: number;
  /** Sends found in the journal and awaited instead of signed. */
  replayed: number;
  /** Raw transactions put back because the node did not know them. */
  rebroadcast: number;
  /** Nonces fetched again after "nonce too low". */
  resynced: number;
  /** Transactions sent again with the cap after running out of the gas we gave them. */
  outOfGas: number;
}

export interface FeeQuote {
  /** EIP-1559 max fee (or the legacy gas price) per gas, wei. */
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly legacy: boolean;
}

export interface RemoteSender extends TxSender {
  readonly timeMode: TimeMode;
  readonly stats: RemoteStats;
  /** Fees a transaction sent now would offer. */
  feeQuote(): Promise<FeeQuote>;
  /** Ether from `from` to each recipient, journaled like every transaction; waits for all. */
  fund(from: string, transfers: readonly { to: string; amountWei: bigint }[]): Promise<void>;
  /** Waits for every funding transfer an earlier process journaled (rebroadcasting what the node forgot). */
  settleFundings(): Promise<void>;
  /** The number of sends so far (deployment and actions): the next send's journal position. */
  readonly position: number;
}

/** One transaction to sign: a BatchTx with its place in the run. */
interface Item {
  readonly from: string;
  readonly to: string | undefined;
  readonly data: string;
  readonly agent: string | null;
  readonly kind: string | null;
}

/** What a broadcast and a receipt need of a signed transaction (a journaled tx or a funding transfer). */
interface Signed {
  readonly from: string;
  readonly nonce: number;
  readonly hash: string;
  readonly raw: string;
}

const GWEI = 10n ** 9n;
const TRANSFER_GAS = 21_000n;
const WALL_MARGIN_SECONDS = 2n;
/** A mid-run top-up covers this many transactions at the failed one's limit. */
const TOP_UP_TRANSACTIONS = 20n;
const INSUFFICIENT_FUNDS = /insufficient funds|doesn't have enough funds|not enough funds/i;

export function createRemoteSender(options: RemoteSenderOptions): RemoteSender {
  const { provider, journal } = options;
  const confirmations = options.confirmations ?? 1;
  const gasCap = options.gasCap ?? 10_000_000n;
  const fallbackGas = options.fallbackGas ?? 1_000_000n;
  const concurrency = options.concurrency ?? 8;
  const pollMaxMs = options.pollMaxMs ?? 2_000;
  const stallMs = (options.stallSeconds ?? 900) * 1000;
  const skew = options.clockSkewSeconds ?? 0n;
  const warp = options.timeMode === "warp";
  const stats: RemoteStats = { sent: 0, replayed: 0, rebroadcast: 0, resynced: 0, outOfGas: 0 };
  const wallets = new Map<string, Wallet>();
  const nonces = new Map<string, number>();
  const blockTimes = new Map<bigint, bigint>();
  /** Revert data the node gave with its answer to a send (Hardhat mines a reverting transaction and says so). */
  const captured = new Map<string, string>();
  let revertMethods: ("callTracer" | "structLogger" | "call")[] = ["callTracer", "structLogger", "call"];
  let lastTimestamp = options.latestTimestamp ?? 0n;
  let seq = 0;
  let deployIndex = 0;
  /** The latest block holding one of the run's transactions: the state the run has reached. */
  let runHead: bigint | undefined;

  const call = <T>(method: string, params: readonly unknown[] = []): Promise<T> => rpc<T>(provider, method, params);
  /**
   * Reads state at the run's own head, not "latest": a resumed run replays its early steps
   * while the chain holds later ones. A node without that block's state says so clearly.
   */
  const atRunHead = async <T>(read: (block: string) => Promise<T>): Promise<T> => {
    if (runHead === undefined) return read("latest");
    try {
      return await read(toQuantity(runHead));
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
      throw new RemoteError(
        `The node cannot read the state of block ${runHead} (${e.rpcMessage}): a resumed run replays its steps on ` +
          `past blocks, which needs an archive node (Alchemy and Infura serve archive state).`,
      );
    }
  };
  const name = (address: string): string => options.nameOf?.(address) ?? address;

  const wallet = (from: string): Wallet => {
    const key = from.toLowerCase();
    let w = wallets.get(key);
    if (w === undefined) {
      const pk = options.keyOf(key);
      if (pk === undefined) throw new InternalError(`no key for sender ${from}`);
      w = new Wallet(pk);
      if (w.address.toLowerCase() !== key) throw new InternalError(`the key found for ${from} signs as ${w.address}`);
      wallets.set(key, w);
    }
    return w;
  };

  const pendingNonce = async (from: string): Promise<number> => {
    const pending = Number(BigInt(await call<string>("eth_getTransactionCount", [from, "pending"])));
    return Math.max(pending, journal.highestNonce(from) + 1);
  };
  const nextNonce = async (from: string): Promise<number> => {
    const key = from.toLowerCase();
    if (!nonces.has(key)) {
      const n = await pendingNonce(key);
      if (!nonces.has(key)) nonces.set(key, n);
    }
    const n = nonces.get(key)!;
    nonces.set(key, n + 1);
    return n;
  };
  const resyncNonce = async (from: string): Promise<void> => {
    stats.resynced++;
    nonces.set(from.toLowerCase(), await pendingNonce(from));
  };

  const latestBlock = async (): Promise<Block> => {
    const b = await call<Block>("eth_getBlockByNumber", ["latest", false]);
    const ts = BigInt(b.timestamp);
    if (ts > lastTimestamp) lastTimestamp = ts;
    return b;
  };

  const feeQuote = async (): Promise<FeeQuote> => feesAt(provider, await latestBlock());

  const describe = (item: Item | undefined, s: Signed): string =>
    `${item?.kind ?? (item === undefined ? "transfer" : "deployment")} by ${item?.agent ?? name(s.from)} ` +
    `(tx ${s.hash}, nonce ${s.nonce})`;

  /** Sets the next block's timestamp, never below what the chain allows. */
  const setTime = async (at: bigint): Promise<void> => {
    const floor = lastTimestamp + (options.sameTimestamp ? 0n : 1n);
    try {
      await call("evm_setNextBlockTimestamp", [toQuantity(at > floor ? at : floor)]);
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
      // The chain moved past what we knew (a block we did not see): set from its latest block.
      const latest = BigInt((await latestBlock()).timestamp) + (options.sameTimestamp ? 0n : 1n);
      await call("evm_setNextBlockTimestamp", [toQuantity(at > latest ? at : latest)]);
    }
  };

  /**
   * Waits until the chain's time reaches `at`: a block at or past it, or the local clock (corrected by the skew seen
   * at the start) two seconds past it. The margin covers a node whose clock lags ours (a Hardhat node stamps blocks
   * up to about a second and a half behind), and a node that mines only when sent something, whose latest block
   * says nothing of its time.
   */
  const waitUntil = async (at: bigint): Promise<void> => {
    for (;;) {
      const latest = BigInt((await latestBlock()).timestamp);
      if (latest >= at) return;
      const wall = BigInt(Math.floor(Date.now() / 1000)) + skew - WALL_MARGIN_SECONDS;
      if (wall >= at) return;
      await sleep(Math.min(1_000, Number(at - wall) * 1000));
    }
  };

  const gasFor = async (item: Item): Promise<bigint> => {
    let estimate: bigint;
    try {
      const request = { from: item.from, data: item.data, ...(item.to !== undefined ? { to: item.to } : {}) };
      estimate = BigInt(await call<string>("eth_estimateGas", [request]));
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
      // It reverts (here, now): it is still sent, so the chain's own outcome is what the run records.
      const hint = item.kind !== null ? options.gasHint?.(item.kind) : undefined;
      const limit = hint !== undefined ? (hint * 3n) / 2n + 50_000n : fallbackGas;
      return limit < gasCap ? limit : gasCap;
    }
    if (estimate > gasCap) {
      throw new RemoteError(
        `${item.kind ?? "deployment"} by ${item.agent ?? name(item.from)} needs ${estimate} gas by estimation, ` +
          `above the gas cap of ${gasCap}.`,
      );
    }
    // Headroom: the state may change between the estimate and inclusion.
    const padded = (estimate * 5n) / 4n + 20_000n;
    return padded < gasCap ? padded : gasCap;
  };

  const sign = async (
    from: string,
    to: string | undefined,
    data: string,
    value: bigint,
    nonce: number,
    gasLimit: bigint,
    fees: FeeQuote,
    tipBonus: bigint,
  ): Promise<{ raw: string; hash: string }> => {
    const base = { chainId: options.chainId, nonce, to: to ?? null, data, value, gasLimit };
    const raw = await wallet(from).signTransaction(
      fees.legacy
        ? { ...base, type: 0, gasPrice: fees.maxFeePerGas + tipBonus }
        : {
            ...base,
            type: 2,
            maxFeePerGas: fees.maxFeePerGas + tipBonus,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas + tipBonus,
          },
    );
    return { raw, hash: keccak256(raw) };
  };

  const signTx = async (
    item: Item,
    seqNo: number,
    attempt: number,
    place: BatchPlace | undefined,
    index: number,
    gasLimit: bigint,
    fees: FeeQuote,
    tipBonus: bigint,
  ): Promise<JournalTx> => {
    const nonce = await nextNonce(item.from);
    const { raw, hash } = await sign(item.from, item.to, item.data, 0n, nonce, gasLimit, fees, tipBonus);
    return {
      type: "tx",
      seq: seqNo,
      attempt,
      step: place?.step ?? null,
      substep: place?.substep ?? "deploy",
      index,
      agent: item.agent,
      kind: item.kind,
      from: item.from.toLowerCase(),
      nonce,
      gasLimit: gasLimit.toString(),
      hash,
      raw,
    };
  };

  const known = async (hash: string): Promise<boolean> =>
    (await call<unknown>("eth_getTransactionByHash", [hash])) !== null;

  /** Broadcasts raw bytes; "nonce too low" for bytes the node does not know means the nonce went to another transaction. */
  const broadcast = async (
    s: Signed,
    item: Item | undefined,
  ): Promise<"ok" | "nonce-too-low" | "insufficient-funds"> => {
    try {
      await call<string>("eth_sendRawTransaction", [s.raw]);
      return "ok";
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
      const data = e.data as { txHash?: unknown; data?: unknown } | undefined;
      if (typeof data === "object" && data !== null && data.txHash === s.hash) {
        // Hardhat mined it and it reverted: the answer carries the revert data.
        if (typeof data.data === "string") captured.set(s.hash, data.data);
        return "ok";
      }
      if (/already known|known transaction|already imported|already in (the )?(mem)?pool/i.test(e.rpcMessage))
        return "ok";
      if (await known(s.hash)) return "ok"; // an earlier try arrived; its answer was lost
      if (
        /nonce too low|nonce has already been used|nonce is too low|replacement transaction underpriced/i.test(
          e.rpcMessage,
        )
      ) {
        return "nonce-too-low";
      }
      if (item !== undefined && options.topUp !== undefined && INSUFFICIENT_FUNDS.test(e.rpcMessage)) {
        return "insufficient-funds";
      }
      throw new RemoteError(`The node refused ${describe(item, s)}: ${e.rpcMessage}`);
    }
  };

  const blockTime = async (n: bigint): Promise<bigint> => {
    let t = blockTimes.get(n);
    if (t === undefined) {
      const b = await call<Block | null>("eth_getBlockByNumber", [toQuantity(n), false]);
      if (b === null)
        throw new RemoteError(`The node does not know block ${n}, which holds one of the run's receipts.`);
      t = BigInt(b.timestamp);
      if (blockTimes.size > 10_000) blockTimes.clear();
      blockTimes.set(n, t);
      if (t > lastTimestamp) lastTimestamp = t;
    }
    return t;
  };

  const revertDataOf = async (s: JournalTx, item: Item, receipt: Receipt): Promise<string | undefined> => {
    const c = captured.get(s.hash);
    if (c !== undefined) return c;
    for (const method of revertMethods) {
      try {
        if (method === "callTracer") {
          const t = await call<{ output?: unknown } | null>("debug_traceTransaction", [
            s.hash,
            { tracer: "callTracer", tracerConfig: { onlyTopCall: true } },
          ]);
          if (typeof t?.output === "string") return t.output;
        } else if (method === "structLogger") {
          const t = await call<{ returnValue?: unknown } | null>("debug_traceTransaction", [
            s.hash,
            { disableStorage: true, disableMemory: true, disableStack: true },
          ]);
          if (typeof t?.returnValue === "string")
            return t.returnValue.startsWith("0x") ? t.returnValue : `0x${t.returnValue}`;
        } else {
          // Last resort: the same call on the parent block's state. Earlier transactions of the same block, and a
          // block timestamp the call does not see, can make it differ: such a difference shows as a divergence.
          const parent = toQuantity(BigInt(receipt.blockNumber) - 1n);
          const request = {
            from: s.from,
            data: item.data,
            gas: toQuantity(BigInt(s.gasLimit)),
            ...(item.to ? { to: item.to } : {}),
          };
          try {
            await call("eth_call", [request, parent]);
            return "0x";
          } catch (e) {
            if (!(e instanceof RpcResponseError)) throw e;
            return revertDataFromError(e) ?? "0x";
          }
        }
      } catch (e) {
        if (!(e instanceof RpcResponseError)) throw e;
        revertMethods = revertMethods.filter((m) => m !== method); // this node does not offer it
      }
    }
    return undefined;
  };

  /** Waits for the receipt under the confirmations asked, rebroadcasting bytes the node forgot. */
  const receiptOf = async (s: Signed, item: Item | undefined, at: bigint | undefined): Promise<Receipt> => {
    const started = Date.now();
    let delay = 0;
    for (;;) {
      let receipt = await call<Receipt | null>("eth_getTransactionReceipt", [s.hash]);
      if (receipt !== null && confirmations > 1) {
        const mined = BigInt(receipt.blockNumber);
        for (;;) {
          const head = BigInt(await call<string>("eth_blockNumber"));
          if (head >= mined + BigInt(confirmations) - 1n) break;
          if (Date.now() - started > stallMs) throw stalled(s, item);
          await sleep(pollMaxMs);
        }
        // Re-read: a reorganisation may have moved or dropped it.
        receipt = await call<Receipt | null>("eth_getTransactionReceipt", [s.hash]);
      }
      if (receipt !== null) return receipt;
      if (!(await known(s.hash))) {
        // Never arrived, or forgotten: the same bytes again (same hash and nonce: it cannot run twice).
        if (warp && at !== undefined) await setTime(at);
        stats.rebroadcast++;
        if ((await broadcast(s, item)) === "nonce-too-low") {
          const again = await call<Receipt | null>("eth_getTransactionReceipt", [s.hash]);
          if (again !== null) return again;
          throw new JournalError(
            `${describe(item, s)}: the node says nonce ${s.nonce} of ${s.from} is used, but not by this ` +
              `transaction. Was the account used outside this run?`,
          );
        }
        continue;
      }
      if (Date.now() - started > stallMs) throw stalled(s, item);
      await sleep(delay);
      delay = Math.min(pollMaxMs, Math.max(50, delay * 2));
    }
  };

  const stalled = (s: Signed, item: Item | undefined): RemoteError =>
    new RemoteError(
      `${describe(item, s)} was not mined within ${stallMs / 1000} s. The run can be resumed with --resume <run folder> ` +
        `once the node includes it.`,
    );

  /** Everything after the broadcast: receipt, block time, revert, and a resend with the cap after out-of-gas. */
  const settle = async (tx: JournalTx, item: Item, at: bigint | undefined): Promise<SentTx> => {
    // Only the latest attempt of a send can be mined: an earlier one lost its nonce ("nonce too low") or ran out of gas.
    const receipt = await receiptOf(tx, item, at);
    const ok = receipt.status === "0x1";
    const revertData = ok ? undefined : await revertDataOf(tx, item, receipt);
    const gasUsed = BigInt(receipt.gasUsed);
    const gasLimit = BigInt(tx.gasLimit);
    if (!ok && (revertData === undefined || revertData === "0x") && gasUsed >= gasLimit && gasLimit < gasCap) {
      // It ran out of the gas we gave it: our estimate failed it, not the contract. Once more with the cap.
      stats.outOfGas++;
      if (warp && at !== undefined) await setTime(at);
      const again = await signTx(item, tx.seq, tx.attempt + 1, placeOf(tx), tx.index, gasCap, await feeQuote(), 0n);
      journal.append([again]);
      return settle(await broadcastNew(again, item), item, at);
    }
    const blockNumber = BigInt(receipt.blockNumber);
    if (runHead === undefined || blockNumber > runHead) runHead = blockNumber;
    return {
      hash: tx.hash,
      ok,
      gasUsed,
      blockNumber: BigInt(receipt.blockNumber),
      timestamp: await blockTime(BigInt(receipt.blockNumber)),
      transactionIndex: BigInt(receipt.transactionIndex),
      ...(revertData !== undefined ? { revertData } : {}),
      ...(receipt.contractAddress ? { contractAddress: receipt.contractAddress.toLowerCase() } : {}),
      ...(receipt.logs !== undefined ? { logs: receipt.logs } : {}),
    };
  };

  const placeOf = (tx: JournalTx): BatchPlace | undefined =>
    tx.step === null ? undefined : { step: tx.step, substep: tx.substep };

  /** Broadcasts a transaction this process signed; on "nonce too low", re-signs with a fresh nonce (journaled first). */
  const broadcastNew = async (tx: JournalTx, item: Item): Promise<JournalTx> => {
    stats.sent++;
    let current = tx;
    let topUps = 0;
    for (let i = 0; ; i++) {
      const result = await broadcast(current, item);
      if (result === "ok") return current;
      if (result === "insufficient-funds") {
        // Short mid-run (fees rose, or the wall clock led an agent where the dry run did not): the funder tops it up.
        if (topUps++ >= 2)
          throw new RemoteError(`${describe(item, current)}: the sender is still short after top-ups.`);
        const fees = await feeQuote();
        await options.topUp!(item.from, BigInt(tx.gasLimit) * fees.maxFeePerGas * TOP_UP_TRANSACTIONS);
        continue;
      }
      if (i >= 3)
        throw new RemoteError(`${describe(item, current)}: "nonce too low" after ${i + 1} resynchronisations.`);
      await resyncNonce(item.from);
      const fees = await feeQuote();
      current = await signTx(item, tx.seq, current.attempt + 1, placeOf(tx), tx.index, BigInt(tx.gasLimit), fees, 0n);
      journal.append([current]);
    }
  };

  /** The journal's latest attempt for a send, checked against what the run does now. */
  const replayed = (attempts: readonly JournalTx[], item: Item): JournalTx => {
    const last = attempts[attempts.length - 1]!;
    const t = Transaction.from(last.raw);
    const same =
      t.from?.toLowerCase() === item.from.toLowerCase() &&
      (t.to?.toLowerCase() ?? undefined) === item.to?.toLowerCase() &&
      t.data.toLowerCase() === item.data.toLowerCase();
    if (!same) {
      throw new JournalError(
        `The journal's send #${last.seq} (${last.kind ?? "deployment"} by ${last.agent ?? last.from}) is not what ` +
          `this run sends there (${item.kind ?? "deployment"} by ${item.agent ?? item.from}): the run folder was ` +
          `written by another version of the scenario or of Lockstep, and cannot be resumed.`,
      );
    }
    stats.replayed++;
    return last;
  };

  const toItem = (t: BatchTx): Item => ({
    from: t.from.toLowerCase(),
    to: t.call.to?.toLowerCase(),
    data: t.call.data,
    agent: t.agent ?? null,
    kind: t.kind ?? null,
  });

  /** Warp mode (and deployment): one transaction after another, each estimated on the state the previous one left. */
  const sequential = async (items: readonly Item[], at: bigint | undefined, place: BatchPlace | undefined) => {
    const out: SentTx[] = [];
    let fees: FeeQuote | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const seqNo = seq++;
      const index = place === undefined ? deployIndex++ : i;
      const attempts = journal.attempts(seqNo);
      let tx: JournalTx;
      if (attempts.length > 0) tx = replayed(attempts, item);
      else {
        if (warp && at !== undefined) await setTime(at);
        fees ??= await feeQuote();
        const gas = await gasFor(item);
        tx = await signTx(item, seqNo, 0, place, index, gas, fees, 0n);
        journal.append([tx]);
        tx = await broadcastNew(tx, item);
      }
      out.push(await settle(tx, item, at));
    }
    return out;
  };

  /** Wall-clock mode: sign and journal the whole batch, broadcast it in order, await the receipts together. */
  const pipelined = async (items: readonly Item[], place: BatchPlace) => {
    const seqs = items.map(() => seq++);
    const fees = await feeQuote();
    const fresh = items.map((_, i) => journal.attempts(seqs[i]!).length === 0);
    const gas = await mapLimit(items, concurrency, (item, i) => (fresh[i] ? gasFor(item) : Promise.resolve(0n)));
    const txs: JournalTx[] = [];
    const signedNow: JournalTx[] = [];
    for (let i = 0; i < items.length; i++) {
      if (!fresh[i]) {
        txs.push(replayed(journal.attempts(seqs[i]!), items[i]!));
        continue;
      }
      // Tips fall by one wei along the batch: a block ordered by tip keeps the batch's order.
      const tx = await signTx(items[i]!, seqs[i]!, 0, place, i, gas[i]!, fees, BigInt(items.length - i));
      txs.push(tx);
      signedNow.push(tx);
    }
    journal.append(signedNow);
    for (let i = 0; i < items.length; i++) {
      if (fresh[i]) txs[i] = await broadcastNew(txs[i]!, items[i]!);
      else if (
        !(await known(txs[i]!.hash)) &&
        (await call<unknown>("eth_getTransactionReceipt", [txs[i]!.hash])) === null
      ) {
        stats.rebroadcast++;
        await broadcast(txs[i]!, items[i]);
      }
    }
    return mapLimit(txs, concurrency, (tx, i) => settle(tx, items[i]!, undefined));
  };

  return {
    canWarpTime: warp,
    timeMode: options.timeMode,
    stats,
    get position() {
      return seq;
    },
    feeQuote,
    async prepare() {
      // Accounts are funded once, before the run (see fund).
    },
    async send(from, txCall, at) {
      const [sent] = await sequential([toItem({ from, call: txCall })], at, undefined);
      return sent!;
    },
    async sendBatch(txs, at, place) {
      const items = txs.map(toItem);
      const where = place ?? { step: -1, substep: "?" };
      if (warp) return sequential(items, at, where);
      await waitUntil(at);
      return pipelined(items, where);
    },
    async call(to, data) {
      return atRunHead((block) => call<string>("eth_call", [{ to, data }, block]));
    },
    async read(reads) {
      // One block for all of them: the run's head, or the latest block when the run has sent nothing yet.
      const head = runHead ?? BigInt((await latestBlock()).number);
      const calls = reads.map((r) =>
        r.kind === "storage"
          ? { method: "eth_getStorageAt", params: [r.at, r.slot, toQuantity(head)] }
          : { method: "eth_call", params: [{ to: r.to, data: r.data }, toQuantity(head)] },
      );
      return atRunHead(async () => {
        // One round trip where the client batches (a JSON-RPC batch over HTTP), else one call at a time.
        const batched = (provider as Partial<JsonRpcClient>).requestBatch;
        if (batched !== undefined) return (await batched(calls)) as string[];
        const out: string[] = [];
        for (const c of calls) out.push(await call<string>(c.method, c.params));
        return out;
      });
    },
    async fund(from, transfers) {
      if (transfers.length === 0) return;
      const fees = await feeQuote();
      const entries: JournalFunding[] = [];
      for (const t of transfers) {
        const nonce = await nextNonce(from);
        const { raw, hash } = await sign(from, t.to, "0x", t.amountWei, nonce, TRANSFER_GAS, fees, 0n);
        entries.push({
          type: "fund",
          from: from.toLowerCase(),
          to: t.to.toLowerCase(),
          amountWei: t.amountWei.toString(),
          nonce,
          hash,
          raw,
        });
      }
      journal.append(entries);
      for (const e of entries) {
        stats.sent++;
        if ((await broadcast(e, undefined)) !== "ok") {
          throw new RemoteError(`The funder's nonce ${e.nonce} was taken by another transaction; run again.`);
        }
      }
      await mapLimit(entries, concurrency, (e) => receiptOf(e, undefined, undefined));
    },
    async settleFundings() {
      await mapLimit(journal.fundings(), concurrency, (e) => receiptOf(e, undefined, undefined));
    },
  };
}

/** The revert data a node put in a JSON-RPC error (geth: `data` is the hex; Hardhat: `data.data`). */
export function revertDataFromError(e: RpcResponseError): string | undefined {
  const d = e.data;
  if (typeof d === "string" && d.startsWith("0x")) return d;
  if (typeof d === "object" && d !== null) {
    const inner = (d as { data?: unknown }).data;
    if (typeof inner === "string" && inner.startsWith("0x")) return inner;
  }
  return undefined;
}

/** Runs `fn` over the items with at most `limit` in flight; results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Fees a transaction sent now would offer: EIP-1559 (twice the base fee plus the node's tip) or legacy (+20%). */
export async function quoteFees(provider: Eip1193Provider): Promise<FeeQuote> {
  return feesAt(provider, await rpc<Block>(provider, "eth_getBlockByNumber", ["latest", false]));
}

async function feesAt(provider: Eip1193Provider, latest: Block): Promise<FeeQuote> {
  if (latest.baseFeePerGas !== undefined) {
    let tip = GWEI;
    try {
      tip = BigInt(await rpc<string>(provider, "eth_maxPriorityFeePerGas"));
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
    }
    return { maxFeePerGas: 2n * BigInt(latest.baseFeePerGas) + tip, maxPriorityFeePerGas: tip, legacy: false };
  }
  const price = BigInt(await rpc<string>(provider, "eth_gasPrice"));
  return { maxFeePerGas: (price * 6n) / 5n, maxPriorityFeePerGas: 0n, legacy: true };
}

/** A chain target on a JSON-RPC endpoint, with the sender that signs for it. */
export interface RemoteTarget extends ChainTarget {
  readonly kind: "remote";
  readonly sender: RemoteSender;
}

export function remoteTarget(provider: Eip1193Provider, sender: RemoteSender): RemoteTarget {
  return {
    provider,
    kind: "remote",
    sender,
    // A remote chain is never reset: the run deploys fresh contracts on it.
    async fresh() {},
  };
}

export function remoteSenderOf(target: ChainTarget): TxSender {
  const sender = (target as Partial<RemoteTarget>).sender;
  if (target.kind !== "remote" || sender === undefined)
    throw new InternalError("a remote chain target without its sender");
  return sender;
}
