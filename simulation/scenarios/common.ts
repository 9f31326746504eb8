/** Pieces both commerce scenarios share: substeps, KPIs, the view and the observer. */
import type { z } from "zod";
import type { Flow, Substep } from "../engine/types.js";
import { commerceSchema, storefront, type CommerceParams } from "../agents/commerce.js";
import { strategyShares } from "../agents/learning.js";
import { SELLER_STRATEGIES } from "../agents/sellerEconomics.js";
import { newMarket, observeMarket, type CommerceView } from "../agents/market.js";
import type { Rng } from "../engine/rng.js";
import { balanceOf } from "../model/erc20.js";
import { ZERO_ADDRESS } from "../model/types.js";
import { availableFunds, DisputeState, ExchangeState, type Exchange } from "../model/vouchers.js";
import type { SystemConfig } from "../model/system.js";
import type { Units } from "../sdk/mechanism.js";
import type { World } from "../model/world.js";

export const DAY_SECONDS = 86_400;
/** A step is a month of 30 days. */
export const MONTH_SECONDS = 30 * DAY_SECONDS;

/** The phases of a month, at fixed days into it, so every time boundary is deterministic. */
export const COMMERCE_SUBSTEPS: readonly Substep[] = [
  { name: "onboard", offsetSeconds: 0 },
  { name: "commit", offsetSeconds: 1 * DAY_SECONDS },
  { name: "redeem", offsetSeconds: 5 * DAY_SECONDS },
  { name: "complete", offsetSeconds: 8 * DAY_SECONDS },
  { name: "resolve", offsetSeconds: 10 * DAY_SECONDS },
  { name: "respond", offsetSeconds: 12 * DAY_SECONDS },
  { name: "decide", offsetSeconds: 16 * DAY_SECONDS },
  { name: "settle", offsetSeconds: 25 * DAY_SECONDS },
  { name: "rewards", offsetSeconds: 29 * DAY_SECONDS },
];

/** The KPIs an experiment's summary leads with: the objective of the Boson model, complaints, revenue. */
export const COMMERCE_HEADLINE: readonly string[] = ["quality_redemptions", "complaint_rate", "protocol_revenue"];

export const commerceScenarioParts = {
  init: (_params: unknown, stream: (name: string) => Rng) => newMarket(stream),
  view: (world: World, market: ReturnType<typeof newMarket>): CommerceView => ({ world, market }),
  observe: (
    view: CommerceView,
    action: Parameters<typeof observeMarket>[1],
    outcome: Parameters<typeof observeMarket>[2],
    ctx: { params: CommerceParams },
  ) => observeMarket(view, action, outcome, ctx.params.market.complaintPopularityPenalty),
};

/** The commerce KPIs every commerce scenario reports. Amounts in wei. */
export function commerceKpis(view: CommerceView): Record<string, number | bigint> {
  const { world, market } = view;
  const c = market.counters;
  const fund = world.addresses.ecosystemFund;
  const r = world.rewards;
  let locked = balanceOf(world.governanceToken, world.addresses.deployer) + balanceOf(world.governanceToken, r.address);
  for (const wallet of world.releases.values()) locked += balanceOf(world.governanceToken, wallet.address);
  return {
    quality_redemptions: c.qualityRedemptions,
    commits: c.commits,
    redemptions: c.redemptions,
    complaints: c.complaints,
    faults: c.faults,
    complaint_rate: c.redemptions === 0 ? 0 : c.complaints / c.redemptions,
    escalations: c.escalations,
    cancellations: c.cancellations + c.expiries,
    revocations: c.revocations,
    reverts: c.reverts,
    protocol_revenue: world.escrow.protocolFeesCollected,
    ecosystem_fund: balanceOf(world.exchangeToken, fund) + availableFunds(world.escrow, fund),
    rewards_pool: balanceOf(world.exchangeToken, r.address) + availableFunds(world.escrow, r.address),
    rewards_paid: r.totalRewardsClaimed,
    circulating_supply: world.governanceToken.totalSupply - locked,
    ...priceFlows(world),
    ...claimsByRole(world),
    ...sellerStrategies(view),
  };
}

