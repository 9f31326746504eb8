/**
 * Experiments as lists of runs: a sweep is the cartesian product of its grids, each
 * subset run with Monte Carlo seeds (common to every subset unless asked otherwise); an A/B
 * test is two subsets on common seeds.
 */
import { UserError } from "./errors.js";
import { applyAssignments, leafAt, parseLeaf, type Assignment, type ParamValue, type ParamSchema } from "./params.js";
import { deriveSeed } from "./rng.js";
import type { Mode } from "./types.js";

/** One run of an experiment, plain data a worker process can take. */
export interface RunTask {
  readonly simulation: number;
  readonly subset: number;
  readonly run: number;
  readonly scenario: string;
  readonly params: object;
  readonly modelParams: object;
  readonly seed: number;
  readonly mode: Mode;
  readonly steps: number;
  /** Store every compared variable (lockstep parity data), not only KPIs. */
  readonly variables: boolean;
  /**
   * Store every action. Lockstep runs do (a divergence is read through them); model runs of a
   * Monte Carlo only on request: a default boson run is ~7,000 rows, and shipping them from a
   * worker costs the parent more than the run costs the worker.
   */
  readonly actions: boolean;
}

/** One swept parameter and its values. */
export interface GridAxis {
  readonly path: string;
  readonly values: readonly ParamValue[];
}

/** Parses `path=v1,v2,...` against the schema. */
export function parseGridAxis(schema: ParamSchema, text: string, flag = "--grid"): GridAxis {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new UserError(
      `Malformed ${flag} ${JSON.stringify(text)}: expected path=v1,v2,..., for example fees.feeBps=25,50,100.`,
    );
  }
  const path = text
    .slice(0, eq)
    .trim()
    .replace(/^params\./, "");
  const leaf = leafAt(schema, path);
  const values = text
    .slice(eq + 1)
    .split(",")
    .map((v) => parseLeaf(leaf, v, `params.${path}`));
  const distinct = new Set(values.map(String));
  if (distinct.size !== values.length) {
    throw new UserError(`Grid ${flag} ${JSON.stringify(text)} lists a value twice: give each value once.`);
  }
  return { path, values };
}

/**
 * The cartesian product of the axes, as parameter assignments per subset, in
 * odometer order: the last axis varies fastest. No axes give one empty subset.
 */
export function expandGrid(axes: readonly GridAxis[]): Assignment[][] {
  let subsets: Assignment[][] = [[]];
  for (const axis of axes) {
    const next: Assignment[][] = [];
    for (const prefix of subsets) for (const value of axis.values) next.push([...prefix, { path: axis.path, value }]);
    subsets = next;
  }
  return subsets;
}

export interface SweepPlan {
  readonly scenario: string;
  readonly base: object;
  readonly subsets: readonly (readonly Assignment[])[];
  readonly runs: number;
  readonly seed: number;
  readonly mode: Mode;
  readonly steps: number;
  /** Seeds shared by every subset (common random numbers) instead of one per subset and run. */
  readonly commonSeeds: boolean;
  /** Store every action of model-mode runs too (lockstep runs always store theirs). */
  readonly actions?: boolean;
  readonly check?: (params: object) => void;
}

/** Seed of run `run` of subset `subset`: from the base seed, the subset and the run, or the run alone with common seeds. */
export function runSeed(base: number, subset: number, run: number, commonSeeds: boolean): number {
  return commonSeeds ? deriveSeed(base, "run", run) : deriveSeed(base, "subset", subset, "run", run);
}

export function planRuns(plan: SweepPlan): RunTask[] {
  const tasks: RunTask[] = [];
  plan.subsets.forEach((assignments, subset) => {
    const params = applyAssignments(plan.base, assignments);
    plan.check?.(params);
    for (let run = 0; run < plan.runs; run++) {
      tasks.push({
        simulation: 0,
        subset,
        run,
        scenario: plan.scenario,
        params,
        modelParams: params,
        seed: runSeed(plan.seed, subset, run, plan.commonSeeds),
        mode: plan.mode,
        steps: plan.steps,
        variables: plan.mode === "lockstep",
        actions: plan.mode === "lockstep" || plan.actions === true,
      });
    }
  });
  return tasks;
}
