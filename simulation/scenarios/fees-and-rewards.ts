/**
 * fees-and-rewards: a small market that exercises only the fee and rewards mechanisms.
 * A fixed set of sellers and buyers trade without disputes; governance walks the fee
 * up a schedule (each offer keeps the fee it was created with); rewards follow a
 * halving schedule. It shares the engine and the agents with boson-commerce and needs
 * nothing of its own but parameters, a population and a governance policy.
 */
import {
  aggregatorPolicy,
  buyerPolicy,
  ecosystemFundPolicy,
  keeperPolicy,
  passivePolicy,
  treasuryPolicy,
} from "../agents/commerce.js";
import { sellerPolicy } from "../agents/seller.js";
import type { CommerceView, Market } from "../agents/market.js";
import { z } from "zod";
import { amount, bps, int, withDefault, type ParamsOf } from "../engine/params.js";
import type { AgentSpec } from "../engine/types.js";
import { DEPLOYER_ID, ECOSYSTEM_FUND_ID, type SystemConfig } from "../model/system.js";
import type { World } from "../model/world.js";
import { commerceMechanism } from "../mechanisms/commerce.js";
import { defineScenario } from "../sdk/scenario.js";
import { systemRules } from "./boson-commerce.js";
import {
  commerceRules,
  COMMERCE_FLOWS,
  commerceKpis,
  commerceScenarioParts,
  commerceSchema,
  COMMERCE_SUBSTEPS,
  COMMERCE_HEADLINE,
  COMMERCE_KPI_GROUPS,
  COMMERCE_UNITS,
  MONTH_SECONDS,
  systemConfigOf,
} from "./common.js";

const TOKEN = 10n ** 18n;

const buyers = commerceSchema.shape.buyers.shape;

export const feesAndRewardsSchema = z
  .object({
    population: z.object({
      sellers: int(1, 10_000, 4, "sellers"),
      buyers: int(1, 100_000, 12, "buyers"),
    }),
    fees: z.object({
      feeBps: bps(25),
      maxFeeBps: bps(400),
      ecoBps: bps(3_000),
      rampEverySteps: int(0, 10_000, 4, "steps between fee raises; 0 = fixed fee"),
      rampBps: bps(25),
    }),
    rewards: z.object({
      emissionTotal: amount(1_000_000n * TOKEN),
      cliffEpochs: int(0, 10_000, 1, "epochs"),
      durationEpochs: int(0, 10_000, 0, "epochs (0: halving schedule)"),
      halvingEpochs: int(0, 10_000, 6, "epochs per halving"),
      aggregatorPointsBps: bps(2_500),
    }),
    ...commerceSchema.shape,
    buyers: commerceSchema.shape.buyers.extend({
      complaintBase: withDefault(buyers.complaintBase, 0),
      complaintQualitySlope: withDefault(buyers.complaintQualitySlope, 0),
      commitProbability: withDefault(buyers.commitProbability, 0.6),
    }),
  })
  .superRefine(systemRules)
  .superRefine(commerceRules);

export type FeesAndRewardsParams = ParamsOf<typeof feesAndRewardsSchema>;

function population(p: FeesAndRewardsParams): AgentSpec[] {
  const out: AgentSpec[] = [
    { id: DEPLOYER_ID, role: "treasury" },
    { id: "keeper", role: "keeper" },
    { id: ECOSYSTEM_FUND_ID, role: "ecosystemFund" },
    { id: "resolver-0", role: "idle" },
    { id: "aggregator-0", role: "aggregator" },
  ];
  for (let i = 0; i < p.population.sellers; i++) {
    out.push({ id: `seller-${i}`, role: "seller", attrs: { aggregator: "aggregator-0", resolver: "resolver-0" } });
  }
  for (let i = 0; i < p.population.buyers; i++) out.push({ id: `buyer-${i}`, role: "buyer" });
  return out;
}

function systemConfig(p: FeesAndRewardsParams, startTime: bigint): SystemConfig {
  return systemConfigOf(p, startTime, []);
}

/** The fee after `step` steps of the ramp, capped at the maximum. */
export function rampedFeeBps(p: FeesAndRewardsParams, step: number): number {
  if (p.fees.rampEverySteps === 0) return p.fees.feeBps;
  const raises = Math.floor(step / p.fees.rampEverySteps);
  return Math.min(p.fees.maxFeeBps, p.fees.feeBps + raises * p.fees.rampBps);
}

export const feesAndRewards = defineScenario<typeof feesAndRewardsSchema, Market, World, CommerceView>({
  name: "fees-and-rewards",
  description: "A small dispute-free market: a governance fee ramp and a halving rewards schedule.",
  params: feesAndRewardsSchema,
  steps: 24,
  stepSeconds: () => MONTH_SECONDS,
  substeps: COMMERCE_SUBSTEPS,
  headline: COMMERCE_HEADLINE,
  population: (p) => population(p),
  policies: {
    treasury: treasuryPolicy((ctx) => {
      const p = ctx.params as FeesAndRewardsParams;
      if (ctx.step === 0) return [];
      const now = rampedFeeBps(p, ctx.step);
      return now !== rampedFeeBps(p, ctx.step - 1)
        ? [{ agent: ctx.self.id, kind: "setFeeBps", args: { bps: now } }]
        : [];
    }),
    keeper: keeperPolicy,
    ecosystemFund: ecosystemFundPolicy,
    idle: passivePolicy,
    aggregator: aggregatorPolicy,
    seller: sellerPolicy,
    buyer: buyerPolicy,
  },
  mechanism: commerceMechanism((p: ParamsOf<typeof feesAndRewardsSchema>, env) => systemConfig(p, env.startTime)),
  init: commerceScenarioParts.init,
  view: commerceScenarioParts.view,
  observe: commerceScenarioParts.observe,
  flows: COMMERCE_FLOWS,
  kpiGroups: COMMERCE_KPI_GROUPS,
  units: { ...COMMERCE_UNITS, fee_bps: { unit: "bps" } },
  kpis: (view, ctx) => ({ ...commerceKpis(view), fee_bps: rampedFeeBps(ctx.params, Math.max(0, ctx.step - 1)) }),
});
