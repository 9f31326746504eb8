/**
 * The off-chain side of a commerce scenario: what the contracts do not know (hidden
 * product quality, popularity, whether a complaint is a real fault) and indexes that keep
 * agents' decisions O(open exchanges) instead of O(history). Updated only by `observe`,
 * from Actions and their outcomes; read by policies through the view.
 */
import type { Action, Outcome } from "../engine/types.js";
import type { Rng } from "../engine/rng.js";
import type { Address } from "../model/types.js";
import { DisputeState, ExchangeState, type Exchange } from "../model/vouchers.js";
import type { World } from "../model/world.js";

export interface MarketCounters {
  commits: number;
  redemptions: number;
  /** Redemptions that ended Completed, with no complaint: the ecosystem's objective. */
  qualityRedemptions: number;
  cancellations: number;
  revocations: number;
  expiries: number;
  complaints: number;
  faults: number;
  escalations: number;
  resolutions: number;
  decisions: number;
  refusals: number;
  retractions: number;
  reverts: number;
  offers: number;
}

export interface Market {
  /** Hidden quality in [0, 1] of each seller's product, drawn once from the seller's own env stream. */
  readonly quality: Map<Address, number>;
  /** Public popularity of each offer, 1 at listing; complaints lower it. */
  readonly popularity: Map<bigint, number>;
  /** Offers with vouchers left (checked lazily against the world). */
  readonly activeOffers: Set<bigint>;
  /** Each seller's latest offer. */
  readonly latestOffer: Map<Address, bigint>;
  /** Whether a disputed exchange's complaint is a real fault, as the buyer knew when raising it. */
  readonly faults: Map<bigint, boolean>;
  /** Exchanges not yet in a terminal state, in commit order. */
  readonly open: Set<bigint>;
  readonly openByBuyer: Map<Address, Set<bigint>>;
  readonly openBySeller: Map<Address, Set<bigint>>;
  readonly openByResolver: Map<Address, Set<bigint>>;
  readonly counters: MarketCounters;
  /** The env stream a seller's quality is drawn from, keyed by its address (which its id fixes). */
  readonly qualityStream: (seller: Address) => Rng;
}

export interface CommerceView {
  readonly world: World;
  readonly market: Market;
}

export function newMarket(stream: (name: string) => Rng): Market {
  return {
    quality: new Map(),
    popularity: new Map(),
    activeOffers: new Set(),
    latestOffer: new Map(),
    faults: new Map(),
    open: new Set(),
    openByBuyer: new Map(),
    openBySeller: new Map(),
    openByResolver: new Map(),
    counters: {
      commits: 0,
      redemptions: 0,
      qualityRedemptions: 0,
      cancellations: 0,
      revocations: 0,
      expiries: 0,
      complaints: 0,
      faults: 0,
      escalations: 0,
      resolutions: 0,
      decisions: 0,
      refusals: 0,
      retractions: 0,
      reverts: 0,
      offers: 0,
    },
    qualityStream: (seller) => stream(`quality/${seller}`),
  };
}

/** A seller's hidden quality: Normal(mean, sd) clipped to [0, 1], drawn once. */
export function qualityOf(market: Market, seller: Address, mean: number, sd: number): number {
  let q = market.quality.get(seller);
  if (q === undefined) {
    q = Math.min(1, Math.max(0, market.qualityStream(seller).normal(mean, sd)));
    market.quality.set(seller, q);
  }
  return q;
}

export function isTerminal(ex: Exchange): boolean {
  if (ex.state === ExchangeState.Revoked || ex.state === ExchangeState.Canceled) return true;
  if (ex.state === ExchangeState.Completed) return true;
  if (ex.state !== ExchangeState.Disputed) return false;
  return ex.disputeState !== DisputeState.Resolving && ex.disputeState !== DisputeState.Escalated;
}

function index(map: Map<Address, Set<bigint>>, key: Address): Set<bigint> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

const COUNTED: Readonly<Record<string, keyof MarketCounters>> = {
  redeemVoucher: "redemptions",
  completeExchange: "qualityRedemptions",
  cancelVoucher: "cancellations",
  revokeVoucher: "revocations",
  expireVoucher: "expiries",
  escalateDispute: "escalations",
  acceptResolution: "resolutions",
  decideDispute: "decisions",
  refuseEscalatedDispute: "refusals",
  expireEscalatedDispute: "refusals",
  retractDispute: "retractions",
  expireDispute: "retractions",
};

/**
 * Updates the market after an Action applied. `popularityPenalty` is the share of
 * popularity an offer loses per complaint.
 */
export function observeMarket(view: CommerceView, action: Action, outcome: Outcome, popularityPenalty: number): void {
  const { world, market } = view;
  const c = market.counters;
  if (!outcome.ok) {
    c.reverts++;
    return;
  }
  const escrow = world.escrow;
  switch (action.kind) {
    case "createOffer": {
      const offerId = escrow.offerCount;
      const offer = escrow.offers.get(offerId)!;
      market.popularity.set(offerId, 1);
      market.activeOffers.add(offerId);
      market.latestOffer.set(offer.seller, offerId);
      c.offers++;
      return;
    }
    case "commitToOffer": {
      const exchangeId = escrow.exchangeCount;
      const ex = escrow.exchanges.get(exchangeId)!;
      const offer = escrow.offers.get(ex.offerId)!;
      market.open.add(exchangeId);
      index(market.openByBuyer, ex.buyer).add(exchangeId);
      index(market.openBySeller, offer.seller).add(exchangeId);
      index(market.openByResolver, offer.disputeResolver).add(exchangeId);
      if (offer.quantityAvailable === 0n) market.activeOffers.delete(ex.offerId);
      c.commits++;
      return;
    }
  }
  const counter = COUNTED[action.kind];
  if (counter !== undefined) c[counter]++;
  const idArg = action.args["exchangeId"];
  if (idArg === undefined) return;
  const exchangeId = BigInt(idArg);
  const ex = escrow.exchanges.get(exchangeId)!;
  if (action.kind === "raiseDispute") {
    const fault = action.meta?.["fault"] === true;
    market.faults.set(exchangeId, fault);
    c.complaints++;
    if (fault) c.faults++;
    const p = market.popularity.get(ex.offerId) ?? 1;
    market.popularity.set(ex.offerId, p * (1 - popularityPenalty));
  }
  if (isTerminal(ex)) {
    const offer = escrow.offers.get(ex.offerId)!;
    market.open.delete(exchangeId);
    market.openByBuyer.get(ex.buyer)?.delete(exchangeId);
    market.openBySeller.get(offer.seller)?.delete(exchangeId);
    market.openByResolver.get(offer.disputeResolver)?.delete(exchangeId);
  }
}
