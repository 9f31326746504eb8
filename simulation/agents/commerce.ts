/**
 * Agent policies of a commerce ecosystem after Boson Protocol: a treasury (the deployer:
 * funding and governance), aggregators, buyers, dispute resolvers, a keeper and the
 * ecosystem fund; the seller, who learns or responds to its margin, is in seller.ts. Each
 * decides from the view and its context; randomness comes only from ctx.rng, the agent's
 * own stream. Scenarios reuse them with their own parameters (any params object with the
 * CommerceParams groups).
 */
import { z } from "zod";
import { amount, bps, int, num, type ParamsOf } from "../engine/params.js";
import { actsIn, type Action, type ActionArg, type AgentContext, type Policy } from "../engine/types.js";
import { balanceOf, MAX_UINT256 } from "../model/erc20.js";
import { claimableFees, claimableRewards } from "../model/rewards.js";
import { DEPLOYER_ID } from "../model/system.js";
import { availableFunds, DisputeState, ExchangeState } from "../model/vouchers.js";
import { qualityOf, type CommerceView } from "./market.js";
import { sellerTraits } from "./sellerEconomics.js";

const TOKEN = 10n ** 18n;
/** A hundredth of a token: prices are whole cents. */
const CENT = 10n ** 16n;
const DAY = 86_400n;

/** The parameter groups the commerce policies read. Amounts in exchange-token wei. */
export const commerceSchema = z.object({
  tokens: z.object({
    buyerBudget: amount(2_000n * TOKEN),
    sellerBudget: amount(5_000n * TOKEN),
  }),
  offers: z.object({
    priceMin: amount(10n * TOKEN),
    priceMax: amount(100n * TOKEN),
    sellerDepositBps: bps(1_000),
    buyerCancelPenaltyBps: bps(500),
    quantityMin: int(1, 1_000_000, 5, "vouchers"),
    quantityMax: int(1, 1_000_000, 20, "vouchers"),
    validityDays: int(1, 3650, 20, "days"),
    disputeDays: int(1, 3650, 7, "days"),
    resolutionDays: int(1, 3650, 15, "days"),
    escalationDays: int(1, 3650, 10, "days"),
    resolverFee: amount(2n * TOKEN),
  }),
  buyers: z.object({
    commitProbability: num(0, 1, 0.35, "per buyer per step"),
    redeemProbability: num(0, 1, 0.85),
    cancelProbability: num(0, 1, 0.05),
    completeProbability: num(0, 1, 0.6),
    complaintBase: num(0, 1, 0.02),
    complaintQualitySlope: num(0, 1, 0.3),
    acceptProbability: num(0, 1, 0.7),
    escalateProbability: num(0, 1, 0.6),
    retractProbability: num(0, 1, 0.3),
    popularityExponent: num(0, 10, 2),
    priceExponent: num(0, 10, 1),
    priceElasticity: num(0, 10, 1, "a buyer buys with probability min(1, (referencePrice/price)^priceElasticity)"),
    referencePrice: amount(50n * TOKEN),
    markupElasticity: num(0, 100, 15, "an offer's weight x (its product's going price / its price)^markupElasticity"),
    sellerRecordWeight: num(
      0,
      100,
      2,
      "an offer's weight x max(0, 1 - weight x its seller's complaints per redemption)",
    ),
    experienceWeight: num(0, 1, 0.5, "a buyer buys less by weight x its own complaints per redemption"),
    shoppersBase: int(0, 1_000_000, 0, "buyers who shop whatever is listed"),
    shoppersPerListing: num(0, 1_000, 0, "more buyers who shop per listing seller; 0 = every buyer alive shops"),
  }),
  sellers: z.object({
    qualityMean: num(0, 1, 0.75),
    qualitySd: num(0, 1, 0.15),
    revokeProbability: num(0, 1, 0.01),
    refundBps: bps(8_000),
    topUpUnits: int(1, 1_000_000, 5, "vouchers' worth of deposit"),
    marginMean: num(0, 1, 0.06, "gross margin: share of the base price that is not unit cost"),
    marginSd: num(0, 1, 0.03),
    minMarginBps: bps(100),
    capitalCostBps: bps(100),
    adaptiveShare: num(0, 1, 0, "share of sellers that learn their strategy (the rest follow the responsive rule)"),
    epsilon: num(0, 1, 0.1, "an adaptive seller's chance to explore a random strategy"),
    imitateProbability: num(0, 1, 0.1, "an adaptive seller's chance to copy a better-earning peer"),
    learningRate: num(0, 1, 0.3, "recency weight of its estimates; 0 = sample means"),
  }),
  aggregators: z.object({
    recruitBase: num(0, 1, 1, "chance a seller is recruited with no fee rewards"),
    recruitHalfReward: amount(TOKEN / 2n),
  }),
  resolvers: z.object({
    refuseProbability: num(0, 1, 0.05),
    idleProbability: num(0, 1, 0.05),
  }),
  keeper: z.object({
    eagerProbability: num(0, 1, 0.02, "chance to try an expiry too early"),
  }),
  market: z.object({
    complaintPopularityPenalty: num(0, 1, 0.15),
  }),
});

