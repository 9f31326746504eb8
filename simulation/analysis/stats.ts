import fCdf from "@stdlib/stats-base-dists-f-cdf";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { UserError } from "../engine/errors.js";

/**
 * Statistics for experiments: summaries across Monte Carlo runs, the paired t-test of an
 * A/B comparison (two arms run on the same seeds), and the F-test of a blocked design
 * (many treatments, each run on the same seeds). Pure functions on plain
 * numbers; amounts become numbers before they get here (`toPlotNumber`).
 *
 * Student's t distribution comes from stdlib (its CDF through the regularized incomplete
 * beta function, its quantile through the inverse); the wrappers here fix what NaN and
 * the ends of the range mean for us. The F distribution's CDF comes from stdlib too.
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
  return tCdf(t, df);
}

/** P(|T| >= |t|): the two-sided tail, as twice the lower tail at -|t| (no 1 - x cancellation). */
export function studentTTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** The t with P(T <= t) = p, for p in (0, 1); -Infinity and Infinity at 0 and 1. */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1 || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  return tQuantile(p, df);
}

/**
 * Half the width of the two-sided t interval of a sample's mean: t_{1-alpha/2, n-1} sd / sqrt(n)
 * (alpha = 1 - confidence); NaN for fewer than two values.
 */
export function meanHalfWidth(values: readonly number[], confidence = 0.95): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new UserError(`Invalid confidence ${confidence}: expected a number strictly between 0 and 1, such as 0.95.`);
  }
  const n = values.length;
  if (n < 2) return NaN;
  return studentTQuantile(1 - (1 - confidence) / 2, n - 1) * (sd(values) / Math.sqrt(n));
}

/** Why a blocked F-test's p-value is what it is. */
export type BlockedStatus =
  /** At least two treatments and two blocks, and the residuals vary: the F-test applies. */
  | "ok"
  /** Every treatment gave the same value in every block: no effect at all; F = 0, p = 1. */
  | "identical"
  /** The treatments differ and the residuals are all zero (the effect is the same in every block): p = 0. */
  | "exact"
  /** Fewer than two treatments, or fewer than two blocks with treatments that differ: no test; F and p are NaN. */
  | "too-few";

export interface BlockedFTest {
  /** Treatments (rows). */
  readonly treatments: number;
  /** Blocks (columns): the seeds every treatment ran on. */
  readonly blocks: number;
  /** Mean of each treatment over the blocks, in row order. */
  readonly means: readonly number[];
  /** F = (SS_treatments / df1) / (SS_residual / df2). */
  readonly f: number;
  /** Numerator degrees of freedom, treatments - 1. */
  readonly df1: number;
  /** Denominator degrees of freedom, (treatments - 1) (blocks - 1). */
  readonly df2: number;
  /** P(F >= f) under "no treatment effect". */
  readonly pValue: number;
  /**
   * The standard error of a difference between two treatment means, from the residual mean square:
   * sqrt(2 MS_residual / blocks). NaN when there is no residual degree of freedom.
   */
  readonly seDifference: number;
  readonly status: BlockedStatus;
}

/**
 * The F-test of a randomized complete block design (two-way analysis of variance without replication): `values[i][j]`
 * is treatment i in block j. Block effects (here: what a seed does to every treatment alike) are taken out, and the
 * treatments' spread is compared with the residual, the treatment x block interaction:
 *
 *   SS_treatments = b sum_i (mean_i - grand)^2,  df1 = t - 1
 *   SS_residual   = sum_ij (y_ij - mean_i - blockMean_j + grand)^2,  df2 = (t - 1)(b - 1)
 *   F = (SS_treatments / df1) / (SS_residual / df2),  p = P(F_{df1, df2} >= F)
 *
 * Every row must have one value per block (a rectangle of finite numbers).
 */
export function blockedFTest(values: readonly (readonly number[])[]): BlockedFTest {
  const t = values.length;
  const b = values[0]?.length ?? 0;
  values.forEach((row, i) => {
    if (row.length !== b)
      throw new UserError(
        `Cannot test treatment ${i} with ${row.length} values against ${b}: expected one value per block (seed) in every treatment.`,
      );
    row.forEach((v, j) => {
      if (!Number.isFinite(v))
        throw new UserError(`Invalid value ${v} of treatment ${i} in block ${j}: expected a finite number.`);
    });
  });
  const means = values.map((row) => mean(row));
  const df1 = t - 1;
  const df2 = (t - 1) * (b - 1);
  const result = (f: number, pValue: number, seDifference: number, status: BlockedStatus): BlockedFTest => ({
    treatments: t,
    blocks: b,
    means,
    f,
    df1,
    df2,
    pValue,
    seDifference,
    status,
  });
  // Compared exactly: no rounding of a sum of squares can make identical rows look different.
  if (t >= 2 && b >= 1 && values.every((row) => row.every((v, j) => v === values[0]![j]))) {
    return result(0, 1, b >= 2 ? 0 : NaN, "identical");
  }
  if (t < 2 || b < 2) return result(NaN, NaN, NaN, "too-few");
  const grand = mean(means);
  const blockMeans = Array.from({ length: b }, (_, j) => mean(values.map((row) => row[j]!)));
  let ssTreatments = 0;
  for (const m of means) ssTreatments += b * (m - grand) * (m - grand);
  let ssResidual = 0;
  values.forEach((row, i) =>
    row.forEach((v, j) => {
      const r = v - means[i]! - blockMeans[j]! + grand;
      ssResidual += r * r;
    }),
  );
  const msResidual = ssResidual / df2;
  const seDifference = Math.sqrt((2 * msResidual) / b);
  if (ssResidual === 0) return result(Infinity, 0, 0, "exact");
  const f = ssTreatments / df1 / msResidual;
  return result(f, Math.max(0, 1 - fCdf(f, df1, df2)), seDifference, "ok");
}
