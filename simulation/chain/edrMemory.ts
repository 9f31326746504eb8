/**
 * Keeping the in-process chain's memory from growing with a run's length. What grew was
 * native memory of EDR, Hardhat's Rust EVM, which the JS heap does not show:
 *
 * - Block states. EDR caches the state after every block, up to 100,000 of them
 *   (`DEFAULT_MAX_CACHED_STATES` in crates/edr_provider/src/data.rs). They are persistent
 *   tries sharing structure, so their own size is small, but each pins the trie nodes its
 *   block replaced, spread over the allocator's pages: resident memory grew by some 50 KB
 *   per one-transaction block. EDR reads `__EDR_MAX_CACHED_STATES` when a provider is
 *   created (so at every reset). A run reads the latest state, and a revert's trace its
 *   parent's; an older state is rebuilt from the blocks' state diffs if it is ever asked for
 *   (a snapshot's revert).
 * - Execution traces. EDR records every EVM step of a mined block or an `eth_call` (about
 *   200 bytes a step, some 2 bytes per gas) in its answer, and frees them when V8 collects
 *   that answer's small JS object. V8 does not see the native size, so many answers (a
 *   32-transaction block is some 7 MB; the Lens sample, 40,000 steps when it called getters,
 *   8 MB) piled up between young-generation collections, and the allocator kept their pages.
 *   A minor collection (about a millisecond) once some gas of traced execution has come back
 *   frees them.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Block states EDR keeps: the latest and its parent, with room to spare. */
export const EDR_CACHED_STATES = "16";

/** Sets what EDR reads from the environment when a provider is created; a user's own values win. */
export function configureEdrEnvironment(): void {
  process.env.__EDR_MAX_CACHED_STATES ??= EDR_CACHED_STATES;
}

/** Gas of traced execution (some 16 MB of traces) after which the young generation is collected. */
const TRACE_BUDGET_GAS = 8_000_000n;
/**
 * What an answer other than a block counts for: an `eth_call` (its gas is not reported; a Lens
 * sample is some 9,000 steps in boson-commerce) or a step's batch of storage reads, whose answer
 * holds native memory of its own until collected (without counting them, a 240-step run of
 * fees-and-rewards grew by 50 MB).
 */
const ANSWER_GAS = 2_000_000n;

let gc: ((options?: { type: "minor" }) => void) | undefined;

/** V8's `gc`, obtained once without exposing it to the rest of the process. */
function v8Gc(): (options?: { type: "minor" }) => void {
  if (gc === undefined) {
    // The flag installs `gc` in contexts created after it, such as this one; the main context is untouched.
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as (options?: { type: "minor" }) => void;
  }
  return gc;
}

/** V8's minor collection of the young generation, where a response that just came back lies. */
function collectYoung(): void {
  v8Gc()({ type: "minor" });
}

/** Growth of resident memory since the last full collection past which a reset collects (bytes). */
const RESET_COLLECT_GROWTH = 128 * 2 ** 20;
let rssAtCollect: number | undefined;

/**
 * A full collection at a reset, once the process has grown enough since the last one. A
 * reset replaces EDR's provider, and the old one (the whole previous chain, blocks and
 * states) is freed only when V8 collects the objects that hold it, which by then sit in the
 * old generation: a process running lockstep runs one after another (a sweep's worker) grew
 * by 12 MB a run, 317 to 497 MB over 16 runs of boson-commerce's 24 steps; with a full
 * collection before each run it stayed at 273-308 MB. A full collection costs some 40 ms,
 * and the JavaScript after it ran slower for a while (model-mode runs just after one: 141,000
 * to 230,000 actions/s, against 175,000 to 271,000 without), so it is paid only when the
 * growth calls for it.
 */
export function collectIfGrown(): void {
  const rss = process.memoryUsage.rss();
  if (rssAtCollect === undefined) rssAtCollect = rss;
  if (rss - rssAtCollect < RESET_COLLECT_GROWTH) return;
  // Without options, `gc` is a full, synchronous collection.
  v8Gc()();
  rssAtCollect = process.memoryUsage.rss();
}

export interface TraceReleaser {
  /** Transactions using `gas` were mined (their traces came back). */
  executed(gas: bigint): void;
  /** An `eth_call` or a batch of reads came back (counted as ANSWER_GAS). */
  answered(): void;
}

export function createTraceReleaser(): TraceReleaser {
  let pending = 0n;
  const add = (gas: bigint): void => {
    pending += gas;
    if (pending < TRACE_BUDGET_GAS) return;
    pending = 0n;
    collectYoung();
  };
  return {
    executed: add,
    answered: () => add(ANSWER_GAS),
  };
}
