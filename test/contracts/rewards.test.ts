import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MaxUint256, ZeroAddress } from "ethers";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/** 30 days, in seconds: one epoch. */
const EPOCH_SECONDS = 30n * 24n * 3600n;
/** Seconds from the fixture's deployment to the start of epoch 0. */
const START_DELAY = 1000n;
const ONE = 10n ** 18n;
/** Leaves remainders on purpose: total % 7 == 1 (the duration), and epoch 1 emission % 7 == 1 and % 3 == 2. */
const LINEAR = { emissionTotal: 1_000_003n * ONE + 11n, cliffEpochs: 1n, durationEpochs: 7n, halvingEpochs: 0n };
const HALVING = { emissionTotal: 1_000_001n * ONE + 3n, cliffEpochs: 0n, durationEpochs: 0n, halvingEpochs: 2n };
type Schedule = typeof LINEAR;

/** Ranks a bigint's set bits (the halving schedule's never-emitted remainder is popcount(total)). */
function popcount(value: bigint): bigint {
  let count = 0n;
  for (let v = value; v > 0n; v >>= 1n) count += v & 1n;
  return count;
}

/** Independent reference for the linear cumulative emission (floor). */
function linearRef(total: bigint, cliff: bigint, duration: bigint, epochs: bigint): bigint {
  if (epochs <= cliff) return 0n;
  const elapsed = epochs - cliff < duration ? epochs - cliff : duration;
  return (total * elapsed) / duration;
}

async function namedSigners(): Promise<Record<"owner" | "alice" | "bob" | "carol" | "outsider", HardhatEthersSigner>> {
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
  return { owner, alice, bob, carol, outsider };
}

async function deployRewards(schedule: Schedule) {
  const accounts = await namedSigners();
  const { owner } = accounts;
  const rewardToken = await ethers.deployContract("GovernanceToken", [owner.address]);
  // Any ERC20 stands in for the exchange token: a second fixed-supply token held by the owner.
  const feeToken = await ethers.deployContract("GovernanceToken", [owner.address]);
  const ledger = await ethers.deployContract("FundsLedgerMock", [feeToken]);
  const start = BigInt(await time.latest()) + START_DELAY;
  const distributor = await ethers.deployContract("RewardsDistributor", [
    owner.address,
    rewardToken,
    feeToken,
    start,
    EPOCH_SECONDS,
    schedule.emissionTotal,
    schedule.cliffEpochs,
    schedule.durationEpochs,
    schedule.halvingEpochs,
  ]);
  await rewardToken.transfer(distributor, schedule.emissionTotal);
  await feeToken.approve(ledger, MaxUint256);
  const endOf = (epoch: bigint): bigint => start + (epoch + 1n) * EPOCH_SECONDS;
  return { ...accounts, rewardToken, feeToken, ledger, distributor, start, endOf, schedule };
}

async function linearFixture() {
  return deployRewards(LINEAR);
}

async function linearWithSourceFixture() {
  const f = await deployRewards(LINEAR);
  await f.distributor.setPointsSource(f.ledger);
  return f;
}

/** Linear schedule, points source set, clock at the start of epoch 0. */
async function startedFixture() {
  const f = await linearWithSourceFixture();
  await time.increaseTo(f.start);
  return f;
}

/** Halving schedule, points source set, clock at the start of epoch 0. */
async function halvingStartedFixture() {
  const f = await deployRewards(HALVING);
  await f.distributor.setPointsSource(f.ledger);
  await time.increaseTo(f.start);
  return f;
}

async function harnessFixture() {
  return ethers.deployContract("EmissionMathHarness");
}

describe("GovernanceToken", () => {
  async function tokenFixture() {
    const { owner } = await namedSigners();
    return { owner, token: await ethers.deployContract("GovernanceToken", [owner.address]) };
  }

  it("GovernanceToken: mints the fixed total supply once to the holder", async () => {
    const { owner, token } = await loadFixture(tokenFixture);
    expect(await token.name()).to.equal("Lockstep Governance");
    expect(await token.symbol()).to.equal("LSG");
    expect(await token.decimals()).to.equal(18n);
    expect(await token.TOTAL_SUPPLY()).to.equal(200_000_000n * ONE);
    expect(await token.totalSupply()).to.equal(200_000_000n * ONE);
    expect(await token.balanceOf(owner.address)).to.equal(200_000_000n * ONE);
  });

  it("GovernanceToken: has no mint function", async () => {
    const { token } = await loadFixture(tokenFixture);
    const names: string[] = [];
    token.interface.forEachFunction((fn) => names.push(fn.name));
    expect(names.sort()).to.deep.equal(
      [
        "TOTAL_SUPPLY",
        "allowance",
        "approve",
        "balanceOf",
        "decimals",
        "name",
        "symbol",
        "totalSupply",
        "transfer",
        "transferFrom",
      ].sort(),
    );
  });

  it("GovernanceToken: reverts ERC20InvalidReceiver when the holder is the zero address", async () => {
    const factory = await ethers.getContractFactory("GovernanceToken");
    await expect(factory.deploy(ZeroAddress))
      .to.be.revertedWithCustomError(factory, "ERC20InvalidReceiver")
      .withArgs(ZeroAddress);
  });
});

