import { createHash } from "node:crypto";
import seedrandom from "seedrandom";

/**
 * A seeded random stream. Every agent of every run draws from its own stream, keyed by
 * the run's seed, the scenario and the agent id, so adding an agent never shifts
 * another's draws and one seed reproduces a run bit for bit. Experiments derive each
 * run's seed (`deriveSeed`) from the base seed and the run alone, so that subsets, arms and
 * candidates share common random numbers (sweeps by default, A/B, optimisation), or from the
 * base seed, the subset and the run (sweeps with --independent-seeds).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Uniform bigint in [lo, hi] (inclusive), exact for any width. */
  bigint(lo: bigint, hi: bigint): bigint;
  /** An index drawn with probability proportional to its weight; -1 when all weights are 0. */
  weighted(weights: readonly number[]): number;
  /** Standard normal draw (Box-Muller). */
  normal(mean: number, sd: number): number;
}

export interface StreamKey {
  readonly seed: number;
  readonly scenario: string;
  readonly stream: string;
}

export function streamKey(key: StreamKey): string {
  return `${key.seed}/${key.scenario}/${key.stream}`;
}

export function createRng(key: StreamKey): Rng {
  return rngFromString(streamKey(key));
}

/** A run's seed from the experiment's base seed and its coordinates: a uint32, stable across versions. */
export function deriveSeed(base: number, ...coordinates: readonly (string | number)[]): number {
  return createHash("sha256")
    .update([base, ...coordinates].join("/"))
    .digest()
    .readUInt32BE(0);
}

export function rngFromString(seed: string): Rng {
  const prng = seedrandom.alea(seed);
  const next = (): number => prng();
  return {
    next,
    int(lo, hi) {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    chance(p) {
      return next() < p;
    },
    bigint(lo, hi) {
      const span = hi - lo + 1n;
      if (span <= 0n) return lo;
      // 32 random bits at a time until the draw covers the span, then reduce.
      let acc = 0n;
      let bits = 0n;
      while (1n << bits < span << 32n) {
        acc = (acc << 32n) | BigInt(prng.int32() >>> 0);
        bits += 32n;
      }
      return lo + (acc % span);
    },
    weighted(weights) {
      let total = 0;
      for (const w of weights) total += w > 0 ? w : 0;
      if (total <= 0) return -1;
      let x = next() * total;
      let last = -1;
      for (let i = 0; i < weights.length; i++) {
        const w = weights[i]!;
        if (w <= 0) continue;
        last = i;
        x -= w;
        if (x < 0) return i;
      }
      return last; // only reached through floating-point rounding
    },
    normal(mean, sd) {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
