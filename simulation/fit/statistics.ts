/**
 * The statistics a fit reproduces, from a list of actions with their times (an observation's,
 * or a simulated run's), and the distance between an observed set and simulated ones.
 *
 * - Counts: per Action kind, how many were sent in each step of the scenario's clock (reverted
 *   ones included: an attempt is behaviour too).
 * - Amounts: per (kind, numeric argument), the distribution of log10(1 + value): prices,
 *   deposits, withdrawals. Identifiers (arguments named `…Id`) are not amounts.
 * - Delays: per lifecycle link, the distribution of the time between two actions naming the
 *   same identifier (`exchangeId: redeemVoucher→completeExchange`), from the previous action
 *   that named it. An action that creates an identifier (a commit returns its exchange's id)
 *   does not name it, so a lifecycle is measured from the first action that does.
 *
 * The distance (the README states it): counts + amounts + delays, where
 *   counts  = Σ over kinds of the mean over steps of (o − s)² / (o + s + 1), o the observed count
 *             of the step, s the simulated runs' mean count (a symmetric chi-square per step, about
 *             1/2 per kind where both are draws of one Poisson law);
 *   amounts = Σ over amount series of the two-sample Kolmogorov–Smirnov statistic between the
 *             observed values and the simulated runs' values pooled (1 where only one side has any);
 *   delays  = the same over delay series.
 * Every part is scale-free, so no unit weighs more than another.
 */
export interface ActionTimed {
  readonly kind: string;
  readonly args: Readonly<Record<string, string | number | boolean | bigint>>;
  /** Seconds since the clock's start, on the scenario's clock. */
  readonly at: number;
}

export interface Statistics {
  readonly steps: number;
  /** kind -> count per step. */
  readonly counts: Readonly<Record<string, readonly number[]>>;
  /** `kind.argument` -> log10(1 + value), sorted. */
  readonly amounts: Readonly<Record<string, readonly number[]>>;
  /** `idArgument: kindA→kindB` -> seconds, sorted. */
  readonly delays: Readonly<Record<string, readonly number[]>>;
  readonly actions: number;
}

const ID = /Id$/;

export function statisticsOf(actions: Iterable<ActionTimed>, stepSeconds: number, steps: number): Statistics {
  const counts: Record<string, number[]> = {};
  const amounts: Record<string, number[]> = {};
  const delays: Record<string, number[]> = {};
  const last = new Map<string, { kind: string; at: number }>();
  let n = 0;
  for (const a of actions) {
    const step = Math.floor(a.at / stepSeconds);
    if (step < 0 || step >= steps) continue;
    n++;
    (counts[a.kind] ??= new Array<number>(steps).fill(0))[step]!++;
    for (const [name, value] of Object.entries(a.args)) {
      if (ID.test(name)) {
        const key = `${name}=${String(value)}`;
        const before = last.get(key);
        if (before !== undefined) (delays[`${name}: ${before.kind}→${a.kind}`] ??= []).push(a.at - before.at);
        last.set(key, { kind: a.kind, at: a.at });
        continue;
      }
      const amount = numeric(value);
      if (amount !== undefined) (amounts[`${a.kind}.${name}`] ??= []).push(log10OnePlus(amount));
    }
  }
  for (const list of [...Object.values(amounts), ...Object.values(delays)]) list.sort((x, y) => x - y);
  return { steps, counts, amounts, delays, actions: n };
}

/** An integer argument as a bigint (decimal strings are how records keep amounts); undefined for anything else. */
function numeric(v: string | number | boolean | bigint): bigint | undefined {
  if (typeof v === "bigint") return v >= 0n ? v : undefined;
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
  return undefined;
}

/** log10(1 + v) for an amount of any size (a uint256 does not fit a double's integers, its logarithm does). */
export function log10OnePlus(v: bigint): number {
  const digits = (v + 1n).toString();
  if (digits.length <= 15) return Math.log10(Number(v + 1n));
  return digits.length - 15 + Math.log10(Number(digits.slice(0, 15)));
}

export interface DistanceParts {
  readonly counts: number;
  readonly amounts: number;
  readonly delays: number;
  readonly total: number;
}

/** The distance between observed statistics and simulated runs' (see the module's notice). */
export function distance(observed: Statistics, simulated: readonly Statistics[]): DistanceParts {
  const steps = observed.steps;
  const kinds = new Set([...Object.keys(observed.counts), ...simulated.flatMap((s) => Object.keys(s.counts))]);
  let counts = 0;
  for (const kind of kinds) {
    let d = 0;
    for (let t = 0; t < steps; t++) {
      const o = observed.counts[kind]?.[t] ?? 0;
      let s = 0;
      for (const sim of simulated) s += sim.counts[kind]?.[t] ?? 0;
      s /= Math.max(1, simulated.length);
      d += ((o - s) * (o - s)) / (o + s + 1);
    }
    counts += d / steps;
  }
  const series = (pick: (s: Statistics) => Readonly<Record<string, readonly number[]>>): number => {
    const keys = new Set([...Object.keys(pick(observed)), ...simulated.flatMap((s) => Object.keys(pick(s)))]);
    let sum = 0;
    for (const key of keys) {
      const o = pick(observed)[key] ?? [];
      const pooled = simulated.flatMap((s) => pick(s)[key] ?? []).sort((x, y) => x - y);
      sum += o.length === 0 || pooled.length === 0 ? (o.length === pooled.length ? 0 : 1) : ks(o, pooled);
    }
    return sum;
  };
  const amounts = series((s) => s.amounts);
  const delays = series((s) => s.delays);
  return { counts, amounts, delays, total: counts + amounts + delays };
}

/** The two-sample Kolmogorov–Smirnov statistic of two sorted samples: the largest gap between their distribution functions. */
export function ks(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    gap = Math.max(gap, Math.abs(i / a.length - j / b.length));
  }
  return gap;
}