describe("EmissionMath", () => {
  const MAX = MaxUint256;
  const linearCases: ReadonlyArray<readonly [bigint, bigint, bigint]> = [
    [0n, 0n, 1n],
    [1n, 0n, 1n],
    [1n, 0n, 3n],
    [2n, 2n, 3n],
    [999_999n, 5n, 60n],
    [1_000_003n * ONE + 8n, 1n, 7n],
    [12_345_678_901_234_567_890_123n, 3n, 37n],
    [MAX, 1n, 13n],
  ];

  for (const [total, cliff, duration] of linearCases) {
    it(`EmissionMath: linear per-epoch emissions sum to the total to the wei when total=${total} cliff=${cliff} duration=${duration}`, async () => {
      const harness = await loadFixture(harnessFixture);
      const horizon = cliff + duration + 2n;
      let sum = 0n;
      for (let k = 0n; k < horizon; k++) {
        const emission = await harness.linearEpochEmission(total, cliff, duration, k);
        const cumulative = await harness.linearEmitted(total, cliff, duration, k + 1n);
        sum += emission;
        expect(sum, `sum of epochs 0..${k}`).to.equal(cumulative);
        expect(cumulative).to.equal(linearRef(total, cliff, duration, k + 1n));
        if (k < cliff || k >= cliff + duration) expect(emission, `epoch ${k} outside the stream`).to.equal(0n);
      }
      expect(sum).to.equal(total);
      expect(await harness.linearSum(total, cliff, duration, horizon)).to.equal(total);
      expect(await harness.linearEmitted(total, cliff, duration, MAX)).to.equal(total);
    });
  }

  const halvingCases: ReadonlyArray<readonly [bigint, bigint, bigint]> = [
    [1000n, 0n, 4n],
    [7n, 1n, 3n],
    [123_456_789n, 0n, 1n],
    [1_000_001n * ONE + 3n, 2n, 5n],
    [MAX, 2n, 1n],
  ];

  for (const [total, cliff, halving] of halvingCases) {
    it(`EmissionMath: halving per-epoch emissions sum to the cumulative figure to the wei when total=${total} cliff=${cliff} halving=${halving}`, async () => {
      const harness = await loadFixture(harnessFixture);
      let sum = 0n;
      const horizon = cliff + 12n * halving + 1n;
      for (let k = 0n; k < horizon; k++) {
        sum += await harness.halvingEpochEmission(total, cliff, halving, k);
        expect(sum, `sum of epochs 0..${k}`).to.equal(await harness.halvingEmitted(total, cliff, halving, k + 1n));
        if (k < cliff) expect(sum).to.equal(0n);
      }
      if (halving === 1n) {
        // Every epoch up to and past the 256th period, summed on chain.
        const epochs = cliff + 260n;
        expect(await harness.halvingSum(total, cliff, halving, epochs)).to.equal(total - popcount(total));
      }
      // The limit: all of total but popcount(total) wei, reached after 256 periods and constant after.
      const limit = total - popcount(total);
      expect(await harness.halvingEmitted(total, cliff, halving, cliff + 256n * halving)).to.equal(limit);
      expect(await harness.halvingEmitted(total, cliff, halving, cliff + 100_000n * halving)).to.equal(limit);
      expect(await harness.halvingEmitted(total, cliff, halving, MAX)).to.equal(limit);
    });
  }

  it("EmissionMath: halving emits half of the total per period, linearly inside the period", async () => {
    const harness = await loadFixture(harnessFixture);
    const table: ReadonlyArray<readonly [bigint, bigint]> = [
      [0n, 0n],
      [1n, 125n],
      [2n, 250n],
      [3n, 375n],
      [4n, 500n],
      [5n, 562n],
      [6n, 625n],
      [8n, 750n],
      [12n, 875n],
    ];
    for (const [epochs, emitted] of table) {
      expect(await harness.halvingEmitted(1000n, 0n, 4n, epochs), `after ${epochs} epochs`).to.equal(emitted);
    }
  });

  it("EmissionMath: emits nothing up to the cliff and starts in the epoch after it", async () => {
    const harness = await loadFixture(harnessFixture);
    expect(await harness.linearEmitted(700n, 3n, 7n, 3n)).to.equal(0n);
    expect(await harness.linearEmitted(700n, 3n, 7n, 4n)).to.equal(100n);
    expect(await harness.linearEpochEmission(700n, 3n, 7n, 2n)).to.equal(0n);
    expect(await harness.linearEpochEmission(700n, 3n, 7n, 3n)).to.equal(100n);
    expect(await harness.halvingEmitted(800n, 3n, 2n, 3n)).to.equal(0n);
    expect(await harness.halvingEmitted(800n, 3n, 2n, 4n)).to.equal(200n);
  });

  it("EmissionMath: panics with 0x11 for the epoch after the maximum epoch", async () => {
    const harness = await loadFixture(harnessFixture);
    await expect(harness.linearEpochEmission(1n, 0n, 1n, MAX)).to.be.revertedWithPanic(0x11);
    await expect(harness.halvingEpochEmission(1n, 0n, 1n, MAX)).to.be.revertedWithPanic(0x11);
  });

  it("EmissionMath: panics with 0x12 for a zero duration or halving period past the cliff", async () => {
    const harness = await loadFixture(harnessFixture);
    await expect(harness.linearEmitted(1n, 0n, 0n, 1n)).to.be.revertedWithPanic(0x12);
    await expect(harness.halvingEmitted(1n, 0n, 0n, 1n)).to.be.revertedWithPanic(0x12);
  });
});

