/**
 * Spec conformance: the contracts and the model against design.md itself. Every expected value below is a literal
 * worked out by hand from design.md's formulas, with the arithmetic beside it; neither side's output is ever used
 * as an expectation, and the two sides are never compared with each other. Parity (the differential tests) cannot
 * see a misreading of the spec that the contract and the model share; this suite can.
 *
 * The system of every test (test/spec/system.ts): feeBps 250 (max 1,000), ecoBps 3,000, aggregatorPointsBps 3,333;
 * rewards epochs of 30 days from t0; by default a linear emission of 1,000,000 reward wei over 3 epochs after a
 * cliff of 1. Offer terms (TERMS): price p = 1,000, seller deposit D = 200, buyer cancel penalty pen = 50,
 * resolver fee drFee = 100, validity 10 days, dispute period 7 days, resolution period 3 days, escalation response
 * period 4 days. So the protocol fee f = floor(1000 * 250 / 10000) = 25, the escalation deposit
 * E = floor(100 * 1000 / 10000) = 10, the ecosystem part of f is floor(25 * 3000 / 10000) = 7 and the rewards pool's
 * 25 - 7 = 18; a completion earns the seller 1,000 points and its aggregator floor(1000 * 3333 / 10000) = 333.
 */
import { expect } from "chai";

import type { Outcome } from "../helpers/outcome.js";
import { DAY, EPOCH, HALVING, SIDES, deploy, unitOf, type Args, type Holder, type Role, type Side } from "./system.js";

const TERMS = {
  price: 1_000n,
  sellerDeposit: 200n,
  buyerCancelPenalty: 50n,
  quantity: 5n,
  voucherValiditySeconds: 10n * DAY,
  disputePeriodSeconds: 7n * DAY,
  resolutionPeriodSeconds: 3n * DAY,
  escalationResponsePeriodSeconds: 4n * DAY,
  disputeResolverFee: 100n,
} as const;
const VALIDITY = TERMS.voucherValiditySeconds;
const DISPUTE_PERIOD = TERMS.disputePeriodSeconds;
const RESOLUTION = TERMS.resolutionPeriodSeconds;
const ESCALATION = TERMS.escalationResponsePeriodSeconds;

const OK: Outcome = { ok: true };
const fails = (error: string, ...args: (bigint | string)[]): Outcome => ({
  ok: false,
  error,
  args: args.map((a) => (typeof a === "string" ? a.toLowerCase() : String(a))),
});

/** Runs `who`'s Action and expects its outcome. */
async function act(side: Side, who: Role, kind: string, args: Args, now: bigint, outcome: Outcome = OK): Promise<void> {
  const got = await side.act(who, kind, args, now);
  expect(
    got,
    `${kind} by ${who} at t0 ${now >= side.t0 ? "+" : "-"} ${now >= side.t0 ? now - side.t0 : side.t0 - now}s`,
  ).to.deep.equal(outcome);
}

/**
 * Funds and lists, 30 days before t0: sellers A and B (aggregators A and B) each deposit three vouchers' D + drFee
 * and list an offer of TERMS (offers 1 and 2); buyers hold tokens and approve the escrow. `feeBps` is 250.
 */
async function setUp(side: Side): Promise<void> {
  const at = side.t0 - 30n * DAY;
  for (const who of ["sellerA", "sellerB", "buyer", "buyer2", "stranger"] as const) {
    await act(side, "deployer", "mint", { to: side.address(who), amount: 1_000_000n }, at);
    await act(side, who, "approve", { token: "exchange", spender: side.escrow, amount: 1_000_000n }, at);
  }
  await act(side, "sellerA", "registerSeller", { aggregator: side.address("aggregatorA") }, at);
  await act(side, "sellerB", "registerSeller", { aggregator: side.address("aggregatorB") }, at);
  for (const seller of ["sellerA", "sellerB"] as const) {
    await act(side, seller, "depositFunds", { amount: 3n * (TERMS.sellerDeposit + TERMS.disputeResolverFee) }, at);
    await act(side, seller, "createOffer", offerArgs(side), at);
  }
}

