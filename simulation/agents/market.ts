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
import { newLearning, type Learning } from "./learning.js";

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

/** What the market remembers of a seller's record, in public: what any buyer can see. */
export interface SellerRecord {
  redemptions: number;
  complaints: number;
}

/** What a buyer remembers of its own past: redemptions, complaints, and the sellers it complained about. */
export interface BuyerRecord {
  redemptions: number;
  complaints: number;
  readonly avoided: Set<Address>;
}

/** A seller's private economics, drawn once from its own env stream: what only the seller knows. */
export interface SellerTraits {
  /** Whether it learns its strategy (a bandit) or follows the responsive rule. */
  readonly adaptive: boolean;
  /** Gross margin: the share of its base price that is not the unit cost of the goods. */
  readonly margin: number;
  /** The price it lists at by default, whole cents of exchange-token wei. */
  readonly basePrice: bigint;
}

export interface Market {
  /** Hidden quality in [0, 1] of each seller's product, drawn once from the seller's own env stream. */
  readonly quality: Map<Address, number>;
  /** Public popularity of each offer, 1 at listing; complaints lower it. */
  readonly popularity: Map<bigint, number>;
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
  /** Each seller's public record, and each buyer's own, updated from outcomes. */
  readonly sellerRecords: Map<Address, SellerRecord>;
  readonly buyerRecords: Map<Address, BuyerRecord>;
  /** Each seller's private economics, drawn once (sellerTraits in sellerEconomics.ts). */
  readonly traits: Map<Address, SellerTraits>;
  /** The env stream a seller's traits are drawn from, keyed by its address. */
  readonly traitStream: (seller: Address) => Rng;
  /** The learning memories of the adaptive agents (and the strategies of the static ones), by agent id. */
  readonly learning: Learning;
}

export interface CommerceView {
  readonly world: World;
  readonly market: Market;
}

export function newMarket(stream: (name: string) => Rng): Market {
  return {
    quality: new Map(),
    popularity: new Map(),
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
    sellerRecords: new Map(),
    buyerRecords: new Map(),
    traits: new Map(),
    traitStream: (seller) => stream(`traits/${seller}`),
    learning: newLearning(),
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

export function sellerRecord(market: Market, seller: Address): SellerRecord {
  let r = market.sellerRecords.get(seller);
  if (r === undefined) {
    r = { redemptions: 0, complaints: 0 };
    market.sellerRecords.set(seller, r);
  }
  return r;
}

export function buyerRecord(market: Market, buyer: Address): BuyerRecord {
  let r = market.buyerRecords.get(buyer);
  if (r === undefined) {
    r = { redemptions: 0, complaints: 0, avoided: new Set() };
    market.buyerRecords.set(buyer, r);
  }
  return r;
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
  if (action.kind === "redeemVoucher") {
    sellerRecord(market, escrow.offers.get(ex.offerId)!.seller).redemptions++;
    buyerRecord(market, ex.buyer).redemptions++;
  }
  if (action.kind === "raiseDispute") {
    const fault = action.meta?.["fault"] === true;
    market.faults.set(exchangeId, fault);
    c.complaints++;
    if (fault) c.faults++;
    const seller = escrow.offers.get(ex.offerId)!.seller;
    sellerRecord(market, seller).complaints++;
    const own = buyerRecord(market, ex.buyer);
    own.complaints++;
    own.avoided.add(seller);
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