export type CommerceParams = ParamsOf<typeof commerceSchema>;
type Ctx = AgentContext<CommerceParams>;
type CommercePolicy = Policy<CommerceParams, CommerceView>;

export function act(
  ctx: Ctx,
  kind: string,
  args: Record<string, ActionArg> = {},
  meta?: Record<string, ActionArg>,
): Action {
  return meta === undefined ? { agent: ctx.self.id, kind, args } : { agent: ctx.self.id, kind, args, meta };
}

/** No exchanges: what an agent without open exchanges iterates. */
export const NONE: ReadonlySet<bigint> = new Set();

const days = (n: number): bigint => BigInt(n) * DAY;
const bpsOf = (value: bigint, b: number): bigint => (value * BigInt(b)) / 10_000n;

/** An offer's terms at `price` (whole hundredths of a token), its quantity drawn from the seller's stream. */
export function offerTerms(ctx: Ctx, price: bigint): Record<string, ActionArg> {
  const p = ctx.params;
  const resolverId = String(ctx.self.attrs["resolver"]);
  return {
    price,
    sellerDeposit: bpsOf(price, p.offers.sellerDepositBps),
    buyerCancelPenalty: bpsOf(price, p.offers.buyerCancelPenaltyBps),
    quantity: BigInt(ctx.rng.int(p.offers.quantityMin, p.offers.quantityMax)),
    voucherValiditySeconds: days(p.offers.validityDays),
    disputePeriodSeconds: days(p.offers.disputeDays),
    resolutionPeriodSeconds: days(p.offers.resolutionDays),
    escalationResponsePeriodSeconds: days(p.offers.escalationDays),
    disputeResolver: ctx.addressOf(resolverId),
    disputeResolverFee: p.offers.resolverFee,
  };
}

/** The deployer: funds newcomers, runs governance changes, closes reward epochs, releases vesting. */
export function treasuryPolicy(governance: (ctx: Ctx) => readonly Action[] = () => []): CommercePolicy {
  return actsIn(["onboard", "rewards"], (view: CommerceView, ctx: Ctx) => {
    const out: Action[] = [];
    if (ctx.substep === "onboard") {
      for (const a of ctx.newcomers) {
        const budget =
          a.role === "seller"
            ? ctx.params.tokens.sellerBudget
            : a.role === "buyer"
              ? ctx.params.tokens.buyerBudget
              : 0n;
        if (budget > 0n) out.push(act(ctx, "mint", { to: a.address, amount: budget }));
      }
      out.push(...governance(ctx));
    } else if (ctx.substep === "rewards") {
      if (ctx.step >= 1) out.push(act(ctx, "closeEpoch"));
      for (const name of view.world.releases.keys()) out.push(act(ctx, "release", { wallet: name }));
    }
    return out;
  });
}