/** TERMS, or TERMS at another price without a cancel penalty (which may not exceed the price). */
function offerArgs(side: Side, price: bigint = TERMS.price): Args {
  return {
    ...TERMS,
    price,
    buyerCancelPenalty: price === TERMS.price ? TERMS.buyerCancelPenalty : 0n,
    disputeResolver: side.address("resolver"),
  };
}

/** `buyer` commits to `offerId` at `at` and redeems at `at + 1 day`. */
async function commitAndRedeem(
  side: Side,
  buyer: Role,
  offerId: bigint,
  exchangeId: bigint,
  at: bigint,
): Promise<void> {
  await act(side, buyer, "commitToOffer", { offerId }, at);
  await act(side, buyer, "redeemVoucher", { exchangeId }, at + DAY);
}

/** A full completion: commit at `at`, redeem a day later, the buyer completes two days after. */
async function complete(side: Side, buyer: Role, offerId: bigint, exchangeId: bigint, at: bigint): Promise<void> {
  await commitAndRedeem(side, buyer, offerId, exchangeId, at);
  await act(side, buyer, "completeExchange", { exchangeId }, at + 2n * DAY);
}

async function funds(side: Side, who: Holder): Promise<bigint> {
  return side.view("escrow", "availableFunds", who);
}

async function rewardsOf(side: Side, who: Holder): Promise<{ fees: bigint; rewards: bigint }> {
  return {
    fees: await side.view("rewards", "claimableFees", who),
    rewards: await side.view("rewards", "claimableRewards", who),
  };
}

// ------------------------------------------------------------------------------------------------- payoffs

interface Payoff {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  readonly ecosystem: bigint;
  readonly rewardsPool: bigint;
}
type Drive = (side: Side, t: bigint) => Promise<void>;

/** The exchange (id 1, offer 1 of seller A, bought by `buyer`) is Redeemed at t + 1 day before `drive` runs at t + 2 days. */
const redeemed =
  (drive: Drive): Drive =>
  async (side, t) => {
    await commitAndRedeem(side, "buyer", 1n, 1n, t);
    await drive(side, t + 2n * DAY);
  };
const disputed = (drive: Drive): Drive =>
  redeemed(async (side, t) => {
    await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, t);
    await drive(side, t + DAY);
  });
const escalated = (drive: Drive): Drive =>
  disputed(async (side, t) => {
    await act(side, "buyer", "escalateDispute", { exchangeId: 1n }, t);
    await drive(side, t + DAY);
  });

