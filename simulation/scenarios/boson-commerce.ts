/**
 * boson-commerce: the Boson Protocol commerce ecosystem of design.md, monthly steps.
 * Aggregators grow linearly and recruit sellers; each seller lists one product with a
 * hidden quality; buyers grow with product diversity and choose by popularity and price;
 * complaints follow from quality and lower popularity; faults become disputes, some
 * escalated to a resolver. Fees flow to the ecosystem fund and the rewards pool; network
 * rewards stream to sellers and aggregators; release categories vest.
 */
import {
  aggregatorPolicy,
  buyerPolicy,
  ecosystemFundPolicy,
  keeperPolicy,
  passivePolicy,
  resolverPolicy,
  treasuryPolicy,
} from "../agents/commerce.js";
import { sellerPolicy } from "../agents/seller.js";
import type { CommerceView, Market } from "../agents/market.js";
import { z } from "zod";
import { amount, bps, int, num, withDefault, type ParamsOf } from "../engine/params.js";
import type { AgentSpec } from "../engine/types.js";
import { GOVERNANCE_TOKEN_TOTAL_SUPPLY } from "../model/governanceToken.js";
import { DEPLOYER_ID, ECOSYSTEM_FUND_ID, type SystemConfig } from "../model/system.js";
import type { World } from "../model/world.js";
import { commerceMechanism } from "../mechanisms/commerce.js";
import { defineScenario } from "../sdk/scenario.js";
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
  vestingFlows,
} from "./common.js";

const TOKEN = 10n ** 18n;
const MILLION = 1_000_000n * TOKEN;

const commerce = commerceSchema.shape;

const bosonCommerceFields = z.object({
  population: z.object({
    aggregators0: int(1, 10_000, 2, "aggregators at step 0"),
    aggregatorsPerStep: num(0, 1_000, 0.1, "new aggregators per step (A(k) = A0 + a*k)"),
    sellers0: int(1, 100_000, 2, "sellers at step 0"),
    recruitsPerAggregator: num(
      0,
      1_000,
      0.5,
      "sellers who come to each aggregator per step (recruited with aggregators.recruitBase and more with fee rewards)",
    ),
    buyers0: int(1, 100_000, 5, "buyers at step 0"),
    buyersPerSeller: num(
      0,
      1_000,
      1.5,
      "buyers alive per seller who came (how many shop: buyers.shoppersBase and shoppersPerListing)",
    ),
    maxBuyers: int(1, 1_000_000, 10_000, "buyers"),
    resolvers: int(1, 100, 2, "dispute resolvers"),
  }),
  fees: z.object({
    feeBps: bps(50),
    maxFeeBps: bps(1_000),
    ecoBps: bps(5_000),
    changeAtStep: int(
      0,
      1_000_000,
      0,
      "step at which governance sets newFeeBps (above maxFeeBps it reverts); 0 = never",
    ),
    newFeeBps: bps(100),
  }),
  rewards: z.object({
    emissionTotal: amount(10n * MILLION),
    cliffEpochs: int(0, 10_000, 0, "epochs"),
    durationEpochs: int(0, 10_000, 35, "epochs; developers/participants stream (0 with halving)"),
    halvingEpochs: int(0, 10_000, 0, "epochs per halving; 0 = linear"),
    aggregatorPointsBps: bps(5_000),
  }),
  releases: z.object({
    teamTokens: amount(30n * MILLION),
    teamCliffMonths: int(0, 600, 12, "months"),
    teamMonths: int(1, 600, 36, "months"),
    investorTokens: amount(40n * MILLION),
    investorCliffMonths: int(0, 600, 6, "months"),
    investorMonths: int(1, 600, 24, "months"),
    ecosystemProductsTokens: amount(20n * MILLION),
    ecosystemProductsMonths: int(1, 600, 59, "months; community ecosystem products stream"),
  }),
  ...commerceSchema.shape,
  buyers: commerceSchema.shape.buyers.extend({
    shoppersBase: withDefault(commerce.buyers.shape.shoppersBase, 5),
    shoppersPerListing: withDefault(commerce.buyers.shape.shoppersPerListing, 1.5),
  }),
  sellers: commerceSchema.shape.sellers.extend({
    adaptiveShare: withDefault(commerce.sellers.shape.adaptiveShare, 0.5),
  }),
  aggregators: commerceSchema.shape.aggregators.extend({
    recruitBase: withDefault(commerce.aggregators.shape.recruitBase, 0.2),
  }),
});

interface Growth {
  readonly aggregators: number[];
  readonly sellers: number[];
  readonly buyers: number[];
  /** For each seller index, the aggregator index that recruited it. */
  readonly recruiter: number[];
}

