/**
 * Mirror of contracts/vouchers/VoucherEscrow.sol: one function per contract function, same name, same checks in
 * the same order, same custom errors with the same arguments (enums as the bigint of their index, addresses
 * lower-case). Every function checks (and computes everything that can panic) before it writes, so a thrown
 * ModelRevert leaves the state untouched, as a reverted transaction does.
 *
 * Known, deliberate differences from the chain:
 * - `completeExchange` calls `accruePoints` then `accrueFees`, and `retractDispute` and `expireDispute` call
 *   `accrueFees`, before their own writes (the contract calls the sink after them, in that order), so a sink that
 *   throws leaves this state untouched. The sink must therefore not read this state from inside those calls;
 *   everything it needs is in the arguments. A sink whose `accrueFees` threw after its `accruePoints` had written
 *   would keep those points; the rewards model's cannot: it repeats the caller check `accruePoints` passed, and an
 *   epoch's fees cannot overflow (they are bounded by the fee tokens the escrow holds).
 * - Buyers are assumed to be accounts without code: the contract's voucher mint calls `onERC1155Received` on a
 *   contract buyer, which the model does not model.
 * - The cumulative counters (`protocolFeesCollected`, ...) would panic on the chain past 2^256 - 1; unreachable.
 */
import * as erc20 from "./erc20.js";
import type { Erc20State } from "./erc20.js";
import { BPS_DENOMINATOR, bpsOfDown, type FeeSplit } from "./feeMath.js";
import { protocolFee, splitFee, type FeeState } from "./fees.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Emit, type Env } from "./types.js";
import { checkedAdd, checkedSub } from "./uint256.js";

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

/**
 * Mirrors the VoucherEscrow constructor: `VoucherEscrowInvalidAddress()` if the points sink or the ecosystem fund
 * is zero (the token and fee manager exist by construction here), then `VoucherEscrowInvalidBps(bps)`.
 */
