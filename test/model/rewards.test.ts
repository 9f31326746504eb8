import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Interface } from "ethers";

import {
  MAX_UINT256,
  approve,
  balanceOf,
  mint,
  newErc20,
  transfer,
  transferFrom,
  type Erc20State,
} from "../../simulation/model/erc20.js";
import { newGovernanceToken } from "../../simulation/model/governanceToken.js";
import { ModelRevert } from "../../simulation/model/revert.js";
import {
  accrueFees,
  accruePoints,
  claim,
  claimableFees,
  claimableRewards,
  closeEpoch,
  currentEpoch,
  epochEarners,
  epochEndsAt,
  epochFees,
  epochPoints,
  epochTotalPoints,
  feeEpoch,
  newRewardsState,
  rewardsVariables,
  setPointsSource,
  type RewardsParams,
  type RewardsState,
} from "../../simulation/model/rewards.js";
import { ZERO_ADDRESS, toAddress, type Address, type Env } from "../../simulation/model/types.js";
import { RewardsDistributor__factory } from "../../types/ethers-contracts/index.js";
import { RevertDecoder, modelOutcome, type Outcome } from "../helpers/outcome.js";
import { Prng } from "../helpers/prng.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const MAX = MAX_UINT256;
const A = (n: number): Address => toAddress("0x" + n.toString(16).padStart(40, "0"));
const OWNER = A(0x100);
const DISTRIBUTOR = A(0x200);
const LEDGER = A(0x300);
const REWARD_TOKEN = A(0x400);
const FEE_TOKEN = A(0x500);
const ALICE = A(0xa1);
const BOB = A(0xb0);
const CAROL = A(0xc0);
const START = 1_000_000n;
const EPOCH = 100n;

/** Serialises a rewards state (and its token states) for before/after comparisons. */
function snapshot(s: RewardsState): string {
  return JSON.stringify({ ...s, withdrawFees: undefined }, (_key, value: unknown) => {
    if (typeof value === "bigint") return value.toString();
    if (value instanceof Map) return [...value.entries()];
    return value;
  });
}

function expectRevert(action: () => unknown, errorName: string, args: readonly (bigint | string | boolean)[]): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof ModelRevert)) throw error;
    expect({ errorName: error.errorName, args: error.args }).to.deep.equal({ errorName, args });
    return;
  }
  expect.fail(`expected ${errorName}(${args.join(", ")})`);
}

/** Same as expectRevert, and the state is unchanged by the failed call. */
function expectRevertUnchanged(
  s: RewardsState,
  action: () => unknown,
  errorName: string,
  args: readonly (bigint | string | boolean)[],
): void {
  const before = snapshot(s);
  expectRevert(action, errorName, args);
  expect(snapshot(s)).to.equal(before);
}

interface ModelWorld {
  s: RewardsState;
  rewardToken: Erc20State;
  feeToken: Erc20State;
  /** The model ledger's available funds, by entity (mirrors FundsLedgerMock). */
  available: Map<Address, bigint>;
}

/**
 * A model world: a distributor with budget `rewardBudget` emitted in epoch 0 (duration 1, no cliff),
 * funded with it, source set, and `feeBudget` fee wei credited in the ledger and booked to epoch 0.
 */
function world(overrides: Partial<RewardsParams> = {}, rewardBudget = 0n, feeBudget = 0n): ModelWorld {
  const rewardToken = newErc20();
  const feeToken = newErc20();
  mint(rewardToken, DISTRIBUTOR, rewardBudget);
  mint(feeToken, LEDGER, feeBudget);
  const available = new Map<Address, bigint>([[DISTRIBUTOR, feeBudget]]);
  const s = newRewardsState({
    address: DISTRIBUTOR,
    owner: OWNER,
    rewardToken,
    rewardTokenAddress: REWARD_TOKEN,
    feeToken,
    feeTokenAddress: FEE_TOKEN,
    startTimestamp: START,
    epochSeconds: EPOCH,
    emissionTotal: rewardBudget,
    cliffEpochs: 0n,
    durationEpochs: 1n,
    halvingEpochs: 0n,
    withdrawFees: (amount) => withdrawFromLedger(available, feeToken, DISTRIBUTOR, amount),
    ...overrides,
  });
  setPointsSource(s, { sender: OWNER, now: 0n }, LEDGER);
  if (feeBudget !== 0n) accrueFees(s, source(START), feeBudget);
  return { s, rewardToken, feeToken, available };
}

/** Mirrors FundsLedgerMock.withdrawFunds(amount) by the distributor on the model ledger. */
function withdrawFromLedger(
  available: Map<Address, bigint>,
  feeToken: Erc20State,
  distributor: Address,
  amount: bigint,
): void {
  const held = available.get(distributor) ?? 0n;
  if (held < amount) throw new ModelRevert("FundsLedgerMockInsufficientFunds", [distributor, held, amount]);
  available.set(distributor, held - amount);
  transfer(feeToken, LEDGER, distributor, amount);
}

