/**
 * Cases of issue 20 ("each epoch's fees go to that epoch's earners"), written once and run on both the
 * RewardsDistributor (test/contracts/rewardsEpochFees.test.ts) and its model (test/model/rewardsEpochFees.test.ts).
 * Every expected value is a literal worked out by hand from design.md's Rewards paragraph; the comment next to it
 * shows the arithmetic. Nothing here is computed by the model or the contract.
 *
 * The distributor of every case: epochs of EPOCH seconds from `start`; a linear emission of 3,000 reward wei over 3
 * epochs without a cliff, so `emitted(k) = 3000 * min(k, 3) / 3` and each of epochs 0, 1, 2 emits 1,000; its points
 * source is the funds ledger (FundsLedgerMock on chain), which credits fees to it and tells it (`creditFees`).
 */
export const EPOCH = 30n * 24n * 3600n;
export const EMISSION = { emissionTotal: 3_000n, cliffEpochs: 0n, durationEpochs: 3n, halvingEpochs: 0n } as const;

export type Earner = "alice" | "bob" | "carol";
export const EARNERS: readonly Earner[] = ["alice", "bob", "carol"];

/** What a case looks at, after an `expect` step. Epoch fees are `epochFees(0..3)`. */
export interface Observation {
  readonly epochFees: readonly [bigint, bigint, bigint, bigint];
  readonly nextEpochToClose: bigint;
  readonly claimableFees: Readonly<Record<Earner, bigint>>;
  readonly claimableRewards: Readonly<Record<Earner, bigint>>;
  readonly carriedFeeDust: bigint;
  readonly carriedRewardDust: bigint;
  readonly totalFeesReceived: bigint;
  /** The ledger's available funds of the distributor: fees booked to open epochs, plus bare credits. */
  readonly ledgerFunds: bigint;
  /** The distributor's fee-token balance. */
  readonly feeBalance: bigint;
}

/** What the side running a case tells a revert's expected arguments: its start and its outsider's address. */
export interface CaseContext {
  readonly start: bigint;
  readonly outsider: string;
}

export interface ExpectedRevert {
  readonly name: string;
  readonly args: (c: CaseContext) => readonly (bigint | string)[];
}

/** One step. `at` is seconds from the start of epoch 0 (negative: before it). */
export type Step =
  /** The ledger credits `amount` fee wei to the distributor and tells it (the escrow collecting a fee). */
  | { readonly at: bigint; readonly fee: bigint; readonly reverts?: ExpectedRevert }
  /** The ledger credits `amount` to the distributor without telling it. */
  | { readonly at: bigint; readonly bareCredit: bigint }
  /** An outsider (not the points source) calls `accrueFees(amount)`. */
  | { readonly at: bigint; readonly outsiderFee: bigint; readonly reverts: ExpectedRevert }
  /** The ledger, as points source, credits `points` to `earner` in the current epoch. */
  | { readonly at: bigint; readonly points: bigint; readonly earner: Earner }
  /** Anyone closes the next epoch. */
  | { readonly at: bigint; readonly close: true; readonly reverts?: ExpectedRevert }
  /** The state now includes these values. */
  | { readonly expect: Partial<Observation> };

export interface EpochFeeCase {
  /** The test's behaviour, after `<unit>: `. */
  readonly name: string;
  readonly steps: readonly Step[];
}

const zero: Record<Earner, bigint> = { alice: 0n, bob: 0n, carol: 0n };
const E = EPOCH;
const DAY = 24n * 3600n;