export function newVoucherState(p: VoucherStateParams): VoucherState {
  if (p.self === ZERO_ADDRESS || p.pointsSink === ZERO_ADDRESS || p.ecosystemFund === ZERO_ADDRESS) {
    revert("VoucherEscrowInvalidAddress");
  }
  if (p.aggregatorPointsBps > BPS_DENOMINATOR) revert("VoucherEscrowInvalidBps", p.aggregatorPointsBps);
  return {
    token: p.token,
    self: p.self,
    fees: p.fees,
    pointsSink: p.pointsSink,
    ecosystemFund: p.ecosystemFund,
    aggregatorPointsBps: p.aggregatorPointsBps,
    accruePoints: p.accruePoints,
    accrueFees: p.accrueFees,
    sellerAggregator: new Map(),
    availableFunds: new Map(),
    offers: new Map(),
    exchanges: new Map(),
    voucherBalances: new Map(),
    operatorApprovals: new Set(),
    offerCount: 0n,
    exchangeCount: 0n,
    totalEncumbered: 0n,
    totalAvailable: 0n,
    protocolFeesCollected: 0n,
    ecosystemFeesCredited: 0n,
    rewardsFeesCredited: 0n,
    exchangeCountByState: EXCHANGE_STATE_NAMES.map(() => 0n),
    disputeCountByState: DISPUTE_STATE_NAMES.map(() => 0n),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sellers and the funds ledger
// ---------------------------------------------------------------------------------------------------------------

/** Mirrors VoucherEscrow.registerSeller: `InvalidAddress()` (zero aggregator), then `SellerExists(sender)`. */
export function registerSeller(s: VoucherState, env: Env, aggregator: Address): void {
  if (aggregator === ZERO_ADDRESS) revert("VoucherEscrowInvalidAddress");
  if (s.sellerAggregator.has(env.sender)) revert("VoucherEscrowSellerExists", env.sender);
  s.sellerAggregator.set(env.sender, aggregator);
  env.emit?.(s.self, "SellerRegistered", env.sender, aggregator);
}

/** Mirrors VoucherEscrow.depositFunds: `ZeroAmount()`, then the token's errors on the pull. */
export function depositFunds(s: VoucherState, env: Env, amount: bigint): void {
  if (amount === 0n) revert("VoucherEscrowZeroAmount");
  const newAvailable = checkedAdd(availableFunds(s, env.sender), amount);
  const newTotal = checkedAdd(s.totalAvailable, amount);
  env.emit?.(s.self, "FundsDeposited", env.sender, amount);
  erc20.transferFrom(s.token, s.self, env.sender, s.self, amount, env.emit);
  s.availableFunds.set(env.sender, newAvailable);
  s.totalAvailable = newTotal;
}

/** Mirrors VoucherEscrow.withdrawFunds: `ZeroAmount()`, then `InsufficientFunds(sender, available, amount)`. */
export function withdrawFunds(s: VoucherState, env: Env, amount: bigint): void {
  if (amount === 0n) revert("VoucherEscrowZeroAmount");
  const available = availableFunds(s, env.sender);
  if (available < amount) revert("VoucherEscrowInsufficientFunds", env.sender, available, amount);
  env.emit?.(s.self, "FundsWithdrawn", env.sender, amount);
  erc20.transfer(s.token, s.self, env.sender, amount, env.emit);
  s.availableFunds.set(env.sender, available - amount);
  s.totalAvailable -= amount;
}

// ---------------------------------------------------------------------------------------------------------------
// Offers and commitments
// ---------------------------------------------------------------------------------------------------------------

/**
 * Mirrors VoucherEscrow.createOffer: `NotSeller(sender)`, `ZeroQuantity()`, `PenaltyAbovePrice(penalty, price)`,
 * `ZeroPeriod()`, `InvalidAddress()` (resolver). Fixes the protocol fee at the current rate. Returns the offer id.
 */
export function createOffer(s: VoucherState, env: Env, p: OfferParams): bigint {
  if (!s.sellerAggregator.has(env.sender)) revert("VoucherEscrowNotSeller", env.sender);
  if (p.quantity === 0n) revert("VoucherEscrowZeroQuantity");
  if (p.buyerCancelPenalty > p.price) revert("VoucherEscrowPenaltyAbovePrice", p.buyerCancelPenalty, p.price);
  if (
    p.voucherValiditySeconds === 0n ||
    p.disputePeriodSeconds === 0n ||
    p.resolutionPeriodSeconds === 0n ||
    p.escalationResponsePeriodSeconds === 0n
  ) {
    revert("VoucherEscrowZeroPeriod");
  }
  if (p.disputeResolver === ZERO_ADDRESS) revert("VoucherEscrowInvalidAddress");
  const fee = protocolFee(s.fees, p.price);

  const offerId = s.offerCount + 1n;
  s.offerCount = offerId;
  s.offers.set(offerId, {
    seller: env.sender,
    disputeResolver: p.disputeResolver,
    price: p.price,
    sellerDeposit: p.sellerDeposit,
    buyerCancelPenalty: p.buyerCancelPenalty,
    protocolFee: fee,
    disputeResolverFee: p.disputeResolverFee,
    quantityAvailable: p.quantity,
    voucherValiditySeconds: p.voucherValiditySeconds,
    disputePeriodSeconds: p.disputePeriodSeconds,
    resolutionPeriodSeconds: p.resolutionPeriodSeconds,
    escalationResponsePeriodSeconds: p.escalationResponsePeriodSeconds,
  });
  env.emit?.(s.self, "OfferCreated", offerId, env.sender, p.price, fee, p.quantity);
  return offerId;
}

/**
 * Mirrors VoucherEscrow.commitToOffer: `NoSuchOffer(id)`, `SoldOut(id)`, `Panic(0x11)` if D + drFee overflows,
 * `InsufficientDeposit(seller, available, D + drFee)`, `Panic(0x11)` if now + validity or the new
 * totalEncumbered overflows, then the token's errors on the price pull. Returns the exchange id.
 */
export function commitToOffer(s: VoucherState, env: Env, offerId: bigint): bigint {
  const offer = existingOffer(s, offerId);
  if (offer.quantityAvailable === 0n) revert("VoucherEscrowSoldOut", offerId);
  const required = checkedAdd(offer.sellerDeposit, offer.disputeResolverFee);
  const available = availableFunds(s, offer.seller);
  if (available < required) revert("VoucherEscrowInsufficientDeposit", offer.seller, available, required);
  const validUntil = checkedAdd(env.now, offer.voucherValiditySeconds);
  const newEncumbered = checkedAdd(s.totalEncumbered, checkedAdd(offer.price, required));
  const exchangeId = s.exchangeCount + 1n;
  env.emit?.(s.self, "VoucherCommitted", exchangeId, offerId, env.sender, validUntil);
  erc20.transferFrom(s.token, s.self, env.sender, s.self, offer.price, env.emit);

  offer.quantityAvailable -= 1n;
  s.availableFunds.set(offer.seller, available - required);
  s.totalAvailable -= required;
  s.totalEncumbered = newEncumbered;
  s.exchangeCount = exchangeId;
  s.exchanges.set(exchangeId, {
    offerId,
    buyer: env.sender,
    state: ExchangeState.Committed,
    disputeState: DisputeState.None,
    escalated: false,
    buyerProposed: false,
    sellerProposed: false,
    buyerProposalBps: 0n,
    sellerProposalBps: 0n,
    validUntil,
    redeemedAt: 0n,
    disputeTimeout: 0n,
    escalationDeposit: 0n,
  });
  bump(s.exchangeCountByState, ExchangeState.Committed, 1n);
  bump(s.disputeCountByState, DisputeState.None, 1n);
  addVoucher(s, env, env.sender, offerId, 1n);
  return exchangeId;
}

// ---------------------------------------------------------------------------------------------------------------
// Voucher life cycle
// ---------------------------------------------------------------------------------------------------------------

/** Mirrors VoucherEscrow.cancelVoucher: `NoSuchExchange`, `InvalidState` (not Committed), `NotBuyer`. */
export function cancelVoucher(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Committed);
  requireBuyer(exchangeId, ex, env);
  cancel(s, env, exchangeId, ex, "VoucherCanceled");
}

/** Mirrors VoucherEscrow.revokeVoucher: `NoSuchExchange`, `InvalidState` (not Committed), `NotOfferSeller`. */
export function revokeVoucher(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Committed);
  const offer = offerOf(s, ex);
  if (env.sender !== offer.seller) revert("VoucherEscrowNotOfferSeller", exchangeId, env.sender);
  setState(s, ex, ExchangeState.Revoked);
  addVoucher(s, env, ex.buyer, ex.offerId, -1n);
  env.emit?.(s.self, "VoucherRevoked", exchangeId);
  settle(s, env, exchangeId, offer, ex, payoff(offer.disputeResolverFee, offer.price + offer.sellerDeposit, 0n));
}

