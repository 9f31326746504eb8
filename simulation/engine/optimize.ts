import { UserError } from "./errors.js";
import { rngFromString, type Rng } from "./rng.js";

/**
 * A deterministic optimiser over box-bounded parameters: CMA-ES, (mu/mu_w, lambda) with
 * cumulative step-size adaptation and rank-one plus rank-mu covariance updates (Hansen,
 * "The CMA Evolution Strategy: A Tutorial", 2016), behind an ask/tell interface so the
 * caller evaluates a whole generation in parallel.
 *
 * Why CMA-ES rather than a real-coded GA: the objectives here are few-parameter
 * (2..20), correlated (a fee rate and an emission share trade off), and each evaluation
 * is a simulation run, so sample efficiency matters most. CMA-ES learns the correlations
 * and the scale by itself (no crossover or mutation rates to tune), it only uses the
 * ranking of a generation (so any monotone transformation of the objective, and the
 * constraint ranking below, are harmless), and noise is handled the same way a GA
 * would: a larger population (`populationSize`) averages it out. A GA's remaining
 * advantage, natural integers, is recovered with two measures:
 *
 * - Integers by rounding at evaluation: each integer parameter is mapped so that every
 *   integer of min..max owns an equal interval ([min - 0.5, max + 0.5]), and the value
 *   handed out is the rounded one. The distribution itself stays continuous.
 * - A margin (after CMA-ES with margin, Hamano et al. 2022, simplified): the standard
 *   deviation of an integer coordinate never falls below 0.2 of one integer step (the
 *   diagonal of C is raised when it would), so the search keeps probing the neighbouring
 *   integers instead of freezing on a plateau of equal rounded values.
 *
 * Bounds: the search runs in normalized coordinates [0, 1]^n; a sample outside the box is
 * repaired by clipping, and the repaired point is what is evaluated and what the update
 * learns from (so an optimum on a bound is approached, not overshot forever); the mean
 * is clipped into the box too.
 *
 * Constraints: a candidate is feasible or not, with a violation >= 0. Ranking puts every
 * feasible candidate above every infeasible one, feasible by objective, infeasible by
 * violation (Deb's rules), ties by candidate order.
 *
 * Randomness comes from one seeded stream (`rngFromString`): the same seed and the same
 * told results give the same candidates, bit for bit.
 */