export const EPOCH_FEE_CASES: readonly EpochFeeCase[] = [
  {
    // The case: a fee in epoch 0, a fee in epoch 1, then epoch 0 is closed (on day 29 of epoch 1).
    name: "gives epoch 0's fee to epoch 0's earners and epoch 1's to epoch 1's when epoch 0 is closed during epoch 1",
    steps: [
      { at: 10n, points: 1n, earner: "alice" },
      { at: 11n, points: 2n, earner: "bob" },
      { at: 20n, fee: 100n },
      { at: E + 10n, points: 1n, earner: "carol" },
      { at: E + 20n, fee: 50n },
      { expect: { epochFees: [100n, 50n, 0n, 0n], ledgerFunds: 150n } },
      { at: E + 29n * DAY, close: true },
      {
        expect: {
          nextEpochToClose: 1n,
          // Fee budget of epoch 0 = its own fee, 100, over 3 points: alice floor(100 * 1 / 3) = 33,
          // bob floor(100 * 2 / 3) = 66, dust 100 - 99 = 1. Epoch 1's 50 is not in it.
          claimableFees: { alice: 33n, bob: 66n, carol: 0n },
          carriedFeeDust: 1n,
          // Reward budget = emitted(1) - emitted(0) = 1000: floor(1000 / 3) = 333, floor(2000 / 3) = 666, dust 1.
          claimableRewards: { alice: 333n, bob: 666n, carol: 0n },
          carriedRewardDust: 1n,
          // Exactly epoch 0's fees leave the ledger; epoch 1's 50 stay there.
          totalFeesReceived: 100n,
          ledgerFunds: 50n,
          feeBalance: 100n,
        },
      },
      { at: 2n * E, close: true },
      {
        expect: {
          nextEpochToClose: 2n,
          // Epoch 1: fee 50 + carried 1 = 51, reward 1000 + carried 1 = 1001, all to carol's 1 point.
          claimableFees: { alice: 33n, bob: 66n, carol: 51n },
          claimableRewards: { alice: 333n, bob: 666n, carol: 1001n },
          carriedFeeDust: 0n,
          carriedRewardDust: 0n,
          totalFeesReceived: 150n,
          ledgerFunds: 0n,
          feeBalance: 150n,
        },
      },
    ],
  },
  {
    // Epoch 0 is [start, start + E): one second before its end is epoch 0, its end is epoch 1.
    name: "books a fee collected one second before an epoch's end to that epoch and one collected at the end to the next",
    steps: [
      { at: E - 1n, points: 1n, earner: "alice" },
      { at: E - 1n, fee: 7n },
      { at: E, points: 1n, earner: "bob" },
      { at: E, fee: 11n },
      { expect: { epochFees: [7n, 11n, 0n, 0n] } },
      // Closed at the very second it ends, after the fee of that second: epoch 0 takes 7, not 18.
      { at: E, close: true },
      {
        expect: {
          claimableFees: { alice: 7n, bob: 0n, carol: 0n },
          claimableRewards: { alice: 1000n, bob: 0n, carol: 0n },
          ledgerFunds: 11n,
          totalFeesReceived: 7n,
        },
      },
      { at: 2n * E, close: true },
      {
        expect: {
          claimableFees: { alice: 7n, bob: 11n, carol: 0n },
          claimableRewards: { alice: 1000n, bob: 1000n, carol: 0n },
          carriedFeeDust: 0n,
          ledgerFunds: 0n,
          totalFeesReceived: 18n,
        },
      },
    ],
  },
  {
    name: "carries an epoch's whole fee and emission forward when the epoch has no points",
    steps: [
      { at: 10n, fee: 70n },
      { at: E, close: true },
      {
        expect: {
          claimableFees: zero,
          claimableRewards: zero,
          // No points: fee budget 70 and reward budget 1000 carry whole; the fee is withdrawn all the same.
          carriedFeeDust: 70n,
          carriedRewardDust: 1000n,
          totalFeesReceived: 70n,
          ledgerFunds: 0n,
          feeBalance: 70n,
        },
      },
      { at: E + 10n, points: 1n, earner: "alice" },
      { at: E + 20n, fee: 30n },
      { at: 2n * E, close: true },
      {
        expect: {
          // Epoch 1: fee 30 + carried 70 = 100, reward 1000 + carried 1000 = 2000, all to alice.
          claimableFees: { alice: 100n, bob: 0n, carol: 0n },
          claimableRewards: { alice: 2000n, bob: 0n, carol: 0n },
          carriedFeeDust: 0n,
          carriedRewardDust: 0n,
          totalFeesReceived: 100n,
        },
      },
    ],
  },
  {
    name: "books fees collected while no epoch can close yet (before the start, and during epoch 0) to epoch 0",
    steps: [
      // Before the start the current epoch is undefined (currentEpoch reverts); the fee goes to the first epoch.
      { at: -100n, fee: 5n },
      {
        at: -50n,
        close: true,
        reverts: { name: "RewardsDistributorEpochNotEnded", args: (c) => [0n, c.start - 50n, c.start + E] },
      },
      { at: 10n, fee: 6n },
      {
        at: E - 1n,
        close: true,
        reverts: { name: "RewardsDistributorEpochNotEnded", args: (c) => [0n, c.start + E - 1n, c.start + E] },
      },
      { at: E - 1n, points: 1n, earner: "bob" },
      { expect: { epochFees: [11n, 0n, 0n, 0n], nextEpochToClose: 0n, ledgerFunds: 11n, totalFeesReceived: 0n } },
      { at: E, close: true },
      {
        expect: {
          // 5 + 6 = 11, all to bob's single point.
          claimableFees: { alice: 0n, bob: 11n, carol: 0n },
          claimableRewards: { alice: 0n, bob: 1000n, carol: 0n },
          totalFeesReceived: 11n,
          ledgerFunds: 0n,
        },
      },
    ],
  },
  {
    name: "books a fee by block time when epochs before it are still open, and closing them does not take it",
    steps: [
      { at: 10n, points: 1n, earner: "alice" },
      // Epochs 0 and 1 have ended and neither is closed: by block time this fee is epoch 2's.
      { at: 2n * E + 10n, fee: 9n },
      { expect: { epochFees: [0n, 0n, 9n, 0n] } },
      { at: 2n * E + 20n, close: true },
      { at: 2n * E + 21n, close: true },
      {
        expect: {
          nextEpochToClose: 2n,
          // Epoch 0: reward 1000 to alice, no fee. Epoch 1: no points, reward 1000 carried, no fee.
          claimableFees: zero,
          claimableRewards: { alice: 1000n, bob: 0n, carol: 0n },
          carriedFeeDust: 0n,
          carriedRewardDust: 1000n,
          ledgerFunds: 9n,
        },
      },
      { at: 2n * E + 22n, points: 1n, earner: "bob" },
      { at: 3n * E, close: true },
      {
        expect: {
          // Epoch 2: fee 9, reward 1000 + carried 1000 = 2000, all to bob.
          claimableFees: { alice: 0n, bob: 9n, carol: 0n },
          claimableRewards: { alice: 1000n, bob: 2000n, carol: 0n },
          ledgerFunds: 0n,
          totalFeesReceived: 9n,
        },
      },
    ],
  },
  {
    name: "leaves funds credited without being told in the ledger and reverts RewardsDistributorNotSource for an outsider",
    steps: [
      { at: 10n, bareCredit: 55n },
      {
        at: 11n,
        outsiderFee: 1n,
        reverts: { name: "RewardsDistributorNotSource", args: (c) => [c.outsider] },
      },
      { at: 12n, points: 1n, earner: "carol" },
      { at: 20n, fee: 4n },
      { expect: { epochFees: [4n, 0n, 0n, 0n], ledgerFunds: 59n } },
      { at: E, close: true },
      {
        expect: {
          // Only the told 4 is epoch 0's; the bare 55 stay in the ledger, never distributed.
          claimableFees: { alice: 0n, bob: 0n, carol: 4n },
          totalFeesReceived: 4n,
          ledgerFunds: 55n,
          feeBalance: 4n,
        },
      },
    ],
  },
];
