import { expect } from "chai";

import * as erc20 from "../../simulation/model/erc20.js";
import { MAX_UINT256 } from "../../simulation/model/erc20.js";
import { bpsOfDown } from "../../simulation/model/feeMath.js";
import { newFeeState } from "../../simulation/model/fees.js";
import { ModelRevert, type ErrorArg } from "../../simulation/model/revert.js";
import { toAddress, ZERO_ADDRESS, type Address, type Env } from "../../simulation/model/types.js";
import * as V from "../../simulation/model/vouchers.js";
import { ExchangeState as S, DisputeState as D } from "../../simulation/model/vouchers.js";
import {
  actorsOf,
  defaultModelFns,
  describeDivergence,
  describeOutcome,
  runDifferential,
  runModelOnly,
  snapshotModel,
  stringify,
  type ModelFns,
} from "../helpers/voucherActions.js";
import { ecoPart, expectedPayoff, type Ending, type Terms } from "../helpers/voucherPayoffs.js";
import {
  deployVoucherSystem,
  modelOf,
  networkHelpers,
  type ModelSystem,
  type SinkRecord,
} from "../helpers/voucherSystem.js";

const { loadFixture } = networkHelpers;

// -----------------------------------------------------------------------------------------------------------------
// A standalone model world
// -----------------------------------------------------------------------------------------------------------------

const addr = (n: number): Address => toAddress("0x" + n.toString(16).padStart(40, "0"));
const GOV = addr(0x901);
const ECO = addr(0x902);
const SINK = addr(0x903);
const ESCROW = addr(0x904);
const AGG = addr(0x905);
const RES = addr(0x906);
const SELLER = addr(0x907);
const BUYER = addr(0x908);
const OTHER = addr(0x909);

const FEE_BPS = 250n;
const ECO_BPS = 3_000n;
const AGG_BPS = 5_000n;
const T0 = 1_000_000n;

interface Accrual {
  readonly seller: Address;
  readonly points: bigint;
  readonly aggregator: Address;
  readonly aggregatorPoints: bigint;
  readonly now: bigint;
}

interface TestWorld extends ModelSystem {
  readonly accruals: Accrual[];
}

function newWorld(feeBps = FEE_BPS, ecoBps = ECO_BPS): TestWorld {
  const token = erc20.newErc20();
  // The buyer can pay the largest price (the model's token does not cap the supply; the escrow's balance does).
  for (const [who, amount] of [
    [SELLER, MAX_UINT256 / 4n],
    [BUYER, MAX_UINT256],
    [OTHER, MAX_UINT256 / 4n],
  ] as const) {
    erc20.mint(token, who, amount);
    erc20.approve(token, who, ESCROW, MAX_UINT256);
  }
  const fees = newFeeState(GOV, feeBps, 1_000n, ecoBps);
  const accruals: Accrual[] = [];
  const sink: SinkRecord = { count: 0n, totalPoints: 0n, pointsOf: new Map(), feeCount: 0n, fees: 0n };
  const vouchers = V.newVoucherState({
    token,
    self: ESCROW,
    fees,
    pointsSink: SINK,
    ecosystemFund: ECO,
    aggregatorPointsBps: AGG_BPS,
    accruePoints: (seller, points, aggregator, aggregatorPoints, now) => {
      accruals.push({ seller, points, aggregator, aggregatorPoints, now });
    },
    accrueFees: (amount) => {
      sink.feeCount += 1n;
      sink.fees += amount;
    },
  });
  return { token, fees, vouchers, sink, accruals };
}

const at = (sender: Address, now: bigint): Env => ({ sender, now });

const TYPICAL: Terms = { price: 1_000n, sellerDeposit: 200n, buyerCancelPenalty: 50n, disputeResolverFee: 100n };

function offerParams(t: Terms, overrides: Partial<V.OfferParams> = {}): V.OfferParams {
  return {
    price: t.price,
    sellerDeposit: t.sellerDeposit,
    buyerCancelPenalty: t.buyerCancelPenalty,
    quantity: 3n,
    voucherValiditySeconds: 100n,
    disputePeriodSeconds: 50n,
    resolutionPeriodSeconds: 30n,
    escalationResponsePeriodSeconds: 20n,
    disputeResolver: RES,
    disputeResolverFee: t.disputeResolverFee,
    ...overrides,
  };
}

/** Registers SELLER, funds exactly D + drFee per voucher, lists the offer; returns its id. */
function listOffer(w: TestWorld, t: Terms, overrides: Partial<V.OfferParams> = {}, vouchers = 1n): bigint {
  const s = w.vouchers;
  if (!V.isSeller(s, SELLER)) V.registerSeller(s, at(SELLER, T0), AGG);
  const deposit = (t.sellerDeposit + t.disputeResolverFee) * vouchers;
  if (deposit > 0n) V.depositFunds(s, at(SELLER, T0), deposit);
  return V.createOffer(s, at(SELLER, T0), offerParams(t, overrides));
}

/** listOffer + BUYER commits at T0; returns the exchange id. */
function committed(w: TestWorld, t: Terms = TYPICAL, overrides: Partial<V.OfferParams> = {}): bigint {
  const offerId = listOffer(w, t, overrides);
  return V.commitToOffer(w.vouchers, at(BUYER, T0), offerId);
}

interface Funds {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  readonly eco: bigint;
  readonly sink: bigint;
}

function funds(w: TestWorld): Funds {
  const s = w.vouchers;
  return {
    seller: V.availableFunds(s, SELLER),
    buyer: V.availableFunds(s, BUYER),
    resolver: V.availableFunds(s, RES),
    eco: V.availableFunds(s, ECO),
    sink: V.availableFunds(s, SINK),
  };
}

function expectInvariant(w: TestWorld): void {
  const s = w.vouchers;
  expect(erc20.balanceOf(w.token, ESCROW), "escrow balance = encumbered + available").to.equal(
    s.totalEncumbered + s.totalAvailable,
  );
}

