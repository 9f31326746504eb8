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
import { BPS_DENOMINATOR, bpsOfDown } from "./feeMath.js";
import { protocolFee, splitFee } from "./fees.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Env } from "./types.js";
import { checkedAdd, checkedSub } from "./uint256.js";
import {
  availableFunds,
  accrueFeesOf,
  addVoucher,
  bump,
  existingExchange,
  existingOffer,
  offerOf,
  payoff,
  release,
  releaseEvents,
  requireBuyer,
  requireState,
  setState,
  settle,
} from "./voucherInternals.js";
import {
  DISPUTE_STATE_NAMES,
  DisputeState,
  EXCHANGE_STATE_NAMES,
  ExchangeState,
  type Exchange,
  type Offer,
  type OfferParams,
  type VoucherState,
  type VoucherStateParams,
} from "./voucherTypes.js";

export * from "./voucherTypes.js";
export { availableFunds } from "./voucherInternals.js";
export {
  raiseDispute,
  retractDispute,
  expireDispute,
  proposeResolution,
  acceptResolution,
  escalateDispute,
  decideDispute,
  refuseEscalatedDispute,
  expireEscalatedDispute,
} from "./disputes.js";

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