/**
 * Mirrors VoucherEscrow.expireVoucher: `NoSuchExchange`, `InvalidState` (not Committed),
 * `TooEarly(id, now, validUntil)` unless `now >= validUntil`. Ends Canceled.
 */
export function expireVoucher(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Committed);
  if (env.now < ex.validUntil) revert("VoucherEscrowTooEarly", exchangeId, env.now, ex.validUntil);
  cancel(s, env, exchangeId, ex, "VoucherExpired");
}

/**
 * Mirrors VoucherEscrow.redeemVoucher: `NoSuchExchange`, `InvalidState` (not Committed), `NotBuyer`,
 * `TooLate(id, now, validUntil)` unless `now <= validUntil`.
 */
export function redeemVoucher(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Committed);
  requireBuyer(exchangeId, ex, env);
  if (env.now > ex.validUntil) revert("VoucherEscrowTooLate", exchangeId, env.now, ex.validUntil);
  setState(s, ex, ExchangeState.Redeemed);
  ex.redeemedAt = env.now;
  addVoucher(s, env, ex.buyer, ex.offerId, -1n);
  env.emit?.(s.self, "VoucherRedeemed", exchangeId);
}

/**
 * Mirrors VoucherEscrow.completeExchange: `NoSuchExchange`, `InvalidState` (not Redeemed), then for a sender other
 * than the buyer `TooEarly(id, now, redeemedAt + disputePeriod)` unless `now - redeemedAt >= disputePeriod`
 * (`Panic(0x11)` if that sum overflows). Calls `accruePoints`, then `accrueFees` (before the writes; see the file's
 * header). Emits ExchangeCompleted, FundsReleased, ProtocolFeeCollected, then the sink's PointsAccrued and FeesAccrued.
 */
export function completeExchange(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Redeemed);
  const offer = offerOf(s, ex);
  if (env.sender !== ex.buyer && checkedSub(env.now, ex.redeemedAt) < offer.disputePeriodSeconds) {
    revert("VoucherEscrowTooEarly", exchangeId, env.now, checkedAdd(ex.redeemedAt, offer.disputePeriodSeconds));
  }
  const split = splitFee(s.fees, offer.protocolFee);
  const aggregator = sellerAggregator(s, offer.seller);
  const priceNet = offer.price - offer.protocolFee;
  const p = payoff(priceNet + offer.sellerDeposit + offer.disputeResolverFee, 0n, 0n, offer.protocolFee, split);
  env.emit?.(s.self, "ExchangeCompleted", exchangeId);
  releaseEvents(s, env, exchangeId, p);
  const points = bpsOfDown(offer.price, s.aggregatorPointsBps);
  s.accruePoints(offer.seller, offer.price, aggregator, points, env.now, env.emit);
  accrueFeesOf(s, split, env);

  setState(s, ex, ExchangeState.Completed);
  release(s, offer, ex, p);
}

// ---------------------------------------------------------------------------------------------------------------
// Disputes
// ---------------------------------------------------------------------------------------------------------------

