/**
 * Lockstep's own scenarios, declared with the public SDK like any user's, loaded only when
 * named. They run on Lockstep's contracts, so a project must have them compiled (Lockstep's
 * own repository does).
 */
import type { ParamSchema } from "../engine/params.js";
import type { ScenarioDefinition } from "../sdk/scenario.js";

type AnyDefinition = ScenarioDefinition<ParamSchema, unknown, unknown, unknown>;

export const BUILT_IN_SCENARIOS: ReadonlyMap<string, () => Promise<AnyDefinition>> = new Map([
  ["boson-commerce", async () => (await import("./boson-commerce.js")).bosonCommerce as unknown as AnyDefinition],
  ["fees-and-rewards", async () => (await import("./fees-and-rewards.js")).feesAndRewards as unknown as AnyDefinition],
]);
