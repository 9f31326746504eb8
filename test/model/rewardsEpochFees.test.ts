import { expect } from "chai";

import { balanceOf, mint, newErc20, transfer, type Erc20State } from "../../simulation/model/erc20.js";
import { revert } from "../../simulation/model/revert.js";
import {
  accrueFees,
  accruePoints,
  claimableFees,
  claimableRewards,
  closeEpoch,
  epochFees,
  feeEpoch,
  newRewardsState,
  setPointsSource,
  type RewardsState,
} from "../../simulation/model/rewards.js";
import { ZERO_ADDRESS, toAddress, type Address } from "../../simulation/model/types.js";
import { modelOutcome, type Outcome } from "../helpers/outcome.js";
import {
  EMISSION,
  EPOCH,
  EPOCH_FEE_CASES,
  type Earner,
  type ExpectedRevert,
  type Observation,
  type Step,
} from "../helpers/epochFeeCases.js";

const A = (n: number): Address => toAddress("0x" + n.toString(16).padStart(40, "0"));
const OWNER = A(0x100);
const DISTRIBUTOR = A(0x200);
const LEDGER = A(0x300);
const OUTSIDER = A(0x0e);
const EARNER_ADDRESSES: Record<Earner, Address> = { alice: A(0xa1), bob: A(0xb0), carol: A(0xc0) };
const START = 1_000_000_000n;

/** The model of the contract test's fixture: the same schedule, funded, with a model of FundsLedgerMock. */
interface World {
  readonly s: RewardsState;
  readonly feeToken: Erc20State;
  /** FundsLedgerMock's available funds, by entity. */
  readonly available: Map<Address, bigint>;
}

function newWorld(): World {
  const rewardToken = newErc20();
  const feeToken = newErc20();
  mint(rewardToken, DISTRIBUTOR, EMISSION.emissionTotal);
  const available = new Map<Address, bigint>();
  const s = newRewardsState({
    address: DISTRIBUTOR,
    owner: OWNER,
    rewardToken,
    rewardTokenAddress: A(0x400),
    feeToken,
    feeTokenAddress: A(0x500),
    startTimestamp: START,
    epochSeconds: EPOCH,
    ...EMISSION,
    // FundsLedgerMock.withdrawFunds(amount) by the distributor: check, debit, pay.
    withdrawFees: (amount) => {
      const held = available.get(DISTRIBUTOR) ?? 0n;
      if (held < amount) revert("FundsLedgerMockInsufficientFunds", DISTRIBUTOR, held, amount);
      available.set(DISTRIBUTOR, held - amount);
      transfer(feeToken, LEDGER, DISTRIBUTOR, amount);
    },
  });
  setPointsSource(s, { sender: OWNER, now: 0n }, LEDGER);
  return { s, feeToken, available };
}

/** FundsLedgerMock.credit: pulls the tokens (here minted to the ledger) and credits the distributor. */
function credit(w: World, amount: bigint): void {
  mint(w.feeToken, LEDGER, amount);
  w.available.set(DISTRIBUTOR, (w.available.get(DISTRIBUTOR) ?? 0n) + amount);
}

function observe(w: World): Observation {
  const { s } = w;
  const byEarner = (read: (a: Address) => bigint): Record<Earner, bigint> => ({
    alice: read(EARNER_ADDRESSES.alice),
    bob: read(EARNER_ADDRESSES.bob),
    carol: read(EARNER_ADDRESSES.carol),
  });
  return {
    epochFees: [epochFees(s, 0n), epochFees(s, 1n), epochFees(s, 2n), epochFees(s, 3n)],
    nextEpochToClose: s.nextEpochToClose,
    claimableFees: byEarner((a) => claimableFees(s, a)),
    claimableRewards: byEarner((a) => claimableRewards(s, a)),
    carriedFeeDust: s.carriedFeeDust,
    carriedRewardDust: s.carriedRewardDust,
    totalFeesReceived: s.totalFeesReceived,
    ledgerFunds: w.available.get(DISTRIBUTOR) ?? 0n,
    feeBalance: balanceOf(w.feeToken, DISTRIBUTOR),
  };
}

function expected(reverts: ExpectedRevert | undefined): Outcome {
  if (reverts === undefined) return { ok: true };
  const args = reverts.args({ start: START, outsider: OUTSIDER });
  return {
    ok: false,
    error: reverts.name,
    args: args.map((a) => (typeof a === "string" ? a.toLowerCase() : String(a))),
  };
}