describe("RewardsDistributor", () => {
  describe("constructor", () => {
    interface ConstructorArgs {
      owner: string;
      reward: string;
      fee: string;
      start: bigint;
      epochSeconds: bigint;
      total: bigint;
      cliff: bigint;
      duration: bigint;
      halving: bigint;
    }

    async function deployWith(overrides: Partial<ConstructorArgs>) {
      const { owner } = await namedSigners();
      const factory = await ethers.getContractFactory("RewardsDistributor");
      const reward = await (await ethers.deployContract("GovernanceToken", [owner.address])).getAddress();
      const fee = await (await ethers.deployContract("GovernanceToken", [owner.address])).getAddress();
      const args: ConstructorArgs = {
        owner: owner.address,
        reward,
        fee,
        start: 0n,
        epochSeconds: EPOCH_SECONDS,
        total: ONE,
        cliff: 0n,
        duration: 3n,
        halving: 0n,
        ...overrides,
      };
      const deployment = factory.deploy(
        args.owner,
        args.reward,
        args.fee,
        args.start,
        args.epochSeconds,
        args.total,
        args.cliff,
        args.duration,
        args.halving,
      );
      return { factory, deployment, reward };
    }

    it("RewardsDistributor: reverts OwnableInvalidOwner when the owner is the zero address", async () => {
      const { factory, deployment } = await deployWith({ owner: ZeroAddress });
      await expect(deployment).to.be.revertedWithCustomError(factory, "OwnableInvalidOwner").withArgs(ZeroAddress);
    });

    it("RewardsDistributor: reverts RewardsDistributorInvalidToken when a token is the zero address or both are the same", async () => {
      const a = await deployWith({ reward: ZeroAddress });
      await expect(a.deployment)
        .to.be.revertedWithCustomError(a.factory, "RewardsDistributorInvalidToken")
        .withArgs(ZeroAddress);
      const b = await deployWith({ fee: ZeroAddress });
      await expect(b.deployment)
        .to.be.revertedWithCustomError(b.factory, "RewardsDistributorInvalidToken")
        .withArgs(ZeroAddress);
      const c = await deployWith({});
      const d = await deployWith({ fee: c.reward, reward: c.reward });
      await expect(d.deployment)
        .to.be.revertedWithCustomError(d.factory, "RewardsDistributorInvalidToken")
        .withArgs(c.reward);
    });

    it("RewardsDistributor: reverts RewardsDistributorInvalidEpochSeconds when the epoch length is zero", async () => {
      const { factory, deployment } = await deployWith({ epochSeconds: 0n });
      await expect(deployment)
        .to.be.revertedWithCustomError(factory, "RewardsDistributorInvalidEpochSeconds")
        .withArgs(0n);
    });

    it("RewardsDistributor: reverts RewardsDistributorInvalidSchedule unless exactly one of duration and halving is nonzero", async () => {
      const a = await deployWith({ duration: 0n, halving: 0n });
      await expect(a.deployment)
        .to.be.revertedWithCustomError(a.factory, "RewardsDistributorInvalidSchedule")
        .withArgs(0n, 0n);
      const b = await deployWith({ duration: 5n, halving: 3n });
      await expect(b.deployment)
        .to.be.revertedWithCustomError(b.factory, "RewardsDistributorInvalidSchedule")
        .withArgs(5n, 3n);
      const c = await deployWith({ duration: 0n, halving: 3n });
      await expect(c.deployment).not.to.revert(ethers);
    });

    it("RewardsDistributor: exposes its parameters", async () => {
      const { distributor, rewardToken, feeToken, start, owner } = await loadFixture(linearFixture);
      expect(await distributor.owner()).to.equal(owner.address);
      expect(await distributor.rewardToken()).to.equal(await rewardToken.getAddress());
      expect(await distributor.feeToken()).to.equal(await feeToken.getAddress());
      expect(await distributor.startTimestamp()).to.equal(start);
      expect(await distributor.epochSeconds()).to.equal(EPOCH_SECONDS);
      expect(await distributor.emissionTotal()).to.equal(LINEAR.emissionTotal);
      expect(await distributor.cliffEpochs()).to.equal(LINEAR.cliffEpochs);
      expect(await distributor.durationEpochs()).to.equal(LINEAR.durationEpochs);
      expect(await distributor.halvingEpochs()).to.equal(0n);
      expect(await distributor.pointsSource()).to.equal(ZeroAddress);
      expect(await distributor.nextEpochToClose()).to.equal(0n);
      expect(await distributor.epochEndsAt(0n)).to.equal(start + EPOCH_SECONDS);
    });
  });

  describe("setPointsSource", () => {
    it("RewardsDistributor: reverts OwnableUnauthorizedAccount when a non-owner sets the points source", async () => {
      const { distributor, ledger, outsider } = await loadFixture(linearFixture);
      await expect(distributor.connect(outsider).setPointsSource(ledger))
        .to.be.revertedWithCustomError(distributor, "OwnableUnauthorizedAccount")
        .withArgs(outsider.address);
    });

    it("RewardsDistributor: reverts RewardsDistributorInvalidSource when the source is the zero address", async () => {
      const { distributor } = await loadFixture(linearFixture);
      await expect(distributor.setPointsSource(ZeroAddress))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorInvalidSource")
        .withArgs(ZeroAddress);
    });

    it("RewardsDistributor: sets the points source once and reverts RewardsDistributorSourceAlreadySet after", async () => {
      const { distributor, ledger, outsider } = await loadFixture(linearFixture);
      await expect(distributor.setPointsSource(ledger))
        .to.emit(distributor, "PointsSourceSet")
        .withArgs(await ledger.getAddress());
      expect(await distributor.pointsSource()).to.equal(await ledger.getAddress());
      await expect(distributor.setPointsSource(outsider.address)).to.be.revertedWithCustomError(
        distributor,
        "RewardsDistributorSourceAlreadySet",
      );
    });
  });

  describe("accruePoints", () => {
    it("RewardsDistributor: reverts RewardsDistributorNotSource when the caller is not the points source", async () => {
      const { distributor, alice, outsider } = await loadFixture(linearWithSourceFixture);
      await expect(distributor.connect(outsider).accruePoints(alice.address, 1n, ZeroAddress, 0n))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorNotSource")
        .withArgs(outsider.address);
    });

    it("RewardsDistributor: reverts RewardsDistributorNotSource when no source is set", async () => {
      const { distributor, ledger, alice } = await loadFixture(linearFixture);
      await expect(ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorNotSource")
        .withArgs(await ledger.getAddress());
    });

    it("RewardsDistributor: reverts RewardsDistributorNotStarted one second before the start and credits epoch 0 at the start", async () => {
      const { distributor, ledger, alice, start } = await loadFixture(linearWithSourceFixture);
      await time.setNextBlockTimestamp(start - 1n);
      await expect(ledger.forwardPoints(distributor, alice.address, 5n, ZeroAddress, 0n, { gasLimit: 1_000_000 }))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorNotStarted")
        .withArgs(start - 1n, start);
      await time.setNextBlockTimestamp(start);
      await expect(ledger.forwardPoints(distributor, alice.address, 5n, ZeroAddress, 0n))
        .to.emit(distributor, "PointsAccrued")
        .withArgs(0n, alice.address, 5n);
      expect(await distributor.epochPoints(0n, alice.address)).to.equal(5n);
    });

    it("RewardsDistributor: credits epoch e one second before its end and epoch e+1 at its end", async () => {
      const { distributor, ledger, alice, bob, endOf } = await loadFixture(linearWithSourceFixture);
      await time.setNextBlockTimestamp(endOf(0n) - 1n);
      await ledger.forwardPoints(distributor, alice.address, 3n, ZeroAddress, 0n);
      expect(await distributor.currentEpoch()).to.equal(0n);
      await time.setNextBlockTimestamp(endOf(0n));
      await ledger.forwardPoints(distributor, bob.address, 4n, ZeroAddress, 0n);
      expect(await distributor.currentEpoch()).to.equal(1n);
      expect(await distributor.epochPoints(0n, alice.address)).to.equal(3n);
      expect(await distributor.epochPoints(1n, bob.address)).to.equal(4n);
      expect(await distributor.epochTotalPoints(0n)).to.equal(3n);
      expect(await distributor.epochTotalPoints(1n)).to.equal(4n);
    });

    it("RewardsDistributor: sums an account's points into one earner and skips zero points and the zero address", async () => {
      const { distributor, ledger, alice, bob, carol, start } = await loadFixture(linearWithSourceFixture);
      await time.increaseTo(start);
      await ledger.forwardPoints(distributor, alice.address, 2n, bob.address, 1n);
      await ledger.forwardPoints(distributor, alice.address, 3n, alice.address, 4n);
      await ledger.forwardPoints(distributor, carol.address, 0n, ZeroAddress, 9n);
      await expect(ledger.forwardPoints(distributor, bob.address, 0n, ZeroAddress, 0n)).not.to.emit(
        distributor,
        "PointsAccrued",
      );
      expect(await distributor.epochEarners(0n)).to.deep.equal([alice.address, bob.address]);
      expect(await distributor.epochPoints(0n, alice.address)).to.equal(9n);
      expect(await distributor.epochPoints(0n, bob.address)).to.equal(1n);
      expect(await distributor.epochPoints(0n, carol.address)).to.equal(0n);
      expect(await distributor.epochPoints(0n, ZeroAddress)).to.equal(0n);
      expect(await distributor.epochTotalPoints(0n)).to.equal(10n);
    });

    it("RewardsDistributor: panics with 0x11 when an epoch's points overflow", async () => {
      const { distributor, ledger, alice, bob, start } = await loadFixture(linearWithSourceFixture);
      await time.increaseTo(start);
      await ledger.forwardPoints(distributor, alice.address, MaxUint256, ZeroAddress, 0n);
      await expect(ledger.forwardPoints(distributor, bob.address, 1n, ZeroAddress, 0n)).to.be.revertedWithPanic(0x11);
    });
  });

  describe("closeEpoch", () => {
    it("RewardsDistributor: reverts RewardsDistributorEpochNotEnded before the start and one second before the end, and closes at the end", async () => {
      const { distributor, start, endOf, outsider } = await loadFixture(linearWithSourceFixture);
      await time.setNextBlockTimestamp(start - 1n);
      await expect(distributor.connect(outsider).closeEpoch({ gasLimit: 1_000_000 }))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorEpochNotEnded")
        .withArgs(0n, start - 1n, endOf(0n));
      await time.setNextBlockTimestamp(endOf(0n) - 1n);
      await expect(distributor.connect(outsider).closeEpoch({ gasLimit: 1_000_000 }))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorEpochNotEnded")
        .withArgs(0n, endOf(0n) - 1n, endOf(0n));
      await time.setNextBlockTimestamp(endOf(0n));
      await expect(distributor.connect(outsider).closeEpoch())
        .to.emit(distributor, "EpochClosed")
        .withArgs(0n, 0n, 0n, 0n, 0n, 0n);
      expect(await distributor.nextEpochToClose()).to.equal(1n);
      await time.setNextBlockTimestamp(endOf(0n) + 1n);
      await expect(distributor.closeEpoch({ gasLimit: 1_000_000 }))
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorEpochNotEnded")
        .withArgs(1n, endOf(0n) + 1n, endOf(1n));
    });

    it("RewardsDistributor: splits the emission pro rata and carries the nonzero dust to the next epoch", async () => {
      const { distributor, ledger, alice, bob, carol, endOf } = await loadFixture(linearWithSourceFixture);
      const { emissionTotal: total, cliffEpochs: cliff, durationEpochs: duration } = LINEAR;
      await time.increaseTo(endOf(0n));
      await distributor.closeEpoch(); // epoch 0 is the cliff: nothing to split
      await ledger.forwardPoints(distributor, alice.address, 1n, bob.address, 2n);
      await ledger.forwardPoints(distributor, carol.address, 4n, ZeroAddress, 0n);
      const budget1 = linearRef(total, cliff, duration, 2n) - linearRef(total, cliff, duration, 1n);
      const shares1 = [1n, 2n, 4n].map((p) => (budget1 * p) / 7n);
      const dust1 = budget1 - shares1.reduce((a, b) => a + b, 0n);
      expect(dust1, "this case must leave dust").to.not.equal(0n);
      expect(await distributor.epochEmission(1n)).to.equal(budget1);
      await time.increaseTo(endOf(1n));
      await expect(distributor.closeEpoch())
        .to.emit(distributor, "EpochClosed")
        .withArgs(1n, budget1, 0n, 7n, dust1, 0n);
      expect(await distributor.claimableRewards(alice.address)).to.equal(shares1[0]);
      expect(await distributor.claimableRewards(bob.address)).to.equal(shares1[1]);
      expect(await distributor.claimableRewards(carol.address)).to.equal(shares1[2]);
      expect(await distributor.carriedRewardDust()).to.equal(dust1);
      expect(await distributor.rewardsOwed()).to.equal(budget1 - dust1);
      expect(await distributor.totalEmitted()).to.equal(budget1);

      // Epoch 2: one earner takes the whole budget, the carried dust included.
      await ledger.forwardPoints(distributor, bob.address, 1n, ZeroAddress, 0n);
      const budget2 = linearRef(total, cliff, duration, 3n) - linearRef(total, cliff, duration, 2n) + dust1;
      await time.increaseTo(endOf(2n));
      await expect(distributor.closeEpoch()).to.emit(distributor, "EpochClosed").withArgs(2n, budget2, 0n, 1n, 0n, 0n);
      expect(await distributor.claimableRewards(bob.address)).to.equal(shares1[1]! + budget2);
      expect(await distributor.carriedRewardDust()).to.equal(0n);
    });

    it("RewardsDistributor: carries both budgets whole when an epoch has no points", async () => {
      const { distributor, ledger, alice, endOf } = await loadFixture(linearWithSourceFixture);
      const { emissionTotal: total, cliffEpochs: cliff, durationEpochs: duration } = LINEAR;
      await ledger.creditFees(distributor, 1000n);
      await time.increaseTo(endOf(0n));
      await expect(distributor.closeEpoch()).to.emit(distributor, "EpochClosed").withArgs(0n, 0n, 1000n, 0n, 0n, 1000n);
      const emission1 = linearRef(total, cliff, duration, 2n) - linearRef(total, cliff, duration, 1n);
      await time.increaseTo(endOf(1n));
      await expect(distributor.closeEpoch())
        .to.emit(distributor, "EpochClosed")
        .withArgs(1n, emission1, 1000n, 0n, emission1, 1000n);
      expect(await distributor.carriedRewardDust()).to.equal(emission1);
      expect(await distributor.carriedFeeDust()).to.equal(1000n);
      expect(await distributor.rewardsOwed()).to.equal(0n);
      await ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n);
      const emission2 = linearRef(total, cliff, duration, 3n) - linearRef(total, cliff, duration, 2n);
      await time.increaseTo(endOf(2n));
      await expect(distributor.closeEpoch())
        .to.emit(distributor, "EpochClosed")
        .withArgs(2n, emission1 + emission2, 1000n, 1n, 0n, 0n);
      expect(await distributor.claimableRewards(alice.address)).to.equal(emission1 + emission2);
      expect(await distributor.claimableFees(alice.address)).to.equal(1000n);
      expect(await distributor.totalFeesReceived()).to.equal(1000n);
    });

    it("RewardsDistributor: pulls the fees from the ledger and splits them pro rata with the dust carried", async () => {
      const { distributor, ledger, feeToken, alice, bob, carol, outsider, endOf } =
        await loadFixture(linearWithSourceFixture);
      await ledger.creditFees(distributor, 1000n);
      await ledger.credit(outsider.address, 55n); // someone else's funds stay in the ledger
      await time.increaseTo(endOf(0n) - 10n);
      await ledger.forwardPoints(distributor, alice.address, 1n, bob.address, 2n);
      await ledger.forwardPoints(distributor, carol.address, 4n, ZeroAddress, 0n);
      await time.increaseTo(endOf(0n));
      const close = distributor.closeEpoch();
      await expect(close).to.emit(distributor, "EpochClosed").withArgs(0n, 0n, 1000n, 7n, 0n, 2n);
      await expect(close).to.changeTokenBalances(ethers, feeToken, [distributor, ledger], [1000n, -1000n]);
      expect(await ledger.availableFunds(distributor)).to.equal(0n);
      expect(await ledger.availableFunds(outsider.address)).to.equal(55n);
      expect(await distributor.claimableFees(alice.address)).to.equal(142n);
      expect(await distributor.claimableFees(bob.address)).to.equal(285n);
      expect(await distributor.claimableFees(carol.address)).to.equal(571n);
      expect(await distributor.carriedFeeDust()).to.equal(2n);
      expect(await distributor.feesOwed()).to.equal(998n);
      expect(await distributor.totalFeesReceived()).to.equal(1000n);
      // The 2 wei of dust join the next epoch's fees.
      await ledger.creditFees(distributor, 5n);
      await ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n);
      const emission1 = await distributor.epochEmission(1n);
      await time.increaseTo(endOf(1n));
      await expect(distributor.closeEpoch())
        .to.emit(distributor, "EpochClosed")
        .withArgs(1n, emission1, 7n, 1n, 0n, 0n);
      expect(await distributor.claimableFees(alice.address)).to.equal(149n);
      expect(await distributor.totalFeesReceived()).to.equal(1005n);
    });

    it("RewardsDistributor: takes no fees when no points source is set", async () => {
      const { distributor, endOf } = await loadFixture(linearFixture);
      await time.increaseTo(endOf(0n));
      await expect(distributor.closeEpoch()).to.emit(distributor, "EpochClosed").withArgs(0n, 0n, 0n, 0n, 0n, 0n);
    });

    it("RewardsDistributor: reverts RewardsDistributorUnfunded when the balance cannot cover the owed, carried and new budget", async () => {
      const { distributor, ledger, rewardToken, alice, owner } = await loadFixture(linearWithSourceFixture);
      const { emissionTotal: total, cliffEpochs: cliff, durationEpochs: duration } = LINEAR;
      const e1 = linearRef(total, cliff, duration, 2n) - linearRef(total, cliff, duration, 1n);
      const e2 = linearRef(total, cliff, duration, 3n) - linearRef(total, cliff, duration, 2n);
      // A fresh distributor, funded with epoch 1's emission only, on the fixture's tokens and ledger.
      const start = BigInt(await time.latest()) + 100n;
      const lean = await ethers.deployContract("RewardsDistributor", [
        owner.address,
        rewardToken,
        await distributor.feeToken(),
        start,
        EPOCH_SECONDS,
        total,
        cliff,
        duration,
        0n,
      ]);
      await lean.setPointsSource(ledger);
      await rewardToken.transfer(lean, e1);
      const leanEnd = (epoch: bigint) => start + (epoch + 1n) * EPOCH_SECONDS;
      await time.increaseTo(leanEnd(0n));
      await lean.closeEpoch();
      await ledger.forwardPoints(lean, alice.address, 3n, ZeroAddress, 0n);
      await time.increaseTo(leanEnd(1n));
      await lean.closeEpoch(); // owes e1 now
      expect(await lean.rewardsOwed()).to.equal(e1);
      await time.setNextBlockTimestamp(leanEnd(2n));
      await expect(lean.closeEpoch({ gasLimit: 1_000_000 }))
        .to.be.revertedWithCustomError(lean, "RewardsDistributorUnfunded")
        .withArgs(e1 + e2, e1);
      await rewardToken.transfer(lean, e2 - 1n);
      await expect(lean.closeEpoch())
        .to.be.revertedWithCustomError(lean, "RewardsDistributorUnfunded")
        .withArgs(e1 + e2, e1 + e2 - 1n);
      await rewardToken.transfer(lean, 1n);
      await expect(lean.closeEpoch()).to.emit(lean, "EpochClosed").withArgs(2n, e2, 0n, 0n, e2, 0n);
      // Carried dust counts too: e2 is carried, so closing epoch 3 needs e1 + e2 + e3.
      const e3 = linearRef(total, cliff, duration, 4n) - linearRef(total, cliff, duration, 3n);
      await time.increaseTo(leanEnd(3n));
      await expect(lean.closeEpoch())
        .to.be.revertedWithCustomError(lean, "RewardsDistributorUnfunded")
        .withArgs(e1 + e2 + e3, e1 + e2);
    });

    it("RewardsDistributor: emits the linear total exactly to the wei over the whole schedule", async () => {
      const { distributor, ledger, rewardToken, alice, bob, carol, endOf } = await loadFixture(startedFixture);
      const { emissionTotal: total, cliffEpochs: cliff, durationEpochs: duration } = LINEAR;
      const earners = [alice, bob, carol];
      for (let e = 0n; e < cliff + duration + 2n; e++) {
        const who = earners[Number(e % 3n)]!;
        await ledger.forwardPoints(distributor, who.address, e + 1n, carol.address, 2n);
        await time.increaseTo(endOf(e));
        await distributor.closeEpoch();
      }
      expect(await distributor.totalEmitted()).to.equal(total);
      const owed = await distributor.rewardsOwed();
      const dust = await distributor.carriedRewardDust();
      expect(owed + dust).to.equal(total);
      for (const who of earners) await distributor.connect(who).claim();
      expect(await distributor.totalRewardsClaimed()).to.equal(owed);
      expect(await distributor.rewardsOwed()).to.equal(0n);
      expect(await rewardToken.balanceOf(distributor)).to.equal(dust);
    });

    it("RewardsDistributor: emits the halving schedule exactly to the wei, epoch by epoch", async () => {
      const { distributor, ledger, alice, endOf } = await loadFixture(halvingStartedFixture);
      const { emissionTotal: total, halvingEpochs: halving } = HALVING;
      let sum = 0n;
      for (let e = 0n; e < 7n; e++) {
        await ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n);
        await time.increaseTo(endOf(e));
        const emission = await distributor.epochEmission(e);
        await expect(distributor.closeEpoch())
          .to.emit(distributor, "EpochClosed")
          .withArgs(e, emission, 0n, 1n, 0n, 0n);
        sum += emission;
      }
      // After 3 whole periods and 1 epoch: total/2 + total/4 + total/8 (floors) + (total/16)/2.
      const expected = (total >> 1n) + (total >> 2n) + (total >> 3n) + (total >> 4n) / halving;
      expect(sum).to.equal(expected);
      expect(await distributor.totalEmitted()).to.equal(expected);
      expect(await distributor.claimableRewards(alice.address)).to.equal(expected);
    });

    it("RewardsDistributor: reverts ReentrancyGuardReentrantCall when the ledger re-enters closeEpoch or claim", async () => {
      const { distributor, ledger, alice, endOf } = await loadFixture(startedFixture);
      await ledger.creditFees(distributor, 10n);
      await ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n);
      await time.increaseTo(endOf(0n));
      await ledger.setReentry(distributor, 1);
      await expect(distributor.closeEpoch()).to.be.revertedWithCustomError(distributor, "ReentrancyGuardReentrantCall");
      await ledger.setReentry(distributor, 2);
      await expect(distributor.closeEpoch()).to.be.revertedWithCustomError(distributor, "ReentrancyGuardReentrantCall");
      await ledger.setReentry(ZeroAddress, 0);
      await expect(distributor.closeEpoch()).to.emit(distributor, "EpochClosed");
    });
  });

  describe("claim", () => {
    it("RewardsDistributor: reverts RewardsDistributorNothingToClaim when both balances are zero", async () => {
      const { distributor, outsider } = await loadFixture(linearWithSourceFixture);
      await expect(distributor.connect(outsider).claim())
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorNothingToClaim")
        .withArgs(outsider.address);
    });

    it("RewardsDistributor: pays both tokens once, then reverts RewardsDistributorNothingToClaim", async () => {
      const { distributor, ledger, rewardToken, feeToken, alice, bob, endOf } = await loadFixture(startedFixture);
      await ledger.forwardPoints(distributor, alice.address, 1n, bob.address, 1n);
      await time.increaseTo(endOf(0n));
      await distributor.closeEpoch();
      await ledger.creditFees(distributor, 301n);
      await ledger.forwardPoints(distributor, alice.address, 1n, bob.address, 2n);
      await time.increaseTo(endOf(1n));
      await distributor.closeEpoch();
      const reward = await distributor.claimableRewards(alice.address);
      const fee = await distributor.claimableFees(alice.address);
      expect(fee).to.equal(100n);
      expect(reward).to.equal((await distributor.epochEmission(1n)) / 3n);
      const owedBefore = await distributor.rewardsOwed();
      const claim = distributor.connect(alice).claim();
      await expect(claim).to.emit(distributor, "Claimed").withArgs(alice.address, reward, fee);
      await expect(claim).to.changeTokenBalances(ethers, rewardToken, [alice, distributor], [reward, -reward]);
      await expect(claim).to.changeTokenBalances(ethers, feeToken, [alice, distributor], [fee, -fee]);
      expect(await distributor.claimableRewards(alice.address)).to.equal(0n);
      expect(await distributor.claimableFees(alice.address)).to.equal(0n);
      expect(await distributor.rewardsOwed()).to.equal(owedBefore - reward);
      expect(await distributor.feesOwed()).to.equal(200n);
      expect(await distributor.totalRewardsClaimed()).to.equal(reward);
      expect(await distributor.totalFeesClaimed()).to.equal(fee);
      await expect(distributor.connect(alice).claim())
        .to.be.revertedWithCustomError(distributor, "RewardsDistributorNothingToClaim")
        .withArgs(alice.address);
    });

    it("RewardsDistributor: pays fees alone when the reward balance is zero", async () => {
      const { distributor, ledger, feeToken, rewardToken, alice, endOf } = await loadFixture(startedFixture);
      await ledger.creditFees(distributor, 9n);
      await ledger.forwardPoints(distributor, alice.address, 1n, ZeroAddress, 0n);
      await time.increaseTo(endOf(0n)); // epoch 0 is the cliff: no emission
      await distributor.closeEpoch();
      const claim = distributor.connect(alice).claim();
      await expect(claim).to.emit(distributor, "Claimed").withArgs(alice.address, 0n, 9n);
      await expect(claim).to.changeTokenBalances(ethers, feeToken, [alice], [9n]);
      await expect(claim).to.changeTokenBalances(ethers, rewardToken, [alice], [0n]);
    });
  });
});