const growthCache = new WeakMap<object, Growth>();

/** A(k) = A0 + floor(a k); S(k) = S(k-1) + floor(A(k-1) r); B(k) = min(max, B0 + floor(b S(k))). */
function growth(p: BosonCommerceParams, upTo: number): Growth {
  let g = growthCache.get(p);
  if (g !== undefined && g.aggregators.length > upTo) return g;
  const pop = p.population;
  const aggregators: number[] = [];
  const sellers: number[] = [];
  const buyers: number[] = [];
  const recruiter: number[] = [];
  for (let s = 0; s < pop.sellers0; s++) recruiter.push(s % pop.aggregators0);
  for (let k = 0; k <= Math.max(upTo, 60); k++) {
    aggregators.push(pop.aggregators0 + Math.floor(pop.aggregatorsPerStep * k));
    if (k === 0) sellers.push(pop.sellers0);
    else {
      const recruiting = aggregators[k - 1]!;
      const added = Math.floor(recruiting * pop.recruitsPerAggregator);
      for (let i = 0; i < added; i++) recruiter.push((sellers[k - 1]! + i) % recruiting);
      sellers.push(sellers[k - 1]! + added);
    }
    buyers.push(Math.min(pop.maxBuyers, pop.buyers0 + Math.floor(pop.buyersPerSeller * sellers[k]!)));
  }
  g = { aggregators, sellers, buyers, recruiter };
  growthCache.set(p, g);
  return g;
}

function population(p: BosonCommerceParams, step: number): AgentSpec[] {
  const g = growth(p, step);
  const specs = agentSpecs(p);
  const out: AgentSpec[] = [...specs.fixed];
  const each = (role: AgentSpec[], count: number, spec: (i: number) => AgentSpec): void => {
    for (let i = 0; i < count; i++) out.push((role[i] ??= spec(i)));
  };
  each(specs.aggregators, g.aggregators[step]!, (i) => ({ id: `aggregator-${i}`, role: "aggregator" }));
  each(specs.sellers, g.sellers[step]!, (i) => ({
    id: `seller-${i}`,
    role: "seller",
    attrs: { aggregator: `aggregator-${g.recruiter[i]!}`, resolver: `resolver-${i % p.population.resolvers}` },
  }));
  each(specs.buyers, g.buyers[step]!, (i) => ({ id: `buyer-${i}`, role: "buyer", attrs: { rank: i } }));
  return out;
}

/** Each agent's spec, built once per parameter set: a run asks for every step's population twice. */
interface AgentSpecs {
  readonly fixed: readonly AgentSpec[];
  readonly aggregators: AgentSpec[];
  readonly sellers: AgentSpec[];
  readonly buyers: AgentSpec[];
}

const specsCache = new WeakMap<object, AgentSpecs>();

function agentSpecs(p: BosonCommerceParams): AgentSpecs {
  let specs = specsCache.get(p);
  if (specs === undefined) {
    const fixed: AgentSpec[] = [
      { id: DEPLOYER_ID, role: "treasury" },
      { id: "keeper", role: "keeper" },
      { id: ECOSYSTEM_FUND_ID, role: "ecosystemFund" },
      { id: "team", role: "holder" },
      { id: "investors", role: "holder" },
    ];
    for (let i = 0; i < p.population.resolvers; i++) fixed.push({ id: `resolver-${i}`, role: "resolver" });
    specs = { fixed, aggregators: [], sellers: [], buyers: [] };
    specsCache.set(p, specs);
  }
  return specs;
}

const months = (n: number): bigint => BigInt(n) * BigInt(MONTH_SECONDS);

function systemConfig(p: BosonCommerceParams, startTime: bigint): SystemConfig {
  const r = p.releases;
  return systemConfigOf(p, startTime, [
    {
      name: "team",
      beneficiary: "team",
      amount: r.teamTokens,
      startTimestamp: startTime,
      durationSeconds: months(r.teamMonths),
      cliffSeconds: months(r.teamCliffMonths),
    },
    {
      name: "investors",
      beneficiary: "investors",
      amount: r.investorTokens,
      startTimestamp: startTime,
      durationSeconds: months(r.investorMonths),
      cliffSeconds: months(r.investorCliffMonths),
    },
    {
      name: "ecosystemProducts",
      beneficiary: ECOSYSTEM_FUND_ID,
      amount: r.ecosystemProductsTokens,
      startTimestamp: startTime,
      durationSeconds: months(r.ecosystemProductsMonths),
      cliffSeconds: 0n,
    },
  ]);
}

