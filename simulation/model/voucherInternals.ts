/**
 * What the two halves of the VoucherEscrow mirror share (vouchers.ts: sellers, offers, vouchers and completions;
 * disputes.ts): lookups and checks that revert as the contract's do, the state counters' moves, the voucher's mint
 * and burn, and `_release` (its events, then its writes). Not part of the model's surface but `availableFunds`.
 */
import type { FeeSplit } from "./feeMath.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Env } from "./types.js";
import type { DisputeState, Exchange, ExchangeState, Offer, VoucherState } from "./voucherTypes.js";

export function bug(message: string): never {
  throw new Error(`${message}: this is a bug in Lockstep's voucher model, please report it.`);
}

export function existingOffer(s: VoucherState, offerId: bigint): Offer {
  if (offerId === 0n || offerId > s.offerCount) revert("VoucherEscrowNoSuchOffer", offerId);
  return s.offers.get(offerId) ?? bug(`offer ${offerId} is counted but not stored`);
}

export function existingExchange(s: VoucherState, exchangeId: bigint): Exchange {
  if (exchangeId === 0n || exchangeId > s.exchangeCount) revert("VoucherEscrowNoSuchExchange", exchangeId);
  return s.exchanges.get(exchangeId) ?? bug(`exchange ${exchangeId} is counted but not stored`);
}

export function offerOf(s: VoucherState, ex: Exchange): Offer {
  return s.offers.get(ex.offerId) ?? bug(`exchange refers to missing offer ${ex.offerId}`);
}

export function requireState(exchangeId: bigint, ex: Exchange, expected: ExchangeState): void {
  if (ex.state !== expected) revert("VoucherEscrowInvalidState", exchangeId, ex.state);
}

export function requireBuyer(exchangeId: bigint, ex: Exchange, env: Env): void {
  if (env.sender !== ex.buyer) revert("VoucherEscrowNotBuyer", exchangeId, env.sender);
}

export function bump(counts: bigint[], index: bigint, delta: bigint): void {
  const i = Number(index);
  counts[i] = (counts[i] ?? 0n) + delta;
}

export function setState(s: VoucherState, ex: Exchange, to: ExchangeState): void {
  bump(s.exchangeCountByState, ex.state, -1n);
  bump(s.exchangeCountByState, to, 1n);
  ex.state = to;
}

export function setDisputeState(s: VoucherState, ex: Exchange, to: DisputeState): void {
  bump(s.disputeCountByState, ex.disputeState, -1n);
  bump(s.disputeCountByState, to, 1n);
  ex.disputeState = to;
}

/** Mints (delta 1) or burns (delta -1) a voucher; emits ERC-1155's TransferSingle with the caller as operator. */
export function addVoucher(s: VoucherState, env: Env, account: Address, offerId: bigint, delta: bigint): void {
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

export function credit(s: VoucherState, entity: Address, amount: bigint): void {
  s.availableFunds.set(entity, availableFunds(s, entity) + amount);
}

/** Mirrors VoucherEscrow.availableFunds. */
export function availableFunds(s: VoucherState, entity: Address): bigint {
  return s.availableFunds.get(entity) ?? 0n;
}

/** Who gets what of an ending exchange's encumbrance (`_release`'s amounts), and the fee's split where there is a fee. */
export interface Payoff {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  readonly fee: bigint;
  readonly split?: FeeSplit;
}

export function payoff(seller: bigint, buyer: bigint, resolver: bigint, fee = 0n, split?: FeeSplit): Payoff {
  return split === undefined ? { seller, buyer, resolver, fee } : { seller, buyer, resolver, fee, split };
}

/** Mirrors VoucherEscrow._release, events and writes: `releaseEvents`, then `release`. */
export function settle(s: VoucherState, env: Env, exchangeId: bigint, offer: Offer, ex: Exchange, p: Payoff): void {
  releaseEvents(s, env, exchangeId, p);
  release(s, offer, ex, p);
}

/** The events of VoucherEscrow._release: FundsReleased, then ProtocolFeeCollected where there is a fee. */
export function releaseEvents(s: VoucherState, env: Env, exchangeId: bigint, p: Payoff): void {
  if (env.emit === undefined) return;
  env.emit(s.self, "FundsReleased", exchangeId, p.seller, p.buyer, p.resolver, p.fee);
  if (p.fee !== 0n) {
    const { eco, rewards } = p.split ?? bug("a fee was released without its split");
    env.emit(s.self, "ProtocolFeeCollected", exchangeId, p.fee, eco, rewards);
  }
}

/** The writes of VoucherEscrow._release: moves p + D + drFee + E from totalEncumbered to the ledger. */
export function release(s: VoucherState, offer: Offer, ex: Exchange, p: Payoff): void {
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

/** Mirrors VoucherEscrow._accrueFees: the points sink is told a non-zero rewards part of a collected fee. */
export function accrueFeesOf(s: VoucherState, split: FeeSplit, env: Env): void {
  if (split.rewards !== 0n) s.accrueFees(split.rewards, env.now, env.emit);
}
