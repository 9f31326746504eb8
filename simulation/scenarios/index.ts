import { UserError } from "../engine/errors.js";
import type { ParamSchema } from "../engine/params.js";
import type { Scenario } from "../engine/types.js";
import { bosonCommerce } from "./boson-commerce.js";
import { feesAndRewards } from "./fees-and-rewards.js";

/** A scenario with its types erased, as the command line and experiments handle them. */
export type AnyScenario = Scenario<ParamSchema, unknown, unknown, unknown>;

export const SCENARIOS: ReadonlyMap<string, AnyScenario> = new Map(
  ([bosonCommerce, feesAndRewards] as unknown as AnyScenario[]).map((s) => [s.name, s]),
);

export function scenarioByName(name: string): AnyScenario {
  const s = SCENARIOS.get(name);
  if (s === undefined) {
    throw new UserError(
      `Unknown scenario ${JSON.stringify(name)}: expected one of ${[...SCENARIOS.keys()].join(", ")}.`,
    );
  }
  return s;
}
