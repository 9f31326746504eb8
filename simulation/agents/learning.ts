/**
 * Adaptive agents: a multi-armed bandit over named strategies, rewarded by the agent's own
 * results, and imitation of a better-performing peer. Building blocks for any scenario's
 * policies (Lockstep's commerce sellers use them; so can a user's agents, through the SDK).
 *
 * An agent's learning memory is its own: a plain record in a `Learning` store that the
 * scenario keeps in its off-chain state (so its KPIs can report the strategies), written only
 * by the agent's own policy. `adaptive` learns in one substep and chooses in another, and
 * peers are read only when choosing: every learner has written its memory before any peer
 * reads it, so the outcome does not depend on the order the agents decide in. Randomness comes
 * only from the agent's own stream (ctx.rng): a seed reproduces every choice.
 */
import type { Rng } from "../engine/rng.js";
import { actsIn, type Action, type AgentContext, type Policy } from "../engine/types.js";

/** What one agent has learnt about its strategies (arms). */
export interface BanditMemory {
  /** The strategies, by name, in a fixed order. */
  readonly arms: readonly string[];
  /** Times each arm was played and rewarded. */
  readonly counts: number[];
  /** Each arm's estimated reward per step (sample mean, or recency-weighted with a step size). */
  readonly values: number[];
  /** The arm played now; -1 before the first choice. */
  arm: number;
  /** The reward of the last step played. */
  lastReward: number;
  /**
   * The agent's cumulative score at the last learning (its reward is the change since). The first learning only
   * sets it: what came before (an agent's endowment arriving, say) is no reward.
   */
  mark: number | undefined;
  /** How the current arm was chosen: by the learner, copied from a peer, or fixed (a static agent). */
  how: "learnt" | "imitated" | "fixed" | "none";
}

export function newBanditMemory(arms: readonly string[]): BanditMemory {
  if (arms.length === 0) throw new TypeError("a bandit needs at least one arm");
  return {
    arms,
    counts: arms.map(() => 0),
    values: arms.map(() => 0),
    arm: -1,
    lastReward: 0,
    mark: undefined,
    how: "none",
  };
}

/** A rule that picks the next arm from what the memory holds. */
export interface Learner {
  readonly name: string;
  choose(memory: BanditMemory, rng: Rng): number;
}

/** The first arm never played, if any: every learner here tries each arm once before it compares them. */
function untried(memory: BanditMemory): number {
  return memory.counts.findIndex((c) => c === 0);
}