export interface OptimizerParam {
  /** Dotted parameter path, such as `fees.feeBps`. */
  readonly path: string;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

export interface OptimizerOptions {
  readonly params: readonly OptimizerParam[];
  readonly seed: number | string;
  /** lambda, candidates per generation; default 4 + floor(3 ln n). Raise it for noisy objectives. */
  readonly populationSize?: number;
  readonly maximize: boolean;
  /** The initial step size as a fraction of each range; default 0.3. */
  readonly initialStepSize?: number;
  /** Where the search starts; default the middle of every range. */
  readonly start?: Readonly<Record<string, number>>;
}

export interface Candidate {
  /** Unique over the optimiser's life, increasing. */
  readonly id: number;
  readonly generation: number;
  /** One value per parameter path, within bounds, integers where asked. */
  readonly values: Readonly<Record<string, number>>;
}

export interface Evaluation {
  readonly id: number;
  /** Read only when feasible; must then be finite. */
  readonly objective: number;
  readonly feasible: boolean;
  /** How far outside the constraints (>= 0; Infinity for a run that failed); 0 when feasible. */
  readonly violation: number;
}

/** A point of the search with everything told about it (identical values are merged). */
export interface RankedPoint {
  readonly values: Readonly<Record<string, number>>;
  /** The mean objective over its feasible evaluations; NaN when none was feasible. */
  readonly objective: number;
  /** Every evaluation of it was feasible. */
  readonly feasible: boolean;
  /** The mean violation over its evaluations. */
  readonly violation: number;
  readonly evaluations: number;
  /** The first candidate that had these values. */
  readonly id: number;
  readonly generation: number;
}

export interface GenerationSummary {
  readonly generation: number;
  /** The best feasible objective of the generation; NaN when none was feasible. */
  readonly best: number;
  /** The mean objective of its feasible candidates; NaN when none was feasible. */
  readonly mean: number;
  readonly feasibleShare: number;
  /** The best feasible objective so far. */
  readonly bestSoFar: number;
  /** The step size sigma after the update, in normalized units (fractions of the ranges). */
  readonly stepSize: number;
}

export interface Optimizer {
  /** The generation's candidates; asking again before `tell` returns the same ones. */
  ask(): Candidate[];
  /** Results for every candidate of the asked generation, in any order; then the update. */
  tell(results: readonly Evaluation[]): void;
  /** The k best points seen, best first. */
  best(k?: number): RankedPoint[];
  /** Generations told so far. */
  readonly generation: number;
  readonly history: readonly GenerationSummary[];
  readonly populationSize: number;
}

export type CreateOptimizerParameters = OptimizerOptions;
export type CreateOptimizerReturnType = Optimizer;

/** Minimum standard deviation of an integer coordinate, in integer steps (the margin). */
const INTEGER_MARGIN = 0.2;

export function createOptimizer(options: OptimizerOptions): Optimizer {
  const params = checkOptions(options);
  const n = params.length;
  const lambda = options.populationSize ?? 4 + Math.floor(3 * Math.log(n));
  const rng: Rng = rngFromString(`lockstep/optimize/${String(options.seed)}`);
  const sign = options.maximize ? -1 : 1; // internally, minimize sign * objective

  // Real intervals each normalized coordinate maps onto; integers own [k - 0.5, k + 0.5].
  const lo = params.map((p) => (p.integer ? p.min - 0.5 : p.min));
  const width = params.map((p) => (p.integer ? p.max - p.min + 1 : p.max - p.min));
  const minStd = params.map((p, i) => (p.integer ? INTEGER_MARGIN / width[i]! : 0));

  // Strategy parameters (Hansen 2016, table 1, positive weights only).
  const mu = Math.floor(lambda / 2);
  const rawWeights = Array.from({ length: mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const weightSum = rawWeights.reduce((s, w) => s + w, 0);
  const weights = rawWeights.map((w) => w / weightSum);
  const muEff = 1 / weights.reduce((s, w) => s + w * w, 0);
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const c1 = 2 / ((n + 1.3) ** 2 + muEff);
  const cMu = Math.min(1 - c1, (2 * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + muEff));
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));

  // State.
  let mean = params.map((p, i) => {
    const s = options.start?.[p.path];
    if (s === undefined) return 0.5;
    return clamp01((s - lo[i]!) / (width[i]! || 1));
  });
  let sigma = options.initialStepSize ?? 0.3;
  let C = identity(n);
  let pSigma = new Array<number>(n).fill(0);
  let pc = new Array<number>(n).fill(0);
  let eigen = decompose(C);

  let generation = 0;
  let nextId = 0;
  let asked: { candidates: Candidate[]; x: number[][] } | undefined;
  const history: GenerationSummary[] = [];
  const archive = new Map<string, Aggregate>();
  let bestSoFar = NaN;

  const valuesOf = (x: readonly number[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const p = params[i]!;
      const real = lo[i]! + x[i]! * width[i]!;
      out[p.path] = p.integer
        ? Math.min(p.max, Math.max(p.min, Math.round(real))) + 0
        : Math.min(p.max, Math.max(p.min, real));
    }
    return out;
  };

  const ask = (): Candidate[] => {
    if (asked !== undefined) return [...asked.candidates];
    const candidates: Candidate[] = [];
    const xs: number[][] = [];
    for (let k = 0; k < lambda; k++) {
      const z = Array.from({ length: n }, () => rng.normal(0, 1));
      // y = B D z ~ N(0, C); x = m + sigma y, repaired into the box.
      const y = matVec(
        eigen.B,
        z.map((zi, i) => eigen.d[i]! * zi),
      );
      const x = y.map((yi, i) => clamp01(mean[i]! + sigma * yi));
      xs.push(x);
      candidates.push({ id: nextId++, generation, values: valuesOf(x) });
    }
    asked = { candidates, x: xs };
    return [...candidates];
  };

  const tell = (results: readonly Evaluation[]): void => {
    if (asked === undefined) throw new UserError("Optimizer.tell() called before ask(): ask for a generation first.");
    const { candidates, x: xs } = asked;
    const byId = new Map<number, Evaluation>();
    const index = new Map(candidates.map((c, i) => [c.id, i]));
    for (const r of results) {
      if (!index.has(r.id)) {
        throw new UserError(
          `Optimizer.tell(): unknown candidate id ${r.id}: expected ids of generation ${generation} (${candidates[0]!.id}..${candidates[candidates.length - 1]!.id}).`,
        );
      }
      if (byId.has(r.id))
        throw new UserError(`Optimizer.tell(): candidate ${r.id} told twice: expected one result each.`);
      if (r.feasible && !Number.isFinite(r.objective)) {
        throw new UserError(
          `Optimizer.tell(): candidate ${r.id} is feasible with objective ${r.objective}: expected a finite number (mark failed runs infeasible, violation Infinity).`,
        );
      }
      if (!(r.violation >= 0)) {
        throw new UserError(
          `Optimizer.tell(): candidate ${r.id} has violation ${r.violation}: expected a number >= 0.`,
        );
      }
      byId.set(r.id, r);
    }
    if (byId.size !== candidates.length) {
      const missing = candidates.filter((c) => !byId.has(c.id)).map((c) => c.id);
      throw new UserError(
        `Optimizer.tell(): no result for candidates ${missing.join(", ")}: expected one per candidate asked.`,
      );
    }
    const evals = candidates.map((c) => byId.get(c.id)!);

    // Archive and history.
    let genBest = NaN;
    let feasibleSum = 0;
    let feasibleCount = 0;
    candidates.forEach((c, i) => {
      const e = evals[i]!;
      const key = pointKey(params, c.values);
      let agg = archive.get(key);
      if (agg === undefined) {
        agg = {
          values: c.values,
          id: c.id,
          generation: c.generation,
          n: 0,
          feasibleN: 0,
          objectiveSum: 0,
          violationSum: 0,
        };
        archive.set(key, agg);
      }
      agg.n++;
      agg.violationSum += e.feasible ? 0 : e.violation;
      if (e.feasible) {
        agg.feasibleN++;
        agg.objectiveSum += e.objective;
        feasibleCount++;
        feasibleSum += e.objective;
        if (Number.isNaN(genBest) || sign * e.objective < sign * genBest) genBest = e.objective;
      }
    });
    if (!Number.isNaN(genBest) && (Number.isNaN(bestSoFar) || sign * genBest < sign * bestSoFar)) bestSoFar = genBest;

    // Rank: feasible by objective, then infeasible by violation, ties by order.
    const order = evals.map((_, i) => i).sort((a, b) => compareEvaluations(evals[a]!, evals[b]!, sign) || a - b);

    // Update (Hansen 2016, section 3), in normalized coordinates.
    const ys = order.slice(0, mu).map((i) => xs[i]!.map((xi, j) => (xi - mean[j]!) / sigma));
    const yw = new Array<number>(n).fill(0);
    ys.forEach((y, k) => y.forEach((yi, j) => (yw[j]! += weights[k]! * yi)));
    mean = mean.map((m, j) => clamp01(m + sigma * yw[j]!));

    // C^{-1/2} yw = B D^{-1} B^T yw.
    const bty = matTVec(eigen.B, yw).map((v, i) => v / eigen.d[i]!);
    const invSqrtY = matVec(eigen.B, bty);
    const ps = Math.sqrt(cSigma * (2 - cSigma) * muEff);
    pSigma = pSigma.map((p, j) => (1 - cSigma) * p + ps * invSqrtY[j]!);
    const pSigmaNorm = Math.sqrt(pSigma.reduce((s, v) => s + v * v, 0));
    const hSigma =
      pSigmaNorm / Math.sqrt(1 - (1 - cSigma) ** (2 * (generation + 1))) < (1.4 + 2 / (n + 1)) * chiN ? 1 : 0;
    const pcs = hSigma * Math.sqrt(cc * (2 - cc) * muEff);
    pc = pc.map((p, j) => (1 - cc) * p + pcs * yw[j]!);
    const deltaH = (1 - hSigma) * cc * (2 - cc);
    const keep = 1 - c1 - cMu + c1 * deltaH;
    const next = zeros(n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c <= r; c++) {
        let rankMu = 0;
        ys.forEach((y, k) => (rankMu += weights[k]! * y[r]! * y[c]!));
        const v = keep * C[r]![c]! + c1 * pc[r]! * pc[c]! + cMu * rankMu;
        next[r]![c] = v;
        next[c]![r] = v;
      }
    }
    C = next;
    sigma *= Math.exp((cSigma / dSigma) * (pSigmaNorm / chiN - 1));
    sigma = Math.min(Math.max(sigma, 1e-300), 1e6);
    // The margin: keep every integer coordinate's standard deviation >= minStd.
    for (let i = 0; i < n; i++) {
      const floor = minStd[i]!;
      if (floor > 0 && sigma * Math.sqrt(C[i]![i]!) < floor) C[i]![i] = (floor / sigma) ** 2;
    }
    eigen = decompose(C);

    history.push({
      generation,
      best: genBest,
      mean: feasibleCount > 0 ? feasibleSum / feasibleCount : NaN,
      feasibleShare: feasibleCount / candidates.length,
      bestSoFar,
      stepSize: sigma,
    });
    generation++;
    asked = undefined;
  };