function run(w: World, step: Step, index: number): void {
  if ("expect" in step) {
    const now = observe(w);
    const got = Object.fromEntries(Object.keys(step.expect).map((k) => [k, now[k as keyof Observation]]));
    expect(got, `state after step ${index}`).to.deep.equal(step.expect);
    return;
  }
  const now = START + step.at;
  const { s } = w;
  let outcome: Outcome;
  let reverts: ExpectedRevert | undefined;
  if ("fee" in step) {
    // FundsLedgerMock.creditFees: credit, pull, then tell the distributor (which checks its caller first).
    outcome = modelOutcome(() => {
      accrueFees(s, { sender: LEDGER, now }, step.fee);
      credit(w, step.fee);
    });
    reverts = step.reverts;
  } else if ("bareCredit" in step) {
    outcome = modelOutcome(() => credit(w, step.bareCredit));
  } else if ("outsiderFee" in step) {
    outcome = modelOutcome(() => accrueFees(s, { sender: OUTSIDER, now }, step.outsiderFee));
    reverts = step.reverts;
  } else if ("points" in step) {
    outcome = modelOutcome(() =>
      accruePoints(s, { sender: LEDGER, now }, EARNER_ADDRESSES[step.earner], step.points, ZERO_ADDRESS, 0n),
    );
  } else {
    outcome = modelOutcome(() => closeEpoch(s, { sender: OUTSIDER, now }));
    reverts = step.reverts;
  }
  expect(outcome, `outcome of step ${index}`).to.deep.equal(expected(reverts));
}

describe("model/rewards: each epoch's fees go to that epoch's earners", () => {
  for (const c of EPOCH_FEE_CASES) {
    it(`model/rewards: ${c.name}`, () => {
      const w = newWorld();
      c.steps.forEach((step, index) => run(w, step, index));
    });
  }

  // [seconds from the start, epoch a fee collected then is booked to]
  const feeEpochs: ReadonlyArray<readonly [bigint, bigint]> = [
    [-START, 0n],
    [-1n, 0n],
    [0n, 0n],
    [EPOCH - 1n, 0n],
    [EPOCH, 1n],
    [5n * EPOCH + 7n, 5n],
  ];
  for (const [at, epoch] of feeEpochs) {
    it(`model/rewards: feeEpoch is ${epoch} at start ${at < 0n ? "-" : "+"} ${at < 0n ? -at : at}s`, () => {
      const w = newWorld();
      expect(feeEpoch(w.s, { now: START + at })).to.equal(epoch);
      accrueFees(w.s, { sender: LEDGER, now: START + at }, 3n);
      expect(epochFees(w.s, epoch)).to.equal(3n);
    });
  }

  it("model/rewards: accrueFees panics 0x11 and writes nothing when an epoch's fees overflow", () => {
    const w = newWorld();
    const MAX = 2n ** 256n - 1n;
    accrueFees(w.s, { sender: LEDGER, now: START }, MAX);
    expect(modelOutcome(() => accrueFees(w.s, { sender: LEDGER, now: START + 1n }, 1n))).to.deep.equal({
      ok: false,
      error: "Panic",
      args: ["17"],
    });
    expect(epochFees(w.s, 0n)).to.equal(MAX);
    accrueFees(w.s, { sender: LEDGER, now: START + EPOCH }, 1n);
    expect(epochFees(w.s, 1n)).to.equal(1n);
  });

  it("model/rewards: closeEpoch reverts with the ledger's error and writes nothing when the ledger cannot pay the booked fees", () => {
    const w = newWorld();
    accrueFees(w.s, { sender: LEDGER, now: START }, 8n); // booked, never credited: not possible with the escrow
    const before = JSON.stringify(observe(w), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(modelOutcome(() => closeEpoch(w.s, { sender: OUTSIDER, now: START + EPOCH }))).to.deep.equal({
      ok: false,
      error: "FundsLedgerMockInsufficientFunds",
      args: [DISTRIBUTOR, "0", "8"],
    });
    const after = JSON.stringify(observe(w), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(after).to.equal(before);
    expect(w.s.nextEpochToClose).to.equal(0n);
  });
});