/**
 * Mirrors VoucherEscrow.raiseDispute: `NoSuchExchange`, `InvalidState` (not Redeemed), `NotBuyer`,
 * `TooLate(id, now, redeemedAt + disputePeriod - 1)` unless `now - redeemedAt < disputePeriod`, `Panic(0x11)` if
 * `now + resolutionPeriod` overflows.
 */
export function raiseDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireState(exchangeId, ex, ExchangeState.Redeemed);
  requireBuyer(exchangeId, ex, env);
  const offer = offerOf(s, ex);
  if (checkedSub(env.now, ex.redeemedAt) >= offer.disputePeriodSeconds) {
    revert("VoucherEscrowTooLate", exchangeId, env.now, ex.redeemedAt + offer.disputePeriodSeconds - 1n);
  }
  const timeout = checkedAdd(env.now, offer.resolutionPeriodSeconds);
  setState(s, ex, ExchangeState.Disputed);
  setDisputeState(s, ex, DisputeState.Resolving);
  ex.disputeTimeout = timeout;
  env.emit?.(s.self, "DisputeRaised", exchangeId, timeout);
}

/**
 * Mirrors VoucherEscrow.retractDispute: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Resolving or Escalated), `NotBuyer`. Ends Retracted; calls `accrueFees` (before the writes).
 */
export function retractDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireOpenDispute(exchangeId, ex);
  requireBuyer(exchangeId, ex, env);
  retract(s, env, exchangeId, ex, "DisputeRetracted");
}

/**
 * Mirrors VoucherEscrow.expireDispute: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Resolving), `TooEarly(id, now, timeout + 1)` unless `now > timeout`. Ends Retracted; calls `accrueFees`
 * (before the writes).
 */
export function expireDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireDisputeState(exchangeId, ex, DisputeState.Resolving);
  requireAfterTimeout(exchangeId, ex, env);
  retract(s, env, exchangeId, ex, "DisputeExpired");
}

/**
 * Mirrors VoucherEscrow.proposeResolution: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Resolving or Escalated), `NotParty`, `TooLate(id, now, timeout)` unless `now <= timeout`,
 * `InvalidBps(bps)` above 10_000. The buyer's side wins if the buyer is also the seller.
 */
export function proposeResolution(s: VoucherState, env: Env, exchangeId: bigint, buyerPercentBps: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireOpenDispute(exchangeId, ex);
  const isBuyer = requireParty(s, exchangeId, ex, env);
  requireBeforeTimeout(exchangeId, ex, env);
  requireBps(buyerPercentBps);
  if (isBuyer) {
    ex.buyerProposed = true;
    ex.buyerProposalBps = buyerPercentBps;
  } else {
    ex.sellerProposed = true;
    ex.sellerProposalBps = buyerPercentBps;
  }
  env.emit?.(s.self, "ResolutionProposed", exchangeId, env.sender, buyerPercentBps);
}

/**
 * Mirrors VoucherEscrow.acceptResolution: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Resolving or Escalated), `NotParty`, `TooLate(id, now, timeout)` unless `now <= timeout`,
 * `NoProposal(id)` if the other side has not proposed. Ends Resolved at the other side's proposal.
 */
export function acceptResolution(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireOpenDispute(exchangeId, ex);
  const isBuyer = requireParty(s, exchangeId, ex, env);
  requireBeforeTimeout(exchangeId, ex, env);
  if (isBuyer ? !ex.sellerProposed : !ex.buyerProposed) revert("VoucherEscrowNoProposal", exchangeId);
  const buyerPercentBps = isBuyer ? ex.sellerProposalBps : ex.buyerProposalBps;
  setDisputeState(s, ex, DisputeState.Resolved);
  env.emit?.(s.self, "DisputeResolved", exchangeId, buyerPercentBps);
  releaseSplit(s, env, exchangeId, ex, buyerPercentBps);
}

/**
 * Mirrors VoucherEscrow.escalateDispute: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Resolving), `NotBuyer`, `TooLate(id, now, timeout)` unless `now <= timeout`, `Panic(0x11)` if the new
 * timeout or totalEncumbered overflows, then the token's errors on the deposit pull.
 */
export function escalateDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireDisputeState(exchangeId, ex, DisputeState.Resolving);
  requireBuyer(exchangeId, ex, env);
  requireBeforeTimeout(exchangeId, ex, env);
  const offer = offerOf(s, ex);
  const deposit = bpsOfDown(offer.disputeResolverFee, ESCALATION_DEPOSIT_BPS);
  const timeout = checkedAdd(env.now, offer.escalationResponsePeriodSeconds);
  const newEncumbered = checkedAdd(s.totalEncumbered, deposit);
  env.emit?.(s.self, "DisputeEscalated", exchangeId, deposit, timeout);
  erc20.transferFrom(s.token, s.self, env.sender, s.self, deposit, env.emit);

  setDisputeState(s, ex, DisputeState.Escalated);
  ex.escalated = true;
  ex.escalationDeposit = deposit;
  ex.disputeTimeout = timeout;
  s.totalEncumbered = newEncumbered;
}