/** Rules shared by every scenario built on the full system, as a zod refinement. */
export function systemRules(
  p: {
    fees: { feeBps: number; maxFeeBps: number };
    rewards: { durationEpochs: number; halvingEpochs: number };
  },
  ctx: z.RefinementCtx,
): void {
  if (p.fees.feeBps > p.fees.maxFeeBps)
    ctx.addIssue({
      code: "custom",
      path: ["fees", "feeBps"],
      message: `at most params.fees.maxFeeBps (${p.fees.maxFeeBps})`,
    });
  if ((p.rewards.durationEpochs === 0) === (p.rewards.halvingEpochs === 0))
    ctx.addIssue({
      code: "custom",
      path: ["rewards", "halvingEpochs"],
      message: `0 when params.rewards.durationEpochs is set (${p.rewards.durationEpochs}), and nonzero when it is 0: exactly one schedule`,
    });
}

/** boson-commerce's own rules: the token allocations fit the supply, and each cliff falls within its vesting. */
function bosonRules(p: z.output<typeof bosonCommerceFields>, ctx: z.RefinementCtx): void {
  const r = p.releases;
  const allocated = p.rewards.emissionTotal + r.teamTokens + r.investorTokens + r.ecosystemProductsTokens;
  if (allocated > GOVERNANCE_TOKEN_TOTAL_SUPPLY)
    ctx.addIssue({
      code: "custom",
      path: ["rewards", "emissionTotal"],
      message: `emission plus releases at most the governance supply ${GOVERNANCE_TOKEN_TOTAL_SUPPLY} (releases take ${allocated - p.rewards.emissionTotal})`,
    });
  for (const [name, cliff, total] of [
    ["team", r.teamCliffMonths, r.teamMonths],
    ["investor", r.investorCliffMonths, r.investorMonths],
  ] as const) {
    if (cliff > total)
      ctx.addIssue({
        code: "custom",
        path: ["releases", `${name}CliffMonths`],
        message: `at most params.releases.${name}Months (${total})`,
      });
  }
}

export const bosonCommerceSchema = bosonCommerceFields
  .superRefine(systemRules)
  .superRefine(commerceRules)
  .superRefine(bosonRules);

export type BosonCommerceParams = ParamsOf<typeof bosonCommerceSchema>;

export const bosonCommerce = defineScenario<typeof bosonCommerceSchema, Market, World, CommerceView>({
  name: "boson-commerce",
  description: "Boson Protocol commerce ecosystem: aggregators, sellers, buyers, disputes, fees, rewards, vesting.",
  params: bosonCommerceSchema,
  steps: 60,
  stepSeconds: () => MONTH_SECONDS,
  substeps: COMMERCE_SUBSTEPS,
  headline: COMMERCE_HEADLINE,
  population,
  policies: {
    treasury: treasuryPolicy((ctx) =>
      ctx.step === (ctx.params as BosonCommerceParams).fees.changeAtStep && ctx.step > 0
        ? [{ agent: ctx.self.id, kind: "setFeeBps", args: { bps: (ctx.params as BosonCommerceParams).fees.newFeeBps } }]
        : [],
    ),
    keeper: keeperPolicy,
    ecosystemFund: ecosystemFundPolicy,
    holder: passivePolicy,
    resolver: resolverPolicy,
    aggregator: aggregatorPolicy,
    seller: sellerPolicy,
    buyer: buyerPolicy,
  },
  mechanism: commerceMechanism((p: ParamsOf<typeof bosonCommerceSchema>, env) => systemConfig(p, env.startTime)),
  init: commerceScenarioParts.init,
  view: commerceScenarioParts.view,
  observe: commerceScenarioParts.observe,
  flows: [
    ...COMMERCE_FLOWS,
    ...vestingFlows([
      { name: "team", label: "Team vesting" },
      { name: "investors", label: "Investor vesting" },
      { name: "ecosystemProducts", label: "Ecosystem products vesting" },
    ]),
  ],
  kpiGroups: COMMERCE_KPI_GROUPS,
  units: {
    ...COMMERCE_UNITS,
    aggregators: { unit: "aggregators" },
    sellers: { unit: "sellers" },
    buyers: { unit: "buyers" },
  },
  kpis: (view, ctx) => {
    const g = growth(ctx.params, ctx.step);
    const k = Math.max(0, ctx.step - 1);
    return {
      ...commerceKpis(view),
      aggregators: g.aggregators[k]!,
      sellers: g.sellers[k]!,
      buyers: g.buyers[k]!,
    };
  },
});