/** The arm of highest score, ties to the lowest index (deterministic). */
function argmax(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** Epsilon-greedy: the best-valued arm, except with probability `epsilon` a uniformly random one. */
export function epsilonGreedy(epsilon: number): Learner {
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RangeError(`epsilon = ${epsilon}: expected a number in 0..1`);
  return {
    name: `epsilon-greedy(${epsilon})`,
    choose(memory, rng) {
      const fresh = untried(memory);
      if (fresh >= 0) return fresh;
      if (rng.chance(epsilon)) return rng.int(0, memory.arms.length - 1);
      return argmax(memory.values);
    },
  };
}

/**
 * UCB1: the arm of highest value + c * sqrt(ln n / n_i), n the plays so far. `c` is in the reward's
 * units (the spread of rewards worth exploring for); it draws nothing from the stream.
 */
export function ucb1(c: number): Learner {
  if (!(c >= 0)) throw new RangeError(`c = ${c}: expected a number >= 0`);
  return {
    name: `ucb1(${c})`,
    choose(memory) {
      const fresh = untried(memory);
      if (fresh >= 0) return fresh;
      const n = memory.counts.reduce((a, b) => a + b, 0);
      return argmax(memory.values.map((v, i) => v + c * Math.sqrt(Math.log(n) / memory.counts[i]!)));
    },
  };
}

/**
 * Credits `reward` to the arm being played. Without `stepSize` the value is the arm's sample mean;
 * with one (0..1], a recency-weighted mean that follows a market that moves.
 */
export function rewardArm(memory: BanditMemory, reward: number, stepSize?: number): void {
  const a = memory.arm;
  if (a < 0) return;
  memory.counts[a]! += 1;
  const alpha = stepSize ?? 1 / memory.counts[a]!;
  memory.values[a]! += alpha * (reward - memory.values[a]!);
  memory.lastReward = reward;
}

/**
 * Imitation: with probability `probability`, one peer drawn uniformly; if its last reward beats the
 * agent's own, its current arm. Otherwise undefined (the agent's learner decides).
 */
export function imitate(
  memory: BanditMemory,
  peers: readonly BanditMemory[],
  rng: Rng,
  probability: number,
): number | undefined {
  if (peers.length === 0 || !rng.chance(probability)) return undefined;
  const peer = peers[rng.int(0, peers.length - 1)]!;
  if (peer.arm < 0 || peer.counts[peer.arm] === 0) return undefined;
  return peer.lastReward > memory.lastReward ? peer.arm : undefined;
}

/** The learning memories of a run's adaptive agents, by agent id: kept in the scenario's off-chain state. */
export interface Learning {
  readonly memories: Map<string, BanditMemory>;
}

export function newLearning(): Learning {
  return { memories: new Map() };
}

/**
 * The share of the adaptive agents playing each arm now (agents that have not chosen yet are left out),
 * as KPIs named `<prefix><arm>`; with no agent playing, every share is 0.
 */
export function strategyShares(learning: Learning, arms: readonly string[], prefix: string): Record<string, number> {
  const counts = arms.map(() => 0);
  let n = 0;
  for (const m of learning.memories.values()) {
    if (m.arm < 0 || m.arms !== arms) continue;
    counts[m.arm]! += 1;
    n++;
  }
  const out: Record<string, number> = {};
  arms.forEach((arm, i) => (out[`${prefix}${arm}`] = n === 0 ? 0 : counts[i]! / n));
  return out;
}

export interface AdaptiveOptions<P, V> {
  /** The strategies; the policy `act` gets the chosen one's index and name. */
  readonly arms: readonly string[];
  /** The learning store, from the view (the scenario keeps it in its off-chain state). */
  readonly learning: (view: V) => Learning;
  /** The learner (epsilonGreedy, ucb1, or one's own), from the parameters. */
  readonly learner: (params: P) => Learner;
  /** The agent's cumulative score (its wealth, say): the reward of a step is the change since the last learning. */
  readonly score: (view: V, ctx: AgentContext<P>) => number;
  /** The substep in which the agent scores its last step and learns. */
  readonly learnIn: string;
  /** The substep in which it chooses the strategy for the coming step (a different one). */
  readonly chooseIn: string;
  /** Chance of imitating a better peer when choosing (peers: the adaptive agents of the same role alive now). */
  readonly imitation?: (params: P) => number;
  /** Recency weight of the value estimates (undefined: sample means). */
  readonly stepSize?: (params: P) => number | undefined;
  /** Whether this agent adapts at all (a static agent plays `fixedArm`, chosen afresh in `chooseIn`). */
  readonly adapts?: (view: V, ctx: AgentContext<P>) => boolean;
  /** The arm a static agent plays, by index. */
  readonly fixedArm?: (view: V, ctx: AgentContext<P>) => number;
  /** What the agent does, in every substep it acts in, playing `arm` (-1 before its first choice). */
  readonly act: (view: V, ctx: AgentContext<P>, arm: number) => readonly Action[];
  /** The substeps `act` acts in (learnIn and chooseIn are added). */
  readonly substeps: readonly string[];
}

/**
 * A policy that learns: in `learnIn` it credits its score's change to the arm it played; in
 * `chooseIn` it imitates a better peer (with the imitation probability) or lets its learner
 * choose; in every substep it acts by `act` with the arm it plays.
 */
export function adaptive<P, V>(o: AdaptiveOptions<P, V>): Policy<P, V> {
  if (o.learnIn === o.chooseIn) throw new TypeError(`adaptive: learnIn and chooseIn must differ (${o.learnIn})`);
  const substeps = [...new Set([...o.substeps, o.learnIn, o.chooseIn])];
  return actsIn<P, V>(substeps, (view, ctx) => {
    const learning = o.learning(view);
    const id = ctx.self.id;
    let memory = learning.memories.get(id);
    if (memory === undefined) {
      memory = newBanditMemory(o.arms);
      learning.memories.set(id, memory);
    }
    if (o.adapts !== undefined && !o.adapts(view, ctx)) {
      // A static agent: it plays its fixed arm and learns nothing (recorded, so shares cover it).
      if (ctx.substep === o.chooseIn) {
        memory.arm = o.fixedArm?.(view, ctx) ?? -1;
        memory.how = "fixed";
      }
      return o.act(view, ctx, memory.arm);
    }
    if (ctx.substep === o.learnIn && memory.arm >= 0) {
      const now = o.score(view, ctx);
      if (memory.mark !== undefined) rewardArm(memory, now - memory.mark, o.stepSize?.(ctx.params));
      memory.mark = now;
    }
    if (ctx.substep === o.chooseIn) {
      const peers: BanditMemory[] = [];
      const p = o.imitation?.(ctx.params) ?? 0;
      if (p > 0) {
        for (const a of ctx.population) {
          if (a.role !== ctx.self.role || a.id === id) continue;
          const m = learning.memories.get(a.id);
          if (m !== undefined && m.arms === o.arms) peers.push(m);
        }
      }
      const copied = imitate(memory, peers, ctx.rng, p);
      memory.arm = copied ?? o.learner(ctx.params).choose(memory, ctx.rng);
      memory.how = copied === undefined ? "learnt" : "imitated";
    }
    return o.act(view, ctx, memory.arm);
  });
}
