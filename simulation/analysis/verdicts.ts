/**
 * What an optimisation may claim, given its noise: whether the objective varies over the searched range at all
 * (`flatness`), and whether the chain's re-runs order the best candidates as the model did, difference by difference
 * (`rankingVerdict`). Both lean on common random numbers: every candidate runs on the same seeds, so a seed's effect
 * on all of them is taken out before their differences are judged.
 */
import { blockedFTest, pairedDifference, type BlockedFTest, type PairedDifference } from "./stats.js";

/** The significance level of both verdicts. */
export const ALPHA = 0.05;

export const FLATNESS_TEST = "randomized complete block F-test, seeds as blocks";
export const RANKING_TEST = "paired t-tests of neighbouring ranks on common seeds, Holm-adjusted";

export type FlatnessVerdict =
  /** The candidates' differences are within the noise (or there are none): no best can be named. */
  | "flat"
  /** The objective varies over the candidates beyond the noise. */
  | "varies"
  /** Too few candidates or seeds to estimate the noise: no verdict either way. */
  | "untested";

export interface Flatness extends BlockedFTest {
  readonly verdict: FlatnessVerdict;
  readonly test: string;
  readonly alpha: number;
}

/**
 * Whether the objective varies over the candidates beyond its noise: `values[i][j]` is candidate i's objective on
 * seed j (every candidate on the same seeds). Flat when every candidate gave the same value on every seed, or when
 * the block F-test does not reject "no candidate effect" at `alpha`.
 */
export function flatness(values: readonly (readonly number[])[], alpha = ALPHA): Flatness {
  const f = blockedFTest(values);
  const verdict: FlatnessVerdict =
    f.status === "identical" ? "flat" : f.status === "too-few" ? "untested" : f.pValue < alpha ? "varies" : "flat";
  return { ...f, verdict, test: FLATNESS_TEST, alpha };
}

export type PairVerdict =
  /** The difference is beyond the noise, in the model's order. */
  | "confirmed"
  /** The difference is beyond the noise, against the model's order. */
  | "reversed"
  /** The difference is within the noise. */
  | "tie";

export interface RankingPair extends PairedDifference {
  /** The model's ranks (1 = best) of the two candidates: `upper` is ranked above `lower`. */
  readonly upper: number;
  readonly lower: number;
  /** The p-value after Holm's adjustment over the neighbouring pairs. */
  readonly adjustedP: number;
  readonly verdict: PairVerdict;
}

export type RankingVerdictKind =
  /** Every neighbouring difference is beyond the noise, in the model's order. */
  | "confirmed"
  /** Some neighbouring differences are beyond the noise in the model's order, the others are ties. */
  | "partial"
  /** No neighbouring difference is beyond the noise: the ranking is a tie. */
  | "tie"
  /** A difference beyond the noise against the model's order (or, decided by the caller, a divergence or a failure). */
  | "not-confirmed"
  /** One candidate: nothing to rank. */
  | "single";

export interface RankingVerdict {
  readonly verdict: RankingVerdictKind;
  readonly pairs: readonly RankingPair[];
  readonly test: string;
  readonly alpha: number;
}

/**
 * The chain's verdict on the model's ranking: `values[i][j]` is the objective of the candidate the model ranks i + 1,
 * re-run on seed j (the same seeds for all). Each neighbouring pair (#i, #i+1) is compared by a paired t-test of
 * #i - #i+1 over the seeds; the p-values are Holm-adjusted over the pairs, so that the chance of calling any tie an
 * order stays within `alpha`.
 */
export function rankingVerdict(
  values: readonly (readonly number[])[],
  maximize: boolean,
  alpha = ALPHA,
): RankingVerdict {
  const tests = values.slice(1).map((lower, i) => pairedDifference(values[i]!, lower));
  const adjusted = holm(tests.map((t) => t.pValue));
  const pairs = tests.map((t, i): RankingPair => {
    const significant = adjusted[i]! <= alpha;
    const inOrder = maximize ? t.meanDiff > 0 : t.meanDiff < 0;
    return {
      ...t,
      upper: i + 1,
      lower: i + 2,
      adjustedP: adjusted[i]!,
      verdict: !significant || t.meanDiff === 0 ? "tie" : inOrder ? "confirmed" : "reversed",
    };
  });
  const verdict: RankingVerdictKind =
    pairs.length === 0
      ? "single"
      : pairs.some((p) => p.verdict === "reversed")
        ? "not-confirmed"
        : pairs.every((p) => p.verdict === "confirmed")
          ? "confirmed"
          : pairs.every((p) => p.verdict === "tie")
            ? "tie"
            : "partial";
  return { verdict, pairs, test: RANKING_TEST, alpha };
}

/**
 * Holm's step-down adjustment: with the m p-values sorted ascending, the j-th (from 0) becomes
 * max over l <= j of min(1, (m - l) p_(l)). A NaN p-value (no test) stays NaN and is never significant.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.filter((p) => !Number.isNaN(p)).length;
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter((x) => !Number.isNaN(x.p))
    .sort((a, b) => a.p - b.p || a.i - b.i);
  const out = pValues.map(() => NaN);
  let running = 0;
  order.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[i] = running;
  });
  return out;
}