/** Calls `fn`, expects the model to reject it with `name(args)`, and the whole model state to be untouched. */
function expectRevert(w: TestWorld, fn: () => unknown, name: string, ...args: ErrorArg[]): void {
  const before = snapshotModel(w);
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${name}`).to.be.instanceOf(ModelRevert);
  const r = caught as ModelRevert;
  expect({ name: r.errorName, args: r.args }).to.deep.equal({ name, args });
  expect(snapshotModel(w), "model state after a revert").to.equal(before);
}

// -----------------------------------------------------------------------------------------------------------------
// Payoffs
// -----------------------------------------------------------------------------------------------------------------

/** Drives an exchange from Committed (at T0) to a terminal. */
type Path = (w: TestWorld, id: bigint) => void;

const ev = (sender: Address, dt: bigint): Env => at(sender, T0 + dt);

const redeemRaise = (w: TestWorld, id: bigint): void => {
  V.redeemVoucher(w.vouchers, ev(BUYER, 1n), id);
  V.raiseDispute(w.vouchers, ev(BUYER, 2n), id);
};
const redeemRaiseEscalate = (w: TestWorld, id: bigint): void => {
  redeemRaise(w, id);
  V.escalateDispute(w.vouchers, ev(BUYER, 3n), id);
};

const PATHS: Record<string, { readonly ending: Ending; readonly drive: Path }> = {
  "Completed by the buyer": {
    ending: { terminal: "Completed", escalated: false },
    drive: (w, id) => {
      V.redeemVoucher(w.vouchers, ev(BUYER, 1n), id);
      V.completeExchange(w.vouchers, ev(BUYER, 2n), id);
    },
  },
  "Completed by anyone after the dispute period": {
    ending: { terminal: "Completed", escalated: false },
    drive: (w, id) => {
      V.redeemVoucher(w.vouchers, ev(BUYER, 1n), id);
      V.completeExchange(w.vouchers, ev(OTHER, 51n), id);
    },
  },
  Revoked: {
    ending: { terminal: "Revoked", escalated: false },
    drive: (w, id) => V.revokeVoucher(w.vouchers, ev(SELLER, 1n), id),
  },
  Canceled: {
    ending: { terminal: "Canceled", escalated: false },
    drive: (w, id) => V.cancelVoucher(w.vouchers, ev(BUYER, 1n), id),
  },
  "Canceled by expiry": {
    ending: { terminal: "Canceled", escalated: false },
    drive: (w, id) => V.expireVoucher(w.vouchers, ev(OTHER, 100n), id),
  },
  "Retracted by the buyer": {
    ending: { terminal: "Retracted", escalated: false },
    drive: (w, id) => {
      redeemRaise(w, id);
      V.retractDispute(w.vouchers, ev(BUYER, 3n), id);
    },
  },
  "Retracted by expiry": {
    ending: { terminal: "Retracted", escalated: false },
    drive: (w, id) => {
      redeemRaise(w, id);
      V.expireDispute(w.vouchers, ev(OTHER, 33n), id);
    },
  },
  "Retracted after escalation": {
    ending: { terminal: "Retracted", escalated: true },
    drive: (w, id) => {
      redeemRaiseEscalate(w, id);
      V.retractDispute(w.vouchers, ev(BUYER, 4n), id);
    },
  },
  "Refused by the resolver": {
    ending: { terminal: "Refused", escalated: true },
    drive: (w, id) => {
      redeemRaiseEscalate(w, id);
      V.refuseEscalatedDispute(w.vouchers, ev(RES, 4n), id);
    },
  },
  "Refused by expiry": {
    ending: { terminal: "Refused", escalated: true },
    drive: (w, id) => {
      redeemRaiseEscalate(w, id);
      V.expireEscalatedDispute(w.vouchers, ev(OTHER, 24n), id);
    },
  },
  "Resolved (seller proposes 33.33%, buyer accepts)": {
    ending: { terminal: "Resolved", escalated: false, buyerPercentBps: 3_333n },
    drive: (w, id) => {
      redeemRaise(w, id);
      V.proposeResolution(w.vouchers, ev(SELLER, 3n), id, 3_333n);
      V.acceptResolution(w.vouchers, ev(BUYER, 4n), id);
    },
  },
  "Resolved after escalation (buyer proposes 33.33%, seller accepts)": {
    ending: { terminal: "Resolved", escalated: true, buyerPercentBps: 3_333n },
    drive: (w, id) => {
      redeemRaiseEscalate(w, id);
      V.proposeResolution(w.vouchers, ev(BUYER, 4n), id, 3_333n);
      V.acceptResolution(w.vouchers, ev(SELLER, 5n), id);
    },
  },
  ...Object.fromEntries(
    [3_333n, 0n, 10_000n].map((bp) => [
      `Decided at ${bp} bps`,
      {
        ending: { terminal: "Decided", escalated: true, buyerPercentBps: bp } as const,
        drive: (w: TestWorld, id: bigint) => {
          redeemRaiseEscalate(w, id);
          V.decideDispute(w.vouchers, ev(RES, 4n), id, bp);
        },
      },
    ]),
  ),
};

const TERMS: Record<string, Terms> = {
  typical: TYPICAL,
  "all zero": { price: 0n, sellerDeposit: 0n, buyerCancelPenalty: 0n, disputeResolverFee: 0n },
  "one wei each": { price: 1n, sellerDeposit: 1n, buyerCancelPenalty: 1n, disputeResolverFee: 1n },
  "rounding (odd amounts)": { price: 9_999n, sellerDeposit: 333n, buyerCancelPenalty: 7n, disputeResolverFee: 19n },
  "penalty equal to the price": { price: 777n, sellerDeposit: 5n, buyerCancelPenalty: 777n, disputeResolverFee: 10n },
  // p + D + drFee + E = 2^256 - 1: the escrow holds the largest balance a uint256 can count.
  "maximum (escrow holds 2^256 - 1)": {
    price: MAX_UINT256 - 16n,
    sellerDeposit: 5n,
    buyerCancelPenalty: 3n,
    disputeResolverFee: 10n,
  },
};

describe("model/vouchers", () => {
  describe("payoffs (design.md table)", () => {
    for (const [termsName, terms] of Object.entries(TERMS)) {
      for (const [pathName, { ending, drive }] of Object.entries(PATHS)) {
        it(`model/vouchers: credits the ${pathName} payoff when terms are ${termsName}`, () => {
          const w = newWorld();
          const id = committed(w, terms);
          const f = w.vouchers.offers.get(1n)?.protocolFee ?? -1n;
          expect(f).to.equal(bpsOfDown(terms.price, FEE_BPS));
          const before = funds(w);
          drive(w, id);
          const after = funds(w);
          const want = expectedPayoff(ending, terms, f);
          const eco = ecoPart(want.fee, ECO_BPS);
          expect({
            seller: after.seller - before.seller,
            buyer: after.buyer - before.buyer,
            resolver: after.resolver - before.resolver,
            eco: after.eco - before.eco,
            sink: after.sink - before.sink,
          }).to.deep.equal({
            seller: want.seller,
            buyer: want.buyer,
            resolver: want.resolver,
            eco,
            sink: want.fee - eco,
          });
          const s = w.vouchers;
          expect(s.totalEncumbered).to.equal(0n);
          expect(s.protocolFeesCollected).to.equal(want.fee);
          expect(s.ecosystemFeesCredited + s.rewardsFeesCredited).to.equal(want.fee);
          expect(w.sink.fees, "the sink is told its credit").to.equal(want.fee - eco);
          expect(V.balanceOf(s, BUYER, 1n)).to.equal(0n);
          expectInvariant(w);
          const completed = pathName.startsWith("Completed");
          expect(w.accruals).to.deep.equal(
            completed
              ? [
                  {
                    seller: SELLER,
                    points: terms.price,
                    aggregator: AGG,
                    aggregatorPoints: bpsOfDown(terms.price, AGG_BPS),
                    now: pathName.includes("anyone") ? T0 + 51n : T0 + 2n,
                  },
                ]
              : [],
          );
        });
      }
    }

    it("model/vouchers: splits the fee at the ecosystem share current at collection, not at offer creation", () => {
      const w = newWorld();
      const id = committed(w);
      w.fees.ecoBps = 10_000n; // governance raised the ecosystem share after the offer was created
      PATHS["Completed by the buyer"]?.drive(w, id);
      expect(funds(w).eco).to.equal(25n);
      expect(funds(w).sink).to.equal(0n);
    });

    it("model/vouchers: keeps the fee fixed at offer creation when feeBps changes later", () => {
      const w = newWorld();
      const offerId = listOffer(w, TYPICAL, {}, 2n);
      w.fees.feeBps = 1_000n;
      const id = V.commitToOffer(w.vouchers, at(BUYER, T0), offerId);
      PATHS["Completed by the buyer"]?.drive(w, id);
      expect(w.vouchers.protocolFeesCollected).to.equal(25n);
      const newOffer = V.createOffer(w.vouchers, at(SELLER, T0), offerParams(TYPICAL));
      expect(V.getOffer(w.vouchers, newOffer).protocolFee).to.equal(100n);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Reverts
  // ---------------------------------------------------------------------------------------------------------------

  describe("reverts (name, arguments, state untouched)", () => {
    const s = (w: TestWorld): V.VoucherState => w.vouchers;
    const inState = (state: "Committed" | "Redeemed" | "Resolving" | "Escalated" | "Completed") => {
      const w = newWorld();
      const id = committed(w);
      if (state === "Completed") {
        PATHS["Completed by the buyer"]?.drive(w, id);
        return { w, id };
      }
      if (state !== "Committed") V.redeemVoucher(s(w), ev(BUYER, 1n), id);
      if (state === "Resolving" || state === "Escalated") V.raiseDispute(s(w), ev(BUYER, 2n), id);
      if (state === "Escalated") V.escalateDispute(s(w), ev(BUYER, 3n), id);
      return { w, id };
    };

    interface RevertCase {
      readonly name: string;
      readonly run: () => void;
    }
    const cases: RevertCase[] = [
      {
        name: "newVoucherState: VoucherEscrowInvalidAddress when the ecosystem fund is zero",
        run: () => {
          const w = newWorld();
          expectRevert(
            w,
            () =>
              V.newVoucherState({
                token: w.token,
                self: ESCROW,
                fees: w.fees,
                pointsSink: SINK,
                ecosystemFund: ZERO_ADDRESS,
                aggregatorPointsBps: 0n,
                accruePoints: () => undefined,
                accrueFees: () => undefined,
              }),
            "VoucherEscrowInvalidAddress",
          );
        },
      },
      {
        name: "newVoucherState: VoucherEscrowInvalidBps when aggregatorPointsBps is 10_001",
        run: () => {
          const w = newWorld();
          expectRevert(
            w,
            () =>
              V.newVoucherState({
                token: w.token,
                self: ESCROW,
                fees: w.fees,
                pointsSink: SINK,
                ecosystemFund: ECO,
                aggregatorPointsBps: 10_001n,
                accruePoints: () => undefined,
                accrueFees: () => undefined,
              }),
            "VoucherEscrowInvalidBps",
            10_001n,
          );
        },
      },
      {
        name: "registerSeller: VoucherEscrowInvalidAddress before SellerExists when both apply",
        run: () => {
          const w = newWorld();
          V.registerSeller(s(w), at(SELLER, T0), AGG);
          expectRevert(w, () => V.registerSeller(s(w), at(SELLER, T0), ZERO_ADDRESS), "VoucherEscrowInvalidAddress");
          expectRevert(w, () => V.registerSeller(s(w), at(SELLER, T0), AGG), "VoucherEscrowSellerExists", SELLER);
        },
      },
      {
        name: "depositFunds: ZeroAmount, then the token's ERC20InsufficientAllowance and ERC20InsufficientBalance",
        run: () => {
          const w = newWorld();
          expectRevert(w, () => V.depositFunds(s(w), at(SELLER, T0), 0n), "VoucherEscrowZeroAmount");
          expectRevert(w, () => V.depositFunds(s(w), at(GOV, T0), 1n), "ERC20InsufficientAllowance", ESCROW, 0n, 1n);
          erc20.approve(w.token, GOV, ESCROW, 5n);
          expectRevert(w, () => V.depositFunds(s(w), at(GOV, T0), 5n), "ERC20InsufficientBalance", GOV, 0n, 5n);
        },
      },
      {
        name: "depositFunds: Panic(0x11) when the credit would exceed 2^256 - 1",
        run: () => {
          const w = newWorld();
          V.depositFunds(s(w), at(SELLER, T0), 10n);
          expectRevert(w, () => V.depositFunds(s(w), at(SELLER, T0), MAX_UINT256 - 9n), "Panic", 0x11n);
        },
      },
      {
        name: "withdrawFunds: ZeroAmount, then InsufficientFunds(entity, available, requested) at available + 1",
        run: () => {
          const w = newWorld();
          V.depositFunds(s(w), at(SELLER, T0), 10n);
          expectRevert(w, () => V.withdrawFunds(s(w), at(SELLER, T0), 0n), "VoucherEscrowZeroAmount");
          expectRevert(
            w,
            () => V.withdrawFunds(s(w), at(SELLER, T0), 11n),
            "VoucherEscrowInsufficientFunds",
            SELLER,
            10n,
            11n,
          );
          V.withdrawFunds(s(w), at(SELLER, T0), 10n);
          expect(V.availableFunds(s(w), SELLER)).to.equal(0n);
          expectInvariant(w);
        },
      },
      {
        name: "createOffer: checks seller, quantity, penalty, periods, resolver in that order",
        run: () => {
          const w = newWorld();
          const bad = offerParams(TYPICAL, {
            quantity: 0n,
            buyerCancelPenalty: 1_001n,
            disputePeriodSeconds: 0n,
            disputeResolver: ZERO_ADDRESS,
          });
          expectRevert(w, () => V.createOffer(s(w), at(OTHER, T0), bad), "VoucherEscrowNotSeller", OTHER);
          V.registerSeller(s(w), at(SELLER, T0), AGG);
          expectRevert(w, () => V.createOffer(s(w), at(SELLER, T0), bad), "VoucherEscrowZeroQuantity");
          expectRevert(
            w,
            () => V.createOffer(s(w), at(SELLER, T0), { ...bad, quantity: 1n }),
            "VoucherEscrowPenaltyAbovePrice",
            1_001n,
            1_000n,
          );
          for (const period of [
            "voucherValiditySeconds",
            "disputePeriodSeconds",
            "resolutionPeriodSeconds",
            "escalationResponsePeriodSeconds",
          ] as const) {
            expectRevert(
              w,
              () =>
                V.createOffer(s(w), at(SELLER, T0), {
                  ...offerParams(TYPICAL, { disputeResolver: ZERO_ADDRESS }),
                  [period]: 0n,
                }),
              "VoucherEscrowZeroPeriod",
            );
          }
          expectRevert(
            w,
            () => V.createOffer(s(w), at(SELLER, T0), offerParams(TYPICAL, { disputeResolver: ZERO_ADDRESS })),
            "VoucherEscrowInvalidAddress",
          );
        },
      },
      {
        name: "commitToOffer: NoSuchOffer for 0 and count + 1, SoldOut, InsufficientDeposit at required - 1",
        run: () => {
          const w = newWorld();
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), 0n), "VoucherEscrowNoSuchOffer", 0n);
          const offerId = listOffer(w, TYPICAL, { quantity: 1n });
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), 2n), "VoucherEscrowNoSuchOffer", 2n);
          V.withdrawFunds(s(w), at(SELLER, T0), 1n);
          expectRevert(
            w,
            () => V.commitToOffer(s(w), at(BUYER, T0), offerId),
            "VoucherEscrowInsufficientDeposit",
            SELLER,
            299n,
            300n,
          );
          V.depositFunds(s(w), at(SELLER, T0), 1n);
          V.commitToOffer(s(w), at(BUYER, T0), offerId);
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), offerId), "VoucherEscrowSoldOut", offerId);
        },
      },
      {
        name: "commitToOffer: the buyer's ERC20 errors surface after the escrow's checks",
        run: () => {
          const w = newWorld();
          const offerId = listOffer(w, TYPICAL);
          expectRevert(
            w,
            () => V.commitToOffer(s(w), at(GOV, T0), offerId),
            "ERC20InsufficientAllowance",
            ESCROW,
            0n,
            1_000n,
          );
          erc20.approve(w.token, GOV, ESCROW, MAX_UINT256);
          expectRevert(
            w,
            () => V.commitToOffer(s(w), at(GOV, T0), offerId),
            "ERC20InsufficientBalance",
            GOV,
            0n,
            1_000n,
          );
        },
      },
      {
        name: "commitToOffer: Panic(0x11) when D + drFee, now + validity or the encumbrance overflows",
        run: () => {
          const w = newWorld();
          V.registerSeller(s(w), at(SELLER, T0), AGG);
          const overDeposit = V.createOffer(s(w), at(SELLER, T0), {
            ...offerParams(TYPICAL),
            sellerDeposit: MAX_UINT256,
            disputeResolverFee: 1n,
          });
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), overDeposit), "Panic", 0x11n);
          const overValidity = V.createOffer(s(w), at(SELLER, T0), {
            ...offerParams({ ...TYPICAL, sellerDeposit: 0n, disputeResolverFee: 0n }),
            voucherValiditySeconds: MAX_UINT256,
          });
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), overValidity), "Panic", 0x11n);
          const overPrice = V.createOffer(s(w), at(SELLER, T0), {
            ...offerParams({ price: MAX_UINT256, sellerDeposit: 0n, buyerCancelPenalty: 0n, disputeResolverFee: 0n }),
          });
          V.depositFunds(s(w), at(SELLER, T0), 300n);
          V.commitToOffer(s(w), at(BUYER, T0), V.createOffer(s(w), at(SELLER, T0), offerParams(TYPICAL)));
          expectRevert(w, () => V.commitToOffer(s(w), at(BUYER, T0), overPrice), "Panic", 0x11n);
        },
      },
      {
        name: "cancel/revoke/redeem: NoSuchExchange, then InvalidState, then the caller",
        run: () => {
          const { w, id } = inState("Committed");
          expectRevert(w, () => V.cancelVoucher(s(w), at(BUYER, T0), 0n), "VoucherEscrowNoSuchExchange", 0n);
          expectRevert(w, () => V.cancelVoucher(s(w), at(BUYER, T0), 2n), "VoucherEscrowNoSuchExchange", 2n);
          expectRevert(w, () => V.cancelVoucher(s(w), at(OTHER, T0), id), "VoucherEscrowNotBuyer", id, OTHER);
          expectRevert(w, () => V.revokeVoucher(s(w), at(BUYER, T0), id), "VoucherEscrowNotOfferSeller", id, BUYER);
          expectRevert(w, () => V.redeemVoucher(s(w), at(SELLER, T0), id), "VoucherEscrowNotBuyer", id, SELLER);
          V.cancelVoucher(s(w), at(BUYER, T0), id);
          for (const fn of [V.cancelVoucher, V.revokeVoucher, V.redeemVoucher, V.expireVoucher]) {
            expectRevert(w, () => fn(s(w), at(OTHER, T0 + 500n), id), "VoucherEscrowInvalidState", id, S.Canceled);
          }
        },
      },
      {
        name: "complete/raise: InvalidState from Committed; raiseDispute NotBuyer",
        run: () => {
          const { w, id } = inState("Committed");
          expectRevert(
            w,
            () => V.completeExchange(s(w), at(BUYER, T0), id),
            "VoucherEscrowInvalidState",
            id,
            S.Committed,
          );
          expectRevert(w, () => V.raiseDispute(s(w), at(BUYER, T0), id), "VoucherEscrowInvalidState", id, S.Committed);
          V.redeemVoucher(s(w), ev(BUYER, 1n), id);
          expectRevert(w, () => V.raiseDispute(s(w), ev(SELLER, 2n), id), "VoucherEscrowNotBuyer", id, SELLER);
        },
      },
      {
        name: "dispute calls: InvalidState when not Disputed, InvalidDisputeState when in the wrong dispute state",
        run: () => {
          const redeemed = inState("Redeemed");
          for (const fn of [
            V.retractDispute,
            V.expireDispute,
            V.acceptResolution,
            V.escalateDispute,
            V.refuseEscalatedDispute,
            V.expireEscalatedDispute,
          ]) {
            expectRevert(
              redeemed.w,
              () => fn(s(redeemed.w), ev(BUYER, 2n), redeemed.id),
              "VoucherEscrowInvalidState",
              redeemed.id,
              S.Redeemed,
            );
          }
          const resolving = inState("Resolving");
          for (const fn of [V.refuseEscalatedDispute, V.expireEscalatedDispute]) {
            expectRevert(
              resolving.w,
              () => fn(s(resolving.w), ev(RES, 3n), resolving.id),
              "VoucherEscrowInvalidDisputeState",
              resolving.id,
              D.Resolving,
            );
          }
          expectRevert(
            resolving.w,
            () => V.decideDispute(s(resolving.w), ev(RES, 3n), resolving.id, 1n),
            "VoucherEscrowInvalidDisputeState",
            resolving.id,
            D.Resolving,
          );
          const escalated = inState("Escalated");
          for (const fn of [V.escalateDispute, V.expireDispute]) {
            expectRevert(
              escalated.w,
              () => fn(s(escalated.w), ev(BUYER, 4n), escalated.id),
              "VoucherEscrowInvalidDisputeState",
              escalated.id,
              D.Escalated,
            );
          }
          V.retractDispute(s(escalated.w), ev(BUYER, 4n), escalated.id);
          expectRevert(
            escalated.w,
            () => V.proposeResolution(s(escalated.w), ev(BUYER, 5n), escalated.id, 1n),
            "VoucherEscrowInvalidDisputeState",
            escalated.id,
            D.Retracted,
          );
        },
      },
      {
        name: "dispute calls: NotBuyer, NotParty, NotResolver, InvalidBps, NoProposal",
        run: () => {
          const { w, id } = inState("Resolving");
          expectRevert(w, () => V.retractDispute(s(w), ev(SELLER, 3n), id), "VoucherEscrowNotBuyer", id, SELLER);
          expectRevert(w, () => V.escalateDispute(s(w), ev(RES, 3n), id), "VoucherEscrowNotBuyer", id, RES);
          expectRevert(w, () => V.proposeResolution(s(w), ev(RES, 3n), id, 1n), "VoucherEscrowNotParty", id, RES);
          expectRevert(w, () => V.acceptResolution(s(w), ev(OTHER, 3n), id), "VoucherEscrowNotParty", id, OTHER);
          expectRevert(
            w,
            () => V.proposeResolution(s(w), ev(BUYER, 3n), id, 10_001n),
            "VoucherEscrowInvalidBps",
            10_001n,
          );
          V.proposeResolution(s(w), ev(BUYER, 3n), id, 10_000n);
          // The buyer's own proposal is not one the buyer can accept.
          expectRevert(w, () => V.acceptResolution(s(w), ev(BUYER, 4n), id), "VoucherEscrowNoProposal", id);
          V.escalateDispute(s(w), ev(BUYER, 4n), id);
          expectRevert(w, () => V.decideDispute(s(w), ev(SELLER, 5n), id, 1n), "VoucherEscrowNotResolver", id, SELLER);
          expectRevert(
            w,
            () => V.refuseEscalatedDispute(s(w), ev(BUYER, 5n), id),
            "VoucherEscrowNotResolver",
            id,
            BUYER,
          );
          expectRevert(w, () => V.decideDispute(s(w), ev(RES, 5n), id, 10_001n), "VoucherEscrowInvalidBps", 10_001n);
          // The buyer's standing proposal survives the escalation; the seller accepts it.
          V.acceptResolution(s(w), ev(SELLER, 6n), id);
          expect(V.getExchange(s(w), id).disputeState).to.equal(D.Resolved);
        },
      },
      {
        name: "vouchers: setApprovalForAll / safeTransferFrom revert as OpenZeppelin ERC1155 plus NonTransferable",
        run: () => {
          const { w } = inState("Committed");
          expectRevert(
            w,
            () => V.setApprovalForAll(s(w), at(BUYER, T0), ZERO_ADDRESS, true),
            "ERC1155InvalidOperator",
            ZERO_ADDRESS,
          );
          expectRevert(
            w,
            () => V.safeTransferFrom(s(w), at(OTHER, T0), BUYER, OTHER, 1n, 1n),
            "ERC1155MissingApprovalForAll",
            OTHER,
            BUYER,
          );
          expectRevert(
            w,
            () => V.safeTransferFrom(s(w), at(BUYER, T0), BUYER, ZERO_ADDRESS, 1n, 1n),
            "ERC1155InvalidReceiver",
            ZERO_ADDRESS,
          );
          expectRevert(
            w,
            () => V.safeTransferFrom(s(w), at(BUYER, T0), BUYER, OTHER, 1n, 1n),
            "VoucherEscrowNonTransferable",
          );
          V.setApprovalForAll(s(w), at(BUYER, T0), OTHER, true);
          expectRevert(
            w,
            () => V.safeTransferFrom(s(w), at(OTHER, T0), BUYER, OTHER, 1n, 1n),
            "VoucherEscrowNonTransferable",
          );
          expect(V.balanceOf(s(w), BUYER, 1n)).to.equal(1n);
        },
      },
      {
        name: "completeExchange: a throwing points sink reverts the completion and leaves the state untouched",
        run: () => {
          const { w, id } = inState("Redeemed");
          s(w).accruePoints = () => {
            throw new ModelRevert("RewardsSinkRejected", []);
          };
          expectRevert(w, () => V.completeExchange(s(w), ev(BUYER, 2n), id), "RewardsSinkRejected");
        },
      },
    ];
    for (const c of cases) it(`model/vouchers: ${c.name}`, c.run);
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Time boundaries
  // ---------------------------------------------------------------------------------------------------------------

  describe("time boundaries (one second either side)", () => {
    // Offer: validity 100, dispute period 50, resolution 30, escalation 20. Commit at T0, redeem at T0 + 1,
    // raise at T0 + 2 (timeout T0 + 32), escalate at T0 + 3 (timeout T0 + 23).
    interface Boundary {
      readonly name: string;
      readonly setup: "Committed" | "Redeemed" | "Resolving" | "Escalated";
      readonly sender: Address;
      readonly call: (s: V.VoucherState, env: Env, id: bigint) => void;
      /** Last failing and first succeeding time (or the reverse for deadlines), as offsets from T0. */
      readonly ok: bigint;
      readonly fail: bigint;
      readonly error: string;
      /** The error's time argument (earliest / latest), as an offset from T0. */
      readonly bound: bigint;
    }
    const rows: Boundary[] = [
      {
        name: "expireVoucher at validUntil",
        setup: "Committed",
        sender: OTHER,
        call: V.expireVoucher,
        ok: 100n,
        fail: 99n,
        error: "VoucherEscrowTooEarly",
        bound: 100n,
      },
      {
        name: "redeemVoucher at validUntil",
        setup: "Committed",
        sender: BUYER,
        call: V.redeemVoucher,
        ok: 100n,
        fail: 101n,
        error: "VoucherEscrowTooLate",
        bound: 100n,
      },
      {
        name: "completeExchange by another at redeemedAt + disputePeriod",
        setup: "Redeemed",
        sender: OTHER,
        call: V.completeExchange,
        ok: 51n,
        fail: 50n,
        error: "VoucherEscrowTooEarly",
        bound: 51n,
      },
      {
        name: "raiseDispute before redeemedAt + disputePeriod",
        setup: "Redeemed",
        sender: BUYER,
        call: V.raiseDispute,
        ok: 50n,
        fail: 51n,
        error: "VoucherEscrowTooLate",
        bound: 50n,
      },
      {
        name: "expireDispute after the resolution timeout",
        setup: "Resolving",
        sender: OTHER,
        call: V.expireDispute,
        ok: 33n,
        fail: 32n,
        error: "VoucherEscrowTooEarly",
        bound: 33n,
      },
      {
        name: "escalateDispute until the resolution timeout",
        setup: "Resolving",
        sender: BUYER,
        call: V.escalateDispute,
        ok: 32n,
        fail: 33n,
        error: "VoucherEscrowTooLate",
        bound: 32n,
      },
      {
        name: "proposeResolution until the resolution timeout",
        setup: "Resolving",
        sender: SELLER,
        call: (s, e, id) => V.proposeResolution(s, e, id, 5_000n),
        ok: 32n,
        fail: 33n,
        error: "VoucherEscrowTooLate",
        bound: 32n,
      },
      {
        name: "proposeResolution until the escalation timeout",
        setup: "Escalated",
        sender: BUYER,
        call: (s, e, id) => V.proposeResolution(s, e, id, 5_000n),
        ok: 23n,
        fail: 24n,
        error: "VoucherEscrowTooLate",
        bound: 23n,
      },
      {
        name: "decideDispute until the escalation timeout",
        setup: "Escalated",
        sender: RES,
        call: (s, e, id) => V.decideDispute(s, e, id, 5_000n),
        ok: 23n,
        fail: 24n,
        error: "VoucherEscrowTooLate",
        bound: 23n,
      },
      {
        name: "refuseEscalatedDispute until the escalation timeout",
        setup: "Escalated",
        sender: RES,
        call: V.refuseEscalatedDispute,
        ok: 23n,
        fail: 24n,
        error: "VoucherEscrowTooLate",
        bound: 23n,
      },
      {
        name: "expireEscalatedDispute after the escalation timeout",
        setup: "Escalated",
        sender: OTHER,
        call: V.expireEscalatedDispute,
        ok: 24n,
        fail: 23n,
        error: "VoucherEscrowTooEarly",
        bound: 24n,
      },
    ];
    const setup = (state: Boundary["setup"]): { w: TestWorld; id: bigint } => {
      const w = newWorld();
      const id = committed(w);
      if (state !== "Committed") V.redeemVoucher(w.vouchers, ev(BUYER, 1n), id);
      if (state === "Resolving" || state === "Escalated") V.raiseDispute(w.vouchers, ev(BUYER, 2n), id);
      if (state === "Escalated") V.escalateDispute(w.vouchers, ev(BUYER, 3n), id);
      return { w, id };
    };
    for (const row of rows) {
      it(`model/vouchers: ${row.name}: reverts at T0+${row.fail}, succeeds at T0+${row.ok}`, () => {
        const { w, id } = setup(row.setup);
        expectRevert(
          w,
          () => row.call(w.vouchers, ev(row.sender, row.fail), id),
          row.error,
          id,
          T0 + row.fail,
          T0 + row.bound,
        );
        row.call(w.vouchers, ev(row.sender, row.ok), id);
        expectInvariant(w);
      });
    }

    it("model/vouchers: completeExchange by the buyer succeeds at once (no dispute-period wait)", () => {
      const { w, id } = setup("Redeemed");
      V.completeExchange(w.vouchers, ev(BUYER, 1n), id);
      expect(V.getExchange(w.vouchers, id).state).to.equal(S.Completed);
    });

    it("model/vouchers: Panic(0x11) where a deadline computed from a 2^256 - 1 period overflows", () => {
      const w = newWorld();
      const id = committed(w, TYPICAL, { disputePeriodSeconds: MAX_UINT256, resolutionPeriodSeconds: MAX_UINT256 });
      V.redeemVoucher(w.vouchers, ev(BUYER, 1n), id);
      // redeemedAt + disputePeriod overflows in the TooEarly argument; now + resolutionPeriod in raiseDispute.
      expectRevert(w, () => V.completeExchange(w.vouchers, ev(OTHER, 2n), id), "Panic", 0x11n);
      expectRevert(w, () => V.raiseDispute(w.vouchers, ev(BUYER, 2n), id), "Panic", 0x11n);
      V.completeExchange(w.vouchers, ev(BUYER, 2n), id);
    });
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Counters
  // ---------------------------------------------------------------------------------------------------------------

  it("model/vouchers: counts every exchange in exactly one state and one dispute state", () => {
    const w = newWorld();
    const offerId = listOffer(w, TYPICAL, { quantity: 3n }, 3n);
    const ids = [0, 1, 2].map(() => V.commitToOffer(w.vouchers, at(BUYER, T0), offerId));
    const [a, b, c] = ids as [bigint, bigint, bigint];
    V.redeemVoucher(w.vouchers, ev(BUYER, 1n), a);
    V.raiseDispute(w.vouchers, ev(BUYER, 2n), a);
    V.escalateDispute(w.vouchers, ev(BUYER, 3n), a);
    V.redeemVoucher(w.vouchers, ev(BUYER, 1n), b);
    const vars = V.voucherVariables(w.vouchers);
    expect(vars).to.deep.include({
      exchangeCount: 3n,
      offerCount: 1n,
      "exchangeCountByState.None": 0n,
      "exchangeCountByState.Committed": 1n,
      "exchangeCountByState.Redeemed": 1n,
      "exchangeCountByState.Disputed": 1n,
      "disputeCountByState.None": 2n,
      "disputeCountByState.Escalated": 1n,
      totalEncumbered: 3n * 1_300n + 10n,
      totalAvailable: 0n,
      // Two vouchers burned at their redeems, one held.
      vouchersOutstanding: 1n,
    });
    expect(V.balanceOf(w.vouchers, BUYER, offerId)).to.equal(1n);
    V.cancelVoucher(w.vouchers, ev(BUYER, 4n), c);
    V.decideDispute(w.vouchers, ev(RES, 4n), a, 5_000n);
    const after = V.voucherVariables(w.vouchers);
    expect(after["exchangeCountByState.Canceled"]).to.equal(1n);
    expect(after["exchangeCountByState.Disputed"]).to.equal(1n);
    expect(after["disputeCountByState.Decided"]).to.equal(1n);
    expect(after["disputeCountByState.Escalated"]).to.equal(0n);
    expect(after["vouchersOutstanding"]).to.equal(0n);
    // Eight globals (the voucher supply the eighth), then one count per exchange state and per dispute state.
    expect(Object.keys(after)).to.have.length(8 + 7 + 7);
    expectInvariant(w);
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Reproducibility and the differential test against the contract
  // ---------------------------------------------------------------------------------------------------------------

  describe("differential against VoucherEscrow", () => {
    const SEEDS = [1, 2, 3, 4, 5];
    const STEPS = 200;
    const successes = new Map<string, number>();
    const reverts = new Map<string, number>();

    it("model/vouchers: the same seed yields the same action sequence and outcomes", async () => {
      const sys = await loadFixture(deployVoucherSystem);
      const actors = await actorsOf(sys);
      const trace = async (): Promise<string> =>
        stringify(
          (await runModelOnly(await modelOf(sys), actors, 7, STEPS, 1_000n)).map((t) => [
            t.timed,
            describeOutcome(t.outcome),
          ]),
        );
      expect(await trace()).to.equal(await trace());
    });

    for (const seed of SEEDS) {
      it(`model/vouchers: matches VoucherEscrow action by action (outcome, error, the escrow's events, counters, every entity's funds) when seed is ${seed}`, async () => {
        const sys = await loadFixture(deployVoucherSystem);
        const result = await runDifferential(sys, await modelOf(sys), { seed, steps: STEPS });
        if (result.divergence !== undefined) expect.fail(describeDivergence(result.divergence));
        expect(result.stepsRun).to.equal(STEPS);
        for (const [k, n] of result.successes) successes.set(k, (successes.get(k) ?? 0) + n);
        for (const [k, n] of result.reverts) reverts.set(k, (reverts.get(k) ?? 0) + n);
      });
    }

    it("model/vouchers: the differential seeds exercised every transition and the main errors", () => {
      const transitions = [
        "registerSeller",
        "depositFunds",
        "withdrawFunds",
        "createOffer",
        "commitToOffer",
        "cancelVoucher",
        "revokeVoucher",
        "expireVoucher",
        "redeemVoucher",
        "completeExchange",
        "raiseDispute",
        "retractDispute",
        "expireDispute",
        "proposeResolution",
        "acceptResolution",
        "escalateDispute",
        "decideDispute",
        "refuseEscalatedDispute",
        "expireEscalatedDispute",
        "setFeeBps",
        "setEcoBps",
      ];
      expect(
        transitions.filter((k) => (successes.get(k) ?? 0) === 0),
        "transitions never taken",
      ).to.deep.equal([]);
      const errors = [
        "VoucherEscrowInvalidState",
        "VoucherEscrowInvalidDisputeState",
        "VoucherEscrowNotBuyer",
        "VoucherEscrowTooEarly",
        "VoucherEscrowTooLate",
        "VoucherEscrowSoldOut",
        "VoucherEscrowNoSuchOffer",
        "VoucherEscrowNoSuchExchange",
        "VoucherEscrowInsufficientFunds",
        "VoucherEscrowInsufficientDeposit",
        "VoucherEscrowNoProposal",
        "VoucherEscrowNonTransferable",
        "ERC20InsufficientAllowance",
        "ERC20InsufficientBalance",
      ];
      expect(
        errors.filter((k) => (reverts.get(k) ?? 0) === 0),
        "errors never raised",
      ).to.deep.equal([]);
    });

    it("model/vouchers: the differential catches a perturbed mirror at the first step it matters", async () => {
      // A plausible bug: expireVoucher requiring now > validUntil instead of now >= validUntil.
      const offByOne: ModelFns = {
        ...defaultModelFns,
        expireVoucher: (s, env, exchangeId) => {
          const ex = s.exchanges.get(exchangeId);
          if (ex !== undefined && ex.state === S.Committed && env.now === ex.validUntil) {
            throw new ModelRevert("VoucherEscrowTooEarly", [exchangeId, env.now, ex.validUntil + 1n]);
          }
          V.expireVoucher(s, env, exchangeId);
        },
      };
      const sys = await loadFixture(deployVoucherSystem);
      const actors = await actorsOf(sys);
      // Where the bug first matters: the unperturbed model's first expiry exactly at validUntil, in the first
      // seed (a deterministic search) whose 300 steps contain one.
      let seed = 0;
      let expected = -1;
      while (expected < 0 && seed < 50) {
        seed++;
        const trace = await runModelOnly(await modelOf(sys), actors, seed, 300, 1_000n);
        expected = trace.findIndex(
          (t) =>
            t.timed.action.kind === "expireVoucher" &&
            t.exchangeBefore?.state === S.Committed &&
            t.timed.now === t.exchangeBefore.validUntil,
        );
      }
      expect(expected, "no seed in 1..50 expires a voucher exactly at validUntil").to.be.greaterThan(0);
      const result = await runDifferential(sys, await modelOf(sys), { seed, steps: expected + 1, modelFns: offByOne });
      expect(result.divergence?.step).to.equal(expected);
      expect(result.divergence?.variable).to.equal("outcome");
      expect(result.divergence?.model).to.match(/^VoucherEscrowTooEarly/);
      expect(result.divergence?.chain).to.equal("ok");
    });

    it("model/vouchers: the differential catches a mirror that forgets an event (EscalatedDisputeRefused) at the refusal", async () => {
      // The mutant that deletes `emit EscalatedDisputeRefused(exchangeId)`, on the model's side.
      const silent: ModelFns = {
        ...defaultModelFns,
        refuseEscalatedDispute: (s, env, exchangeId) =>
          V.refuseEscalatedDispute(
            s,
            {
              ...env,
              emit: (emitter, name, ...args) => {
                if (name !== "EscalatedDisputeRefused") env.emit?.(emitter, name, ...args);
              },
            },
            exchangeId,
          ),
      };
      const sys = await loadFixture(deployVoucherSystem);
      const actors = await actorsOf(sys);
      let seed = 0;
      let expected = -1;
      while (expected < 0 && seed < 50) {
        seed++;
        const trace = await runModelOnly(await modelOf(sys), actors, seed, 300, 1_000n);
        expected = trace.findIndex((t) => t.timed.action.kind === "refuseEscalatedDispute" && t.outcome.ok);
      }
      expect(expected, "no seed in 1..50 refuses an escalated dispute").to.be.greaterThan(0);
      const result = await runDifferential(sys, await modelOf(sys), { seed, steps: expected + 1, modelFns: silent });
      expect(result.divergence?.step).to.equal(expected);
      expect(result.divergence?.variable).to.equal("events");
      const id = String((result.divergence!.action as { exchangeId: bigint }).exchangeId);
      expect(result.divergence?.chain).to.match(
        new RegExp(`^EscalatedDisputeRefused\\(${id}\\); FundsReleased\\(${id}, `),
      );
      expect(result.divergence?.model).to.match(new RegExp(`^FundsReleased\\(${id}, `));
    });
  });
});