/**
 * What the sellers do: how many list (the storefront: a live, funded offer each), the mean listed price,
 * how many ever registered, and the share of recruited sellers playing each strategy
 * (`strategy_list`, `strategy_discount`, `strategy_premium`, `strategy_out`; static sellers count
 * with the strategy their rule gives), and the share of sellers that adapt.
 */
function sellerStrategies(view: CommerceView): Record<string, number | bigint> {
  const front = storefront(view);
  let adaptive = 0;
  for (const t of view.market.traits.values()) if (t.adaptive) adaptive++;
  return {
    listing_sellers: front.listing,
    registered_sellers: view.world.escrow.sellerAggregator.size,
    mean_price: front.meanPrice,
    ...strategyShares(view.market.learning, SELLER_STRATEGIES, "strategy_"),
    adaptive_share: view.market.traits.size === 0 ? 0 : adaptive / view.market.traits.size,
  };
}

/**
 * Where the prices buyers paid into the escrow went, cumulative, in exchange-token wei, read off each exchange's
 * state: to sellers (the price net of the protocol fee on completion or retraction; the cancel penalty on a
 * cancellation or expiry), back to buyers (revocation; cancellation less the penalty; refusal), or split between
 * the two by an agreed resolution or a resolver's decision. What is left is the price of open exchanges; the
 * protocol's share is `protocol_revenue`. Escalation deposits and seller deposits are not prices and not counted.
 */
function priceFlows(world: World): Record<string, bigint> {
  const tally = priceTallyOf(world);
  const escrow = world.escrow;
  for (let id = tally.seen + 1n; id <= escrow.exchangeCount; id++) tally.open.add(id);
  tally.seen = escrow.exchangeCount;
  let openPrices = 0n;
  for (const id of tally.open) {
    const ex = escrow.exchanges.get(id);
    const offer = ex === undefined ? undefined : escrow.offers.get(ex.offerId);
    if (ex === undefined || offer === undefined) continue;
    if (!isSettled(ex)) {
      openPrices += offer.price;
      continue;
    }
    tally.open.delete(id);
    const price = offer.price;
    tally.settledPaid += price;
    if (ex.state === ExchangeState.Completed) tally.toSellers += price - offer.protocolFee;
    else if (ex.state === ExchangeState.Revoked) tally.refunded += price;
    else if (ex.state === ExchangeState.Canceled) {
      tally.toSellers += offer.buyerCancelPenalty;
      tally.refunded += price - offer.buyerCancelPenalty;
    } else if (ex.disputeState === DisputeState.Retracted) tally.toSellers += price - offer.protocolFee;
    else if (ex.disputeState === DisputeState.Refused) tally.refunded += price;
    else tally.split += price; // resolved or decided
  }
  return {
    buyer_payments: tally.settledPaid + openPrices,
    seller_proceeds: tally.toSellers,
    buyer_refunds: tally.refunded,
    dispute_splits: tally.split,
  };
}

/**
 * The price flows of settled exchanges, kept from one step to the next: a settled exchange never
 * changes again, so each is counted once, and a step reads only the exchanges still open.
 */
interface PriceTally {
  /** Exchanges 1..seen have been looked at. */
  seen: bigint;
  /** Exchanges seen and not settled when last looked at. */
  readonly open: Set<bigint>;
  settledPaid: bigint;
  toSellers: bigint;
  refunded: bigint;
  split: bigint;
}

const priceTallies = new WeakMap<World, PriceTally>();

function priceTallyOf(world: World): PriceTally {
  let tally = priceTallies.get(world);
  if (tally === undefined) {
    tally = { seen: 0n, open: new Set(), settledPaid: 0n, toSellers: 0n, refunded: 0n, split: 0n };
    priceTallies.set(world, tally);
  }
  return tally;
}

/** A final state, whose flows are known: Revoked, Canceled, Completed, or a dispute retracted, refused, resolved or decided. */
function isSettled(ex: Exchange): boolean {
  switch (ex.state) {
    case ExchangeState.Revoked:
    case ExchangeState.Canceled:
    case ExchangeState.Completed:
      return true;
    case ExchangeState.Disputed:
      return (
        ex.disputeState === DisputeState.Retracted ||
        ex.disputeState === DisputeState.Refused ||
        ex.disputeState === DisputeState.Resolved ||
        ex.disputeState === DisputeState.Decided
      );
    default:
      return false;
  }
}

