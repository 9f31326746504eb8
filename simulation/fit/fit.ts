/**
 * Fitting a scenario's behavioural parameters to observed statistics, with the optimiser the
 * experiments use (CMA-ES, engine/optimize.ts) minimising the stated distance (statistics.ts).
 *
 * 1. Search: each candidate runs on the same `runsPerEval` seeds (common random numbers, so two
 *    candidates differ by their parameters, not their draws); its distance is the observation's
 *    to those runs together.
 * 2. Estimates and intervals over seeds: for each parameter, a profile: the others held at the
 *    search's best, the parameter set to `profilePoints` values across its range, each run on
 *    each seed alone. The mean profile's minimum (refined by a parabola through its neighbours)
 *    is the estimate (the search's best candidate is the luckiest of many noisy draws); each
 *    seed's own minimum is that seed's estimate, and the interval is their range: one simulated
 *    run is as noisy as one observation of the same size, so the interval is also a rough
 *    measure of how far another such observation could move the fit. The mean profile, against
 *    the seeds' standard error, says whether the distance tells the parameter's values apart at
 *    all: a profile flatter than twice its noise is reported as such, and its parameter is not
 *    reported as fitted.
 * 3. Goodness of fit: `referenceRuns` fresh runs at the fit; the observation's distance to them
 *    against each run's own distance to the others. A ratio near 1 means the observation is as
 *    close to the model as the model's own runs are to each other; far above 1, the model cannot
 *    reproduce it with any value of these parameters.
 */
import { UserError } from "../engine/errors.js";
import { createOptimizer, type GenerationSummary, type OptimizerParam } from "../engine/optimize.js";
import { distance, type DistanceParts, type Statistics } from "./statistics.js";

/** A fit that cannot be made with what it was given. */
export class FitError extends UserError {}

export interface Simulated {
  readonly statistics: Statistics;
  readonly kpis: Readonly<Record<string, number | bigint>>;
}

export interface FitOptions {
  readonly observed: Statistics;
  readonly params: readonly OptimizerParam[];
  /** Where the search starts (the observation's own values, say). */
  readonly start?: Readonly<Record<string, number>>;
  readonly seed: number;
  /** Seeds each candidate runs on. */
  readonly seeds: readonly number[];
  /** Fresh seeds for the goodness of fit. */
  readonly referenceSeeds: readonly number[];
  readonly budget: number;
  readonly population?: number;
  readonly profilePoints: number;
  /** One simulated run with these parameter values, on this seed; undefined where the values break the scenario's rules. */
  readonly simulate: (values: Readonly<Record<string, number>>, seed: number) => Promise<Simulated | undefined>;
  readonly onGeneration?: (summary: GenerationSummary, evaluations: number) => void;
}

export interface Profile {
  readonly path: string;
  readonly grid: readonly number[];
  /** Mean distance over the seeds at each grid value, and its standard error. */
  readonly mean: readonly number[];
  readonly se: readonly number[];
  /** Each seed's estimate: the minimum of its own profile. */
  readonly estimates: readonly number[];
  readonly interval: readonly [number, number];
  /** The largest change of the mean profile over the range, and twice its typical noise. */
  readonly range: number;
  readonly noise: number;
  /** The distance tells this parameter's values apart. */
  readonly identifiable: boolean;
}

export interface FitResult {
  /** The estimates: each identifiable parameter's profile minimum; the others where the search left them. */
  readonly values: Readonly<Record<string, number>>;
  /** The search's best candidate. */
  readonly searched: Readonly<Record<string, number>>;
  readonly distance: DistanceParts;
  readonly evaluations: number;
  readonly history: readonly GenerationSummary[];
  readonly profiles: readonly Profile[];
  readonly goodness: {
    readonly observed: DistanceParts;
    /** Each reference run's distance to the others. */
    readonly reference: readonly number[];
    readonly ratio: number;
    /** Share of reference runs at least as far from the others as the observation is from them. */
    readonly share: number;
  };
  /** The reference runs at the fit: what a report sets against the observation. */
  readonly fitted: readonly Simulated[];
}