  const best = (k = 1): RankedPoint[] => {
    const points: RankedPoint[] = [...archive.values()].map((a) => ({
      values: a.values,
      objective: a.feasibleN > 0 ? a.objectiveSum / a.feasibleN : NaN,
      feasible: a.feasibleN === a.n,
      violation: a.violationSum / a.n,
      evaluations: a.n,
      id: a.id,
      generation: a.generation,
    }));
    points.sort((a, b) => compareEvaluations(a, b, sign) || a.id - b.id);
    return points.slice(0, Math.max(0, k));
  };

  return {
    ask,
    tell,
    best,
    get generation() {
      return generation;
    },
    get history() {
      return history;
    },
    populationSize: lambda,
  };
}

interface Aggregate {
  readonly values: Readonly<Record<string, number>>;
  readonly id: number;
  readonly generation: number;
  n: number;
  feasibleN: number;
  objectiveSum: number;
  violationSum: number;
}

/** Negative when a ranks above b: feasible before infeasible, then objective, then violation. */
function compareEvaluations(
  a: { feasible: boolean; objective: number; violation: number },
  b: { feasible: boolean; objective: number; violation: number },
  sign: number,
): number {
  if (a.feasible !== b.feasible) return a.feasible ? -1 : 1;
  if (a.feasible) return sign * a.objective - sign * b.objective;
  if (a.violation === b.violation) return 0;
  return a.violation < b.violation ? -1 : 1;
}

