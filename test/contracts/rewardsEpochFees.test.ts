import { expect } from "chai";
import { network } from "hardhat";
import { MaxUint256, ZeroAddress } from "ethers";

import { RevertDecoder, type Outcome } from "../helpers/outcome.js";
import {
  EMISSION,
  EPOCH,
  EPOCH_FEE_CASES,
  type Earner,
  type ExpectedRevert,
  type Observation,
  type Step,
} from "../helpers/epochFeeCases.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const GAS = { gasLimit: 1_000_000 };

/** A distributor on the cases' schedule, funded, its points source a FundsLedgerMock; epoch 0 starts in 1,000 s. */
async function epochFeesFixture() {
  const [owner, alice, bob, carol, outsider] = await ethers.getSigners();
  if (
    owner === undefined ||
    alice === undefined ||
    bob === undefined ||
    carol === undefined ||
    outsider === undefined
  ) {
    throw new Error("Hardhat network has fewer than 5 accounts.");
  }
  const rewardToken = await ethers.deployContract("GovernanceToken", [owner.address]);
  const feeToken = await ethers.deployContract("GovernanceToken", [owner.address]);
  const ledger = await ethers.deployContract("FundsLedgerMock", [feeToken]);
  const start = BigInt(await time.latest()) + 1000n;
  const distributor = await ethers.deployContract("RewardsDistributor", [
    owner.address,
    rewardToken,
    feeToken,
    start,
    EPOCH,
    EMISSION.emissionTotal,
    EMISSION.cliffEpochs,
    EMISSION.durationEpochs,
    EMISSION.halvingEpochs,
  ]);
  await rewardToken.transfer(distributor, EMISSION.emissionTotal);
  await feeToken.approve(ledger, MaxUint256);
  await distributor.setPointsSource(ledger);
  const earners: Record<Earner, string> = { alice: alice.address, bob: bob.address, carol: carol.address };
  const decoder = new RevertDecoder([distributor, ledger, feeToken]);
  return { owner, outsider, rewardToken, feeToken, ledger, distributor, start, earners, decoder };
}

type Fixture = Awaited<ReturnType<typeof epochFeesFixture>>;

async function observe(f: Fixture): Promise<Observation> {
  const { distributor, ledger, feeToken } = f;
  const byEarner = async (read: (a: string) => Promise<bigint>): Promise<Record<Earner, bigint>> => ({
    alice: await read(f.earners.alice),
    bob: await read(f.earners.bob),
    carol: await read(f.earners.carol),
  });
  return {
    epochFees: [
      await distributor.epochFees(0n),
      await distributor.epochFees(1n),
      await distributor.epochFees(2n),
      await distributor.epochFees(3n),
    ],
    nextEpochToClose: await distributor.nextEpochToClose(),
    claimableFees: await byEarner((a) => distributor.claimableFees(a)),
    claimableRewards: await byEarner((a) => distributor.claimableRewards(a)),
    carriedFeeDust: await distributor.carriedFeeDust(),
    carriedRewardDust: await distributor.carriedRewardDust(),
    totalFeesReceived: await distributor.totalFeesReceived(),
    ledgerFunds: await ledger.availableFunds(distributor),
    feeBalance: await feeToken.balanceOf(distributor),
  };
}

function expected(f: Fixture, reverts: ExpectedRevert | undefined): Outcome {
  if (reverts === undefined) return { ok: true };
  const args = reverts.args({ start: f.start, outsider: f.outsider.address });
  return {
    ok: false,
    error: reverts.name,
    args: args.map((a) => (typeof a === "string" ? a.toLowerCase() : String(a))),
  };
}

async function run(f: Fixture, step: Step, index: number): Promise<void> {
  if ("expect" in step) {
    const now = await observe(f);
    const got = Object.fromEntries(Object.keys(step.expect).map((k) => [k, now[k as keyof Observation]]));
    expect(got, `state after step ${index}`).to.deep.equal(step.expect);
    return;
  }
  await time.setNextBlockTimestamp(f.start + step.at);
  const { distributor, ledger, decoder } = f;
  let outcome: Outcome;
  let reverts: ExpectedRevert | undefined;
  if ("fee" in step) {
    outcome = await decoder.send(() => ledger.creditFees(distributor, step.fee, GAS));
    reverts = step.reverts;
  } else if ("bareCredit" in step) {
    outcome = await decoder.send(() => ledger.credit(distributor, step.bareCredit, GAS));
  } else if ("outsiderFee" in step) {
    outcome = await decoder.send(() => distributor.connect(f.outsider).accrueFees(step.outsiderFee, GAS));
    reverts = step.reverts;
  } else if ("points" in step) {
    outcome = await decoder.send(() =>
      ledger.forwardPoints(distributor, f.earners[step.earner], step.points, ZeroAddress, 0n, GAS),
    );
  } else {
    outcome = await decoder.send(() => distributor.closeEpoch(GAS));
    reverts = step.reverts;
  }
  expect(outcome, `outcome of step ${index}`).to.deep.equal(expected(f, reverts));
}

