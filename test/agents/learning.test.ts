import { expect } from "chai";
import {
  adaptive,
  epsilonGreedy,
  imitate,
  newBanditMemory,
  newLearning,
  rewardArm,
  strategyShares,
  ucb1,
  type Learner,
  type Learning,
} from "../../simulation/agents/learning.js";
import { rngFromString, type Rng } from "../../simulation/engine/rng.js";
import type { Account, Action, AgentContext } from "../../simulation/engine/types.js";

/** Two strategies with known payoffs: "low" pays N(1, 0.5) a step, "high" N(2, 0.5) (from the environment's own stream). */
const ARMS = ["low", "high"] as const;
const MEANS = [1, 2];

/** Plays `steps` steps of a bare bandit; returns the arms played. */
function play(learner: Learner, means: readonly number[], steps: number, seed: string): number[] {
  const memory = newBanditMemory(means.map((_, i) => `arm${i}`));
  const agent = rngFromString(`agent/${seed}`);
  const env = rngFromString(`env/${seed}`);
  const played: number[] = [];
  for (let s = 0; s < steps; s++) {
    memory.arm = learner.choose(memory, agent);
    played.push(memory.arm);
    rewardArm(memory, env.normal(means[memory.arm]!, 0.5));
  }
  return played;
}

const share = (played: readonly number[], arm: number): number =>
  played.filter((a) => a === arm).length / played.length;

describe("agents/learning: bandits", () => {
  // Known answer: after each arm is tried once, the better arm's sample mean leads; epsilon-greedy(0.1)
  // plays it but for exploration (at most 10% of steps, half of which land on it anyway).
  for (const seed of ["1", "2", "3", "4", "5"]) {
    it(`epsilon-greedy(0.1) converges to the better of two strategies within 10 steps (seed ${seed})`, () => {
      const played = play(epsilonGreedy(0.1), MEANS, 60, seed);
      // From step 10 on, the better arm is played at least 80% of the time.
      expect(share(played.slice(10), 1)).to.be.at.least(0.8);
    });
    it(`UCB1(1) converges to the better of two strategies within 10 steps (seed ${seed})`, () => {
      const played = play(ucb1(1), MEANS, 60, seed);
      expect(share(played.slice(10), 1)).to.be.at.least(0.8);
    });
  }

  it("follows the payoffs, not the arm's position: with the payoffs swapped it converges to the other arm", () => {
    for (const learner of [epsilonGreedy(0.1), ucb1(1)]) {
      expect(share(play(learner, [2, 1], 60, "1").slice(10), 0), learner.name).to.be.at.least(0.8);
    }
  });

  it("tries every arm once before comparing them", () => {
    expect(play(epsilonGreedy(0), [1, 1, 5], 3, "1")).to.deep.equal([0, 1, 2]);
    expect(play(ucb1(1), [1, 1, 5], 3, "1")).to.deep.equal([0, 1, 2]);
  });

  it("rewardArm: sample mean without a step size, recency-weighted with one", () => {
    const m = newBanditMemory(ARMS);
    m.arm = 0;
    for (const r of [1, 2, 3]) rewardArm(m, r);
    expect(m.values[0]).to.equal(2);
    expect(m.counts[0]).to.equal(3);
    const w = newBanditMemory(ARMS);
    w.arm = 0;
    rewardArm(w, 10, 0.5);
    rewardArm(w, 0, 0.5);
    expect(w.values[0]).to.equal(2.5);
  });

  it("rejects an epsilon outside 0..1 and a negative UCB constant, in one line", () => {
    expect(() => epsilonGreedy(1.5)).to.throw("epsilon = 1.5: expected a number in 0..1");
    expect(() => ucb1(-1)).to.throw("c = -1: expected a number >= 0");
  });
});

describe("agents/learning: imitation", () => {
  const peerPlaying = (arm: number, lastReward: number) => {
    const m = newBanditMemory(ARMS);
    m.arm = arm;
    rewardArm(m, lastReward);
    return m;
  };

  it("copies a better-earning peer's strategy, and never a worse one's", () => {
    const me = peerPlaying(0, 1);
    expect(imitate(me, [peerPlaying(1, 3)], rngFromString("x"), 1)).to.equal(1);
    expect(imitate(me, [peerPlaying(1, 0.5)], rngFromString("x"), 1)).to.equal(undefined);
    expect(imitate(me, [peerPlaying(1, 3)], rngFromString("x"), 0)).to.equal(undefined);
    expect(imitate(me, [], rngFromString("x"), 1)).to.equal(undefined);
  });

  it("imitates with the stated probability (about 30% of 2,000 draws at 0.3)", () => {
    const me = peerPlaying(0, 1);
    const rng = rngFromString("imitation");
    let copied = 0;
    for (let i = 0; i < 2_000; i++) if (imitate(me, [peerPlaying(1, 3)], rng, 0.3) !== undefined) copied++;
    expect(copied / 2_000).to.be.within(0.27, 0.33);
  });
});