const source = (now: bigint): Env => ({ sender: LEDGER, now });
const at = (sender: Address, now: bigint): Env => ({ sender, now });

describe("model/rewards", () => {
  describe("newRewardsState", () => {
    const base: RewardsParams = {
      address: DISTRIBUTOR,
      owner: OWNER,
      rewardToken: newErc20(),
      rewardTokenAddress: REWARD_TOKEN,
      feeToken: newErc20(),
      feeTokenAddress: FEE_TOKEN,
      startTimestamp: START,
      epochSeconds: EPOCH,
      emissionTotal: 1n,
      cliffEpochs: 0n,
      durationEpochs: 1n,
      halvingEpochs: 0n,
    };
    const table: ReadonlyArray<readonly [string, Partial<RewardsParams>, string, readonly (bigint | string)[]]> = [
      [
        "the owner is the zero address",
        { owner: ZERO_ADDRESS, rewardTokenAddress: ZERO_ADDRESS },
        "OwnableInvalidOwner",
        [ZERO_ADDRESS],
      ],
      [
        "the reward token is the zero address",
        { rewardTokenAddress: ZERO_ADDRESS },
        "RewardsDistributorInvalidToken",
        [ZERO_ADDRESS],
      ],
      [
        "the fee token is the zero address",
        { feeTokenAddress: ZERO_ADDRESS },
        "RewardsDistributorInvalidToken",
        [ZERO_ADDRESS],
      ],
      ["both tokens are the same", { feeTokenAddress: REWARD_TOKEN }, "RewardsDistributorInvalidToken", [REWARD_TOKEN]],
      [
        "the epoch is zero seconds",
        { epochSeconds: 0n, durationEpochs: 0n },
        "RewardsDistributorInvalidEpochSeconds",
        [0n],
      ],
      ["neither duration nor halving is set", { durationEpochs: 0n }, "RewardsDistributorInvalidSchedule", [0n, 0n]],
      ["both duration and halving are set", { halvingEpochs: 3n }, "RewardsDistributorInvalidSchedule", [1n, 3n]],
    ];
    for (const [condition, overrides, errorName, args] of table) {
      it(`model/rewards: newRewardsState reverts ${errorName} when ${condition}`, () => {
        expectRevert(() => newRewardsState({ ...base, ...overrides }), errorName, args);
      });
    }

    it("model/rewards: newRewardsState starts empty, with no source and no ledger to withdraw from", () => {
      const s = newRewardsState({ ...base, durationEpochs: 0n, halvingEpochs: 2n });
      expect(s.pointsSource).to.equal(ZERO_ADDRESS);
      expect(() => s.withdrawFees(1n, 0n)).to.throw(
        Error,
        "Bug in Lockstep: the rewards model was asked to withdraw 1 fee wei but has no withdrawFees wired.",
      );
      expect(rewardsVariables(s)).to.deep.equal({
        nextEpochToClose: 0n,
        totalEmitted: 0n,
        totalRewardsClaimed: 0n,
        totalFeesClaimed: 0n,
        totalFeesReceived: 0n,
        carriedRewardDust: 0n,
        carriedFeeDust: 0n,
        rewardsOwed: 0n,
        feesOwed: 0n,
      });
    });

    it("model/rewards: rewardsVariables names only zero-argument views of RewardsDistributor", () => {
      const iface: Interface = RewardsDistributor__factory.createInterface();
      for (const name of Object.keys(rewardsVariables(world().s))) {
        const fragment = iface.getFunction(name);
        expect(fragment, name).to.not.equal(null);
        expect(fragment?.inputs.length, name).to.equal(0);
        expect(fragment?.stateMutability, name).to.equal("view");
      }
    });
  });

  describe("setPointsSource", () => {
    it("model/rewards: setPointsSource checks the owner, then once, then the zero address", () => {
      const s = world().s;
      expectRevertUnchanged(s, () => setPointsSource(s, at(OWNER, 0n), BOB), "RewardsDistributorSourceAlreadySet", []);
      expectRevertUnchanged(s, () => setPointsSource(s, at(ALICE, 0n), BOB), "OwnableUnauthorizedAccount", [ALICE]);
      const fresh = newRewardsState({ ...s, withdrawFees: () => undefined });
      expectRevertUnchanged(
        fresh,
        () => setPointsSource(fresh, at(ALICE, 0n), ZERO_ADDRESS),
        "OwnableUnauthorizedAccount",
        [ALICE],
      );
      expectRevertUnchanged(
        fresh,
        () => setPointsSource(fresh, at(OWNER, 0n), ZERO_ADDRESS),
        "RewardsDistributorInvalidSource",
        [ZERO_ADDRESS],
      );
      setPointsSource(fresh, at(OWNER, 0n), BOB);
      expect(fresh.pointsSource).to.equal(BOB);
      expectRevertUnchanged(fresh, () => setPointsSource(fresh, at(ALICE, 0n), BOB), "OwnableUnauthorizedAccount", [
        ALICE,
      ]);
    });
  });

  describe("accruePoints", () => {
    it("model/rewards: accruePoints reverts RewardsDistributorNotSource before RewardsDistributorNotStarted", () => {
      const { s } = world();
      expectRevertUnchanged(
        s,
        () => accruePoints(s, at(ALICE, 0n), ALICE, 1n, ZERO_ADDRESS, 0n),
        "RewardsDistributorNotSource",
        [ALICE],
      );
      expectRevertUnchanged(
        s,
        () => accruePoints(s, source(START - 1n), ALICE, 1n, ZERO_ADDRESS, 0n),
        "RewardsDistributorNotStarted",
        [START - 1n, START],
      );
    });

    // [now, epoch credited]
    const boundaries: ReadonlyArray<readonly [bigint, bigint]> = [
      [START, 0n],
      [START + EPOCH - 1n, 0n],
      [START + EPOCH, 1n],
      [START + 5n * EPOCH + 99n, 5n],
    ];
    for (const [now, epoch] of boundaries) {
      it(`model/rewards: accruePoints credits epoch ${epoch} at start + ${now - START}s`, () => {
        const { s } = world();
        expect(currentEpoch(s, { now })).to.equal(epoch);
        accruePoints(s, source(now), ALICE, 7n, ZERO_ADDRESS, 0n);
        expect(epochPoints(s, epoch, ALICE)).to.equal(7n);
        expect(epochTotalPoints(s, epoch)).to.equal(7n);
      });
    }

    // [seller, points, aggregator, aggregatorPoints, earners, total]
    const credits: ReadonlyArray<readonly [Address, bigint, Address, bigint, readonly Address[], bigint]> = [
      [ALICE, 0n, ZERO_ADDRESS, 0n, [], 0n],
      [ALICE, 0n, BOB, 1n, [BOB], 1n],
      [ZERO_ADDRESS, 5n, BOB, 1n, [BOB], 1n],
      [ALICE, 1n, ALICE, 1n, [ALICE], 2n],
      [ALICE, 1n, BOB, 0n, [ALICE], 1n],
      [ALICE, MAX, ZERO_ADDRESS, 9n, [ALICE], MAX],
      [ALICE, MAX - 1n, BOB, 1n, [ALICE, BOB], MAX],
    ];
    for (const [seller, points, aggregator, aggregatorPoints, earners, total] of credits) {
      it(`model/rewards: accruePoints(${seller.slice(-2)}, ${points}, ${aggregator.slice(-2)}, ${aggregatorPoints}) gives ${earners.length} earner(s) and ${total} points`, () => {
        const { s } = world();
        accruePoints(s, source(START), seller, points, aggregator, aggregatorPoints);
        expect(epochEarners(s, 0n)).to.deep.equal(earners);
        expect(epochTotalPoints(s, 0n)).to.equal(total);
      });
    }

    it("model/rewards: accruePoints sums an account's credits across calls into one earner", () => {
      const { s } = world();
      accruePoints(s, source(START), ALICE, 2n, BOB, 1n);
      accruePoints(s, source(START + 1n), BOB, 3n, ALICE, 4n);
      expect(epochEarners(s, 0n)).to.deep.equal([ALICE, BOB]);
      expect(epochPoints(s, 0n, ALICE)).to.equal(6n);
      expect(epochPoints(s, 0n, BOB)).to.equal(4n);
      expect(epochTotalPoints(s, 0n)).to.equal(10n);
    });

    it("model/rewards: accruePoints panics 0x11 and writes nothing when the second credit overflows", () => {
      const { s } = world();
      accruePoints(s, source(START), ALICE, MAX - 1n, ZERO_ADDRESS, 0n);
      expectRevertUnchanged(s, () => accruePoints(s, source(START), BOB, 1n, CAROL, 1n), "Panic", [0x11n]);
      expectRevertUnchanged(s, () => accruePoints(s, source(START), ALICE, 1n, ALICE, 1n), "Panic", [0x11n]);
      accruePoints(s, source(START), CAROL, 1n, ZERO_ADDRESS, 0n);
      expect(epochTotalPoints(s, 0n)).to.equal(MAX);
    });
  });

  describe("closeEpoch", () => {
    it("model/rewards: closeEpoch reverts RewardsDistributorEpochNotEnded one second before the end and closes at it", () => {
      const { s } = world();
      expectRevertUnchanged(s, () => closeEpoch(s, at(ALICE, START - 1n)), "RewardsDistributorEpochNotEnded", [
        0n,
        START - 1n,
        START + EPOCH,
      ]);
      expectRevertUnchanged(s, () => closeEpoch(s, at(ALICE, START + EPOCH - 1n)), "RewardsDistributorEpochNotEnded", [
        0n,
        START + EPOCH - 1n,
        START + EPOCH,
      ]);
      closeEpoch(s, at(ALICE, START + EPOCH));
      expect(s.nextEpochToClose).to.equal(1n);
      expect(epochEndsAt(s, 1n)).to.equal(START + 2n * EPOCH);
    });

    // [reward budget, fee budget, points, reward shares, fee shares]
    type Row = readonly [bigint, bigint, readonly bigint[], readonly bigint[], readonly bigint[]];
    const table: readonly Row[] = [
      [0n, 0n, [1n], [0n], [0n]],
      [1n, 1n, [1n], [1n], [1n]],
      [1n, 1n, [1n, 1n], [0n, 0n], [0n, 0n]], // one wei for two: both floor to zero, the wei carries
      [2n, 3n, [1n, 1n], [1n, 1n], [1n, 1n]],
      [5n, 6n, [1n, 2n, 3n], [0n, 1n, 2n], [1n, 2n, 3n]], // budget = total points - 1 and = total points
      [7n, 13n, [1n, 2n, 4n], [1n, 2n, 4n], [1n, 3n, 7n]],
      [MAX, MAX, [1n, 1n], [MAX >> 1n, MAX >> 1n], [MAX >> 1n, MAX >> 1n]],
      [MAX, MAX, [1n, 1n, 1n], [MAX / 3n, MAX / 3n, MAX / 3n], [MAX / 3n, MAX / 3n, MAX / 3n]],
      [MAX, 1n, [MAX - 1n, 1n], [MAX - 1n, 1n], [0n, 0n]],
      [10n, 10n, [MAX], [10n], [10n]],
      [10n, 10n, [MAX - 1n, 1n], [9n, 0n], [9n, 0n]],
    ];
    const earnersOf = [ALICE, BOB, CAROL];
    for (const [rewardBudget, feeBudget, points, rewardShares, feeShares] of table) {
      it(`model/rewards: closeEpoch splits ${rewardBudget}/${feeBudget} over points [${points.join(", ")}] with the dust carried`, () => {
        const { s, rewardToken, feeToken } = world({}, rewardBudget, feeBudget);
        points.forEach((p, i) => accruePoints(s, source(START), earnersOf[i]!, p, ZERO_ADDRESS, 0n));
        closeEpoch(s, at(ALICE, START + EPOCH));
        const rewardDust = rewardBudget - rewardShares.reduce((a, b) => a + b, 0n);
        const feeDust = feeBudget - feeShares.reduce((a, b) => a + b, 0n);
        points.forEach((_p, i) => {
          expect(claimableRewards(s, earnersOf[i]!), `reward of earner ${i}`).to.equal(rewardShares[i]);
          expect(claimableFees(s, earnersOf[i]!), `fee of earner ${i}`).to.equal(feeShares[i]);
        });
        expect(s.carriedRewardDust).to.equal(rewardDust);
        expect(s.carriedFeeDust).to.equal(feeDust);
        expect(s.rewardsOwed).to.equal(rewardBudget - rewardDust);
        expect(s.feesOwed).to.equal(feeBudget - feeDust);
        expect(s.totalEmitted).to.equal(rewardBudget);
        expect(s.totalFeesReceived).to.equal(feeBudget);
        expect(balanceOf(rewardToken, DISTRIBUTOR)).to.equal(rewardBudget);
        expect(balanceOf(feeToken, DISTRIBUTOR)).to.equal(feeBudget);
      });
    }

    it("model/rewards: closeEpoch carries both budgets whole when the epoch has no points", () => {
      const { s } = world({}, 10n, 4n);
      closeEpoch(s, at(ALICE, START + EPOCH));
      expect(s.carriedRewardDust).to.equal(10n);
      expect(s.carriedFeeDust).to.equal(4n);
      expect(s.rewardsOwed).to.equal(0n);
      accruePoints(s, source(START + EPOCH), ALICE, 1n, ZERO_ADDRESS, 0n);
      closeEpoch(s, at(ALICE, START + 2n * EPOCH));
      expect(claimableRewards(s, ALICE)).to.equal(10n);
      expect(claimableFees(s, ALICE)).to.equal(4n);
      expect(s.carriedRewardDust).to.equal(0n);
    });

    it("model/rewards: closeEpoch reverts RewardsDistributorUnfunded one wei short and closes at exactly enough", () => {
      const { s, rewardToken } = world({}, 10n);
      transfer(rewardToken, DISTRIBUTOR, OWNER, 1n);
      expectRevertUnchanged(s, () => closeEpoch(s, at(ALICE, START + EPOCH)), "RewardsDistributorUnfunded", [10n, 9n]);
      transfer(rewardToken, OWNER, DISTRIBUTOR, 1n);
      closeEpoch(s, at(ALICE, START + EPOCH));
      expect(s.carriedRewardDust).to.equal(10n);
    });

    it("model/rewards: closeEpoch counts what is owed and carried toward the funding check", () => {
      const { s } = world({ emissionTotal: 20n, durationEpochs: 2n }, 15n);
      accruePoints(s, source(START), ALICE, 3n, ZERO_ADDRESS, 0n);
      closeEpoch(s, at(ALICE, START + EPOCH)); // owes 10
      expectRevertUnchanged(s, () => closeEpoch(s, at(ALICE, START + 2n * EPOCH)), "RewardsDistributorUnfunded", [
        20n,
        15n,
      ]);
    });

    it("model/rewards: closeEpoch does not withdraw fees while no points source is set", () => {
      const rewardToken = newErc20();
      let pulls = 0;
      const s = newRewardsState({
        address: DISTRIBUTOR,
        owner: OWNER,
        rewardToken,
        rewardTokenAddress: REWARD_TOKEN,
        feeToken: newErc20(),
        feeTokenAddress: FEE_TOKEN,
        startTimestamp: START,
        epochSeconds: EPOCH,
        emissionTotal: 0n,
        cliffEpochs: 0n,
        durationEpochs: 1n,
        halvingEpochs: 0n,
        withdrawFees: () => {
          pulls += 1;
        },
      });
      closeEpoch(s, at(ALICE, START + EPOCH));
      expect(pulls).to.equal(0);
    });

    it("model/rewards: closeEpoch throws a Lockstep bug error when withdrawFees does not move the amount asked", () => {
      const { s } = world({}, 0n, 5n);
      s.withdrawFees = () => undefined;
      expect(() => closeEpoch(s, at(ALICE, START + EPOCH))).to.throw(
        Error,
        "Bug in Lockstep: the rewards model's withdrawFees was asked for 5 but the distributor's fee-token balance changed by 0; withdrawFees must move exactly the amount asked.",
      );
    });
  });

  describe("claim", () => {
    it("model/rewards: claim reverts RewardsDistributorNothingToClaim when both balances are zero", () => {
      const { s } = world({}, 10n);
      expectRevertUnchanged(s, () => claim(s, at(ALICE, START)), "RewardsDistributorNothingToClaim", [ALICE]);
    });

    it("model/rewards: claim pays both tokens once and updates the counters", () => {
      const { s, rewardToken, feeToken } = world({}, 11n, 5n);
      accruePoints(s, source(START), ALICE, 1n, BOB, 1n);
      closeEpoch(s, at(ALICE, START + EPOCH));
      claim(s, at(ALICE, START + EPOCH));
      expect(balanceOf(rewardToken, ALICE)).to.equal(5n);
      expect(balanceOf(feeToken, ALICE)).to.equal(2n);
      expect(claimableRewards(s, ALICE)).to.equal(0n);
      expect(rewardsVariables(s)).to.deep.include({
        totalRewardsClaimed: 5n,
        totalFeesClaimed: 2n,
        rewardsOwed: 5n,
        feesOwed: 2n,
      });
      expectRevertUnchanged(s, () => claim(s, at(ALICE, START + EPOCH)), "RewardsDistributorNothingToClaim", [ALICE]);
    });

    it("model/rewards: claim reverts ERC20InsufficientBalance and writes nothing when the tokens left the distributor", () => {
      const { s, rewardToken } = world({}, 11n);
      accruePoints(s, source(START), ALICE, 1n, ZERO_ADDRESS, 0n);
      closeEpoch(s, at(ALICE, START + EPOCH));
      transfer(rewardToken, DISTRIBUTOR, OWNER, 1n); // impossible on chain; checks the model's atomicity
      expectRevertUnchanged(s, () => claim(s, at(ALICE, START + EPOCH)), "ERC20InsufficientBalance", [
        DISTRIBUTOR,
        10n,
        11n,
      ]);
    });
  });
});