/**
 * Mirrors VoucherEscrow.decideDispute: `NoSuchExchange`, `InvalidState` (not Disputed), `InvalidDisputeState`
 * (not Escalated), `NotResolver`, `TooLate(id, now, timeout)` unless `now <= timeout`, `InvalidBps(bps)`.
 */
export function decideDispute(s: VoucherState, env: Env, exchangeId: bigint, buyerPercentBps: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireDisputeState(exchangeId, ex, DisputeState.Escalated);
  requireResolver(s, exchangeId, ex, env);
  requireBeforeTimeout(exchangeId, ex, env);
  requireBps(buyerPercentBps);
  setDisputeState(s, ex, DisputeState.Decided);
  env.emit?.(s.self, "DisputeDecided", exchangeId, buyerPercentBps);
  releaseSplit(s, env, exchangeId, ex, buyerPercentBps);
}

/**
 * Mirrors VoucherEscrow.refuseEscalatedDispute: `NoSuchExchange`, `InvalidState` (not Disputed),
 * `InvalidDisputeState` (not Escalated), `NotResolver`, `TooLate(id, now, timeout)` unless `now <= timeout`.
 */
export function refuseEscalatedDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireDisputeState(exchangeId, ex, DisputeState.Escalated);
  requireResolver(s, exchangeId, ex, env);
  requireBeforeTimeout(exchangeId, ex, env);
  setDisputeState(s, ex, DisputeState.Refused);
  env.emit?.(s.self, "EscalatedDisputeRefused", exchangeId);
  releaseRefused(s, env, exchangeId, ex);
}

/**
 * Mirrors VoucherEscrow.expireEscalatedDispute: `NoSuchExchange`, `InvalidState` (not Disputed),
 * `InvalidDisputeState` (not Escalated), `TooEarly(id, now, timeout + 1)` unless `now > timeout`.
 */
export function expireEscalatedDispute(s: VoucherState, env: Env, exchangeId: bigint): void {
  const ex = existingExchange(s, exchangeId);
  requireDisputeState(exchangeId, ex, DisputeState.Escalated);
  requireAfterTimeout(exchangeId, ex, env);
  setDisputeState(s, ex, DisputeState.Refused);
  env.emit?.(s.self, "EscalatedDisputeExpired", exchangeId);
  releaseRefused(s, env, exchangeId, ex);
}

// ---------------------------------------------------------------------------------------------------------------
// ERC-1155 surface (vouchers are non-transferable)
// ---------------------------------------------------------------------------------------------------------------

/** Mirrors ERC1155.setApprovalForAll (OZ 5): `ERC1155InvalidOperator(0)`. */
export function setApprovalForAll(s: VoucherState, env: Env, operator: Address, approved: boolean): void {
  if (operator === ZERO_ADDRESS) revert("ERC1155InvalidOperator", ZERO_ADDRESS);
  const key = `${env.sender}>${operator}`;
  if (approved) s.operatorApprovals.add(key);
  else s.operatorApprovals.delete(key);
}

/** Mirrors ERC1155.isApprovedForAll. */
export function isApprovedForAll(s: VoucherState, account: Address, operator: Address): boolean {
  return s.operatorApprovals.has(`${account}>${operator}`);
}

/**
 * Mirrors ERC1155.safeTransferFrom as VoucherEscrow overrides it: `ERC1155MissingApprovalForAll(sender, from)`,
 * `ERC1155InvalidReceiver(0)`, `ERC1155InvalidSender(0)`, then always `VoucherEscrowNonTransferable()`.
 * (`safeBatchTransferFrom` checks the same and reverts the same.)
 */
export function safeTransferFrom(
  s: VoucherState,
  env: Env,
  from: Address,
  to: Address,
  _offerId: bigint,
  _value: bigint,
): never {
  if (from !== env.sender && !isApprovedForAll(s, from, env.sender)) {
    revert("ERC1155MissingApprovalForAll", env.sender, from);
  }
  if (to === ZERO_ADDRESS) revert("ERC1155InvalidReceiver", ZERO_ADDRESS);
  if (from === ZERO_ADDRESS) revert("ERC1155InvalidSender", ZERO_ADDRESS);
  return revert("VoucherEscrowNonTransferable");
}

