/**
 * A small seeded PRNG (mulberry32) for deterministic test sequences. Never Math.random: a pinned seed must
 * reproduce the same sequence bit for bit.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n), for n in 1..2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new Error(`Prng.int: n must be an integer in 1..2^32, got ${n}`);
    return Math.floor((this.nextU32() / 2 ** 32) * n);
  }

  /** A uniform bigint in [lo, hi] (inclusive), by rejection over 32-bit limbs. */
  bigint(lo: bigint, hi: bigint): bigint {
    if (hi < lo) throw new Error(`Prng.bigint: empty range [${lo}, ${hi}]`);
    const span = hi - lo + 1n;
    const bits = span.toString(2).length;
    for (;;) {
      let r = 0n;
      for (let have = 0; have < bits; have += 32) r = (r << 32n) | BigInt(this.nextU32());
      r &= (1n << BigInt(bits)) - 1n;
      if (r < span) return lo + r;
    }
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.nextU32() / 2 ** 32 < p;
  }

  /** A uniform element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("Prng.pick: empty array");
    return item;
  }

  /** An index drawn with the given non-negative weights. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = (this.nextU32() / 2 ** 32) * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

/**
 * The same generator under the name the rewards tests import, plus `bigintBelow`. (Both test suites share this
 * file; keep the existing methods' behaviour so pinned seeds keep their sequences.)
 */
export class TestRng extends Prng {
  /** A uniform bigint in [0, n), for n >= 1. */
  bigintBelow(n: bigint): bigint {
    return this.bigint(0n, n - 1n);
  }
}
