/**
 * An observation's loop: blocks read one after another from the first after the deployment,
 * each replayed and compared, each stretch committed to the folder with its checkpoint; with
 * `follow`, it waits for new blocks (`confirmations` deep) until told to stop. A resumed
 * observation first rebuilds its model from the calls its folder recorded (the model's state is
 * the user's own object, which only replaying rebuilds), checks that the rebuilt model holds
 * exactly what the last recorded row says it held, and goes on from the checkpoint's next block.
 */
import { sleep } from "../chain/jsonRpc.js";
import { RemoteError } from "../chain/remote.js";
import { encodeValue } from "../analysis/values.js";
import type { StepSample, TraceLayout } from "../analysis/trace.js";
import type { ActionRecord } from "../engine/record.js";
import { UserError } from "../engine/errors.js";
import type { BlockSource, ObservedBlock } from "./blocks.js";
import type { Checkpoint, ObserveFolder } from "./folder.js";
import { entryOf, type CallRecord, type Observer } from "./observer.js";

export interface ObservationOptions {
  readonly folder: ObserveFolder;
  readonly source: BlockSource;
  readonly observer: Observer;
  /** The first block after the deployment: where the model's replay starts. */
  readonly firstBlock: bigint;
  /** The first block compared and recorded (blocks before it are replayed into the model only). */
  readonly fromBlock: bigint;
  readonly toBlock: bigint | undefined;
  readonly follow: boolean;
  /** Blocks a block must be under before it is read (1: the latest). */
  readonly confirmations: number;
  readonly pollMs: number;
  readonly resume: { readonly checkpoint: Checkpoint; readonly calls: readonly CallRecord[] } | undefined;
  readonly shouldStop: () => boolean;
  readonly onProgress?: (block: bigint, head: bigint) => void;
}

export interface ObservationEnd {
  /** The last block processed. */
  readonly lastBlock: bigint;
  readonly stopped: boolean;
  /** Blocks read by this process. */
  readonly blocksRead: number;
}

/** Empty blocks between two checkpoints when nothing else moves it. */
const EMPTY_BLOCKS_PER_CHECKPOINT = 100n;

