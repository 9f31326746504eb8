import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, Interface } from "ethers";
import * as erc20 from "../../simulation/model/erc20.js";
import * as Fees from "../../simulation/model/fees.js";
import { ModelRevert, type ErrorArg } from "../../simulation/model/revert.js";
import { toAddress, ZERO_ADDRESS, type Address, type Env } from "../../simulation/model/types.js";
import * as V from "../../simulation/model/vouchers.js";
import { decodeRevert } from "./decodeRevert.js";
import { Prng } from "./prng.js";
import { MAX_FEE_BPS, networkHelpers, type ModelSystem, type VoucherSystem } from "./voucherSystem.js";

const { time } = networkHelpers;

// -----------------------------------------------------------------------------------------------------------------
// Actions
// -----------------------------------------------------------------------------------------------------------------

export type ExchangeFn =
  | "cancelVoucher"
  | "revokeVoucher"
  | "expireVoucher"
  | "redeemVoucher"
  | "completeExchange"
  | "raiseDispute"
  | "retractDispute"
  | "expireDispute"
  | "acceptResolution"
  | "escalateDispute"
  | "refuseEscalatedDispute"
  | "expireEscalatedDispute";
export type BpsExchangeFn = "proposeResolution" | "decideDispute";

const EXCHANGE_FNS: readonly ExchangeFn[] = [
  "cancelVoucher",
  "revokeVoucher",
  "expireVoucher",
  "redeemVoucher",
  "completeExchange",
  "raiseDispute",
  "retractDispute",
  "expireDispute",
  "acceptResolution",
  "escalateDispute",
  "refuseEscalatedDispute",
  "expireEscalatedDispute",
];

/** One call, as both backends apply it. `withdrawFunds` by the points sink goes through PointsSinkMock.withdraw. */
export type Action =
  | { readonly kind: "registerSeller"; readonly sender: Address; readonly aggregator: Address }
  | { readonly kind: "depositFunds" | "withdrawFunds" | "approve"; readonly sender: Address; readonly amount: bigint }
  | { readonly kind: "createOffer"; readonly sender: Address; readonly params: V.OfferParams }
  | { readonly kind: "commitToOffer"; readonly sender: Address; readonly offerId: bigint }
  | { readonly kind: ExchangeFn; readonly sender: Address; readonly exchangeId: bigint }
  | { readonly kind: BpsExchangeFn; readonly sender: Address; readonly exchangeId: bigint; readonly bps: bigint }
  | { readonly kind: "setFeeBps" | "setEcoBps"; readonly sender: Address; readonly bps: bigint }
  | {
      readonly kind: "safeTransferFrom";
      readonly sender: Address;
      readonly from: Address;
      readonly to: Address;
      readonly offerId: bigint;
    };

export interface TimedAction {
  readonly action: Action;
  /** The block timestamp at which the action executes, in seconds. */
  readonly now: bigint;
}

/** `events`: the escrow's events of a success, each as `Name(arg, ...)` (canonical: decimals, lower-case addresses). */
export type Outcome =
  | { readonly ok: true; readonly events?: readonly string[] }
  | { readonly ok: false; readonly name: string; readonly args: ErrorArg[] };

export function describeOutcome(o: Outcome): string {
  return o.ok ? "ok" : `${o.name}(${o.args.map(String).join(", ")})`;
}

/** JSON with bigints as decimal strings. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function describeAction(a: Action): string {
  return stringify(a);
}

// -----------------------------------------------------------------------------------------------------------------
// Who plays which role
// -----------------------------------------------------------------------------------------------------------------

export interface Actors {
  readonly sellers: readonly Address[];
  readonly buyers: readonly Address[];
  readonly aggregators: readonly Address[];
  readonly resolvers: readonly Address[];
  readonly governance: Address;
  readonly ecosystemFund: Address;
  readonly pointsSink: Address;
  readonly stranger: Address;
  /** Every externally owned account (any of them may send any transaction). */
  readonly everyone: readonly Address[];
}

