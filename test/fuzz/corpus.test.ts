/**
 * The fuzz campaign's corpus: a prefix is kept exactly when its last step reached a call and outcome no earlier
 * step had, only in the first half of the depth, at most 64 of them; a sequence starts from one half the time,
 * the newest most often. Pure: sessions and runs are stand-ins with only what the corpus reads.
 */
import { expect } from "chai";
import { createRng } from "../../simulation/engine/rng.js";
import type { Outcome } from "../../simulation/engine/types.js";
import { createCorpus } from "../../simulation/fuzz/corpus.js";
import type { FuzzRun, FuzzSession } from "../../simulation/fuzz/session.js";
import type { FuzzStep, StepRecord } from "../../simulation/fuzz/types.js";

const session = { callOf: (s: FuzzStep) => `c.${s.action.kind}` } as unknown as FuzzSession;
const stepOf = (kind: string, i: number): FuzzStep => ({
  action: { agent: "a", kind, args: { i: BigInt(i) } },
  sender: "0x0000000000000000000000000000000000000001",
  time: BigInt(i),
});
const ok: Outcome = { ok: true, timestamp: 0n };
const refused = (name: string): Outcome => ({ ok: false, error: { name, args: [] }, timestamp: 0n });

/** Sends `outcomes` (kind and outcome) through one sequence, the corpus observing each step. */
function sequence(corpus: ReturnType<typeof createCorpus>, outcomes: readonly [string, Outcome][]): FuzzStep[] {
  const records: StepRecord[] = [];
  const steps: FuzzStep[] = [];
  const run = { records } as unknown as FuzzRun;
  outcomes.forEach(([kind, outcome], i) => {
    const step = stepOf(kind, i);
    steps.push(step);
    records.push({ step, model: outcome, chain: outcome });
    corpus.observe(session, run, steps);
  });
  return steps;
}

describe("fuzz corpus", () => {
  it("keeps the prefix up to each step whose call and outcome are new to the campaign, and no other", () => {
    const corpus = createCorpus(100);
    const first = sequence(corpus, [
      ["deposit", ok],
      ["deposit", ok],
      ["withdraw", refused("Insufficient")],
      ["withdraw", ok],
      ["withdraw", refused("Insufficient")],
    ]);
    expect(corpus.entries.map((e) => e.length)).to.deep.equal([1, 3, 4]);
    expect(corpus.entries[2]).to.deep.equal(first.slice(0, 4));
    // A second sequence reaching only what the first did adds nothing; another error of a known call does.
    sequence(corpus, [
      ["withdraw", ok],
      ["deposit", refused("Paused")],
    ]);
    expect(corpus.entries.map((e) => e.length)).to.deep.equal([1, 3, 4, 2]);
  });

  it("keeps no prefix past half the depth (no room left to go on), and at most 64, dropping the oldest", () => {
    const corpus = createCorpus(10);
    sequence(
      corpus,
      Array.from({ length: 8 }, (_, i) => [`k${i}`, ok] as [string, Outcome]),
    );
    expect(corpus.entries.map((e) => e.length)).to.deep.equal([1, 2, 3, 4, 5]);
    const big = createCorpus(1_000);
    sequence(
      big,
      Array.from({ length: 70 }, (_, i) => [`k${i}`, ok] as [string, Outcome]),
    );
    expect(big.entries.length).to.equal(64);
    expect(big.entries[0]!.length).to.equal(7);
  });

  it("starts half the sequences from a prefix (none while empty), the newest most often", () => {
    const corpus = createCorpus(100);
    const rng = createRng({ seed: 1, scenario: "t", stream: "corpus" });
    expect(corpus.pick(rng)).to.deep.equal([]);
    sequence(corpus, [
      ["a", ok],
      ["b", ok],
      ["c", ok],
      ["d", ok],
    ]);
    const counts = new Map<number, number>();
    for (let i = 0; i < 4_000; i++) {
      const n = corpus.pick(rng).length;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect(counts.get(0)!).to.be.within(1_800, 2_200);
    // Newest (4 steps) more often than the oldest (1 step).
    expect(counts.get(4)!).to.be.greaterThan(2 * counts.get(1)!);
  });
});
