import { UserError } from "../engine/errors.js";

/**
 * Statistics for experiments: summaries across Monte Carlo runs and the paired t-test
 * of an A/B comparison (two arms run on the same seeds). Pure functions on plain
 * numbers; amounts become numbers before they get here (`toPlotNumber`).
 *
 * Student's t distribution is computed from scratch: its CDF through the regularized
 * incomplete beta function (a continued fraction evaluated by the modified Lentz
 * method), its inverse by safeguarded Newton steps inside a bisection bracket.
 */

/** Arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (divisor n - 1), two-pass; NaN for fewer than two values. */
export function sd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (n - 1));
}

/**
 * The q-quantile of values sorted ascending, by linear interpolation between order
 * statistics (Hyndman and Fan type 7: numpy's default, DuckDB's `quantile_cont`):
 * h = (n - 1) q, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]). NaN for no values.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new UserError(`Invalid quantile ${q}: expected a number in 0..1.`);
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const x = sorted[lo]!;
  if (lo + 1 >= n) return x;
  return x + (h - lo) * (sorted[lo + 1]! - x);
}

export interface Summary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation; NaN when n < 2. */
  readonly sd: number;
  readonly p5: number;
  readonly p50: number;
  readonly p95: number;
}

/** n, mean, sample sd and the 5th, 50th and 95th percentiles (type 7) of a sample. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: values.length,
    mean: mean(values),
    sd: sd(values),
    p5: quantile(sorted, 0.05),
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
  };
}

/** Why a paired comparison's interval is what it is. */
export type PairedStatus =
  /** n >= 2 and the differences vary: the t interval and test apply. */
  | "ok"
  /** Fewer than two pairs: no variance estimate, so the interval, t and p are NaN. */
  | "too-few-pairs"
  /** Every difference is the same: the interval is that single value; p is 0 (1 when it is 0). */
  | "zero-variance";

export interface PairedDifference {
  readonly n: number;
  /** Mean of a[i] - b[i]. */
  readonly meanDiff: number;
  /** Sample standard deviation of the differences. */
  readonly sd: number;
  /** Two-sided confidence interval of the mean difference. */
  readonly ci: readonly [number, number];
  readonly t: number;
  readonly df: number;
  /** Two-sided p-value of "the mean difference is 0". */
  readonly pValue: number;
  readonly confidence: number;
  readonly status: PairedStatus;
}

/**
 * Two-sided paired t-test of a against b (pair i: the same seed in both arms): the mean
 * of the differences d = a - b, its t interval mean +- t_{1-alpha/2, n-1} sd / sqrt(n),
 * and the p-value of t = mean / (sd / sqrt(n)) on n - 1 degrees of freedom.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], confidence = 0.95): PairedDifference {
  if (a.length !== b.length) {
    throw new UserError(
      `Cannot pair ${a.length} values with ${b.length}: expected one value per seed in each arm (equal lengths).`,
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new UserError(`Invalid confidence ${confidence}: expected a number strictly between 0 and 1, such as 0.95.`);
  }
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - b[i]!;
    if (!Number.isFinite(x)) {
      throw new UserError(
        `Invalid pair ${i}: a = ${a[i]}, b = ${b[i]}: expected finite numbers (drop failed runs from both arms).`,
      );
    }
    d.push(x);
  }
  const n = d.length;
  const df = n - 1;
  const m = mean(d);
  const s = sd(d);
  if (n < 2) {
    return { n, meanDiff: m, sd: s, ci: [NaN, NaN], t: NaN, df, pValue: NaN, confidence, status: "too-few-pairs" };
  }
  if (s === 0) {
    return {
      n,
      meanDiff: m,
      sd: 0,
      ci: [m, m],
      t: m === 0 ? 0 : m > 0 ? Infinity : -Infinity,
      df,
      pValue: m === 0 ? 1 : 0,
      confidence,
      status: "zero-variance",
    };
  }
  const se = s / Math.sqrt(n);
  const t = m / se;
  const half = studentTQuantile(1 - (1 - confidence) / 2, df) * se;
  return {
    n,
    meanDiff: m,
    sd: s,
    ci: [m - half, m + half],
    t,
    df,
    pValue: studentTTwoSided(t, df),
    confidence,
    status: "ok",
  };
}

/** P(T <= t) for Student's t with df degrees of freedom (df > 0, not necessarily an integer). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  const upper = studentTUpper(Math.abs(t), df);
  return t >= 0 ? 1 - upper : upper;
}

/** P(|T| >= |t|): the two-sided tail, computed directly (no 1 - x cancellation). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  return Math.min(1, 2 * studentTUpper(Math.abs(t), df));
}

/** The density of Student's t. */
export function studentTPdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  const logC = lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** The t with P(T <= t) = p, for p in (0, 1); -Infinity and Infinity at 0 and 1. */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p < 0.5) return -upperQuantile(p, df);
  return upperQuantile(1 - p, df);
}