/** A minimal world for `adaptive`: each agent's score is what its arms have paid it. */
interface World {
  readonly learning: Learning;
  readonly wealth: Map<string, number>;
}

function contexts(ids: readonly string[], seed: string): AgentContext<{ epsilon: number; imitation: number }>[] {
  const population: Account[] = ids.map((id) => ({ id, role: "trader", address: "0x00", attrs: {} }));
  return population.map((self) => ({
    step: 0,
    substep: "",
    substepIndex: 0,
    time: 0n,
    params: { epsilon: 0.1, imitation: 0 },
    rng: rngFromString(`${seed}/${self.id}`),
    self,
    addressOf: () => "0x00",
    population,
    newcomers: [],
  }));
}

describe("agents/learning: adaptive policy", () => {
  const policy = adaptive<{ epsilon: number; imitation: number }, World>({
    arms: ARMS,
    learning: (w) => w.learning,
    learner: (p) => epsilonGreedy(p.epsilon),
    score: (w, ctx) => w.wealth.get(ctx.self.id) ?? 0,
    learnIn: "learn",
    chooseIn: "choose",
    imitation: (p) => p.imitation,
    substeps: ["trade"],
    act: (_w, ctx, arm) =>
      ctx.substep === "trade" && arm >= 0 ? [{ agent: ctx.self.id, kind: ARMS[arm]!, args: {} }] : [],
  });

  /** Steps of choose, trade (each trade pays its arm's N(mean, 0.5)), learn; returns each step's actions. */
  function simulate(ids: readonly string[], steps: number, seed: string, imitation = 0): Action[][] {
    const world: World = { learning: newLearning(), wealth: new Map() };
    const ctxs = contexts(ids, seed);
    for (const c of ctxs)
      (c as { params: { epsilon: number; imitation: number } }).params = { epsilon: 0.1, imitation };
    const env: Rng = rngFromString(`payoffs/${seed}`);
    const log: Action[][] = [];
    for (let step = 0; step < steps; step++) {
      const actions: Action[] = [];
      for (const substep of ["choose", "trade", "learn"]) {
        for (const ctx of ctxs) {
          Object.assign(ctx, { step, substep });
          for (const a of policy(world, ctx)) {
            actions.push(a);
            const arm = ARMS.indexOf(a.kind as (typeof ARMS)[number]);
            world.wealth.set(a.agent, (world.wealth.get(a.agent) ?? 0) + env.normal(MEANS[arm]!, 0.5));
          }
        }
      }
      log.push(actions);
    }
    return log;
  }

  it("learns from its own score: an agent plays the better strategy at least 80% of steps 15..60", () => {
    const log = simulate(["a"], 60, "1");
    const played = log.slice(15).map((acts) => (acts[0]?.kind === "high" ? 1 : 0));
    expect(share(played, 1)).to.be.at.least(0.8);
  });

  it("is deterministic per seed: the same seed plays the same strategies, another seed others", () => {
    const kinds = (seed: string) =>
      JSON.stringify(simulate(["a", "b", "c"], 40, seed).map((s) => s.map((a) => a.kind)));
    expect(kinds("7")).to.equal(kinds("7"));
    expect(kinds("7")).to.not.equal(kinds("8"));
  });

  it("strategyShares: the share of agents playing each strategy", () => {
    const learning = newLearning();
    for (const [id, arm] of [
      ["a", 0],
      ["b", 1],
      ["c", 1],
      ["d", -1],
    ] as const) {
      const m = newBanditMemory(ARMS);
      m.arm = arm;
      learning.memories.set(id, m);
    }
    expect(strategyShares(learning, ARMS, "s_")).to.deep.equal({ s_low: 1 / 3, s_high: 2 / 3 });
    expect(strategyShares(newLearning(), ARMS, "s_")).to.deep.equal({ s_low: 0, s_high: 0 });
  });
});