// design.md's payoff table, with the resolver's fee drFee = 100 (reserved from the seller at commit) added where it
// goes: to the resolver when an escalated dispute ends Retracted, Resolved or Decided, back to the seller otherwise.
// The rewards pool's credit is the protocol column's rewards part, f - floor(f * 3000 / 10000) = 25 - 7 = 18.
const PAYOFFS: ReadonlyArray<readonly [string, Drive, Payoff]> = [
  [
    // seller p + D - f = 1000 + 200 - 25 = 1175, + drFee 100 back = 1275; protocol f = 25: 7 + 18.
    "Completed",
    redeemed((side, t) => act(side, "buyer", "completeExchange", { exchangeId: 1n }, t)),
    { seller: 1_275n, buyer: 0n, resolver: 0n, ecosystem: 7n, rewardsPool: 18n },
  ],
  [
    // seller 0, + drFee 100 back; buyer p + D = 1200.
    "Revoked",
    async (side, t) => {
      await act(side, "buyer", "commitToOffer", { offerId: 1n }, t);
      await act(side, "sellerA", "revokeVoucher", { exchangeId: 1n }, t + DAY);
    },
    { seller: 100n, buyer: 1_200n, resolver: 0n, ecosystem: 0n, rewardsPool: 0n },
  ],
  [
    // seller D + pen = 250, + drFee 100 back = 350; buyer p - pen = 950.
    "Canceled",
    async (side, t) => {
      await act(side, "buyer", "commitToOffer", { offerId: 1n }, t);
      await act(side, "buyer", "cancelVoucher", { exchangeId: 1n }, t + DAY);
    },
    { seller: 350n, buyer: 950n, resolver: 0n, ecosystem: 0n, rewardsPool: 0n },
  ],
  [
    // Expired (anyone, once now >= validUntil): as Canceled.
    "expired",
    async (side, t) => {
      await act(side, "buyer", "commitToOffer", { offerId: 1n }, t);
      await act(side, "stranger", "expireVoucher", { exchangeId: 1n }, t + VALIDITY);
    },
    { seller: 350n, buyer: 950n, resolver: 0n, ecosystem: 0n, rewardsPool: 0n },
  ],
  [
    // Not escalated, E = 0: seller p + D - f + 0 = 1175, + drFee 100 back = 1275; protocol 25 = 7 + 18.
    "Retracted",
    disputed((side, t) => act(side, "buyer", "retractDispute", { exchangeId: 1n }, t)),
    { seller: 1_275n, buyer: 0n, resolver: 0n, ecosystem: 7n, rewardsPool: 18n },
  ],
  [
    // Escalated, E = 10: seller p + D - f + E = 1185; drFee 100 to the resolver; protocol 25 = 7 + 18.
    "Retracted after escalation",
    escalated((side, t) => act(side, "buyer", "retractDispute", { exchangeId: 1n }, t)),
    { seller: 1_185n, buyer: 0n, resolver: 100n, ecosystem: 7n, rewardsPool: 18n },
  ],
  [
    // Refused: seller D = 200, + drFee 100 back = 300; buyer p + E = 1010.
    "Refused",
    escalated((side, t) => act(side, "resolver", "refuseEscalatedDispute", { exchangeId: 1n }, t)),
    { seller: 300n, buyer: 1_010n, resolver: 0n, ecosystem: 0n, rewardsPool: 0n },
  ],
  [
    // Resolved at bp = 3333, not escalated (E = 0): buyer floor(200 * 3333 / 1e4) + floor(1000 * 3333 / 1e4)
    // = 66 + 333 = 399; seller (200 - 66) + (1000 - 333) = 801, + drFee 100 back = 901.
    "Resolved at 3333 bps",
    disputed(async (side, t) => {
      await act(side, "sellerA", "proposeResolution", { exchangeId: 1n, buyerPercentBps: 3_333n }, t);
      await act(side, "buyer", "acceptResolution", { exchangeId: 1n }, t + 1n);
    }),
    { seller: 901n, buyer: 399n, resolver: 0n, ecosystem: 0n, rewardsPool: 0n },
  ],
  [
    // Decided at bp = 3333, escalated (E = 10): buyer floor(210 * 3333 / 1e4) + floor(1000 * 3333 / 1e4)
    // = 69 + 333 = 402; seller (210 - 69) + (1000 - 333) = 808; drFee 100 to the resolver.
    "Decided at 3333 bps",
    escalated((side, t) => act(side, "resolver", "decideDispute", { exchangeId: 1n, buyerPercentBps: 3_333n }, t)),
    { seller: 808n, buyer: 402n, resolver: 100n, ecosystem: 0n, rewardsPool: 0n },
  ],
];

async function payoffOf(side: Side): Promise<Payoff> {
  return {
    seller: await funds(side, "sellerA"),
    buyer: await funds(side, "buyer"),
    resolver: await funds(side, "resolver"),
    ecosystem: await funds(side, "ecosystemFund"),
    rewardsPool: await funds(side, "rewards"),
  };
}

// ------------------------------------------------------------------------------------------------- the suite