/** P(T >= t) for t >= 0: half the regularized incomplete beta I_{df/(df+t^2)}(df/2, 1/2). */
function studentTUpper(t: number, df: number): number {
  if (t === Infinity) return 0;
  return 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t >= 0 with P(T >= t) = q, for q in (0, 0.5). */
function upperQuantile(q: number, df: number): number {
  // Bracket: P(T >= t) falls from 0.5 at t = 0 towards 0, so double hi until it is below q.
  let lo = 0;
  let hi = 1;
  while (studentTUpper(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return Infinity;
  }
  // Newton on g(t) = P(T >= t) - q (g' = -pdf), falling back to bisection whenever a step
  // leaves the bracket; the bracket shrinks every iteration.
  let t = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const g = studentTUpper(t, df) - q;
    if (g === 0) return t;
    if (g > 0) lo = t;
    else hi = t;
    const step = g / studentTPdf(t, df);
    let next = t + step;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t)) || hi - lo <= 1e-15 * hi) return next;
    t = next;
  }
  return t;
}

/**
 * The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in [0, 1]. The
 * continued fraction converges quickly for x < (a + 1) / (a + b + 2); beyond it the
 * symmetry I_x(a, b) = 1 - I_{1-x}(b, a) is used.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (Number.isNaN(x) || !(a > 0) || !(b > 0)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - lnBeta(a, b);
  return Math.exp(logFront) / a / betaContinuedFraction(x, a, b);
}

/**
 * g = 1 + d1 / (1 + d2 / (1 + d3 / ...)), so that I_x(a, b) = x^a (1 - x)^b / (a B(a, b) g),
 * with d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) and
 * d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)). Evaluated front to back by the modified
 * Lentz method: f_j = f_{j-1} C_j D_j with C_j = 1 + d_j / C_{j-1}, D_j = 1 / (1 + d_j D_{j-1}).
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let j = 1; j <= 10_000; j++) {
    const m = Math.floor(j / 2);
    const dj =
      j % 2 === 1
        ? (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
        : (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + dj * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + dj / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) return f;
  }
  return f;
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/**
 * ln Gamma(x) for x > 0: Stirling's asymptotic series, after shifting x up to at least 15
 * with Gamma(x) = Gamma(x + k) / (x (x + 1) ... (x + k - 1)). The series' coefficients
 * are B_{2k} / (2k (2k - 1)) for the Bernoulli numbers B_2 .. B_14; at x >= 15 the first
 * omitted term is below 1e-19.
 */
export function lnGamma(x: number): number {
  if (!(x > 0)) return NaN;
  let shift = 0;
  let z = x;
  let product = 1;
  while (z < 15) {
    product *= z;
    z += 1;
    shift++;
  }
  const z2 = 1 / (z * z);
  const series =
    (1 / z) *
    (1 / 12 +
      z2 * (-1 / 360 + z2 * (1 / 1260 + z2 * (-1 / 1680 + z2 * (1 / 1188 + z2 * (-691 / 360360 + z2 * (1 / 156)))))));
  const stirling = (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + series;
  return shift === 0 ? stirling : stirling - Math.log(product);
}