describe("RewardsDistributor: each epoch's fees go to that epoch's earners", () => {
  for (const c of EPOCH_FEE_CASES) {
    it(`RewardsDistributor: ${c.name}`, async () => {
      const f = await loadFixture(epochFeesFixture);
      let index = 0;
      for (const step of c.steps) await run(f, step, index++);
    });
  }

  it("RewardsDistributor: emits FeesAccrued with the epoch of the block time, epoch 0 before the start", async () => {
    const { distributor, ledger, start } = await loadFixture(epochFeesFixture);
    await time.setNextBlockTimestamp(start - 1n);
    await expect(ledger.creditFees(distributor, 3n)).to.emit(distributor, "FeesAccrued").withArgs(0n, 3n);
    await time.setNextBlockTimestamp(start + EPOCH - 1n);
    await expect(ledger.creditFees(distributor, 4n)).to.emit(distributor, "FeesAccrued").withArgs(0n, 4n);
    await time.setNextBlockTimestamp(start + EPOCH);
    await expect(ledger.creditFees(distributor, 5n)).to.emit(distributor, "FeesAccrued").withArgs(1n, 5n);
    expect(await distributor.feeEpoch()).to.equal(1n);
  });

  it("RewardsDistributor: withdraws exactly the closed epoch's fees from the ledger and reports them as its fee budget", async () => {
    const { distributor, ledger, feeToken, start, earners } = await loadFixture(epochFeesFixture);
    await time.setNextBlockTimestamp(start + 10n);
    await ledger.creditFees(distributor, 40n);
    await ledger.forwardPoints(distributor, earners.alice, 1n, ZeroAddress, 0n);
    await time.setNextBlockTimestamp(start + EPOCH + 10n);
    await ledger.creditFees(distributor, 2n);
    const close = distributor.closeEpoch();
    // EpochClosed(epoch 0, reward 1000, fee 40, 1 point, no dust).
    await expect(close).to.emit(distributor, "EpochClosed").withArgs(0n, 1000n, 40n, 1n, 0n, 0n);
    await expect(close).to.changeTokenBalances(ethers, feeToken, [distributor, ledger], [40n, -40n]);
  });

  it("RewardsDistributor: makes no ledger call when the closed epoch has no fees", async () => {
    const { distributor, ledger, start, earners } = await loadFixture(epochFeesFixture);
    await time.setNextBlockTimestamp(start + 10n);
    await ledger.forwardPoints(distributor, earners.bob, 1n, ZeroAddress, 0n);
    // A re-entering ledger would revert the close if it were called.
    await ledger.setReentry(distributor, 1);
    await time.setNextBlockTimestamp(start + EPOCH);
    await expect(distributor.closeEpoch()).to.emit(distributor, "EpochClosed").withArgs(0n, 1000n, 0n, 1n, 0n, 0n);
  });

  it("RewardsDistributor: reverts with the ledger's error when the ledger cannot pay the booked fees", async () => {
    const { distributor, ledger, start } = await loadFixture(epochFeesFixture);
    await time.setNextBlockTimestamp(start);
    await ledger.forwardFees(distributor, 8n); // booked, never credited: not possible with the escrow
    await time.setNextBlockTimestamp(start + EPOCH);
    await expect(distributor.closeEpoch())
      .to.be.revertedWithCustomError(ledger, "FundsLedgerMockInsufficientFunds")
      .withArgs(await distributor.getAddress(), 0n, 8n);
    expect(await distributor.nextEpochToClose()).to.equal(0n);
  });

  it("RewardsDistributor: panics with 0x11 when an epoch's booked fees overflow", async () => {
    const { distributor, ledger, start } = await loadFixture(epochFeesFixture);
    await time.setNextBlockTimestamp(start + 10n);
    await ledger.forwardFees(distributor, MaxUint256 - 1n);
    await ledger.forwardFees(distributor, 1n);
    expect(await distributor.epochFees(0n)).to.equal(MaxUint256);
    await expect(ledger.forwardFees(distributor, 1n)).to.be.revertedWithPanic(0x11);
    // Another epoch has its own total.
    await time.setNextBlockTimestamp(start + EPOCH);
    await expect(ledger.forwardFees(distributor, 1n)).to.emit(distributor, "FeesAccrued").withArgs(1n, 1n);
  });
});