for (const kind of SIDES) {
  const escrowUnit = unitOf(kind, "VoucherEscrow");
  const rewardsUnit = unitOf(kind, "RewardsDistributor");
  const feesUnit = unitOf(kind, "FeeManager");
  const fresh = async (schedule?: typeof HALVING): Promise<Side> => {
    const side = await deploy(kind, schedule);
    await setUp(side);
    return side;
  };

  describe(`spec conformance (${kind})`, function () {
    this.timeout(120_000);

    describe("payoff table", () => {
      for (const [terminal, drive, payoff] of PAYOFFS) {
        it(`${escrowUnit}: credits design.md's ${terminal} payoff to seller, buyer, resolver, ecosystem fund and rewards pool`, async () => {
          const side = await fresh();
          // The seller's deposit funds are reserved at commit: every available balance starts at 0 here...
          await drive(side, side.t0 + DAY);
          // ...so each is now exactly its payoff (seller A had 3 * 300 deposited and 300 reserved: 600 remain).
          const after = await payoffOf(side);
          expect({ ...after, seller: after.seller - 600n }).to.deep.equal(payoff);
          const fee = payoff.ecosystem + payoff.rewardsPool;
          expect(await side.view("escrow", "protocolFeesCollected")).to.equal(fee);
          expect(await side.view("escrow", "totalEncumbered")).to.equal(0n);
          // The rewards pool's part is booked to the epoch of its collection, epoch 0.
          expect(await side.view("rewards", "epochFees", 0n)).to.equal(payoff.rewardsPool);
        });
      }
    });

    describe("time windows", () => {
      it(`${escrowUnit}: lets anyone expire a voucher at validUntil, not one second before (now >= validUntil)`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, c);
        // validUntil = commit time + 10 days.
        await act(
          side,
          "stranger",
          "expireVoucher",
          { exchangeId: 1n },
          c + VALIDITY - 1n,
          fails("VoucherEscrowTooEarly", 1n, c + VALIDITY - 1n, c + VALIDITY),
        );
        await act(side, "stranger", "expireVoucher", { exchangeId: 1n }, c + VALIDITY);
      });

      it(`${escrowUnit}: lets the buyer redeem at validUntil, not one second after (now <= validUntil)`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, c); // exchange 1: validUntil c + 10 days
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, c + 1n); // exchange 2: validUntil c + 10 days + 1
        await act(side, "buyer", "redeemVoucher", { exchangeId: 1n }, c + VALIDITY);
        await act(
          side,
          "buyer",
          "redeemVoucher",
          { exchangeId: 2n },
          c + VALIDITY + 2n,
          fails("VoucherEscrowTooLate", 2n, c + VALIDITY + 2n, c + VALIDITY + 1n),
        );
      });

      it(`${escrowUnit}: lets anyone complete once now - redeemedAt >= disputePeriod, not one second before`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        await commitAndRedeem(side, "buyer", 1n, 1n, c); // redeemedAt r = c + 1 day
        const r = c + DAY;
        await act(
          side,
          "stranger",
          "completeExchange",
          { exchangeId: 1n },
          r + DISPUTE_PERIOD - 1n,
          fails("VoucherEscrowTooEarly", 1n, r + DISPUTE_PERIOD - 1n, r + DISPUTE_PERIOD),
        );
        await act(side, "stranger", "completeExchange", { exchangeId: 1n }, r + DISPUTE_PERIOD);
      });

      it(`${escrowUnit}: lets the buyer dispute while now - redeemedAt < disputePeriod, not at disputePeriod`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        const r1 = c + DAY;
        const r2 = r1 + 1n;
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, c);
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, c + 1n);
        await act(side, "buyer", "redeemVoucher", { exchangeId: 1n }, r1);
        await act(side, "buyer", "redeemVoucher", { exchangeId: 2n }, r2);
        await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, r1 + DISPUTE_PERIOD - 1n);
        // The last second it could have been disputed: r2 + disputePeriod - 1.
        await act(
          side,
          "buyer",
          "raiseDispute",
          { exchangeId: 2n },
          r2 + DISPUTE_PERIOD,
          fails("VoucherEscrowTooLate", 2n, r2 + DISPUTE_PERIOD, r2 + DISPUTE_PERIOD - 1n),
        );
      });

      it(`${escrowUnit}: lets anyone end a Resolving dispute (Retracted) once now > timeout, not at the timeout`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        await commitAndRedeem(side, "buyer", 1n, 1n, c);
        const raised = c + 2n * DAY;
        await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, raised);
        const timeout = raised + RESOLUTION;
        await act(
          side,
          "stranger",
          "expireDispute",
          { exchangeId: 1n },
          timeout,
          fails("VoucherEscrowTooEarly", 1n, timeout, timeout + 1n),
        );
        await act(side, "stranger", "expireDispute", { exchangeId: 1n }, timeout + 1n);
        // Retracted: the seller's p + D - f + drFee = 1275 on top of the 600 not reserved.
        expect(await funds(side, "sellerA")).to.equal(1_875n);
      });

      it(`${escrowUnit}: lets anyone end an Escalated dispute (Refused) once now > timeout, not at the timeout`, async () => {
        const side = await fresh();
        const c = side.t0 + DAY;
        await commitAndRedeem(side, "buyer", 1n, 1n, c);
        await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, c + 2n * DAY);
        const escalatedAt = c + 3n * DAY;
        await act(side, "buyer", "escalateDispute", { exchangeId: 1n }, escalatedAt);
        const timeout = escalatedAt + ESCALATION;
        await act(
          side,
          "stranger",
          "expireEscalatedDispute",
          { exchangeId: 1n },
          timeout,
          fails("VoucherEscrowTooEarly", 1n, timeout, timeout + 1n),
        );
        await act(side, "stranger", "expireEscalatedDispute", { exchangeId: 1n }, timeout + 1n);
        // Refused: the buyer's p + E = 1010.
        expect(await funds(side, "buyer")).to.equal(1_010n);
      });

      it(`${rewardsUnit}: closes an epoch at its end, not one second before (now >= start + (k + 1) * epoch)`, async () => {
        const side = await fresh();
        const end = side.t0 + EPOCH;
        await act(
          side,
          "stranger",
          "closeEpoch",
          {},
          end - 1n,
          fails("RewardsDistributorEpochNotEnded", 0n, end - 1n, end),
        );
        await act(side, "stranger", "closeEpoch", {}, end);
        expect(await side.view("rewards", "nextEpochToClose")).to.equal(1n);
      });
    });

    describe("fee split", () => {
      // [price, protocolFee = floor(price * 250 / 10000)]
      const fees: ReadonlyArray<readonly [bigint, bigint]> = [
        [39n, 0n], // 0.975
        [40n, 1n], // 1
        [41n, 1n], // 1.025
        [1_000n, 25n],
        [10_000n, 250n],
      ];
      it(`${escrowUnit}: fixes protocolFee = floor(price * feeBps / 10000) in each offer at creation`, async () => {
        const side = await fresh();
        let offerId = 3n; // offers 1 and 2 are the set-up's
        for (const [price] of fees) {
          await act(side, "sellerA", "createOffer", offerArgs(side, price), side.t0);
        }
        for (const [price, fee] of fees) expect(await side.offerFee(offerId++), `price ${price}`).to.equal(fee);
      });

      it(`${feesUnit}: a fee change by governance applies to new offers only, and feeBps may not exceed maxFeeBps`, async () => {
        const side = await fresh();
        const t = side.t0 + DAY;
        await act(
          side,
          "stranger",
          "setFeeBps",
          { bps: 500n },
          t,
          fails("OwnableUnauthorizedAccount", side.address("stranger")),
        );
        await act(side, "deployer", "setFeeBps", { bps: 1_001n }, t, fails("FeeManagerFeeAboveMax", 1_001n, 1_000n));
        await act(side, "deployer", "setFeeBps", { bps: 1_000n }, t);
        await act(side, "deployer", "setFeeBps", { bps: 500n }, t);
        await act(side, "sellerA", "createOffer", offerArgs(side), t); // offer 3: floor(1000 * 500 / 10000) = 50
        expect(await side.offerFee(1n)).to.equal(25n);
        expect(await side.offerFee(3n)).to.equal(50n);
        // Offer 1's exchange still pays its 25 when it completes.
        await complete(side, "buyer", 1n, 1n, t + 1n);
        expect(await side.view("escrow", "protocolFeesCollected")).to.equal(25n);
      });

      // [ecoBps, eco = floor(25 * ecoBps / 10000), rewards = 25 - eco]
      const splits: ReadonlyArray<readonly [bigint, bigint, bigint]> = [
        [3_000n, 7n, 18n], // 7.5 floors to 7
        [0n, 0n, 25n],
        [10_000n, 25n, 0n],
        [4_000n, 10n, 15n],
      ];
      for (const [ecoBps, eco, pool] of splits) {
        it(`${escrowUnit}: splits a fee of 25 into eco = floor(fee * ecoBps / 10000) and rewards = fee - eco when ecoBps = ${ecoBps}`, async () => {
          const side = await fresh();
          if (ecoBps !== 3_000n) await act(side, "deployer", "setEcoBps", { bps: ecoBps }, side.t0);
          await complete(side, "buyer", 1n, 1n, side.t0 + DAY);
          expect(await side.view("escrow", "ecosystemFeesCredited")).to.equal(eco);
          expect(await side.view("escrow", "rewardsFeesCredited")).to.equal(pool);
          expect(await funds(side, "ecosystemFund")).to.equal(eco);
          expect(await funds(side, "rewards")).to.equal(pool);
          expect(await side.view("rewards", "epochFees", 0n)).to.equal(pool);
        });
      }
    });

    describe("emission schedule", () => {
      it(`${rewardsUnit}: emits the linear stream total * min(k - cliff, N) / N after k closes, 0 up to the cliff`, async () => {
        const side = await fresh();
        // total 1,000,000, cliff 1, N 3: emitted(1) = 0; emitted(2) = 1e6 * 1 / 3 = 333,333;
        // emitted(3) = 1e6 * 2 / 3 = 666,666; emitted(4) = emitted(5) = emitted(6) = 1,000,000.
        const emitted = [0n, 333_333n, 666_666n, 1_000_000n, 1_000_000n, 1_000_000n];
        // Paid per epoch as emitted(k) - emitted(k - 1): 0, 333,333, 333,333, 333,334, 0, 0.
        const perEpoch = [0n, 333_333n, 333_333n, 333_334n, 0n, 0n];
        for (let k = 0; k < emitted.length; k++) {
          expect(await side.view("rewards", "epochEmission", BigInt(k)), `epoch ${k}`).to.equal(perEpoch[k]);
          await act(side, "stranger", "closeEpoch", {}, side.t0 + BigInt(k + 1) * EPOCH);
          expect(await side.view("rewards", "totalEmitted"), `after ${k + 1} closes`).to.equal(emitted[k]);
          // No points: each epoch's budget carries whole.
          expect(await side.view("rewards", "carriedRewardDust")).to.equal(emitted[k]);
        }
      });

      it(`${rewardsUnit}: emits the halving stream, half the total in the first period, linearly within each period`, async () => {
        // design.md names halving as an option without a formula; this follows the contract's documented one
        // (EmissionMath): period i (halvingEpochs = 2 epochs) emits total >> (i + 1), spread linearly.
        // total 1000: periods emit 500, 250, 125; after k epochs: 250, 500, 500 + 250/2 = 625, 750,
        // 750 + floor(125/2) = 812, 875. Per epoch: 250, 250, 125, 125, 62, 63.
        const side = await fresh(HALVING);
        const emitted = [250n, 500n, 625n, 750n, 812n, 875n];
        const perEpoch = [250n, 250n, 125n, 125n, 62n, 63n];
        for (let k = 0; k < emitted.length; k++) {
          expect(await side.view("rewards", "epochEmission", BigInt(k)), `epoch ${k}`).to.equal(perEpoch[k]);
          await act(side, "stranger", "closeEpoch", {}, side.t0 + BigInt(k + 1) * EPOCH);
          expect(await side.view("rewards", "totalEmitted"), `after ${k + 1} closes`).to.equal(emitted[k]);
        }
      });
    });

    describe("rewards: pro rata, per token, per epoch", () => {
      it(`${rewardsUnit}: splits an epoch's budget as floor(budget * points_i / totalPoints), per token, dust carried`, async () => {
        const side = await fresh();
        await act(side, "stranger", "closeEpoch", {}, side.t0 + EPOCH); // epoch 0: the cliff, no points
        await complete(side, "buyer", 1n, 1n, side.t0 + EPOCH + DAY); // epoch 1: seller A 1000, aggregator A 333
        await act(side, "stranger", "closeEpoch", {}, side.t0 + 2n * EPOCH);
        // Rewards: 333,333 * 1000 / 1333 = 250,062.27 -> 250,062; 333,333 * 333 / 1333 = 83,270.73 -> 83,270;
        // dust 333,333 - 333,332 = 1. Fees: 18 * 1000 / 1333 = 13.50 -> 13; 18 * 333 / 1333 = 4.50 -> 4; dust 1.
        expect(await rewardsOf(side, "sellerA")).to.deep.equal({ rewards: 250_062n, fees: 13n });
        expect(await rewardsOf(side, "aggregatorA")).to.deep.equal({ rewards: 83_270n, fees: 4n });
        expect(await side.view("rewards", "carriedRewardDust")).to.equal(1n);
        expect(await side.view("rewards", "carriedFeeDust")).to.equal(1n);
      });

      it(`${rewardsUnit}: gives epoch 0's fee to epoch 0's earners and epoch 1's to epoch 1's when epoch 0 is closed on day 29 of epoch 1`, async () => {
        const side = await fresh();
        await complete(side, "buyer", 1n, 1n, side.t0 + DAY); // exchange 1 completes in epoch 0 (seller A)
        await complete(side, "buyer2", 2n, 2n, side.t0 + EPOCH + DAY); // exchange 2 completes in epoch 1 (seller B)
        expect(await side.view("rewards", "epochFees", 0n)).to.equal(18n);
        expect(await side.view("rewards", "epochFees", 1n)).to.equal(18n);
        await act(side, "stranger", "closeEpoch", {}, side.t0 + EPOCH + 29n * DAY);
        // Epoch 0: its own 18 over 1333 points: 13 and 4, dust 1 (emission 0: the cliff). Seller B and aggregator
        // B earned nothing in epoch 0. (Taking both epochs' 36 would give 27 and 8.)
        expect(await rewardsOf(side, "sellerA")).to.deep.equal({ rewards: 0n, fees: 13n });
        expect(await rewardsOf(side, "aggregatorA")).to.deep.equal({ rewards: 0n, fees: 4n });
        expect(await rewardsOf(side, "sellerB")).to.deep.equal({ rewards: 0n, fees: 0n });
        expect(await side.view("rewards", "carriedFeeDust")).to.equal(1n);
        // Epoch 1's fee is still in the ledger.
        expect(await funds(side, "rewards")).to.equal(18n);
        expect(await side.view("rewards", "totalFeesReceived")).to.equal(18n);
        await act(side, "stranger", "closeEpoch", {}, side.t0 + 2n * EPOCH + 29n * DAY);
        // Epoch 1: fees 18 + 1 carried = 19: 19 * 1000 / 1333 = 14.25 -> 14, 19 * 333 / 1333 = 4.75 -> 4, dust 1;
        // rewards 333,333: 250,062 and 83,270, dust 1.
        expect(await rewardsOf(side, "sellerB")).to.deep.equal({ rewards: 250_062n, fees: 14n });
        expect(await rewardsOf(side, "aggregatorB")).to.deep.equal({ rewards: 83_270n, fees: 4n });
        expect(await rewardsOf(side, "sellerA")).to.deep.equal({ rewards: 0n, fees: 13n });
        expect(await funds(side, "rewards")).to.equal(0n);
      });

      it(`${rewardsUnit}: books a fee collected one second before an epoch's end to it and one collected at the end to the next`, async () => {
        const side = await fresh();
        const end = side.t0 + EPOCH;
        await act(side, "buyer", "commitToOffer", { offerId: 1n }, end - 2n * DAY);
        await act(side, "buyer2", "commitToOffer", { offerId: 2n }, end - 2n * DAY + 1n);
        await act(side, "buyer", "redeemVoucher", { exchangeId: 1n }, end - DAY);
        await act(side, "buyer2", "redeemVoucher", { exchangeId: 2n }, end - DAY + 1n);
        await act(side, "buyer", "completeExchange", { exchangeId: 1n }, end - 1n); // epoch 0: seller A
        await act(side, "buyer2", "completeExchange", { exchangeId: 2n }, end); // epoch 1: seller B
        expect(await side.view("rewards", "epochFees", 0n)).to.equal(18n);
        expect(await side.view("rewards", "epochFees", 1n)).to.equal(18n);
        await act(side, "stranger", "closeEpoch", {}, end); // the same second, after exchange 2's fee
        expect(await rewardsOf(side, "sellerA")).to.deep.equal({ rewards: 0n, fees: 13n });
        expect(await rewardsOf(side, "sellerB")).to.deep.equal({ rewards: 0n, fees: 0n });
      });

      it(`${rewardsUnit}: carries a whole budget, fees and emission, past an epoch with no points`, async () => {
        const side = await fresh();
        await act(side, "stranger", "closeEpoch", {}, side.t0 + EPOCH);
        // Epoch 1: a retracted dispute collects a fee (18 to the pool) and earns no points.
        await commitAndRedeem(side, "buyer", 1n, 1n, side.t0 + EPOCH + DAY);
        await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, side.t0 + EPOCH + 3n * DAY);
        await act(side, "buyer", "retractDispute", { exchangeId: 1n }, side.t0 + EPOCH + 4n * DAY);
        await act(side, "stranger", "closeEpoch", {}, side.t0 + 2n * EPOCH);
        expect(await side.view("rewards", "carriedFeeDust")).to.equal(18n);
        expect(await side.view("rewards", "carriedRewardDust")).to.equal(333_333n);
        expect(await rewardsOf(side, "sellerA")).to.deep.equal({ rewards: 0n, fees: 0n });
        // Epoch 2: seller B completes; budgets 18 + 18 = 36 and 333,333 + 333,333 = 666,666 over 1333 points:
        // fees 36 * 1000 / 1333 = 27.01 -> 27, 36 * 333 / 1333 = 8.99 -> 8, dust 1; rewards 666,666 * 1000 / 1333
        // = 500,124.53 -> 500,124, 666,666 * 333 / 1333 = 166,541.47 -> 166,541, dust 1.
        await complete(side, "buyer2", 2n, 2n, side.t0 + 2n * EPOCH + DAY);
        await act(side, "stranger", "closeEpoch", {}, side.t0 + 3n * EPOCH);
        expect(await rewardsOf(side, "sellerB")).to.deep.equal({ rewards: 500_124n, fees: 27n });
        expect(await rewardsOf(side, "aggregatorB")).to.deep.equal({ rewards: 166_541n, fees: 8n });
        expect(await side.view("rewards", "carriedFeeDust")).to.equal(1n);
        expect(await side.view("rewards", "carriedRewardDust")).to.equal(1n);
      });

      it(`${rewardsUnit}: gives a fee collected before the rewards start, when no epoch can close yet, to epoch 0`, async () => {
        const side = await fresh();
        const t0 = side.t0;
        // Exchange 1 ends Retracted 17 days before t0: a fee, no points.
        await commitAndRedeem(side, "buyer", 1n, 1n, t0 - 20n * DAY);
        await act(side, "buyer", "raiseDispute", { exchangeId: 1n }, t0 - 18n * DAY);
        await act(side, "buyer", "retractDispute", { exchangeId: 1n }, t0 - 17n * DAY);
        expect(await side.view("rewards", "epochFees", 0n)).to.equal(18n);
        // A completion earns points, and there is no epoch to credit them to before t0.
        await commitAndRedeem(side, "buyer2", 2n, 2n, t0 - 12n * DAY);
        await act(
          side,
          "buyer2",
          "completeExchange",
          { exchangeId: 2n },
          t0 - 10n * DAY,
          fails("RewardsDistributorNotStarted", t0 - 10n * DAY, t0),
        );
        await act(
          side,
          "stranger",
          "closeEpoch",
          {},
          t0 - 1n,
          fails("RewardsDistributorEpochNotEnded", 0n, t0 - 1n, t0 + EPOCH),
        );
        await act(side, "buyer2", "completeExchange", { exchangeId: 2n }, t0 + DAY);
        await act(side, "stranger", "closeEpoch", {}, t0 + EPOCH);
        // Epoch 0's fees: 18 (before t0) + 18 = 36 over seller B's 1000 and aggregator B's 333: 27 and 8, dust 1.
        expect(await rewardsOf(side, "sellerB")).to.deep.equal({ rewards: 0n, fees: 27n });
        expect(await rewardsOf(side, "aggregatorB")).to.deep.equal({ rewards: 0n, fees: 8n });
        expect(await side.view("rewards", "carriedFeeDust")).to.equal(1n);
      });
    });
  });
}