/** An account that only holds what it receives (a vesting beneficiary, an idle resolver): never called. */
export const passivePolicy: CommercePolicy = actsIn([], () => []);

/** Aggregators recruit sellers (the population does that) and claim the rewards their sellers earn them. */
export const aggregatorPolicy: CommercePolicy = actsIn(["rewards"], (view: CommerceView, ctx: Ctx) =>
  claimIfAny(view, ctx),
);

export function claimIfAny(view: CommerceView, ctx: Ctx): Action[] {
  if (ctx.substep !== "rewards") return [];
  const r = view.world.rewards;
  const me = ctx.self.address;
  return claimableRewards(r, me) > 0n || claimableFees(r, me) > 0n ? [act(ctx, "claim")] : [];
}

/** A buyer commits to products by popularity and price, redeems or cancels, complains by quality, settles disputes. */
export const buyerPolicy: CommercePolicy = actsIn(
  ["onboard", "commit", "redeem", "complete", "respond", "rewards"],
  (view: CommerceView, ctx: Ctx) => {
    const me = ctx.self.address;
    const w = view.world;
    const b = ctx.params.buyers;
    const out: Action[] = [];
    const mine = view.market.openByBuyer.get(me) ?? NONE;
    switch (ctx.substep) {
      case "onboard":
        if (ctx.newcomers.includes(ctx.self)) {
          out.push(act(ctx, "approve", { token: "exchange", spender: w.addresses.escrow, amount: MAX_UINT256 }));
        }
        return out;
      case "commit": {
        if (!ctx.rng.chance(b.commitProbability)) return out;
        const { offers, weights, listing } = offerChoice(view, ctx);
        if (b.shoppersPerListing > 0 && Number(ctx.self.attrs["rank"] ?? 0) >= shoppers(b, listing)) return out;
        const pick = ctx.rng.weighted(weights);
        if (pick < 0) return out;
        const offerId = offers[pick]!;
        const offer = w.escrow.offers.get(offerId)!;
        const own = view.market.buyerRecords.get(me);
        if (own?.avoided.has(offer.seller) === true) return out;
        const going = sellerTraits(view.market, offer.seller, ctx.params).basePrice;
        if (!ctx.rng.chance(buyProbability(b, offer.price, going, own))) return out;
        if (balanceOf(w.exchangeToken, me) < offer.price) return out;
        out.push(act(ctx, "commitToOffer", { offerId }));
        return out;
      }
      case "redeem":
        for (const id of mine) {
          if (w.escrow.exchanges.get(id)!.state !== ExchangeState.Committed) continue;
          const r = ctx.rng.next();
          if (r < b.redeemProbability) out.push(act(ctx, "redeemVoucher", { exchangeId: id }));
          else if (r < b.redeemProbability + b.cancelProbability)
            out.push(act(ctx, "cancelVoucher", { exchangeId: id }));
        }
        return out;
      case "complete":
        for (const id of mine) {
          const ex = w.escrow.exchanges.get(id)!;
          if (ex.state !== ExchangeState.Redeemed) continue;
          const offer = w.escrow.offers.get(ex.offerId)!;
          const q = qualityOf(view.market, offer.seller, ctx.params.sellers.qualityMean, ctx.params.sellers.qualitySd);
          if (ctx.rng.chance(Math.min(1, b.complaintBase + b.complaintQualitySlope * (1 - q)))) {
            out.push(act(ctx, "raiseDispute", { exchangeId: id }, { fault: ctx.rng.chance(1 - q) }));
          } else if (ctx.rng.chance(b.completeProbability)) {
            out.push(act(ctx, "completeExchange", { exchangeId: id }));
          }
        }
        return out;
      case "respond":
        for (const id of mine) {
          const ex = w.escrow.exchanges.get(id)!;
          if (ex.disputeState !== DisputeState.Resolving) continue;
          const fault = view.market.faults.get(id) === true;
          const fair = ex.sellerProposed && (fault ? ex.sellerProposalBps >= 5_000n : true);
          if (fair && ctx.rng.chance(b.acceptProbability)) out.push(act(ctx, "acceptResolution", { exchangeId: id }));
          else if (fault && ctx.rng.chance(b.escalateProbability))
            out.push(act(ctx, "escalateDispute", { exchangeId: id }));
          else if (ctx.rng.chance(b.retractProbability)) out.push(act(ctx, "retractDispute", { exchangeId: id }));
        }
        return out;
      case "rewards": {
        const refund = availableFunds(w.escrow, me);
        if (refund > 0n) out.push(act(ctx, "withdrawFunds", { amount: refund }));
        return out;
      }
      default:
        return out;
    }
  },
);