describe("ReleaseWallet", () => {
  const DURATION = 1_000_003n;
  const CLIFF = 250_001n;
  const ALLOCATION = 1_000_003n * ONE + 1n;

  async function walletFixture() {
    const { owner, alice, outsider } = await namedSigners();
    const token = await ethers.deployContract("GovernanceToken", [owner.address]);
    const start = BigInt(await time.latest()) + 1000n;
    const wallet = await ethers.deployContract("ReleaseWallet", [alice.address, start, DURATION, CLIFF]);
    await token.transfer(wallet, ALLOCATION);
    return { token, wallet, start, beneficiary: alice, outsider };
  }

  it("ReleaseWallet: reverts InvalidCliffDuration when the cliff is longer than the duration", async () => {
    const { alice } = await namedSigners();
    const factory = await ethers.getContractFactory("ReleaseWallet");
    await expect(factory.deploy(alice.address, 0n, 10n, 11n))
      .to.be.revertedWithCustomError(factory, "InvalidCliffDuration")
      .withArgs(11n, 10n);
    await expect(factory.deploy(alice.address, 0n, 10n, 10n)).not.to.revert(ethers);
  });

  it("ReleaseWallet: reverts OwnableInvalidOwner when the beneficiary is the zero address", async () => {
    const factory = await ethers.getContractFactory("ReleaseWallet");
    await expect(factory.deploy(ZeroAddress, 0n, 10n, 0n))
      .to.be.revertedWithCustomError(factory, "OwnableInvalidOwner")
      .withArgs(ZeroAddress);
  });

  it("ReleaseWallet: vests nothing before the cliff, linearly from the start after it, everything at the end", async () => {
    const { token, wallet, start } = await loadFixture(walletFixture);
    const vested = (t: bigint) => wallet["vestedAmount(address,uint64)"](token, t);
    const cliff = start + CLIFF;
    const end = start + DURATION;
    expect(await wallet.cliff()).to.equal(cliff);
    expect(await wallet.end()).to.equal(end);
    expect(await vested(start)).to.equal(0n);
    expect(await vested(cliff - 1n)).to.equal(0n);
    expect(await vested(cliff)).to.equal((ALLOCATION * CLIFF) / DURATION);
    expect(await vested(end - 1n)).to.equal((ALLOCATION * (DURATION - 1n)) / DURATION);
    expect(await vested(end)).to.equal(ALLOCATION);
  });

  it("ReleaseWallet: releases nothing one second before the cliff, the vested share at it, the rest at the end, to the beneficiary whoever calls", async () => {
    const { token, wallet, start, beneficiary, outsider } = await loadFixture(walletFixture);
    const release = () => wallet.connect(outsider)["release(address)"](token);
    const tokenAddress = await token.getAddress();
    await time.setNextBlockTimestamp(start + CLIFF - 1n);
    await expect(release()).to.emit(wallet, "ERC20Released").withArgs(tokenAddress, 0n);
    expect(await token.balanceOf(beneficiary.address)).to.equal(0n);
    const atCliff = (ALLOCATION * CLIFF) / DURATION;
    await time.setNextBlockTimestamp(start + CLIFF);
    await expect(release()).to.changeTokenBalances(
      ethers,
      token,
      [beneficiary, wallet, outsider],
      [atCliff, -atCliff, 0n],
    );
    const beforeEnd = (ALLOCATION * (DURATION - 1n)) / DURATION;
    await time.setNextBlockTimestamp(start + DURATION - 1n);
    await expect(release()).to.changeTokenBalances(ethers, token, [beneficiary], [beforeEnd - atCliff]);
    await time.setNextBlockTimestamp(start + DURATION);
    await expect(release()).to.changeTokenBalances(ethers, token, [beneficiary], [ALLOCATION - beforeEnd]);
    expect(await wallet["released(address)"](token)).to.equal(ALLOCATION);
    expect(await token.balanceOf(wallet)).to.equal(0n);
  });
});
