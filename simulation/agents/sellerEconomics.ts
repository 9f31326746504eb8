/**
 * What a commerce seller weighs: its private economics (margin, base price, whether it learns),
 * its expected profit per unit after protocol fees, fee rewards, dispute losses and the cost of its
 * deposit, its wealth (a learner's score), and how likely its aggregator is to recruit it given
 * the rewards the aggregator's points earn. Pure functions of the view and the parameters.
 */
import { balanceOf } from "../model/erc20.js";
import { claimableFees } from "../model/rewards.js";
import { ZERO_ADDRESS, type Address } from "../model/types.js";
import { availableFunds } from "../model/vouchers.js";
import type { CommerceParams } from "./commerce.js";
import { qualityOf, type CommerceView, type Market, type SellerTraits } from "./market.js";

const CENT = 10n ** 16n;

/** A seller's strategies: list at its base price, at a discount, at a premium, or stay out this step. */
export const SELLER_STRATEGIES: readonly string[] = ["list", "discount", "premium", "out"];
/** The price of each strategy as a multiple of the seller's base price (0: no listing). */
export const STRATEGY_PRICE: readonly number[] = [1, 0.95, 1.05, 0];
export const LIST = 0;
export const OUT = 3;

/** Wei to whole tokens, for decisions and scores only (amounts stay bigint on the way to the chain). */
export function tokens(wei: bigint): number {
  return Number(wei / 10n ** 12n) / 1e6;
}

/** A seller's traits, drawn once from its own env stream (`traits/<address>`): adaptive or not, margin, base price. */
export function sellerTraits(market: Market, seller: Address, p: CommerceParams): SellerTraits {
  let t = market.traits.get(seller);
  if (t === undefined) {
    const rng = market.traitStream(seller);
    const adaptive = rng.chance(p.sellers.adaptiveShare);
    const margin = Math.min(1, Math.max(0, rng.normal(p.sellers.marginMean, p.sellers.marginSd)));
    const basePrice = rng.bigint(p.offers.priceMin / CENT, p.offers.priceMax / CENT) * CENT;
    t = { adaptive, margin, basePrice };
    market.traits.set(seller, t);
  }
  return t;
}

/** The price a strategy lists at, whole cents; 0 for staying out. */
export function strategyPrice(traits: SellerTraits, arm: number): bigint {
  const k = STRATEGY_PRICE[arm] ?? 0;
  return BigInt(Math.round(Number(traits.basePrice / CENT) * k)) * CENT;
}

/**
 * The profit a seller expects per unit sold at its base price, as a share of the price:
 *   margin − fee × (1 − back) − disputeRate × faultShare × refund − deposit × capitalCost
 * where `back` is the share of a fee that returns to the seller as fee rewards if every exchange earns
 * points alike ((1 − ecoBps) × (1 − aggregatorPointsBps)), `disputeRate` its own complaint record
 * smoothed toward what its quality predicts (with 5 redemptions' weight), `faultShare` the share of
 * complaints that are real faults (1 − its quality, which the seller knows), `refund` the share it
 * refunds on a fault, and the deposit's cost of capital per step. The fee and its split are read from
 * the view: a governance change moves it.
 */
export function expectedMargin(view: CommerceView, seller: Address, p: CommerceParams): number {
  const t = sellerTraits(view.market, seller, p);
  const w = view.world;
  const fee = Number(w.fees.feeBps) / 10_000;
  const back = (1 - Number(w.fees.ecoBps) / 10_000) * (1 - Number(w.escrow.aggregatorPointsBps) / 10_000);
  const q = qualityOf(view.market, seller, p.sellers.qualityMean, p.sellers.qualitySd);
  const prior = Math.min(1, p.buyers.complaintBase + p.buyers.complaintQualitySlope * (1 - q));
  const record = view.market.sellerRecords.get(seller);
  const k = 5;
  const disputeRate = ((record?.complaints ?? 0) + k * prior) / ((record?.redemptions ?? 0) + k);
  const loss = disputeRate * (1 - q) * (p.sellers.refundBps / 10_000);
  const capital = (p.offers.sellerDepositBps / 10_000) * (p.sellers.capitalCostBps / 10_000);
  return t.margin - fee * (1 - back) - loss - capital;
}

/** The responsive (static) seller's rule: list at its base price while the expected margin clears its threshold. */
export function responsiveStrategy(view: CommerceView, seller: Address, p: CommerceParams): number {
  return expectedMargin(view, seller, p) >= p.sellers.minMarginBps / 10_000 ? LIST : OUT;
}

/**
 * A seller's wealth in whole tokens, net of the goods it delivered: its exchange tokens, the funds the
 * escrow holds for it (available, and the deposits and resolver fees its open exchanges encumber), less
 * its unit cost for every redemption. A learner's score: the change over a step is the step's profit.
 */
export function sellerWealth(view: CommerceView, seller: Address, p: CommerceParams): number {
  const t = sellerTraits(view.market, seller, p);
  const escrow = view.world.escrow;
  let locked = 0n;
  for (const id of view.market.openBySeller.get(seller) ?? []) {
    const offer = escrow.offers.get(escrow.exchanges.get(id)!.offerId)!;
    locked += offer.sellerDeposit + offer.disputeResolverFee;
  }
  const cash = balanceOf(view.world.exchangeToken, seller) + availableFunds(escrow, seller) + locked;
  const unitCost = tokens(t.basePrice) * (1 - t.margin);
  return tokens(cash) - (view.market.sellerRecords.get(seller)?.redemptions ?? 0) * unitCost;
}

/**
 * How likely an aggregator is to recruit a seller that comes its way: recruitBase, plus the rest in
 * proportion to r / (r + recruitHalfReward), where r is what aggregators' points have earned them in
 * exchange-token fee rewards, per aggregator alive and per step so far (claimed, which is all the
 * exchange tokens an aggregator holds, plus claimable): the going rate of the business, which every
 * aggregator sees. With no fee there are no fee rewards, and aggregators recruit at the base rate.
 */
export function recruitProbability(view: CommerceView, aggregators: number, p: CommerceParams, step: number): number {
  const a = p.aggregators;
  if (a.recruitBase >= 1) return 1;
  const r = tokens(aggregatorEarnings(view)) / Math.max(1, aggregators) / Math.max(1, step);
  const half = tokens(a.recruitHalfReward);
  const pull = half === 0 ? (r > 0 ? 1 : 0) : r / (r + half);
  return a.recruitBase + (1 - a.recruitBase) * pull;
}

const earnings = new WeakMap<CommerceView, bigint>();

/** Exchange-token fee rewards every aggregator with a registered seller has earned so far, claimed or claimable. */
function aggregatorEarnings(view: CommerceView): bigint {
  let total = earnings.get(view);
  if (total === undefined) {
    total = 0n;
    for (const aggregator of new Set(view.world.escrow.sellerAggregator.values())) {
      if (aggregator === ZERO_ADDRESS) continue;
      total += balanceOf(view.world.exchangeToken, aggregator) + claimableFees(view.world.rewards, aggregator);
    }
    earnings.set(view, total);
  }
  return total;
}