/**
 * How many buyers shop when `listing` sellers list: shoppersBase + floor(shoppersPerListing x listing)
 * (buyers grow with product diversity); the buyers of rank below it shop.
 */
export function shoppers(b: CommerceParams["buyers"], listing: number): number {
  return b.shoppersBase + Math.floor(b.shoppersPerListing * listing);
}

/**
 * A buyer who picked an offer buys it with probability min(1, (referencePrice / price)^priceElasticity)
 * x min(1, (goingPrice / price)^markupElasticity), less experienceWeight x its own complaints per
 * redemption (a buyer let down buys less). A markup over the product's going price loses buyers outright
 * as well as to other sellers (the offer weights); a discount wins only the latter.
 */
export function buyProbability(
  b: CommerceParams["buyers"],
  price: bigint,
  goingPrice: bigint,
  own: { redemptions: number; complaints: number } | undefined,
): number {
  const cents = Number(price / CENT);
  const priceFactor = Math.min(1, Math.pow(Number(b.referencePrice / CENT) / cents, b.priceElasticity));
  const markupFactor = Math.min(1, Math.pow(Number(goingPrice / CENT) / cents, b.markupElasticity));
  const letDown = own === undefined || own.redemptions === 0 ? 0 : Math.min(1, own.complaints / own.redemptions);
  return priceFactor * markupFactor * (1 - b.experienceWeight * letDown);
}

/** What is on sale: each seller's latest offer, when it has vouchers left and its seller funds a commit. */
export interface Storefront {
  readonly offers: readonly bigint[];
  /** Sellers listing (one offer each). */
  readonly listing: number;
  /** Mean listed price, wei (0 with nothing listed). */
  readonly meanPrice: bigint;
}

const storefronts = new WeakMap<CommerceView, Storefront>();

export function storefront(view: CommerceView): Storefront {
  let s = storefronts.get(view);
  if (s !== undefined) return s;
  const escrow = view.world.escrow;
  const offers: bigint[] = [];
  let total = 0n;
  for (const [seller, id] of view.market.latestOffer) {
    const o = escrow.offers.get(id)!;
    if (o.quantityAvailable === 0n || availableFunds(escrow, seller) < o.sellerDeposit + o.disputeResolverFee) continue;
    offers.push(id);
    total += o.price;
  }
  s = { offers, listing: offers.length, meanPrice: offers.length === 0 ? 0n : total / BigInt(offers.length) };
  storefronts.set(view, s);
  return s;
}

interface OfferChoice {
  /** The substep it holds for, and the parameters it was weighed with. */
  readonly time: bigint;
  readonly buyers: CommerceParams["buyers"];
  /**
   * The storefront's offers, and the weight a buyer gives each: popularity against price, the seller's record,
   * and the price against the product's going price (its seller's base price, which buyers know: what such a
   * product sells for), so a seller who marks up loses buyers to others and one who discounts wins them.
   */
  readonly offers: readonly bigint[];
  readonly weights: readonly number[];
  readonly listing: number;
}

// Every buyer committing in a substep weighs the same offers the same way: a substep's policies all
// read one view, and its Actions apply only once all have decided. So the weights are computed once
// per view and substep, not once per buyer (a step has O(buyers) commits over O(sellers) offers).
const choiceByView = new WeakMap<CommerceView, OfferChoice>();