function pointKey(params: readonly OptimizerParam[], values: Readonly<Record<string, number>>): string {
  return params.map((p) => values[p.path]).join(",");
}

function checkOptions(options: OptimizerOptions): readonly OptimizerParam[] {
  const params = options.params;
  if (params.length === 0)
    throw new UserError("No parameters to optimise: expected at least one { path, min, max, integer }.");
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.path))
      throw new UserError(`Optimiser parameter ${p.path} is listed twice: expected each path once.`);
    seen.add(p.path);
    if (!Number.isFinite(p.min) || !Number.isFinite(p.max) || p.min > p.max) {
      throw new UserError(
        `Invalid optimiser range ${p.path} = ${p.min}..${p.max}: expected finite bounds with min <= max.`,
      );
    }
    if (p.integer && (!Number.isInteger(p.min) || !Number.isInteger(p.max))) {
      throw new UserError(
        `Invalid optimiser range ${p.path} = ${p.min}..${p.max}: expected integer bounds for an integer parameter.`,
      );
    }
    const s = options.start?.[p.path];
    if (s !== undefined && !(s >= p.min && s <= p.max)) {
      throw new UserError(`Invalid optimiser start ${p.path} = ${s}: expected a number in ${p.min}..${p.max}.`);
    }
  }
  const lambda = options.populationSize;
  if (lambda !== undefined && !(Number.isInteger(lambda) && lambda >= 2)) {
    throw new UserError(`Invalid population size ${lambda}: expected an integer >= 2.`);
  }
  const s0 = options.initialStepSize;
  if (s0 !== undefined && !(s0 > 0 && Number.isFinite(s0))) {
    throw new UserError(`Invalid initial step size ${s0}: expected a positive fraction of the ranges, such as 0.3.`);
  }
  return params;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function zeros(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

function matVec(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  return m.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
}

function matTVec(m: readonly (readonly number[])[], v: readonly number[]): number[] {
  const out = new Array<number>(v.length).fill(0);
  m.forEach((row, i) => row.forEach((x, j) => (out[j]! += x * v[i]!)));
  return out;
}

/**
 * C = B diag(d^2) B^T for a symmetric positive semi-definite C, by cyclic Jacobi
 * rotations; d holds the square roots of the eigenvalues (floored to keep C^{-1/2} finite).
 */
function decompose(c: readonly (readonly number[])[]): { B: number[][]; d: number[] } {
  const n = c.length;
  const a = c.map((row) => [...row]);
  const v = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p]![p]! * a[p]![p]!;
      for (let q = p + 1; q < n; q++) off += a[p]![q]! * a[p]![q]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q]: tan(2 theta) = 2 a_pq / (a_qq - a_pp).
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = cos * akp - sin * akq;
          a[k]![q] = sin * akp + cos * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = cos * apk - sin * aqk;
          a[q]![k] = sin * apk + cos * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = cos * vkp - sin * vkq;
          v[k]![q] = sin * vkp + cos * vkq;
        }
      }
    }
  }
  const maxEig = Math.max(...a.map((row, i) => row[i]!), 1e-300);
  const d = a.map((row, i) => Math.sqrt(Math.max(row[i]!, maxEig * 1e-20)));
  return { B: v, d };
}
