/**
 * What happened to a mechanism in one block: every call that entered one of its contracts from
 * outside, in the chain's order, with its outcome.
 *
 * A transaction sent straight to a mechanism contract is one such call. A call that reaches the
 * mechanism through another contract (a router, a multisig, a forwarder) is found in the node's
 * call trace (`debug_traceTransaction` with the call tracer, which a Hardhat node and archive
 * geth nodes offer): every frame that enters a mechanism contract from an address that is not one
 * is a call, its sender the frame's caller. Where the node offers no traces, a transaction that
 * was not sent to the mechanism but carries an event of one of its contracts is counted as
 * unobserved: it reached the mechanism, and what it did there cannot be known.
 *
 * A call inside a frame that reverted (or a transaction that reverted) left no trace on the
 * state whatever its own outcome: it is marked rolled back. A call back into the mechanism from
 * within one of its own calls (a receiver hook that calls the mechanism) is marked reentrant: the
 * model applies one call after another and cannot interleave it.
 */
import { RpcResponseError, type JsonRpcClient } from "../chain/jsonRpc.js";
import { revertDataFromError } from "../chain/remote.js";
import { rpc, toQuantity } from "../chain/rpc.js";

/** One call into the mechanism from outside (or a transaction that reached it unseen). */
export interface Entry {
  readonly txHash: string;
  readonly txIndex: number;
  /** The caller: the transaction's sender, or the contract that made the call. */
  readonly from: string;
  /** The mechanism contract called. */
  readonly to: string;
  readonly input: string;
  readonly value: bigint;
  /** The call's own outcome. */
  readonly ok: boolean;
  /** Revert data, for a call that reverted ("0x" when there was none). */
  readonly revertData?: string;
  readonly gasUsed: bigint;
  /** Contracts the call went through, outermost first (empty for a transaction sent to the mechanism). */
  readonly via: readonly string[];
  /** Inside a frame or transaction that reverted: whatever it did was undone. */
  readonly rolledBack: boolean;
  /** Made from within one of the mechanism's own calls. */
  readonly reentrant: boolean;
  /** Reached the mechanism through another contract on a node without traces: nothing of the call is known. */
  readonly unobserved: boolean;
}

export interface ObservedBlock {
  readonly number: bigint;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestamp: bigint;
  readonly entries: readonly Entry[];
}

interface RpcTx {
  readonly hash: string;
  readonly from: string;
  readonly to: string | null;
  readonly input: string;
  readonly value: string;
  readonly gas: string;
  readonly transactionIndex: string;
}

interface RpcBlock {
  readonly number: string;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestamp: string;
  readonly transactions: readonly RpcTx[];
}

interface RpcReceipt {
  readonly status: string;
  readonly gasUsed: string;
  readonly logs: readonly { readonly address: string }[];
}

/** A frame of the call tracer. */
interface Frame {
  readonly type: string;
  readonly from: string;
  readonly to?: string;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly value?: string;
  readonly gasUsed?: string;
  readonly calls?: readonly Frame[];
}

export interface BlockHeader {
  readonly number: bigint;
  readonly hash: string;
  readonly timestamp: bigint;
}

export interface BlockSource {
  /** The block's number, hash and time; undefined when the node has no such block yet. */
  header(number: bigint): Promise<BlockHeader | undefined>;
  /** The block's calls into the mechanism; undefined when the node has no such block yet. */
  block(number: bigint): Promise<ObservedBlock | undefined>;
  /** The latest block number. */
  head(): Promise<bigint>;
  /** The hash of block `number` now (a reorganisation changes it). */
  hashOf(number: bigint): Promise<string | undefined>;
  /** Whether the node answers call traces; known after the first transaction that needed one. */
  readonly traces: boolean | undefined;
}

export type BlockSourceParameters = [client: JsonRpcClient, mechanism: ReadonlySet<string>];