/** Mirrors ERC1155.balanceOf: vouchers of `offerId` held by `account` (committed, not yet redeemed or ended). */
export function balanceOf(s: VoucherState, account: Address, offerId: bigint): bigint {
  return s.voucherBalances.get(account)?.get(offerId) ?? 0n;
}

/**
 * Mirrors VoucherEscrow.vouchersOutstanding: vouchers minted and not yet burned, the sum of every ERC-1155 balance
 * (taken from the balances, not kept as a counter, so that a mint or burn missing on either side shows).
 */
export function vouchersOutstanding(s: VoucherState): bigint {
  let total = 0n;
  for (const byOffer of s.voucherBalances.values()) for (const n of byOffer.values()) total += n;
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------------------------

/** Mirrors VoucherEscrow.availableFunds. */
export function availableFunds(s: VoucherState, entity: Address): bigint {
  return s.availableFunds.get(entity) ?? 0n;
}

/** Mirrors VoucherEscrow.getOffer: `NoSuchOffer(id)` for an unknown id. Returns a copy. */
export function getOffer(s: VoucherState, offerId: bigint): Offer {
  return { ...existingOffer(s, offerId) };
}

/** Mirrors VoucherEscrow.getExchange: `NoSuchExchange(id)` for an unknown id. Returns a copy. */
export function getExchange(s: VoucherState, exchangeId: bigint): Exchange {
  return { ...existingExchange(s, exchangeId) };
}

/** Mirrors VoucherEscrow.sellerAggregator: the zero address for an unregistered account. */
export function sellerAggregator(s: VoucherState, seller: Address): Address {
  return s.sellerAggregator.get(seller) ?? ZERO_ADDRESS;
}

/** Mirrors VoucherEscrow.isSeller. */
export function isSeller(s: VoucherState, account: Address): boolean {
  return s.sellerAggregator.has(account);
}

/** Mirrors VoucherEscrow.exchangeCountByState. */
export function exchangeCountByState(s: VoucherState, state: ExchangeState): bigint {
  return s.exchangeCountByState[Number(state)] ?? 0n;
}

/** Mirrors VoucherEscrow.disputeCountByState. */
export function disputeCountByState(s: VoucherState, state: DisputeState): bigint {
  return s.disputeCountByState[Number(state)] ?? 0n;
}

/**
 * The comparable counters, keyed by the contract's view names; the per-state counts as
 * `exchangeCountByState.<State>` / `disputeCountByState.<State>` (view called with that enum value).
 */
export function voucherVariables(s: VoucherState): Record<string, bigint> {
  const vars: Record<string, bigint> = {
    totalEncumbered: s.totalEncumbered,
    totalAvailable: s.totalAvailable,
    protocolFeesCollected: s.protocolFeesCollected,
    ecosystemFeesCredited: s.ecosystemFeesCredited,
    rewardsFeesCredited: s.rewardsFeesCredited,
    offerCount: s.offerCount,
    exchangeCount: s.exchangeCount,
    vouchersOutstanding: vouchersOutstanding(s),
  };
  for (const name of EXCHANGE_STATE_NAMES) {
    vars[`exchangeCountByState.${name}`] = exchangeCountByState(s, ExchangeState[name]);
  }
  for (const name of DISPUTE_STATE_NAMES) {
    vars[`disputeCountByState.${name}`] = disputeCountByState(s, DisputeState[name]);
  }
  return vars;
}

// ---------------------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------------------

function bug(message: string): never {
  throw new Error(`${message}: this is a bug in Lockstep's voucher model, please report it.`);
}

function existingOffer(s: VoucherState, offerId: bigint): Offer {
  if (offerId === 0n || offerId > s.offerCount) revert("VoucherEscrowNoSuchOffer", offerId);
  return s.offers.get(offerId) ?? bug(`offer ${offerId} is counted but not stored`);
}

function existingExchange(s: VoucherState, exchangeId: bigint): Exchange {
  if (exchangeId === 0n || exchangeId > s.exchangeCount) revert("VoucherEscrowNoSuchExchange", exchangeId);
  return s.exchanges.get(exchangeId) ?? bug(`exchange ${exchangeId} is counted but not stored`);
}

function offerOf(s: VoucherState, ex: Exchange): Offer {
  return s.offers.get(ex.offerId) ?? bug(`exchange refers to missing offer ${ex.offerId}`);
}

function requireState(exchangeId: bigint, ex: Exchange, expected: ExchangeState): void {
  if (ex.state !== expected) revert("VoucherEscrowInvalidState", exchangeId, ex.state);
}

function requireDisputeState(exchangeId: bigint, ex: Exchange, expected: DisputeState): void {
  requireState(exchangeId, ex, ExchangeState.Disputed);
  if (ex.disputeState !== expected) revert("VoucherEscrowInvalidDisputeState", exchangeId, ex.disputeState);
}

function requireOpenDispute(exchangeId: bigint, ex: Exchange): void {
  requireState(exchangeId, ex, ExchangeState.Disputed);
  if (ex.disputeState !== DisputeState.Resolving && ex.disputeState !== DisputeState.Escalated) {
    revert("VoucherEscrowInvalidDisputeState", exchangeId, ex.disputeState);
  }
}

function requireBuyer(exchangeId: bigint, ex: Exchange, env: Env): void {
  if (env.sender !== ex.buyer) revert("VoucherEscrowNotBuyer", exchangeId, env.sender);
}

function requireResolver(s: VoucherState, exchangeId: bigint, ex: Exchange, env: Env): void {
  if (env.sender !== offerOf(s, ex).disputeResolver) revert("VoucherEscrowNotResolver", exchangeId, env.sender);
}

/** Returns whether the sender acts as the buyer (true) or as the offer's seller (false). */
function requireParty(s: VoucherState, exchangeId: bigint, ex: Exchange, env: Env): boolean {
  if (env.sender === ex.buyer) return true;
  if (env.sender !== offerOf(s, ex).seller) revert("VoucherEscrowNotParty", exchangeId, env.sender);
  return false;
}

function requireBeforeTimeout(exchangeId: bigint, ex: Exchange, env: Env): void {
  if (env.now > ex.disputeTimeout) revert("VoucherEscrowTooLate", exchangeId, env.now, ex.disputeTimeout);
}

function requireAfterTimeout(exchangeId: bigint, ex: Exchange, env: Env): void {
  if (env.now <= ex.disputeTimeout) {
    revert("VoucherEscrowTooEarly", exchangeId, env.now, checkedAdd(ex.disputeTimeout, 1n));
  }
}

function requireBps(bps: bigint): void {
  if (bps > BPS_DENOMINATOR) revert("VoucherEscrowInvalidBps", bps);
}

function bump(counts: bigint[], index: bigint, delta: bigint): void {
  const i = Number(index);
  counts[i] = (counts[i] ?? 0n) + delta;
}

function setState(s: VoucherState, ex: Exchange, to: ExchangeState): void {
  bump(s.exchangeCountByState, ex.state, -1n);
  bump(s.exchangeCountByState, to, 1n);
  ex.state = to;
}

function setDisputeState(s: VoucherState, ex: Exchange, to: DisputeState): void {
  bump(s.disputeCountByState, ex.disputeState, -1n);
  bump(s.disputeCountByState, to, 1n);
  ex.disputeState = to;
}

/** Mints (delta 1) or burns (delta -1) a voucher; emits ERC-1155's TransferSingle with the caller as operator. */
function addVoucher(s: VoucherState, env: Env, account: Address, offerId: bigint, delta: bigint): void {
  let byOffer = s.voucherBalances.get(account);
  if (byOffer === undefined) {
    byOffer = new Map();
    s.voucherBalances.set(account, byOffer);
  }
  byOffer.set(offerId, (byOffer.get(offerId) ?? 0n) + delta);
  if (env.emit !== undefined) {
    const [from, to] = delta > 0n ? [ZERO_ADDRESS, account] : [account, ZERO_ADDRESS];
    env.emit(s.self, "TransferSingle", env.sender, from, to, offerId, delta > 0n ? delta : -delta);
  }
}

function credit(s: VoucherState, entity: Address, amount: bigint): void {
  s.availableFunds.set(entity, availableFunds(s, entity) + amount);
}

/** Who gets what of an ending exchange's encumbrance (`_release`'s amounts), and the fee's split where there is a fee. */
interface Payoff {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  readonly fee: bigint;
  readonly split?: FeeSplit;
}

function payoff(seller: bigint, buyer: bigint, resolver: bigint, fee = 0n, split?: FeeSplit): Payoff {
  return split === undefined ? { seller, buyer, resolver, fee } : { seller, buyer, resolver, fee, split };
}

/** Committed -> Canceled (cancel or expiry, `event`): seller D + pen + drFee, buyer p - pen. */
function cancel(
  s: VoucherState,
  env: Env,
  exchangeId: bigint,
  ex: Exchange,
  event: "VoucherCanceled" | "VoucherExpired",
): void {
  const offer = offerOf(s, ex);
  setState(s, ex, ExchangeState.Canceled);
  addVoucher(s, env, ex.buyer, ex.offerId, -1n);
  env.emit?.(s.self, event, exchangeId);
  const penalty = offer.buyerCancelPenalty;
  settle(
    s,
    env,
    exchangeId,
    offer,
    ex,
    payoff(offer.sellerDeposit + penalty + offer.disputeResolverFee, offer.price - penalty, 0n),
  );
}

/** Mirrors VoucherEscrow._accrueFees: the points sink is told a non-zero rewards part of a collected fee. */
function accrueFeesOf(s: VoucherState, split: FeeSplit, env: Env): void {
  if (split.rewards !== 0n) s.accrueFees(split.rewards, env.now, env.emit);
}

/**
 * Retracted (by the buyer, or expired: `event`): seller p + D - f + E (+ drFee unless escalated), resolver drFee if
 * escalated, fee f split at the current share; the sink's `accrueFees` is called before the writes (its event after
 * the escrow's, as on chain).
 */
function retract(
  s: VoucherState,
  env: Env,
  exchangeId: bigint,
  ex: Exchange,
  event: "DisputeRetracted" | "DisputeExpired",
): void {
  const offer = offerOf(s, ex);
  const split = splitFee(s.fees, offer.protocolFee);
  const drFee = offer.disputeResolverFee;
  const seller =
    offer.price - offer.protocolFee + offer.sellerDeposit + ex.escalationDeposit + (ex.escalated ? 0n : drFee);
  const p = payoff(seller, 0n, ex.escalated ? drFee : 0n, offer.protocolFee, split);
  env.emit?.(s.self, event, exchangeId);
  releaseEvents(s, env, exchangeId, p);
  accrueFeesOf(s, split, env);
  setDisputeState(s, ex, DisputeState.Retracted);
  release(s, offer, ex, p);
}

/** Refused: seller D + drFee, buyer p + E. */
function releaseRefused(s: VoucherState, env: Env, exchangeId: bigint, ex: Exchange): void {
  const offer = offerOf(s, ex);
  const p = payoff(offer.sellerDeposit + offer.disputeResolverFee, offer.price + ex.escalationDeposit, 0n);
  settle(s, env, exchangeId, offer, ex, p);
}

/** Resolved / Decided: buyer floor((D+E) bp) + floor(p bp), seller the rest (+ drFee unless escalated). */
function releaseSplit(s: VoucherState, env: Env, exchangeId: bigint, ex: Exchange, buyerPercentBps: bigint): void {
  const offer = offerOf(s, ex);
  const deposits = offer.sellerDeposit + ex.escalationDeposit;
  const buyer = bpsOfDown(deposits, buyerPercentBps) + bpsOfDown(offer.price, buyerPercentBps);
  const drFee = offer.disputeResolverFee;
  const seller = deposits + offer.price - buyer + (ex.escalated ? 0n : drFee);
  settle(s, env, exchangeId, offer, ex, payoff(seller, buyer, ex.escalated ? drFee : 0n));
}

/** Mirrors VoucherEscrow._release, events and writes: `releaseEvents`, then `release`. */
function settle(s: VoucherState, env: Env, exchangeId: bigint, offer: Offer, ex: Exchange, p: Payoff): void {
  releaseEvents(s, env, exchangeId, p);
  release(s, offer, ex, p);
}

/** The events of VoucherEscrow._release: FundsReleased, then ProtocolFeeCollected where there is a fee. */
function releaseEvents(s: VoucherState, env: Env, exchangeId: bigint, p: Payoff): void {
  if (env.emit === undefined) return;
  env.emit(s.self, "FundsReleased", exchangeId, p.seller, p.buyer, p.resolver, p.fee);
  if (p.fee !== 0n) {
    const { eco, rewards } = p.split ?? bug("a fee was released without its split");
    env.emit(s.self, "ProtocolFeeCollected", exchangeId, p.fee, eco, rewards);
  }
}

/** The writes of VoucherEscrow._release: moves p + D + drFee + E from totalEncumbered to the ledger. */
function release(s: VoucherState, offer: Offer, ex: Exchange, p: Payoff): void {
  const released = p.seller + p.buyer + p.resolver + p.fee;
  credit(s, offer.seller, p.seller);
  credit(s, ex.buyer, p.buyer);
  credit(s, offer.disputeResolver, p.resolver);
  s.totalEncumbered -= released;
  s.totalAvailable += released;
  if (p.fee !== 0n) {
    const { eco, rewards } = p.split ?? bug("a fee was released without its split");
    credit(s, s.ecosystemFund, eco);
    credit(s, s.pointsSink, rewards);
    s.protocolFeesCollected += p.fee;
    s.ecosystemFeesCredited += eco;
    s.rewardsFeesCredited += rewards;
  }
}
