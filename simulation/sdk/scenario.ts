/**
 * A scenario, declared once: its parameters (a zod object schema), the mechanism it runs on,
 * the clock (steps and the substeps inside them), the agents alive at each step and their
 * policies, and what it reports. `defineScenario` returns what it is given, typed; Lockstep
 * loads it by name (built in, or registered in `lockstep.scenarios` of the project's config) or
 * by path (`--scenario ./sim/vault.ts`, whose default export it is).
 */
import type { Rng } from "../engine/rng.js";
import type { ParamSchema, ParamsOf } from "../engine/params.js";
import type { Action, AgentSpec, Comparison, Flow, Outcome, Policy, StepContext, Substep } from "../engine/types.js";
import type { MechanismDefinition, Units } from "./mechanism.js";

export interface ScenarioDefinition<Schema extends ParamSchema, S, M, V> {
  /** The scenario's name: run folders, manifests and reports carry it. */
  readonly name: string;
  readonly description?: string;
  /** The parameters: a zod object schema (Lockstep's bps/int/num/amount/bool helpers, or plain zod). */
  readonly params: Schema;
  /** The contracts and their model. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a mechanism's configuration type is its own business
  readonly mechanism: MechanismDefinition<ParamsOf<Schema>, any, M>;
  /** Steps of a run unless `--steps` says otherwise. */
  readonly steps: number;
  /** The length of a step, seconds (a number, or a function of the parameters). */
  readonly stepSeconds: number | ((params: ParamsOf<Schema>) => number);
  /** The phases of a step, each at a fixed offset into it. Default: one, `act`, at the step's start. */
  readonly substeps?: readonly Substep[];
  /** Every agent alive at `step`, in a stable order; ids are never reused. */
  population(params: ParamsOf<Schema>, step: number): readonly AgentSpec[];
  /** A policy per role: what an agent of that role does, given the view. */
  readonly policies: Readonly<Record<string, Policy<ParamsOf<Schema>, V>>>;
  /** Off-chain state at the start (what agents know that the contracts do not). Default: none. */
  init?(params: ParamsOf<Schema>, stream: (name: string) => Rng): S;
  /** What agents read: the model's state and the off-chain state. Default: the model's state. */
  view?(world: M, state: S): V;
  /** Off-chain consequences of an Action's outcome, right after it applied. */
  observe?(view: V, action: Action, outcome: Outcome, ctx: StepContext<ParamsOf<Schema>>): void;
  /** How a variable is compared where not exactly (or false to skip it); the mechanism's own `compare` otherwise. */
  compare?(variable: string): Comparison | false | undefined;
  /** The value flows of the report's stock-and-flow diagram. */
  readonly flows?: readonly Flow[];
  /** KPIs at the end of each step. Default: none. */
  kpis?(view: V, ctx: StepContext<ParamsOf<Schema>>): Record<string, number | bigint>;
  /** The KPIs a summary on the terminal shows (default: the first three). */
  readonly headline?: readonly string[];
  /**
   * KPIs the report draws together, one chart per group (`{ "Seller strategies": ["strategy_*"] }`, `*` for any
   * characters): the shares of strategies over time, say. The others get a chart each.
   */
  readonly kpiGroups?: Readonly<Record<string, readonly string[]>>;
  /**
   * Units of the KPIs (`{ total_deposits: { unit: "USDC", decimals: 6 } }`), and of any variable where the
   * scenario's word should win over its mechanism's. A KPI without one is shown as the number it is.
   */
  readonly units?: Units;
}

/** Declares a scenario; returns it unchanged, typed. */
export function defineScenario<Schema extends ParamSchema, S = undefined, M = unknown, V = M>(
  definition: ScenarioDefinition<Schema, S, M, V>,
): ScenarioDefinition<Schema, S, M, V> {
  return definition;
}

/** The one substep of a scenario that names none. */
export const DEFAULT_SUBSTEPS: readonly Substep[] = [{ name: "act", offsetSeconds: 0 }];