/** Reads blocks from `client`; `mechanism` holds the mechanism's contract addresses, in lower case. */
export function blockSource(client: JsonRpcClient, mechanism: ReadonlySet<string>): BlockSource {
  let traces: boolean | undefined;
  const isMechanism = (a: string | null | undefined): boolean => a != null && mechanism.has(a.toLowerCase());

  const traceAll = async (txs: readonly RpcTx[]): Promise<(Frame | undefined)[]> => {
    if (traces === false || txs.length === 0) return txs.map(() => undefined);
    const calls = txs.map((t) => ({ method: "debug_traceTransaction", params: [t.hash, { tracer: "callTracer" }] }));
    try {
      const frames = (await client.requestBatch(calls)) as Frame[];
      traces = true;
      return frames;
    } catch (e) {
      if (!(e instanceof RpcResponseError) || traces === true) throw e;
      traces = false; // this node does not trace: calls through other contracts are counted as unobserved
      return txs.map(() => undefined);
    }
  };

  /** The revert data of a transaction sent to the mechanism, where no trace gave it: the call replayed on the parent block. */
  const replayRevert = async (tx: RpcTx, parent: bigint): Promise<string> => {
    try {
      await rpc(client, "eth_call", [
        { from: tx.from, to: tx.to, data: tx.input, value: tx.value, gas: tx.gas },
        toQuantity(parent),
      ]);
      return "0x";
    } catch (e) {
      if (!(e instanceof RpcResponseError)) throw e;
      return revertDataFromError(e) ?? "0x";
    }
  };

  return {
    get traces() {
      return traces;
    },
    async head() {
      return BigInt(await rpc<string>(client, "eth_blockNumber"));
    },
    async header(number) {
      const b = await rpc<RpcBlock | null>(client, "eth_getBlockByNumber", [toQuantity(number), false]);
      return b === null ? undefined : { number: BigInt(b.number), hash: b.hash, timestamp: BigInt(b.timestamp) };
    },
    async hashOf(number) {
      const b = await rpc<RpcBlock | null>(client, "eth_getBlockByNumber", [toQuantity(number), false]);
      return b?.hash;
    },
    async block(number) {
      const b = await rpc<RpcBlock | null>(client, "eth_getBlockByNumber", [toQuantity(number), true]);
      if (b === null) return undefined;
      const txs = b.transactions;
      const receipts = (await client.requestBatch(
        txs.map((t) => ({ method: "eth_getTransactionReceipt", params: [t.hash] })),
      )) as RpcReceipt[];
      const frames = await traceAll(txs);
      const entries: Entry[] = [];
      for (let i = 0; i < txs.length; i++) {
        const tx = txs[i]!;
        const receipt = receipts[i]!;
        const frame = frames[i];
        const base = { txHash: tx.hash.toLowerCase(), txIndex: Number(BigInt(tx.transactionIndex)) };
        if (frame !== undefined) {
          entries.push(...entriesOf(frame, base, isMechanism, receipt.status !== "0x1"));
          continue;
        }
        if (isMechanism(tx.to)) {
          const ok = receipt.status === "0x1";
          entries.push({
            ...base,
            from: tx.from.toLowerCase(),
            to: tx.to!.toLowerCase(),
            input: tx.input,
            value: BigInt(tx.value),
            ok,
            ...(ok ? {} : { revertData: await replayRevert(tx, BigInt(b.number) - 1n) }),
            gasUsed: BigInt(receipt.gasUsed),
            via: [],
            rolledBack: false,
            reentrant: false,
            unobserved: false,
          });
        } else if (receipt.logs.some((l) => isMechanism(l.address))) {
          entries.push({
            ...base,
            from: tx.from.toLowerCase(),
            to: receipt.logs.find((l) => isMechanism(l.address))!.address.toLowerCase(),
            input: tx.input,
            value: BigInt(tx.value),
            ok: receipt.status === "0x1",
            gasUsed: BigInt(receipt.gasUsed),
            via: tx.to === null ? [] : [tx.to.toLowerCase()],
            rolledBack: false,
            reentrant: false,
            unobserved: true,
          });
        }
      }
      return {
        number: BigInt(b.number),
        hash: b.hash,
        parentHash: b.parentHash,
        timestamp: BigInt(b.timestamp),
        entries,
      };
    },
  };
}

/** The calls into the mechanism in one transaction's call tree, in execution order. */
export function entriesOf(
  root: Frame,
  base: { readonly txHash: string; readonly txIndex: number },
  isMechanism: (a: string | undefined) => boolean,
  txReverted: boolean,
): Entry[] {
  const out: Entry[] = [];
  const walk = (frame: Frame, path: readonly string[], undone: boolean, inside: boolean): void => {
    const failed = frame.error !== undefined && frame.error !== null;
    const to = frame.to?.toLowerCase();
    const entering = frame.type === "CALL" && isMechanism(to) && !isMechanism(frame.from);
    if (entering) {
      out.push({
        ...base,
        from: frame.from.toLowerCase(),
        to: to!,
        input: frame.input ?? "0x",
        value: BigInt(frame.value ?? "0x0"),
        ok: !failed,
        ...(failed ? { revertData: frame.output ?? "0x" } : {}),
        gasUsed: BigInt(frame.gasUsed ?? "0x0"),
        via: path,
        rolledBack: undone,
        reentrant: inside,
        unobserved: false,
      });
    }
    const below = [...path, ...(to !== undefined && !isMechanism(to) ? [to] : [])];
    for (const c of frame.calls ?? []) walk(c, below, undone || failed, inside || entering || isMechanism(to));
  };
  walk(root, [], txReverted && (root.error === undefined || root.error === null), false);
  return out;
}
