/**
 * Mirror of VoucherEscrow's disputes: raising one, the parties' proposals and acceptance, retraction, escalation to
 * the offer's resolver, its decision or refusal, and the timeouts. The conventions and the known differences from
 * the chain are vouchers.ts's (which re-exports these functions).
 */
import * as erc20 from "./erc20.js";
import { BPS_DENOMINATOR, bpsOfDown } from "./feeMath.js";
import { splitFee } from "./fees.js";
import { revert } from "./revert.js";
import type { Env } from "./types.js";
import { checkedAdd, checkedSub } from "./uint256.js";
import {
  accrueFeesOf,
  existingExchange,
  offerOf,
  payoff,
  release,
  releaseEvents,
  requireBuyer,
  requireState,
  setDisputeState,
  setState,
  settle,
} from "./voucherInternals.js";
import {
  DisputeState,
  ESCALATION_DEPOSIT_BPS,
  ExchangeState,
  type Exchange,
  type VoucherState,
} from "./voucherTypes.js";

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