/**
 * Rewards claimed from the distributor, cumulative, split between aggregators and sellers (the only earners of
 * points): fees in exchange-token wei, emissions in governance-token wei. Aggregators receive tokens only by
 * claiming, so their balances are what they claimed; the sellers' part is the rest of the distributor's totals.
 */
function claimsByRole(world: World): Record<string, bigint> {
  let fees = 0n;
  let rewards = 0n;
  for (const aggregator of new Set(world.escrow.sellerAggregator.values())) {
    if (aggregator === ZERO_ADDRESS) continue;
    fees += balanceOf(world.exchangeToken, aggregator);
    rewards += balanceOf(world.governanceToken, aggregator);
  }
  const r = world.rewards;
  return {
    fees_paid_aggregators: fees,
    fees_paid_sellers: r.totalFeesClaimed - fees,
    rewards_paid_aggregators: rewards,
    rewards_paid_sellers: r.totalRewardsClaimed - rewards,
  };
}

const XUSD = { unit: "xUSD", decimals: 18 } as const;
const LSG = { unit: "LSG", decimals: 18 } as const;

/** The commerce KPIs the report draws together: the sellers' strategies over time. */
export const COMMERCE_KPI_GROUPS: Readonly<Record<string, readonly string[]>> = {
  "Seller strategies (share of recruited sellers)": ["strategy_*"],
  "Sellers listing and registered": ["listing_sellers", "registered_sellers"],
};

/** Units of the commerce KPIs: amounts in xUSD (the exchange token) or LSG (the governance token), counts. */
export const COMMERCE_UNITS: Units = {
  quality_redemptions: { unit: "redemptions" },
  commits: { unit: "commits" },
  redemptions: { unit: "redemptions" },
  complaints: { unit: "complaints" },
  faults: { unit: "faults" },
  complaint_rate: { unit: "complaints per redemption" },
  escalations: { unit: "escalations" },
  cancellations: { unit: "cancellations" },
  revocations: { unit: "revocations" },
  reverts: { unit: "reverted actions" },
  protocol_revenue: XUSD,
  ecosystem_fund: XUSD,
  rewards_pool: XUSD,
  rewards_paid: LSG,
  circulating_supply: LSG,
  buyer_payments: XUSD,
  seller_proceeds: XUSD,
  buyer_refunds: XUSD,
  dispute_splits: XUSD,
  listing_sellers: { unit: "sellers" },
  registered_sellers: { unit: "sellers" },
  mean_price: XUSD,
  "strategy_*": { unit: "share of sellers" },
  adaptive_share: { unit: "share of sellers" },
  fees_paid_aggregators: XUSD,
  fees_paid_sellers: XUSD,
  rewards_paid_aggregators: LSG,
  rewards_paid_sellers: LSG,
};

/**
 * The value flows every commerce scenario has, for the report's stock-and-flow diagram: prices through the escrow,
 * protocol fees into the ecosystem fund and the rewards pool, and rewards (fees and emissions) claimed by
 * aggregators and sellers, whose claims are circulating supply.
 */