export async function observe(o: ObservationOptions): Promise<ObservationEnd> {
  const { folder, source, observer } = o;
  let next: bigint;
  let lastHash: string;
  let blocksRead = 0;
  const pending = { calls: [] as CallRecord[], actions: [] as ActionRecord[], samples: [] as StepSample[] };
  const layout = (): TraceLayout => ({
    simulation: 0,
    subset: 0,
    run: 0,
    variables: observer.variableNames(),
    kpis: Object.keys(observer.kpis),
    model: true,
    chain: true,
  });
  const commit = (block: bigint, hash: string): void => {
    folder.commit(layout(), pending, {
      block: block.toString(),
      blockHash: hash,
      observer: observer.snapshot(),
      kpis: observer.kpis,
      fromBlock: o.fromBlock.toString(),
    });
    pending.calls = [];
    pending.actions = [];
    pending.samples = [];
  };

  if (o.resume !== undefined) {
    const { checkpoint, calls } = o.resume;
    for (const b of blocksOf(calls)) await observer.block(b, false);
    observer.restore(checkpoint.observer);
    checkRebuilt(observer, checkpoint, folder);
    next = BigInt(checkpoint.block) + 1n;
    lastHash = checkpoint.blockHash;
    const now = await source.hashOf(BigInt(checkpoint.block));
    if (now !== checkpoint.blockHash) throw reorganised(BigInt(checkpoint.block));
  } else {
    for (let n = o.firstBlock; n < o.fromBlock; n++) {
      const b = await source.block(n);
      if (b === undefined)
        throw new UserError(`Block ${n} is not on the chain yet: give a --from-block the chain has reached.`);
      await observer.block(b, false);
      blocksRead++;
    }
    const start = await source.header(o.fromBlock - 1n);
    if (start === undefined) throw new UserError(`Block ${o.fromBlock - 1n} is not on the chain: check --from-block.`);
    pending.samples.push(await observer.initial(start.number, start.timestamp));
    commit(start.number, start.hash);
    next = o.fromBlock;
    lastHash = start.hash;
  }

  let stopped = false;
  let sinceCheckpoint = 0n;
  for (;;) {
    const head = await source.head();
    let target = head - BigInt(o.confirmations - 1);
    if (o.toBlock !== undefined && o.toBlock < target) target = o.toBlock;
    while (next <= target) {
      if (o.shouldStop()) {
        stopped = true;
        break;
      }
      const b = await source.block(next);
      if (b === undefined) break;
      if (b.parentHash !== lastHash) throw reorganised(next - 1n);
      const result = await observer.block(b, true);
      blocksRead++;
      pending.calls.push(...result.calls);
      pending.actions.push(...result.actions);
      if (result.sample !== undefined) pending.samples.push(result.sample);
      lastHash = b.hash;
      sinceCheckpoint++;
      if (result.calls.length > 0 || sinceCheckpoint >= EMPTY_BLOCKS_PER_CHECKPOINT) {
        commit(b.number, b.hash);
        sinceCheckpoint = 0n;
      }
      o.onProgress?.(b.number, head);
      next++;
    }
    if (sinceCheckpoint > 0n) {
      commit(next - 1n, lastHash);
      sinceCheckpoint = 0n;
    }
    if (stopped || o.shouldStop()) {
      stopped = true;
      break;
    }
    if (!o.follow || (o.toBlock !== undefined && next > o.toBlock)) break;
    await sleepUnless(o.pollMs, o.shouldStop);
  }
  return { lastBlock: next - 1n, stopped, blocksRead };
}

/** The recorded calls grouped back into their blocks, in order. */
function blocksOf(calls: readonly CallRecord[]): ObservedBlock[] {
  const out: {
    number: bigint;
    hash: string;
    parentHash: string;
    timestamp: bigint;
    entries: ReturnType<typeof entryOf>[];
  }[] = [];
  for (const c of calls) {
    const n = BigInt(c.block);
    let last = out[out.length - 1];
    if (last === undefined || last.number !== n) {
      last = { number: n, hash: "", parentHash: "", timestamp: BigInt(c.timestamp), entries: [] };
      out.push(last);
    }
    last.entries.push(entryOf(c));
  }
  return out;
}

/** The rebuilt model must hold what the last recorded row says the model held: else the model changed since. */
function checkRebuilt(observer: Observer, checkpoint: Checkpoint, folder: ObserveFolder): void {
  const names = observer.variableNames();
  const expected = checkpoint.header.filter((h) => h.endsWith(":model")).map((h) => h.slice(0, -":model".length));
  if (names.join("\n") !== expected.join("\n")) {
    throw new UserError(
      `${folder.path} cannot be resumed: replaying its recorded calls gives other compared variables (${names.length}) ` +
        `than its checkpoint lists (${expected.length}): the scenario changed since. Observe again from the start.`,
    );
  }
  const recorded = folder.lastRow();
  const now = observer.modelSample();
  for (const [v, value] of now) {
    const cell = recorded.get(`${v}:model`);
    if (cell !== undefined && cell !== "" && cell !== encodeValue(value)) {
      throw new UserError(
        `${folder.path} cannot be resumed: replaying its recorded calls gives the model's ${v} = ${encodeValue(value)}, ` +
          `but the observation recorded ${cell}: the model changed since. Observe again from the start.`,
      );
    }
  }
}

function reorganised(block: bigint): RemoteError {
  return new RemoteError(
    `The chain reorganised: block ${block} is no longer the one observed. Observe again with more --confirmations ` +
      `(blocks a block must be under before it is read).`,
  );
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && !stop()) await sleep(Math.min(100, until - Date.now()));
}
