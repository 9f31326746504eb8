/** Pieces both commerce scenarios share: substeps, KPIs, the view and the observer. */
import { ParamError } from "../engine/errors";
import type { Substep } from "../engine/types";
import { commerceSchema, type CommerceParams } from "../agents/commerce";
import { newMarket, observeMarket, type CommerceView } from "../agents/market";
import type { Rng } from "../engine/rng";
import { balanceOf } from "../model/erc20";
import { availableFunds } from "../model/vouchers";
import type { World } from "../model/world";

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

export const commerceScenarioParts = {
  init: (_params: unknown, stream: (name: string) => Rng) => newMarket(stream),
  view: (world: World, market: ReturnType<typeof newMarket>): CommerceView => ({ world, market }),
  observe: (view: CommerceView, action: Parameters<typeof observeMarket>[1], outcome: Parameters<typeof observeMarket>[2], ctx: { params: CommerceParams }) =>
    observeMarket(view, action, outcome, ctx.params.market.complaintPopularityPenalty),
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
  };
}

const round = (x: number): number => Number(x.toFixed(12));

/** Cross-field checks of the commerce groups, each failing with the field, value and rule. */
export function checkCommerce(p: CommerceParams): void {
  if (p.offers.priceMin > p.offers.priceMax) {
    throw new ParamError("params.offers.priceMin", p.offers.priceMin, `at most params.offers.priceMax (${p.offers.priceMax})`);
  }
  if (p.offers.priceMin < 10n ** 16n) {
    throw new ParamError("params.offers.priceMin", p.offers.priceMin, "at least 10000000000000000 (0.01 token)");
  }
  if (p.offers.quantityMin > p.offers.quantityMax) {
    throw new ParamError("params.offers.quantityMin", p.offers.quantityMin, `at most params.offers.quantityMax (${p.offers.quantityMax})`);
  }
  if (p.buyers.redeemProbability + p.buyers.cancelProbability > 1) {
    throw new ParamError(
      "params.buyers.cancelProbability",
      p.buyers.cancelProbability,
      `at most 1 - params.buyers.redeemProbability (${round(1 - p.buyers.redeemProbability)})`,
    );
  }
  if (p.resolvers.idleProbability + p.resolvers.refuseProbability > 1) {
    throw new ParamError(
      "params.resolvers.refuseProbability",
      p.resolvers.refuseProbability,
      `at most 1 - params.resolvers.idleProbability (${round(1 - p.resolvers.idleProbability)})`,
    );
  }
}

export { commerceSchema };