export async function fit(o: FitOptions): Promise<FitResult> {
  const optimizer = createOptimizer({
    params: o.params,
    seed: o.seed,
    maximize: false,
    ...(o.start !== undefined ? { start: o.start } : {}),
    ...(o.population !== undefined ? { populationSize: o.population } : {}),
  });
  /** The runs on `seeds`; undefined where the values break the scenario's rules. */
  const runAll = async (values: Readonly<Record<string, number>>, seeds: readonly number[]) => {
    const runs: Simulated[] = [];
    for (const s of seeds) {
      const run = await o.simulate(values, s);
      if (run === undefined) return undefined;
      runs.push(run);
    }
    return runs;
  };
  let evaluations = 0;
  while (evaluations < o.budget) {
    const asked = optimizer.ask();
    const results = [];
    for (const c of asked) {
      const runs = await runAll(c.values, o.seeds);
      if (runs === undefined) {
        results.push({ id: c.id, objective: 0, feasible: false, violation: 1 });
        continue;
      }
      const d = distance(
        o.observed,
        runs.map((r) => r.statistics),
      ).total;
      results.push({ id: c.id, objective: d, feasible: true, violation: 0 });
    }
    optimizer.tell(results);
    evaluations += asked.length;
    o.onGeneration?.(optimizer.history[optimizer.history.length - 1]!, evaluations);
  }
  const best = optimizer.best(1)[0]!;
  if (!best.feasible) throw new FitError("Every candidate broke the scenario's rules: narrow the --param ranges.");
  const searched = best.values;

  // The search's best candidate is the luckiest of many noisy ones; each profile's mean minimum (over the seeds, the
  // others at the search's best) is the estimate, where the distance tells the parameter apart.
  const profiles: Profile[] = [];
  for (const p of o.params) profiles.push(await profileOf(o, p, searched));
  const values: Record<string, number> = { ...searched };
  for (const [i, p] of o.params.entries()) {
    const profile = profiles[i]!;
    if (profile.identifiable) values[p.path] = minimumOf(profile.grid, profile.mean, p);
  }
  if ((await runAll(values, o.seeds)) === undefined) Object.assign(values, searched); // refined into a rule's way

  const fitted = (await runAll(values, o.referenceSeeds))!;
  const stats = fitted.map((r) => r.statistics);
  const observed = distance(o.observed, stats);
  const reference = stats.map((s, j) => distance(s, [...stats.slice(0, j), ...stats.slice(j + 1)]).total);
  const sorted = [...reference].sort((a, b) => a - b);
  const median = sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    values,
    searched,
    distance: distance(
      o.observed,
      (await runAll(values, o.seeds))!.map((r) => r.statistics),
    ),
    evaluations,
    history: optimizer.history,
    profiles,
    goodness: {
      observed,
      reference,
      ratio: median > 0 ? observed.total / median : observed.total === 0 ? 1 : Infinity,
      share: reference.filter((d) => d >= observed.total).length / Math.max(1, reference.length),
    },
    fitted,
  };
}

async function profileOf(o: FitOptions, p: OptimizerParam, at: Readonly<Record<string, number>>): Promise<Profile> {
  const n = p.integer ? Math.min(o.profilePoints, p.max - p.min + 1) : o.profilePoints;
  const candidates = Array.from({ length: n }, (_, i) => {
    const v = p.min + ((p.max - p.min) * i) / Math.max(1, n - 1);
    return p.integer ? Math.round(v) : v;
  });
  // d[g][r]: the observation's distance to the run on seed r with the parameter at grid[g]; values that break the
  // scenario's rules (with the others where they are) are left out of the profile.
  const grid: number[] = [];
  const d: number[][] = [];
  for (const v of candidates) {
    const row: number[] = [];
    for (const seed of o.seeds) {
      const run = await o.simulate({ ...at, [p.path]: v }, seed);
      if (run === undefined) break;
      row.push(distance(o.observed, [run.statistics]).total);
    }
    if (row.length < o.seeds.length) continue;
    grid.push(v);
    d.push(row);
  }
  const R = o.seeds.length;
  const mean = d.map((row) => row.reduce((a, b) => a + b, 0) / R);
  const se = d.map((row, g) => {
    if (R < 2) return 0;
    const m = mean[g]!;
    return Math.sqrt(row.reduce((a, b) => a + (b - m) * (b - m), 0) / (R - 1) / R);
  });
  const estimates = o.seeds.map((_, r) =>
    minimumOf(
      grid,
      d.map((row) => row[r]!),
      p,
    ),
  );
  const range = Math.max(...mean) - Math.min(...mean);
  const noise = 2 * (se.reduce((a, b) => a + b, 0) / se.length);
  return {
    path: p.path,
    grid,
    mean,
    se,
    estimates,
    interval: [Math.min(...estimates), Math.max(...estimates)],
    range,
    noise,
    identifiable: range > noise && range > 1e-12,
  };
}

/** Where a profile is least: its lowest grid point, refined by the parabola through it and its two neighbours. */
function minimumOf(grid: readonly number[], ys: readonly number[], p: OptimizerParam): number {
  let k = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i]! < ys[k]!) k = i;
  if (p.integer || k === 0 || k === ys.length - 1) return grid[k]!;
  const [x0, x1, x2] = [grid[k - 1]!, grid[k]!, grid[k + 1]!];
  const [y0, y1, y2] = [ys[k - 1]!, ys[k]!, ys[k + 1]!];
  const denom = (x0 - x1) * (x0 - x2) * (x1 - x2);
  const a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / denom;
  const b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / denom;
  if (!(a > 0)) return x1;
  const x = -b / (2 * a);
  return Math.min(x2, Math.max(x0, x));
}