export async function actorsOf(sys: VoucherSystem): Promise<Actors> {
  const r = sys.roles;
  const a = (s: HardhatEthersSigner): Address => toAddress(s.address);
  const pointsSink = toAddress(await sys.sink.getAddress());
  return {
    sellers: r.sellers.map(a),
    buyers: r.buyers.map(a),
    aggregators: r.aggregators.map(a),
    resolvers: r.resolvers.map(a),
    governance: a(r.governance),
    ecosystemFund: a(r.ecosystemFund),
    pointsSink,
    stranger: a(r.stranger),
    everyone: sys.accounts,
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Reading state to choose the next action
// -----------------------------------------------------------------------------------------------------------------

export interface ExchangeView {
  readonly offerId: bigint;
  readonly buyer: Address;
  readonly state: bigint;
  readonly disputeState: bigint;
  readonly validUntil: bigint;
  readonly redeemedAt: bigint;
  readonly disputeTimeout: bigint;
  readonly buyerProposed: boolean;
  readonly sellerProposed: boolean;
}

export interface OfferView {
  readonly seller: Address;
  readonly disputeResolver: Address;
  readonly disputePeriodSeconds: bigint;
  readonly quantityAvailable: bigint;
}

/** What the action generator may read; implemented over the model or over the chain. */
export interface Peek {
  offerCount(): Promise<bigint>;
  exchangeCount(): Promise<bigint>;
  offer(offerId: bigint): Promise<OfferView>;
  exchange(exchangeId: bigint): Promise<ExchangeView>;
  availableFunds(entity: Address): Promise<bigint>;
}

export function modelPeek(m: ModelSystem): Peek {
  const s = m.vouchers;
  return {
    offerCount: () => Promise.resolve(s.offerCount),
    exchangeCount: () => Promise.resolve(s.exchangeCount),
    offer: (id) => Promise.resolve(V.getOffer(s, id)),
    exchange: (id) => Promise.resolve(V.getExchange(s, id)),
    availableFunds: (entity) => Promise.resolve(V.availableFunds(s, entity)),
  };
}

export function chainPeek(sys: VoucherSystem): Peek {
  const e = sys.escrow;
  return {
    offerCount: () => e.offerCount(),
    exchangeCount: () => e.exchangeCount(),
    offer: async (id) => {
      const o = await e.getOffer(id);
      return {
        seller: toAddress(o.seller),
        disputeResolver: toAddress(o.disputeResolver),
        disputePeriodSeconds: o.disputePeriodSeconds,
        quantityAvailable: o.quantityAvailable,
      };
    },
    exchange: async (id) => {
      const x = await e.getExchange(id);
      return {
        offerId: x.offerId,
        buyer: toAddress(x.buyer),
        state: x.state,
        disputeState: x.disputeState,
        validUntil: x.validUntil,
        redeemedAt: x.redeemedAt,
        disputeTimeout: x.disputeTimeout,
        buyerProposed: x.buyerProposed,
        sellerProposed: x.sellerProposed,
      };
    },
    availableFunds: (entity) => e.availableFunds(entity),
  };
}

// -----------------------------------------------------------------------------------------------------------------
// The seeded action generator
// -----------------------------------------------------------------------------------------------------------------

const S = V.ExchangeState;
const D = V.DisputeState;

type Weighted = readonly (readonly [ExchangeFn | BpsExchangeFn, number])[];

/** Whether the exchange has ended (no call can change it any more). */
function hasEnded(ex: ExchangeView): boolean {
  if (ex.state === S.Committed || ex.state === S.Redeemed) return false;
  return !(ex.state === S.Disputed && (ex.disputeState === D.Resolving || ex.disputeState === D.Escalated));
}

/** Plausible next calls for the exchange at time `now`, with weights: what a sensible agent would try. */
function plausibleFns(ex: ExchangeView, offer: OfferView, now: bigint): Weighted {
  if (ex.state === S.Committed) {
    if (now > ex.validUntil) {
      return [
        ["expireVoucher", 60],
        ["cancelVoucher", 10],
        ["revokeVoucher", 5],
        ["redeemVoucher", 10],
      ];
    }
    return [
      ["redeemVoucher", 45],
      ["cancelVoucher", 10],
      ["revokeVoucher", 8],
      ["expireVoucher", 10],
    ];
  }
  if (ex.state === S.Redeemed) {
    if (now - ex.redeemedAt >= offer.disputePeriodSeconds) {
      return [
        ["completeExchange", 70],
        ["raiseDispute", 20],
      ];
    }
    return [
      ["completeExchange", 30],
      ["raiseDispute", 60],
    ];
  }
  if (ex.state === S.Disputed && ex.disputeState === D.Resolving) {
    if (now > ex.disputeTimeout) {
      return [
        ["expireDispute", 60],
        ["retractDispute", 10],
        ["proposeResolution", 5],
        ["acceptResolution", 5],
        ["escalateDispute", 10],
      ];
    }
    return [
      ["retractDispute", 8],
      ["expireDispute", 8],
      ["proposeResolution", 35],
      ["acceptResolution", 25],
      ["escalateDispute", 25],
    ];
  }
  if (ex.state === S.Disputed && ex.disputeState === D.Escalated) {
    if (now > ex.disputeTimeout) {
      return [
        ["expireEscalatedDispute", 60],
        ["retractDispute", 10],
        ["decideDispute", 10],
        ["refuseEscalatedDispute", 5],
        ["acceptResolution", 5],
      ];
    }
    return [
      ["retractDispute", 8],
      ["proposeResolution", 20],
      ["acceptResolution", 15],
      ["decideDispute", 25],
      ["refuseEscalatedDispute", 10],
      ["expireEscalatedDispute", 10],
    ];
  }
  return [];
}

/** Timestamps at which the exchange's next transitions change outcome (one second either side). */
function boundaries(ex: ExchangeView, offer: OfferView): bigint[] {
  if (ex.state === S.Committed) return [ex.validUntil - 1n, ex.validUntil, ex.validUntil + 1n];
  if (ex.state === S.Redeemed) {
    const end = ex.redeemedAt + offer.disputePeriodSeconds;
    return [end - 1n, end];
  }
  if (ex.state === S.Disputed && (ex.disputeState === D.Resolving || ex.disputeState === D.Escalated)) {
    return [ex.disputeTimeout, ex.disputeTimeout + 1n];
  }
  return [];
}

function randomOfferParams(rng: Prng, actors: Actors): V.OfferParams {
  const price = [0n, 1n, rng.bigint(2n, 5_000n), rng.bigint(2n, 5_000n)][rng.weighted([1, 1, 10, 10])] ?? 0n;
  const buyerCancelPenalty = rng.chance(0.08) ? price + 1n : rng.bigint(0n, price);
  const period = (lo: bigint, hi: bigint): bigint => rng.bigint(lo, hi);
  const periods = [period(10n, 160n), period(5n, 80n), period(10n, 120n), period(10n, 120n)];
  if (rng.chance(0.04)) periods[rng.int(4)] = 0n;
  const resolverRoll = rng.int(100);
  const disputeResolver =
    resolverRoll < 90 ? rng.pick(actors.resolvers) : resolverRoll < 95 ? ZERO_ADDRESS : rng.pick(actors.everyone);
  return {
    price,
    sellerDeposit: rng.chance(0.15) ? 0n : rng.bigint(1n, 1_000n),
    buyerCancelPenalty,
    quantity: rng.chance(0.06) ? 0n : rng.bigint(1n, 6n),
    voucherValiditySeconds: periods[0] ?? 0n,
    disputePeriodSeconds: periods[1] ?? 0n,
    resolutionPeriodSeconds: periods[2] ?? 0n,
    escalationResponsePeriodSeconds: periods[3] ?? 0n,
    disputeResolver,
    disputeResolverFee: rng.chance(0.15) ? rng.bigint(0n, 9n) : rng.bigint(10n, 500n),
  };
}

function randomBps(rng: Prng): bigint {
  const roll = rng.int(20);
  if (roll === 0) return 0n;
  if (roll === 1) return 10_000n;
  if (roll === 2) return 10_001n;
  return rng.bigint(0n, 10_000n);
}

/** An offer to commit to: mostly one not seen sold out, sometimes any id, or one that does not exist. */
async function drawOfferId(rng: Prng, peek: Peek, memory: GeneratorMemory, offerCount: bigint): Promise<bigint> {
  if (offerCount === 0n || rng.chance(0.06)) return rng.pick([0n, offerCount + 1n]);
  const draw = (): bigint => {
    const open: bigint[] = [];
    for (let id = 1n; id <= offerCount; id++) if (!memory.soldOut.has(id)) open.push(id);
    return open.length > 0 && rng.chance(0.9) ? rng.pick(open) : rng.bigint(1n, offerCount);
  };
  let offerId = draw();
  if ((await peek.offer(offerId)).quantityAvailable === 0n) {
    memory.soldOut.add(offerId);
    offerId = draw();
  }
  return offerId;
}

/** The role that may call `fn` on `ex` (the one the generator picks most of the time). */
async function rightCaller(
  rng: Prng,
  peek: Peek,
  actors: Actors,
  fn: ExchangeFn | BpsExchangeFn,
  ex: ExchangeView,
): Promise<Address> {
  const offer = await peek.offer(ex.offerId);
  switch (fn) {
    case "revokeVoucher":
      return offer.seller;
    case "decideDispute":
    case "refuseEscalatedDispute":
      return offer.disputeResolver;
    case "proposeResolution":
      return rng.chance(0.5) ? ex.buyer : offer.seller;
    case "acceptResolution":
      // Mostly the side facing a standing proposal.
      if (ex.buyerProposed !== ex.sellerProposed && rng.chance(0.85)) return ex.buyerProposed ? offer.seller : ex.buyer;
      return rng.chance(0.5) ? ex.buyer : offer.seller;
    case "completeExchange":
      return rng.chance(0.5) ? ex.buyer : rng.pick(actors.everyone);
    case "expireVoucher":
    case "expireDispute":
    case "expireEscalatedDispute":
      return rng.pick(actors.everyone);
    default:
      return ex.buyer;
  }
}

/**
 * Draws actions and their timestamps (each strictly after the previous). Deterministic in (seed, peeked state):
 * the model and the chain, kept equal, yield the same sequence. The first nine actions register the three sellers,
 * fund them and list an offer each; then every kind of call is drawn, mostly plausible ones, some invalid on
 * purpose. It remembers which exchanges it has seen end, to aim mostly at open ones.
 */
export class ActionGenerator {
  private readonly rng: Prng;
  private readonly memory: GeneratorMemory = { ended: new Set(), soldOut: new Set(), focus: undefined };
  private step = 0;

  constructor(
    seed: number,
    private readonly peek: Peek,
    private readonly actors: Actors,
    private lastNow: bigint,
  ) {
    this.rng = new Prng(seed);
  }

  async next(): Promise<TimedAction> {
    const timed = await nextAction(this.rng, this.peek, this.actors, this.step, this.lastNow, this.memory);
    this.step++;
    this.lastNow = timed.now;
    return timed;
  }
}

/** What the generator remembers: exchanges seen ended (final), and the exchange it last acted on. */
interface GeneratorMemory {
  readonly ended: Set<bigint>;
  /** Offers seen sold out (final: quantities only go down). */
  readonly soldOut: Set<bigint>;
  focus: bigint | undefined;
}

async function nextAction(
  rng: Prng,
  peek: Peek,
  actors: Actors,
  step: number,
  lastNow: bigint,
  memory: GeneratorMemory,
): Promise<TimedAction> {
  const { ended } = memory;
  let now = lastNow + 1n + BigInt(rng.int(4));
  if (rng.chance(0.04)) now += BigInt(20 + rng.int(120));
  const timed = (action: Action): TimedAction => ({ action, now });

  const sellerAt = (i: number): Address => actors.sellers[i % actors.sellers.length] ?? actors.stranger;
  if (step < 3)
    return timed({ kind: "registerSeller", sender: sellerAt(step), aggregator: rng.pick(actors.aggregators) });
  if (step < 6) return timed({ kind: "depositFunds", sender: sellerAt(step - 3), amount: 5_000n });
  if (step < 9)
    return timed({ kind: "createOffer", sender: sellerAt(step - 6), params: randomOfferParams(rng, actors) });

  const offerCount = await peek.offerCount();
  const exchangeCount = await peek.exchangeCount();
  const kind = rng.weighted([2, 7, 5, 2, 9, 16, 54, 3, 1, 1]);
  switch (kind) {
    case 0: {
      const aggregator = rng.chance(0.1) ? ZERO_ADDRESS : rng.pick(actors.aggregators);
      return timed({ kind: "registerSeller", sender: rng.pick([...actors.sellers, ...actors.buyers]), aggregator });
    }
    case 1: {
      const sender = rng.chance(0.8) ? rng.pick(actors.sellers) : rng.pick(actors.buyers);
      const roll = rng.int(20);
      const amount = roll === 0 ? 0n : roll === 1 ? 10n ** 13n : rng.bigint(1n, 6_000n);
      return timed({ kind: "depositFunds", sender, amount });
    }
    case 2:
    case 3: {
      const sender = kind === 3 ? actors.pointsSink : rng.pick(actors.everyone);
      const available = await peek.availableFunds(sender);
      const roll = rng.int(10);
      const amount =
        roll < 4
          ? available
          : roll < 7
            ? rng.bigint(0n, available)
            : roll < 8
              ? available + 1n
              : roll < 9
                ? 0n
                : rng.bigint(1n, 5_000n);
      return timed({ kind: "withdrawFunds", sender, amount });
    }
    case 4: {
      const sender = rng.chance(0.88) ? rng.pick(actors.sellers) : rng.pick(actors.everyone);
      return timed({ kind: "createOffer", sender, params: randomOfferParams(rng, actors) });
    }
    case 5: {
      const sender = rng.chance(0.92) ? rng.pick(actors.buyers) : rng.pick(actors.everyone);
      return timed({ kind: "commitToOffer", sender, offerId: await drawOfferId(rng, peek, memory, offerCount) });
    }
    case 6: {
      if (exchangeCount === 0n) {
        return timed({ kind: "commitToOffer", sender: rng.pick(actors.buyers), offerId: offerCount });
      }
      // Mostly exchanges not seen ended (ended is final), retried while the pick turns out ended.
      const drawId = (): bigint => {
        const open: bigint[] = [];
        for (let id = 1n; id <= exchangeCount; id++) if (!ended.has(id)) open.push(id);
        return open.length > 0 && rng.chance(0.95) ? rng.pick(open) : rng.bigint(1n, exchangeCount);
      };
      // Often follow the last exchange through its life, so deep dispute paths occur.
      const focus = memory.focus;
      let exchangeId = focus !== undefined && !ended.has(focus) && rng.chance(0.6) ? focus : drawId();
      let ex = await peek.exchange(exchangeId);
      for (let retry = 0; retry < 4 && hasEnded(ex); retry++) {
        ended.add(exchangeId);
        exchangeId = drawId();
        ex = await peek.exchange(exchangeId);
      }
      memory.focus = exchangeId;
      if (hasEnded(ex)) {
        ended.add(exchangeId);
        // Nothing open to act on: mostly commit instead, so exchanges keep flowing.
        if (rng.chance(0.8)) {
          const offerId = await drawOfferId(rng, peek, memory, offerCount);
          return timed({ kind: "commitToOffer", sender: rng.pick(actors.buyers), offerId });
        }
      }
      const offer = await peek.offer(ex.offerId);
      if (rng.chance(0.2)) {
        const upcoming = boundaries(ex, offer).filter((t) => t > lastNow);
        if (upcoming.length > 0) now = rng.pick(upcoming);
      }
      const plausible = plausibleFns(ex, offer, now);
      const fn: ExchangeFn | BpsExchangeFn =
        plausible.length > 0 && rng.chance(0.85)
          ? (plausible[rng.weighted(plausible.map(([, w]) => w))]?.[0] ?? "cancelVoucher")
          : rng.pick<ExchangeFn | BpsExchangeFn>([...EXCHANGE_FNS, "proposeResolution", "decideDispute"]);
      const sender = rng.chance(0.88) ? await rightCaller(rng, peek, actors, fn, ex) : rng.pick(actors.everyone);
      if (rng.chance(0.03)) exchangeId = rng.pick([0n, exchangeCount + 1n]);
      if (fn === "proposeResolution" || fn === "decideDispute") {
        return timed({ kind: fn, sender, exchangeId, bps: randomBps(rng) });
      }
      return timed({ kind: fn, sender, exchangeId });
    }
    case 7: {
      const sender = rng.chance(0.85) ? actors.governance : rng.pick(actors.everyone);
      if (rng.chance(0.5)) {
        const bps = rng.chance(0.1) ? MAX_FEE_BPS + 1n : rng.bigint(0n, MAX_FEE_BPS);
        return timed({ kind: "setFeeBps", sender, bps });
      }
      return timed({ kind: "setEcoBps", sender, bps: randomBps(rng) });
    }
    case 8: {
      const amount = rng.chance(0.5) ? erc20.MAX_UINT256 : rng.bigint(0n, 3_000n);
      return timed({ kind: "approve", sender: rng.pick(actors.buyers), amount });
    }
    default: {
      const sender = rng.pick(actors.buyers);
      const from = rng.chance(0.8) ? sender : rng.pick(actors.everyone);
      const to = rng.chance(0.1) ? ZERO_ADDRESS : rng.pick(actors.everyone);
      return timed({ kind: "safeTransferFrom", sender, from, to, offerId: rng.bigint(0n, offerCount + 1n) });
    }
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Applying an action to the chain
// -----------------------------------------------------------------------------------------------------------------

/** A fixed gas limit: sends every transaction without estimating, so a reverting one is mined and reported. */
const TX = { gasLimit: 3_000_000n } as const;

export interface ChainContext {
  readonly sys: VoucherSystem;
  readonly signers: ReadonlyMap<Address, HardhatEthersSigner>;
  readonly interfaces: readonly Interface[];
  readonly escrowAddress: Address;
}

export async function chainContext(sys: VoucherSystem): Promise<ChainContext> {
  const r = sys.roles;
  const all = [
    r.deployer,
    r.governance,
    r.ecosystemFund,
    ...r.aggregators,
    ...r.resolvers,
    ...r.sellers,
    ...r.buyers,
    r.stranger,
  ];
  return {
    sys,
    signers: new Map(all.map((s) => [toAddress(s.address), s])),
    interfaces: [sys.escrow.interface, sys.feeManager.interface, sys.token.interface, sys.sink.interface],
    escrowAddress: toAddress(await sys.escrow.getAddress()),
  };
}

function sendAction(ctx: ChainContext, action: Action): Promise<ContractTransactionResponse> {
  const { sys } = ctx;
  const signerOf = (a: Address): HardhatEthersSigner => {
    const s = ctx.signers.get(a);
    if (s === undefined) throw new Error(`No signer for ${a}`);
    return s;
  };
  if (action.kind === "withdrawFunds" && !ctx.signers.has(action.sender)) {
    return sys.sink.connect(sys.roles.deployer).withdraw(ctx.escrowAddress, action.amount, TX);
  }
  const escrow = sys.escrow.connect(signerOf(action.sender));
  switch (action.kind) {
    case "registerSeller":
      return escrow.registerSeller(action.aggregator, TX);
    case "depositFunds":
      return escrow.depositFunds(action.amount, TX);
    case "withdrawFunds":
      return escrow.withdrawFunds(action.amount, TX);
    case "approve":
      return sys.token.connect(signerOf(action.sender)).approve(ctx.escrowAddress, action.amount, TX);
    case "createOffer":
      return escrow.createOffer(action.params, TX);
    case "commitToOffer":
      return escrow.commitToOffer(action.offerId, TX);
    case "proposeResolution":
      return escrow.proposeResolution(action.exchangeId, action.bps, TX);
    case "decideDispute":
      return escrow.decideDispute(action.exchangeId, action.bps, TX);
    case "setFeeBps":
      return sys.feeManager.connect(signerOf(action.sender)).setFeeBps(action.bps, TX);
    case "setEcoBps":
      return sys.feeManager.connect(signerOf(action.sender)).setEcoBps(action.bps, TX);
    case "safeTransferFrom":
      return escrow.safeTransferFrom(action.from, action.to, action.offerId, 1n, "0x", TX);
    default:
      return escrow[action.kind](action.exchangeId, TX);
  }
}

/** Sends the action at block timestamp `now` and reports success or the decoded custom error. */
export async function applyToChain(ctx: ChainContext, timed: TimedAction): Promise<Outcome> {
  await time.setNextBlockTimestamp(timed.now);
  try {
    const tx = await sendAction(ctx, timed.action);
    const receipt = await tx.wait();
    const events: string[] = [];
    for (const log of receipt?.logs ?? []) {
      if (log.address.toLowerCase() !== ctx.escrowAddress) continue;
      const parsed = ctx.sys.escrow.interface.parseLog(log)!;
      const args = [...parsed.args].map((v: unknown) => (typeof v === "string" ? v.toLowerCase() : String(v)));
      events.push(`${parsed.name}(${args.join(", ")})`);
    }
    return { ok: true, events };
  } catch (error) {
    const decoded = decodeRevert(error, ctx.interfaces);
    return { ok: false, name: decoded.name, args: decoded.args };
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Applying an action to the model
// -----------------------------------------------------------------------------------------------------------------

/** The model functions the applier calls; a test may replace one to prove the differential catches it. */
export const defaultModelFns = {
  registerSeller: V.registerSeller,
  depositFunds: V.depositFunds,
  withdrawFunds: V.withdrawFunds,
  createOffer: V.createOffer,
  commitToOffer: V.commitToOffer,
  cancelVoucher: V.cancelVoucher,
  revokeVoucher: V.revokeVoucher,
  expireVoucher: V.expireVoucher,
  redeemVoucher: V.redeemVoucher,
  completeExchange: V.completeExchange,
  raiseDispute: V.raiseDispute,
  retractDispute: V.retractDispute,
  expireDispute: V.expireDispute,
  proposeResolution: V.proposeResolution,
  acceptResolution: V.acceptResolution,
  escalateDispute: V.escalateDispute,
  decideDispute: V.decideDispute,
  refuseEscalatedDispute: V.refuseEscalatedDispute,
  expireEscalatedDispute: V.expireEscalatedDispute,
  safeTransferFrom: V.safeTransferFrom,
};
export type ModelFns = typeof defaultModelFns;

export function applyToModel(m: ModelSystem, timed: TimedAction, fns: ModelFns = defaultModelFns): Outcome {
  const { action } = timed;
  const s = m.vouchers;
  // The escrow's events, as the chain's receipt carries them (the token's and the sink's are not compared here).
  const events: string[] = [];
  const env: Env = {
    sender: action.sender,
    now: timed.now,
    emit: (emitter, name, ...args) => {
      if (emitter === s.self) events.push(`${name}(${args.map(String).join(", ")})`);
    },
  };
  try {
    switch (action.kind) {
      case "registerSeller":
        fns.registerSeller(s, env, action.aggregator);
        break;
      case "depositFunds":
        fns.depositFunds(s, env, action.amount);
        break;
      case "withdrawFunds":
        fns.withdrawFunds(s, env, action.amount);
        break;
      case "approve":
        erc20.approve(m.token, action.sender, s.self, action.amount);
        break;
      case "createOffer":
        fns.createOffer(s, env, action.params);
        break;
      case "commitToOffer":
        fns.commitToOffer(s, env, action.offerId);
        break;
      case "proposeResolution":
        fns.proposeResolution(s, env, action.exchangeId, action.bps);
        break;
      case "decideDispute":
        fns.decideDispute(s, env, action.exchangeId, action.bps);
        break;
      case "setFeeBps":
        Fees.setFeeBps(m.fees, env, action.bps);
        break;
      case "setEcoBps":
        Fees.setEcoBps(m.fees, env, action.bps);
        break;
      case "safeTransferFrom":
        fns.safeTransferFrom(s, env, action.from, action.to, action.offerId, 1n);
        break;
      default:
        fns[action.kind](s, env, action.exchangeId);
    }
    return { ok: true, events };
  } catch (error) {
    if (error instanceof ModelRevert) return { ok: false, name: error.errorName, args: [...error.args] };
    throw error;
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Comparing the two backends
// -----------------------------------------------------------------------------------------------------------------

/** A canonical text of the whole model state (maps sorted by insertion, bigints as decimals), for equality. */
export function snapshotModel(m: ModelSystem): string {
  return JSON.stringify({ token: m.token, fees: m.fees, vouchers: m.vouchers, sink: m.sink }, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof Set) return [...v.values()];
    return v;
  });
}

/** The chain's values of `voucherVariables` (same keys), read through the escrow's views. */
export async function chainVoucherVariables(sys: VoucherSystem): Promise<Record<string, bigint>> {
  const e = sys.escrow;
  const entries: [string, Promise<bigint>][] = [
    ["totalEncumbered", e.totalEncumbered()],
    ["totalAvailable", e.totalAvailable()],
    ["protocolFeesCollected", e.protocolFeesCollected()],
    ["ecosystemFeesCredited", e.ecosystemFeesCredited()],
    ["rewardsFeesCredited", e.rewardsFeesCredited()],
    ["offerCount", e.offerCount()],
    ["exchangeCount", e.exchangeCount()],
    ["vouchersOutstanding", e.vouchersOutstanding()],
  ];
  for (const name of V.EXCHANGE_STATE_NAMES) {
    entries.push([`exchangeCountByState.${name}`, e.exchangeCountByState(V.ExchangeState[name])]);
  }
  for (const name of V.DISPUTE_STATE_NAMES) {
    entries.push([`disputeCountByState.${name}`, e.disputeCountByState(V.DisputeState[name])]);
  }
  const values = await Promise.all(entries.map(([, p]) => p));
  return Object.fromEntries(entries.map(([k], i) => [k, values[i] ?? -1n]));
}

export interface Divergence {
  readonly seed: number;
  readonly step: number;
  readonly now: bigint;
  readonly action: Action;
  readonly variable: string;
  readonly model: string;
  readonly chain: string;
}

export function describeDivergence(d: Divergence): string {
  return (
    `first divergence at step ${d.step} (seed ${d.seed}, t=${d.now}): ${d.variable}: model ${d.model}, chain ${d.chain}\n` +
    `  action: ${describeAction(d.action)}`
  );
}

function touchedIds(action: Action): { exchangeId?: bigint; offerId?: bigint } {
  switch (action.kind) {
    case "commitToOffer":
    case "safeTransferFrom":
      return { offerId: action.offerId };
    case "registerSeller":
    case "depositFunds":
    case "withdrawFunds":
    case "approve":
    case "createOffer":
    case "setFeeBps":
    case "setEcoBps":
      return {};
    default:
      return { exchangeId: action.exchangeId };
  }
}

/**
 * Compares everything comparable after one step and returns the first difference as [variable, model, chain].
 * Checks: the counters, every entity's available funds, token balances of the sender and the escrow, the
 * balance invariant on both sides, fee rates, the points sink's record, and the touched exchange, offer and
 * voucher balance.
 */
async function compareStep(
  ctx: ChainContext,
  m: ModelSystem,
  actors: Actors,
  timed: TimedAction,
): Promise<[string, string, string] | undefined> {
  const { sys } = ctx;
  const s = m.vouchers;
  const pairs: [string, unknown, Promise<unknown>][] = [];
  const modelVars = V.voucherVariables(s);
  const chainVars = await chainVoucherVariables(sys);
  for (const [k, v] of Object.entries(modelVars)) pairs.push([k, v, Promise.resolve(chainVars[k])]);
  for (const entity of [...actors.everyone, actors.pointsSink, ctx.escrowAddress]) {
    pairs.push([`availableFunds(${entity})`, V.availableFunds(s, entity), sys.escrow.availableFunds(entity)]);
  }
  for (const holder of new Set([timed.action.sender, ctx.escrowAddress, actors.pointsSink])) {
    pairs.push([`token.balanceOf(${holder})`, erc20.balanceOf(m.token, holder), sys.token.balanceOf(holder)]);
  }
  const escrowBalance = erc20.balanceOf(m.token, ctx.escrowAddress);
  pairs.push([
    "model invariant: balance - encumbered - available",
    escrowBalance - s.totalEncumbered - s.totalAvailable,
    Promise.resolve(0n),
  ]);
  pairs.push([
    "chain invariant: balance - encumbered - available",
    0n,
    Promise.all([
      sys.token.balanceOf(ctx.escrowAddress),
      sys.escrow.totalEncumbered(),
      sys.escrow.totalAvailable(),
    ]).then(([b, e, a]) => b - e - a),
  ]);
  pairs.push(["feeManager.feeBps", m.fees.feeBps, sys.feeManager.feeBps()]);
  pairs.push(["feeManager.ecoBps", m.fees.ecoBps, sys.feeManager.ecoBps()]);
  pairs.push(["sink.accrualCount", m.sink.count, sys.sink.accrualCount()]);
  pairs.push(["sink.totalPoints", m.sink.totalPoints, sys.sink.totalPoints()]);
  pairs.push(["sink.feeAccrualCount", m.sink.feeCount, sys.sink.feeAccrualCount()]);
  pairs.push(["sink.feesAccrued", m.sink.fees, sys.sink.feesAccrued()]);
  for (const a of [...actors.sellers, ...actors.aggregators]) {
    pairs.push([`sink.pointsOf(${a})`, m.sink.pointsOf.get(a) ?? 0n, sys.sink.pointsOf(a)]);
  }
  const { exchangeId, offerId } = touchedIds(timed.action);
  if (exchangeId !== undefined && exchangeId >= 1n && exchangeId <= s.exchangeCount) {
    const mx = V.getExchange(s, exchangeId);
    const cx = await sys.escrow.getExchange(exchangeId);
    const chainExchange: V.Exchange = {
      offerId: cx.offerId,
      buyer: toAddress(cx.buyer),
      state: cx.state as V.ExchangeState,
      disputeState: cx.disputeState as V.DisputeState,
      escalated: cx.escalated,
      buyerProposed: cx.buyerProposed,
      sellerProposed: cx.sellerProposed,
      buyerProposalBps: cx.buyerProposalBps,
      sellerProposalBps: cx.sellerProposalBps,
      validUntil: cx.validUntil,
      redeemedAt: cx.redeemedAt,
      disputeTimeout: cx.disputeTimeout,
      escalationDeposit: cx.escalationDeposit,
    };
    pairs.push([`getExchange(${exchangeId})`, stringify(mx), Promise.resolve(stringify(chainExchange))]);
    pairs.push([
      `balanceOf(${mx.buyer}, ${mx.offerId})`,
      V.balanceOf(s, mx.buyer, mx.offerId),
      sys.escrow.balanceOf(mx.buyer, mx.offerId),
    ]);
  }
  if (offerId !== undefined && offerId >= 1n && offerId <= s.offerCount) {
    const mo = V.getOffer(s, offerId);
    const co = await sys.escrow.getOffer(offerId);
    pairs.push(["getOffer.quantityAvailable", mo.quantityAvailable, Promise.resolve(co.quantityAvailable)]);
    pairs.push(["getOffer.protocolFee", mo.protocolFee, Promise.resolve(co.protocolFee)]);
    pairs.push([
      `balanceOf(${timed.action.sender}, ${offerId})`,
      V.balanceOf(s, timed.action.sender, offerId),
      sys.escrow.balanceOf(timed.action.sender, offerId),
    ]);
  }
  const chainValues = await Promise.all(pairs.map(([, , p]) => p));
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    if (pair === undefined) continue;
    const [name, model] = pair;
    const chain = chainValues[i];
    if (chain !== model) {
      return [name, String(model), String(chain)];
    }
  }
  return undefined;
}

export interface DifferentialOptions {
  readonly seed: number;
  readonly steps: number;
  /** Replaces model functions (to prove the differential catches a wrong mirror). */
  readonly modelFns?: ModelFns;
}

export interface DifferentialResult {
  readonly stepsRun: number;
  readonly divergence?: Divergence;
  /** How many actions succeeded, and how often each error occurred (by name). */
  readonly ok: number;
  readonly reverts: ReadonlyMap<string, number>;
  /** Successful actions by kind. */
  readonly successes: ReadonlyMap<string, number>;
}

/**
 * Applies the same seeded action sequence to a freshly deployed chain system and to its model; after every
 * action compares success/revert (error name and arguments), the model's state being untouched by a revert, and
 * every comparable variable. Stops at the first divergence and reports it.
 */
export async function runDifferential(
  sys: VoucherSystem,
  m: ModelSystem,
  opts: DifferentialOptions,
): Promise<DifferentialResult> {
  const ctx = await chainContext(sys);
  const actors = await actorsOf(sys);
  const generator = new ActionGenerator(opts.seed, modelPeek(m), actors, BigInt(await time.latest()) + 10n);
  const fns = opts.modelFns ?? defaultModelFns;
  let ok = 0;
  const reverts = new Map<string, number>();
  const successes = new Map<string, number>();
  for (let step = 0; step < opts.steps; step++) {
    const timed = await generator.next();
    const before = snapshotModel(m);
    const modelOutcome = applyToModel(m, timed, fns);
    const chainOutcome = await applyToChain(ctx, timed);
    const diverge = (variable: string, model: string, chain: string): DifferentialResult => ({
      stepsRun: step + 1,
      divergence: { seed: opts.seed, step, now: timed.now, action: timed.action, variable, model, chain },
      ok,
      reverts,
      successes,
    });
    if (describeOutcome(modelOutcome) !== describeOutcome(chainOutcome)) {
      return diverge("outcome", describeOutcome(modelOutcome), describeOutcome(chainOutcome));
    }
    if (modelOutcome.ok && chainOutcome.ok) {
      const [me, ce] = [modelOutcome.events ?? [], chainOutcome.events ?? []];
      if (me.length !== ce.length || me.some((e, i) => e !== ce[i]))
        return diverge("events", me.join("; "), ce.join("; "));
    }
    if (modelOutcome.ok) {
      ok++;
      successes.set(timed.action.kind, (successes.get(timed.action.kind) ?? 0) + 1);
    } else {
      reverts.set(modelOutcome.name, (reverts.get(modelOutcome.name) ?? 0) + 1);
      if (snapshotModel(m) !== before) return diverge("model state after a revert", "changed", "unchanged");
    }
    const difference = await compareStep(ctx, m, actors, timed);
    if (difference !== undefined) return diverge(...difference);
  }
  return { stepsRun: opts.steps, ok, reverts, successes };
}

/** Runs the generator against the model alone (no chain) and returns the timed actions and outcomes. */
export async function runModelOnly(
  m: ModelSystem,
  actors: Actors,
  seed: number,
  steps: number,
  startNow: bigint,
): Promise<{ timed: TimedAction; outcome: Outcome; exchangeBefore?: V.Exchange }[]> {
  const generator = new ActionGenerator(seed, modelPeek(m), actors, startNow);
  const trace: { timed: TimedAction; outcome: Outcome; exchangeBefore?: V.Exchange }[] = [];
  for (let step = 0; step < steps; step++) {
    const timed = await generator.next();
    const { exchangeId } = touchedIds(timed.action);
    const exchangeBefore =
      exchangeId !== undefined && exchangeId >= 1n && exchangeId <= m.vouchers.exchangeCount
        ? V.getExchange(m.vouchers, exchangeId)
        : undefined;
    const outcome = applyToModel(m, timed);
    trace.push(exchangeBefore === undefined ? { timed, outcome } : { timed, outcome, exchangeBefore });
  }
  return trace;
}