function offerChoice(view: CommerceView, ctx: Ctx): OfferChoice {
  const b = ctx.params.buyers;
  const cached = choiceByView.get(view);
  if (cached !== undefined && cached.time === ctx.time && cached.buyers === b) return cached;
  const escrow = view.world.escrow;
  const front = storefront(view);
  const weights = front.offers.map((id) => {
    const o = escrow.offers.get(id)!;
    const pop = view.market.popularity.get(id) ?? 1;
    const priceTokens = Number(o.price / CENT) / 100;
    const record = view.market.sellerRecords.get(o.seller);
    const complaintRate = record === undefined ? 0 : record.complaints / (record.redemptions + 1);
    const trust = Math.max(0, 1 - b.sellerRecordWeight * complaintRate);
    const going = sellerTraits(view.market, o.seller, ctx.params).basePrice;
    const markup = Math.pow(Number(going / CENT) / Number(o.price / CENT), b.markupElasticity);
    return (Math.pow(pop, b.popularityExponent) / Math.pow(priceTokens, b.priceExponent)) * trust * markup;
  });
  const choice = { time: ctx.time, buyers: b, offers: front.offers, weights, listing: front.listing };
  choiceByView.set(view, choice);
  return choice;
}

/** A dispute resolver decides escalated disputes on the facts (refund on a fault), sometimes refuses or idles. */
export const resolverPolicy: CommercePolicy = actsIn(["decide"], (view: CommerceView, ctx: Ctx) => {
  if (ctx.substep !== "decide") return [];
  const out: Action[] = [];
  const r = ctx.params.resolvers;
  for (const id of view.market.openByResolver.get(ctx.self.address) ?? NONE) {
    const ex = view.world.escrow.exchanges.get(id)!;
    if (ex.disputeState !== DisputeState.Escalated) continue;
    const x = ctx.rng.next();
    if (x < r.idleProbability) continue;
    if (x < r.idleProbability + r.refuseProbability) out.push(act(ctx, "refuseEscalatedDispute", { exchangeId: id }));
    else {
      const fault = view.market.faults.get(id) === true;
      out.push(act(ctx, "decideDispute", { exchangeId: id, buyerPercentBps: fault ? 10_000 : 0 }));
    }
  }
  return out;
});

/** Anyone may finish what time has decided; the keeper does, and now and then tries too early. */
export const keeperPolicy: CommercePolicy = actsIn(["settle"], (view: CommerceView, ctx: Ctx) => {
  if (ctx.substep !== "settle") return [];
  const out: Action[] = [];
  const now = ctx.time;
  const escrow = view.world.escrow;
  for (const id of view.market.open) {
    const ex = escrow.exchanges.get(id)!;
    const offer = escrow.offers.get(ex.offerId)!;
    if (ex.state === ExchangeState.Committed) {
      if (now >= ex.validUntil || ctx.rng.chance(ctx.params.keeper.eagerProbability)) {
        out.push(act(ctx, "expireVoucher", { exchangeId: id }));
      }
    } else if (ex.state === ExchangeState.Redeemed) {
      if (now - ex.redeemedAt >= offer.disputePeriodSeconds) out.push(act(ctx, "completeExchange", { exchangeId: id }));
    } else if (ex.disputeState === DisputeState.Resolving) {
      if (now > ex.disputeTimeout) out.push(act(ctx, "expireDispute", { exchangeId: id }));
    } else if (ex.disputeState === DisputeState.Escalated) {
      if (now > ex.disputeTimeout) out.push(act(ctx, "expireEscalatedDispute", { exchangeId: id }));
    }
  }
  return out;
});

/** The ecosystem fund withdraws the fee share credited to it. */
export const ecosystemFundPolicy: CommercePolicy = actsIn(["rewards"], (view: CommerceView, ctx: Ctx) => {
  if (ctx.substep !== "rewards") return [];
  const funds = availableFunds(view.world.escrow, ctx.self.address);
  return funds > 0n ? [act(ctx, "withdrawFunds", { amount: funds })] : [];
});

export { DEPLOYER_ID };