export const COMMERCE_FLOWS: readonly Flow[] = [
  { from: "Buyers", to: "Escrow", label: "prices paid", total: "kpi:buyer_payments", ...XUSD },
  { from: "Escrow", to: "Sellers", label: "sale proceeds", total: "kpi:seller_proceeds", ...XUSD },
  { from: "Escrow", to: "Refunds to buyers", label: "refunds", total: "kpi:buyer_refunds", ...XUSD },
  { from: "Escrow", to: "Dispute splits", label: "split by resolution", total: "kpi:dispute_splits", ...XUSD },
  { from: "Escrow", to: "Protocol fees", label: "protocol fees", total: "escrow.protocolFeesCollected", ...XUSD },
  {
    from: "Protocol fees",
    to: "Ecosystem fund",
    label: "ecosystem share",
    total: "escrow.ecosystemFeesCredited",
    ...XUSD,
  },
  { from: "Protocol fees", to: "Rewards pool", label: "rewards share", total: "escrow.rewardsFeesCredited", ...XUSD },
  { from: "Rewards pool", to: "Aggregators", label: "fees claimed", total: "kpi:fees_paid_aggregators", ...XUSD },
  { from: "Rewards pool", to: "Sellers", label: "fees claimed", total: "kpi:fees_paid_sellers", ...XUSD },
  { from: "Emission schedule", to: "Rewards pool", label: "emitted", total: "rewards.totalEmitted", ...LSG },
  { from: "Rewards pool", to: "Aggregators", label: "rewards claimed", total: "kpi:rewards_paid_aggregators", ...LSG },
  { from: "Rewards pool", to: "Sellers", label: "rewards claimed", total: "kpi:rewards_paid_sellers", ...LSG },
  { from: "Aggregators", to: "Circulating supply", label: "held", total: "kpi:rewards_paid_aggregators", ...LSG },
  { from: "Sellers", to: "Circulating supply", label: "held", total: "kpi:rewards_paid_sellers", ...LSG },
];

/** Vesting releases into circulating supply, one flow per release wallet (`release.<name>.released`). */
export function vestingFlows(wallets: readonly { name: string; label: string }[]): Flow[] {
  return wallets.map(({ name, label }) => ({
    from: label,
    to: "Circulating supply",
    label: "released",
    total: `release.${name}.released`,
    ...LSG,
  }));
}

const round = (x: number): number => Number(x.toFixed(12));

/** The commerce groups' rules across fields, as a zod refinement: each issue names the field and what was expected. */
export function commerceRules(p: CommerceParams, ctx: z.RefinementCtx): void {
  const expect = (path: string, message: string): void =>
    ctx.addIssue({ code: "custom", path: path.split("."), message });
  if (p.offers.priceMin > p.offers.priceMax)
    expect("offers.priceMin", `at most params.offers.priceMax (${p.offers.priceMax})`);
  if (p.offers.priceMin < 10n ** 16n) expect("offers.priceMin", "at least 10000000000000000 (0.01 token)");
  if (p.offers.quantityMin > p.offers.quantityMax)
    expect("offers.quantityMin", `at most params.offers.quantityMax (${p.offers.quantityMax})`);
  if (p.buyers.redeemProbability + p.buyers.cancelProbability > 1)
    expect(
      "buyers.cancelProbability",
      `at most 1 - params.buyers.redeemProbability (${round(1 - p.buyers.redeemProbability)})`,
    );
  if (p.resolvers.idleProbability + p.resolvers.refuseProbability > 1)
    expect(
      "resolvers.refuseProbability",
      `at most 1 - params.resolvers.idleProbability (${round(1 - p.resolvers.idleProbability)})`,
    );
}

export { commerceSchema };

/** The fee and rewards groups every scenario on the full system has. */
export interface SystemParamGroups {
  readonly fees: { readonly feeBps: number; readonly maxFeeBps: number; readonly ecoBps: number };
  readonly rewards: {
    readonly emissionTotal: bigint;
    readonly cliffEpochs: number;
    readonly durationEpochs: number;
    readonly halvingEpochs: number;
    readonly aggregatorPointsBps: number;
  };
}

/** The contracts' construction from the fee and rewards groups: monthly epochs from the run's start. */
export function systemConfigOf(
  p: SystemParamGroups,
  startTime: bigint,
  releases: SystemConfig["releases"],
): SystemConfig {
  return {
    fees: { feeBps: BigInt(p.fees.feeBps), maxFeeBps: BigInt(p.fees.maxFeeBps), ecoBps: BigInt(p.fees.ecoBps) },
    escrow: { aggregatorPointsBps: BigInt(p.rewards.aggregatorPointsBps) },
    rewards: {
      startTimestamp: startTime,
      epochSeconds: BigInt(MONTH_SECONDS),
      emissionTotal: p.rewards.emissionTotal,
      cliffEpochs: BigInt(p.rewards.cliffEpochs),
      durationEpochs: BigInt(p.rewards.durationEpochs),
      halvingEpochs: BigInt(p.rewards.halvingEpochs),
    },
    releases,
  };
}
