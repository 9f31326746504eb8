/**
 * The VoucherEscrow mirror's types: its enums (same indices), the structs it stores and returns, its state, and the
 * points sink it calls. vouchers.ts re-exports them.
 */
import type { Erc20State } from "./erc20.js";
import type { FeeState } from "./fees.js";
import type { Address, Emit } from "./types.js";

/** Mirrors VoucherEscrow.ExchangeState (same indices). */
export const ExchangeState = {
  None: 0n,
  Committed: 1n,
  Revoked: 2n,
  Canceled: 3n,
  Redeemed: 4n,
  Completed: 5n,
  Disputed: 6n,
} as const;
export type ExchangeState = (typeof ExchangeState)[keyof typeof ExchangeState];
export type ExchangeStateName = keyof typeof ExchangeState;

/** Mirrors VoucherEscrow.DisputeState (same indices). */
export const DisputeState = {
  None: 0n,
  Resolving: 1n,
  Retracted: 2n,
  Resolved: 3n,
  Escalated: 4n,
  Decided: 5n,
  Refused: 6n,
} as const;
export type DisputeState = (typeof DisputeState)[keyof typeof DisputeState];
export type DisputeStateName = keyof typeof DisputeState;

export const EXCHANGE_STATE_NAMES = Object.keys(ExchangeState) as ExchangeStateName[];
export const DISPUTE_STATE_NAMES = Object.keys(DisputeState) as DisputeStateName[];

/** Mirrors VoucherEscrow.ESCALATION_DEPOSIT_BPS: basis points of the resolver's fee the buyer pays to escalate. */
export const ESCALATION_DEPOSIT_BPS = 1_000n;

/** Mirrors VoucherEscrow.OfferParams. Amounts in exchange-token wei, periods in seconds. */
export interface OfferParams {
  readonly price: bigint;
  readonly sellerDeposit: bigint;
  readonly buyerCancelPenalty: bigint;
  readonly quantity: bigint;
  readonly voucherValiditySeconds: bigint;
  readonly disputePeriodSeconds: bigint;
  readonly resolutionPeriodSeconds: bigint;
  readonly escalationResponsePeriodSeconds: bigint;
  readonly disputeResolver: Address;
  readonly disputeResolverFee: bigint;
}

/** Mirrors VoucherEscrow.Offer (what `getOffer` returns). */
export interface Offer {
  readonly seller: Address;
  readonly disputeResolver: Address;
  readonly price: bigint;
  readonly sellerDeposit: bigint;
  readonly buyerCancelPenalty: bigint;
  /** Fixed at creation: `price * feeBps / 10_000` at the rate then current. */
  readonly protocolFee: bigint;
  readonly disputeResolverFee: bigint;
  quantityAvailable: bigint;
  readonly voucherValiditySeconds: bigint;
  readonly disputePeriodSeconds: bigint;
  readonly resolutionPeriodSeconds: bigint;
  readonly escalationResponsePeriodSeconds: bigint;
}

/** Mirrors VoucherEscrow.Exchange (what `getExchange` returns). Timestamps in seconds, 0 until set. */
export interface Exchange {
  readonly offerId: bigint;
  readonly buyer: Address;
  state: ExchangeState;
  disputeState: DisputeState;
  escalated: boolean;
  buyerProposed: boolean;
  sellerProposed: boolean;
  buyerProposalBps: bigint;
  sellerProposalBps: bigint;
  readonly validUntil: bigint;
  redeemedAt: bigint;
  disputeTimeout: bigint;
  escalationDeposit: bigint;
}

/**
 * The points sink (IPointsSink.accruePoints) as the model calls it on every completed exchange, plus the
 * block timestamp. Plug the rewards model in here; it may throw a ModelRevert (the completion then reverts).
 */
export type AccruePoints = (
  seller: Address,
  points: bigint,
  aggregator: Address,
  aggregatorPoints: bigint,
  now: bigint,
  emit?: Emit,
) => void;

/**
 * The points sink's IPointsSink.accrueFees as the model calls it whenever a collected fee's rewards part (when not
 * zero) is credited to the sink, plus the block timestamp. It may throw a ModelRevert (the collection then reverts).
 */
export type AccrueFees = (amount: bigint, now: bigint, emit?: Emit) => void;

/** Arguments of `newVoucherState`, after the VoucherEscrow constructor. */
export interface VoucherStateParams {
  /** The exchange token's state, shared with the rest of the model. */
  readonly token: Erc20State;
  /** The escrow's own address (the token holder). */
  readonly self: Address;
  /** The fee manager's state, shared with the rest of the model. */
  readonly fees: FeeState;
  /** The points sink's address: credited with the rewards part of each fee. */
  readonly pointsSink: Address;
  readonly ecosystemFund: Address;
  /** basis points; 10_000 = 100%. */
  readonly aggregatorPointsBps: bigint;
  readonly accruePoints: AccruePoints;
  readonly accrueFees: AccrueFees;
}

/** Mirror of VoucherEscrow's storage (and of its ERC-1155 balances). Field names match the contract's views. */
export interface VoucherState {
  readonly token: Erc20State;
  readonly self: Address;
  readonly fees: FeeState;
  readonly pointsSink: Address;
  readonly ecosystemFund: Address;
  readonly aggregatorPointsBps: bigint;
  accruePoints: AccruePoints;
  accrueFees: AccrueFees;
  /** seller => aggregator; absent for an unregistered account. */
  readonly sellerAggregator: Map<Address, Address>;
  readonly availableFunds: Map<Address, bigint>;
  readonly offers: Map<bigint, Offer>;
  readonly exchanges: Map<bigint, Exchange>;
  /** ERC-1155 balances: account => offer id => vouchers. */
  readonly voucherBalances: Map<Address, Map<bigint, bigint>>;
  /** ERC-1155 operator approvals, keyed by `${owner}>${operator}`. */
  readonly operatorApprovals: Set<string>;
  offerCount: bigint;
  exchangeCount: bigint;
  totalEncumbered: bigint;
  totalAvailable: bigint;
  protocolFeesCollected: bigint;
  ecosystemFeesCredited: bigint;
  rewardsFeesCredited: bigint;
  /** Indexed by the ExchangeState index. */
  readonly exchangeCountByState: bigint[];
  /** Indexed by the DisputeState index; never-disputed exchanges count as None. */
  readonly disputeCountByState: bigint[];
}