// ---------------------------------------------------------------------------- differential

interface Schedule {
  readonly emissionTotal: bigint;
  readonly cliffEpochs: bigint;
  readonly durationEpochs: bigint;
  readonly halvingEpochs: bigint;
  /** Upper bound of one reward funding transfer, reward-token wei. */
  readonly fundingUnit: bigint;
}

type Action =
  | { kind: "accrue"; caller: number; seller: Address; points: bigint; aggregator: Address; aggregatorPoints: bigint }
  | { kind: "accrueDirect"; caller: number; seller: Address; points: bigint }
  | { kind: "close"; caller: number }
  | { kind: "claim"; caller: number }
  | { kind: "creditFees"; entity: Address; amount: bigint; told: boolean }
  | { kind: "fund"; amount: bigint }
  | { kind: "setSource"; caller: number; source: Address };

const DIFF_EPOCH = 1800n;
const GAS = { gasLimit: 5_000_000 };

function describeAction(action: Action, now: bigint): string {
  return `${JSON.stringify(action, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))} at ${now}`;
}

async function runRewardsDifferential(
  seed: number,
  schedule: Schedule,
  steps: number,
  tally: Map<string, number>,
): Promise<void> {
  const rng = new Prng(seed);
  const signers: HardhatEthersSigner[] = (await ethers.getSigners()).slice(0, 8);
  const [ownerSigner] = signers;
  if (ownerSigner === undefined || signers.length < 8) throw new Error("Hardhat network has fewer than 8 accounts.");
  const addresses = signers.map((signer) => toAddress(signer.address));
  const owner = toAddress(ownerSigner.address);

  // Chain.
  const rewardTokenC = await ethers.deployContract("GovernanceToken", [owner]);
  const feeTokenC = await ethers.deployContract("GovernanceToken", [owner]);
  const ledgerC = await ethers.deployContract("FundsLedgerMock", [feeTokenC]);
  const start = BigInt(await time.latest()) + 1500n;
  const distributorC = await ethers.deployContract("RewardsDistributor", [
    owner,
    rewardTokenC,
    feeTokenC,
    start,
    DIFF_EPOCH,
    schedule.emissionTotal,
    schedule.cliffEpochs,
    schedule.durationEpochs,
    schedule.halvingEpochs,
  ]);
  await feeTokenC.approve(ledgerC, MAX);
  const decoder = new RevertDecoder([distributorC, rewardTokenC, ledgerC]);
  const distributor = toAddress(await distributorC.getAddress());
  const ledger = toAddress(await ledgerC.getAddress());

  // Model, from the same parameters and the same starting balances.
  const rewardToken = newGovernanceToken(owner);
  const feeToken = newGovernanceToken(owner);
  approve(feeToken, owner, ledger, MAX);
  const available = new Map<Address, bigint>();
  const s = newRewardsState({
    address: distributor,
    owner,
    rewardToken,
    rewardTokenAddress: toAddress(await rewardTokenC.getAddress()),
    feeToken,
    feeTokenAddress: toAddress(await feeTokenC.getAddress()),
    startTimestamp: start,
    epochSeconds: DIFF_EPOCH,
    emissionTotal: schedule.emissionTotal,
    cliffEpochs: schedule.cliffEpochs,
    durationEpochs: schedule.durationEpochs,
    halvingEpochs: schedule.halvingEpochs,
    withdrawFees: (amount) => {
      // FundsLedgerMock.withdrawFunds: check, debit, then pay.
      const held = available.get(distributor) ?? 0n;
      if (held < amount) throw new ModelRevert("FundsLedgerMockInsufficientFunds", [distributor, held, amount]);
      available.set(distributor, held - amount);
      transfer(feeToken, ledger, distributor, amount);
    },
  });

  const earners = addresses.slice(1, 6);
  const everyone = [...addresses, distributor, ledger];
  const drawPoints = (): bigint =>
    rng.pick([0n, 1n, rng.bigint(1n, 1000n), rng.bigint(1n, 10n ** 24n), rng.bigint(1n, 10n ** 6n)]);
  const drawEarner = (): Address => (rng.chance(0.08) ? ZERO_ADDRESS : rng.pick(earners));

  let now = BigInt(await time.latest());
  for (let step = 0; step < steps; step++) {
    // Time: mostly short hops, sometimes exactly to (or one second before) the next close.
    const endsAt = epochEndsAt(s, s.nextEpochToClose);
    const roll = rng.int(10);
    let next = now + rng.bigint(1n, roll < 7 ? 120n : DIFF_EPOCH / 2n);
    if (roll === 8 && endsAt - 1n > now) next = endsAt - 1n;
    if (roll === 9 && endsAt > now) next = endsAt;
    now = next;

    const kindRoll = rng.int(100);
    let action: Action;
    if (kindRoll < 35) {
      const seller = drawEarner();
      action = {
        kind: "accrue",
        caller: rng.int(8),
        seller,
        points: drawPoints(),
        aggregator: rng.chance(0.2) ? seller : drawEarner(),
        aggregatorPoints: drawPoints(),
      };
    } else if (kindRoll < 40)
      action = { kind: "accrueDirect", caller: rng.int(8), seller: drawEarner(), points: drawPoints() };
    else if (kindRoll < 60) action = { kind: "close", caller: rng.int(8) };
    else if (kindRoll < 75) action = { kind: "claim", caller: rng.chance(0.8) ? rng.int(5) + 1 : rng.int(8) };
    else if (kindRoll < 85) {
      // Mostly a fee the distributor is told of (booked to the epoch of now); sometimes a bare credit,
      // to the distributor (never booked, never distributed) or to someone else.
      const entity = rng.chance(0.85) ? distributor : rng.pick(earners);
      action = {
        kind: "creditFees",
        entity,
        amount: rng.pick([0n, 1n, rng.bigint(0n, 10n ** 21n)]),
        told: entity === distributor && rng.chance(0.85),
      };
    } else if (kindRoll < 95) action = { kind: "fund", amount: rng.pick([1n, rng.bigint(0n, schedule.fundingUnit)]) };
    else
      action = {
        kind: "setSource",
        caller: rng.chance(0.7) ? 0 : rng.int(8),
        source: rng.chance(0.8) ? ledger : ZERO_ADDRESS,
      };

    const context = `seed ${seed}, step ${step}: ${describeAction(action, now)}`;
    const env = (caller: number): Env => ({ sender: addresses[caller]!, now });
    const signer = (caller: number): HardhatEthersSigner => signers[caller]!;

    let modelResult: Outcome;
    await time.setNextBlockTimestamp(now);
    let chainResult: Outcome;
    switch (action.kind) {
      case "accrue": {
        const a = action;
        modelResult = modelOutcome(() =>
          accruePoints(s, { sender: ledger, now }, a.seller, a.points, a.aggregator, a.aggregatorPoints),
        );
        chainResult = await decoder.send(() =>
          ledgerC
            .connect(signer(a.caller))
            .forwardPoints(distributorC, a.seller, a.points, a.aggregator, a.aggregatorPoints, GAS),
        );
        break;
      }
      case "accrueDirect": {
        const a = action;
        modelResult = modelOutcome(() => accruePoints(s, env(a.caller), a.seller, a.points, ZERO_ADDRESS, 0n));
        chainResult = await decoder.send(() =>
          distributorC.connect(signer(a.caller)).accruePoints(a.seller, a.points, ZERO_ADDRESS, 0n, GAS),
        );
        break;
      }
      case "close": {
        const a = action;
        modelResult = modelOutcome(() => closeEpoch(s, env(a.caller)));
        chainResult = await decoder.send(() => distributorC.connect(signer(a.caller)).closeEpoch(GAS));
        break;
      }
      case "claim": {
        const a = action;
        modelResult = modelOutcome(() => claim(s, env(a.caller)));
        chainResult = await decoder.send(() => distributorC.connect(signer(a.caller)).claim(GAS));
        break;
      }
      case "creditFees": {
        const a = action;
        modelResult = modelOutcome(() => {
          // The booking checks its caller first and writes nothing when it reverts; the owner's
          // transfer cannot fail (it holds the whole supply and approved the ledger for all of it).
          if (a.told) accrueFees(s, { sender: ledger, now }, a.amount);
          transferFrom(feeToken, ledger, owner, ledger, a.amount);
          available.set(a.entity, (available.get(a.entity) ?? 0n) + a.amount);
        });
        chainResult = await decoder.send(() =>
          a.told
            ? ledgerC.connect(ownerSigner).creditFees(distributorC, a.amount, GAS)
            : ledgerC.connect(ownerSigner).credit(a.entity, a.amount, GAS),
        );
        break;
      }
      case "fund": {
        const a = action;
        modelResult = modelOutcome(() => transfer(rewardToken, owner, distributor, a.amount));
        chainResult = await decoder.send(() => rewardTokenC.connect(ownerSigner).transfer(distributor, a.amount, GAS));
        break;
      }
      case "setSource": {
        const a = action;
        modelResult = modelOutcome(() => setPointsSource(s, env(a.caller), a.source));
        chainResult = await decoder.send(() => distributorC.connect(signer(a.caller)).setPointsSource(a.source, GAS));
        break;
      }
    }
    expect(chainResult, `outcome, ${context}`).to.deep.equal(modelResult);
    const key = `${action.kind}:${modelResult.ok ? "ok" : modelResult.error}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);

    // Views and balances.
    const chainVariables: Record<string, bigint> = {};
    for (const name of Object.keys(rewardsVariables(s))) {
      const value: unknown = await distributorC.getFunction(name).staticCall();
      if (typeof value !== "bigint") throw new TypeError(`${name}() returned ${typeof value}`);
      chainVariables[name] = value;
    }
    expect(chainVariables, `variables, ${context}`).to.deep.equal(rewardsVariables(s));
    expect(toAddress(await distributorC.pointsSource()), `pointsSource, ${context}`).to.equal(s.pointsSource);
    const chainEpoch = await decoder.call(() => distributorC.currentEpoch());
    expect(chainEpoch, `currentEpoch, ${context}`).to.deep.equal(modelOutcome(() => currentEpoch(s, { now }), true));
    for (const account of everyone) {
      const [cr, cf, br, bf] = await Promise.all([
        distributorC.claimableRewards(account),
        distributorC.claimableFees(account),
        rewardTokenC.balanceOf(account),
        feeTokenC.balanceOf(account),
      ]);
      expect([cr, cf, br, bf], `claimables and balances of ${account}, ${context}`).to.deep.equal([
        claimableRewards(s, account),
        claimableFees(s, account),
        balanceOf(rewardToken, account),
        balanceOf(feeToken, account),
      ]);
    }
    expect(await ledgerC.availableFunds(distributor), `ledger, ${context}`).to.equal(available.get(distributor) ?? 0n);
    const open = s.nextEpochToClose;
    expect(await distributorC.epochFees(open), `epochFees(${open}), ${context}`).to.equal(epochFees(s, open));
    expect(await distributorC.epochFees(open + 1n), `epochFees(${open + 1n}), ${context}`).to.equal(
      epochFees(s, open + 1n),
    );
    expect(await distributorC.feeEpoch(), `feeEpoch, ${context}`).to.equal(feeEpoch(s, { now }));
    // Invariants: every fee wei held is owed or carried; the reward balance covers what is owed and carried.
    expect(balanceOf(feeToken, distributor), `fee invariant, ${context}`).to.equal(s.feesOwed + s.carriedFeeDust);
    expect(
      balanceOf(rewardToken, distributor) >= s.rewardsOwed + s.carriedRewardDust,
      `reward invariant, ${context}`,
    ).to.equal(true);
    expect(s.rewardsOwed + s.carriedRewardDust, `emission accounting, ${context}`).to.equal(
      s.totalEmitted - s.totalRewardsClaimed,
    );
    expect(s.feesOwed + s.carriedFeeDust, `fee accounting, ${context}`).to.equal(
      s.totalFeesReceived - s.totalFeesClaimed,
    );
  }

  // Every epoch's points, at the end.
  const lastEpoch = now >= start ? currentEpoch(s, { now }) : 0n;
  for (let epoch = 0n; epoch <= lastEpoch; epoch++) {
    const chainEarners = (await distributorC.epochEarners(epoch)).map(toAddress);
    expect(chainEarners, `earners of epoch ${epoch}, seed ${seed}`).to.deep.equal(epochEarners(s, epoch));
    expect(await distributorC.epochTotalPoints(epoch)).to.equal(epochTotalPoints(s, epoch));
    expect(await distributorC.epochFees(epoch), `fees of epoch ${epoch}, seed ${seed}`).to.equal(epochFees(s, epoch));
    for (const account of earners)
      expect(await distributorC.epochPoints(epoch, account)).to.equal(epochPoints(s, epoch, account));
  }
}

describe("model/rewards differential", () => {
  const tally = new Map<string, number>();
  const one = 10n ** 18n;
  const cases: ReadonlyArray<readonly [string, number, Schedule]> = [
    [
      "a linear schedule with a cliff",
      20240601,
      {
        emissionTotal: 1_000_003n * one + 11n,
        cliffEpochs: 1n,
        durationEpochs: 7n,
        halvingEpochs: 0n,
        fundingUnit: 300_000n * one,
      },
    ],
    [
      "a halving schedule",
      7,
      {
        emissionTotal: 10n ** 24n + 12_345n,
        cliffEpochs: 2n,
        durationEpochs: 0n,
        halvingEpochs: 3n,
        fundingUnit: 10n ** 24n / 3n,
      },
    ],
    [
      "a few wei over an odd duration",
      424242,
      { emissionTotal: 1001n, cliffEpochs: 0n, durationEpochs: 13n, halvingEpochs: 0n, fundingUnit: 300n },
    ],
  ];

  for (const [condition, seed, schedule] of cases) {
    it(`model/rewards: matches RewardsDistributor action by action (outcome, views, balances) on ${condition} (seed ${seed})`, async () => {
      await runRewardsDifferential(seed, schedule, 200, tally);
    });
  }

  it("model/rewards: the differential sequences reached every revert and success path", () => {
    const expected = [
      "accrue:ok",
      "accrue:RewardsDistributorNotSource",
      "accrue:RewardsDistributorNotStarted",
      "accrueDirect:RewardsDistributorNotSource",
      "close:ok",
      "close:RewardsDistributorEpochNotEnded",
      "close:RewardsDistributorUnfunded",
      "claim:ok",
      "claim:RewardsDistributorNothingToClaim",
      "creditFees:ok",
      "creditFees:RewardsDistributorNotSource",
      "fund:ok",
      "setSource:ok",
      "setSource:RewardsDistributorSourceAlreadySet",
      "setSource:OwnableUnauthorizedAccount",
    ];
    const missing = expected.filter((key) => !tally.has(key));
    expect(missing, `tally: ${JSON.stringify([...tally.entries()])}`).to.deep.equal([]);
  });
});
