/**
 * Mirrors contracts/rewards/RewardsDistributor.sol one to one: same checks in the same order, same
 * custom errors with the same arguments, same floors. Every function checks everything before it
 * writes, so a thrown ModelRevert leaves the state untouched, as a reverted transaction does.
 */
import { balanceOf, checkTransfer, transfer, type Erc20State } from "./erc20.js";
import { halvingEpochEmission, linearEpochEmission } from "./emission.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Emit, type Env } from "./types.js";
import { checkedUint256, mulDiv } from "./uint256.js";

/**
 * Withdraws `amount` fee-token wei of the distributor's funds from the funds ledger, moving them into
 * the distributor's balance in the shared fee-token `Erc20State`; may throw a ModelRevert (the ledger's
 * revert). Mirrors `ledger.withdrawFunds(amount)` in `closeEpoch`, called only with `amount != 0`;
 * the world wires it to the vouchers model's withdrawFunds, with the distributor as sender.
 */
export type WithdrawFees = (amount: bigint, now: bigint, emit?: Emit) => void;

/** The constructor's arguments, plus where the model keeps the distributor's balances. */
export interface RewardsParams {
  /** The distributor's address: its balances in both tokens are keyed by it. */
  readonly address: Address;
  readonly owner: Address;
  readonly rewardToken: Erc20State;
  readonly rewardTokenAddress: Address;
  readonly feeToken: Erc20State;
  readonly feeTokenAddress: Address;
  /** Start of epoch 0, seconds since the Unix epoch. */
  readonly startTimestamp: bigint;
  readonly epochSeconds: bigint;
  /** Reward-token wei. */
  readonly emissionTotal: bigint;
  readonly cliffEpochs: bigint;
  /** Epochs of linear emission; 0 on the halving schedule. */
  readonly durationEpochs: bigint;
  /** Epochs per halving period; 0 selects the linear schedule. */
  readonly halvingEpochs: bigint;
  /** Defaults to a ledger that cannot pay (a bug to call: fees are booked only by a wired source). */
  readonly withdrawFees?: WithdrawFees;
}

/** One epoch's points, as the contract's `EpochPoints` struct. */
export interface EpochPointsState {
  totalPoints: bigint;
  /** Distinct earners in order of first credit. */
  readonly earners: Address[];
  readonly points: Map<Address, bigint>;
}

export interface RewardsState {
  readonly address: Address;
  readonly owner: Address;
  readonly rewardToken: Erc20State;
  readonly rewardTokenAddress: Address;
  readonly feeToken: Erc20State;
  readonly feeTokenAddress: Address;
  readonly startTimestamp: bigint;
  readonly epochSeconds: bigint;
  readonly emissionTotal: bigint;
  readonly cliffEpochs: bigint;
  readonly durationEpochs: bigint;
  readonly halvingEpochs: bigint;
  /** Not a contract variable: the model's stand-in for the ledger call (see WithdrawFees). */
  withdrawFees: WithdrawFees;
  /** ZERO_ADDRESS until set. */
  pointsSource: Address;
  nextEpochToClose: bigint;
  readonly epochs: Map<bigint, EpochPointsState>;
  /** Fee-token wei of rewards-pool fees booked to each epoch (the contract's `_epochFees`); absent is 0. */
  readonly epochFeeTotals: Map<bigint, bigint>;
  readonly claimableRewardBalances: Map<Address, bigint>;
  readonly claimableFeeBalances: Map<Address, bigint>;
  totalEmitted: bigint;
  totalRewardsClaimed: bigint;
  totalFeesClaimed: bigint;
  totalFeesReceived: bigint;
  carriedRewardDust: bigint;
  carriedFeeDust: bigint;
  rewardsOwed: bigint;
  feesOwed: bigint;
}

/** The comparable counters, named as the contract's views. */
export interface RewardsVariables extends Record<string, bigint> {
  nextEpochToClose: bigint;
  totalEmitted: bigint;
  totalRewardsClaimed: bigint;
  totalFeesClaimed: bigint;
  totalFeesReceived: bigint;
  carriedRewardDust: bigint;
  carriedFeeDust: bigint;
  rewardsOwed: bigint;
  feesOwed: bigint;
}

/** Mirrors the RewardsDistributor constructor, reverts included (Ownable's check runs first). */
export function newRewardsState(params: RewardsParams): RewardsState {
  if (params.owner === ZERO_ADDRESS) revert("OwnableInvalidOwner", ZERO_ADDRESS);
  if (params.rewardTokenAddress === ZERO_ADDRESS) revert("RewardsDistributorInvalidToken", ZERO_ADDRESS);
  if (params.feeTokenAddress === ZERO_ADDRESS || params.feeTokenAddress === params.rewardTokenAddress) {
    revert("RewardsDistributorInvalidToken", params.feeTokenAddress);
  }
  if (params.epochSeconds === 0n) revert("RewardsDistributorInvalidEpochSeconds", 0n);
  if ((params.durationEpochs === 0n) === (params.halvingEpochs === 0n)) {
    revert("RewardsDistributorInvalidSchedule", params.durationEpochs, params.halvingEpochs);
  }
  return {
    address: params.address,
    owner: params.owner,
    rewardToken: params.rewardToken,
    rewardTokenAddress: params.rewardTokenAddress,
    feeToken: params.feeToken,
    feeTokenAddress: params.feeTokenAddress,
    startTimestamp: params.startTimestamp,
    epochSeconds: params.epochSeconds,
    emissionTotal: params.emissionTotal,
    cliffEpochs: params.cliffEpochs,
    durationEpochs: params.durationEpochs,
    halvingEpochs: params.halvingEpochs,
    withdrawFees: params.withdrawFees ?? noLedger,
    pointsSource: ZERO_ADDRESS,
    nextEpochToClose: 0n,
    epochs: new Map(),
    epochFeeTotals: new Map(),
    claimableRewardBalances: new Map(),
    claimableFeeBalances: new Map(),
    totalEmitted: 0n,
    totalRewardsClaimed: 0n,
    totalFeesClaimed: 0n,
    totalFeesReceived: 0n,
    carriedRewardDust: 0n,
    carriedFeeDust: 0n,
    rewardsOwed: 0n,
    feesOwed: 0n,
  };
}

/** The default WithdrawFees: no ledger is wired, so no fee can have been booked. */
function noLedger(amount: bigint): void {
  throw new Error(
    `Bug in Lockstep: the rewards model was asked to withdraw ${amount} fee wei but has no withdrawFees wired.`,
  );
}

// ------------------------------------------------------------------ owner

/** Mirrors RewardsDistributor.setPointsSource (onlyOwner, once, nonzero). */
export function setPointsSource(s: RewardsState, env: Env, source: Address): void {
  if (env.sender !== s.owner) revert("OwnableUnauthorizedAccount", env.sender);
  if (s.pointsSource !== ZERO_ADDRESS) revert("RewardsDistributorSourceAlreadySet");
  if (source === ZERO_ADDRESS) revert("RewardsDistributorInvalidSource", ZERO_ADDRESS);
  s.pointsSource = source;
  env.emit?.(s.address, "PointsSourceSet", source);
}

// ------------------------------------------------------------------ points source

/**
 * Mirrors RewardsDistributor.accruePoints: only the points source; credited to `currentEpoch`;
 * zero points and the zero address skipped; an account credited twice is one earner with summed points.
 * Emits PointsAccrued(epoch, account, points) for each credit, in order.
 */
export function accruePoints(
  s: RewardsState,
  env: Env,
  seller: Address,
  points: bigint,
  aggregator: Address,
  aggregatorPoints: bigint,
): void {
  if (env.sender !== s.pointsSource) revert("RewardsDistributorNotSource", env.sender);
  const epoch = currentEpoch(s, env);
  const data = s.epochs.get(epoch);
  // Stage both credits (the second may overflow after the first, which the EVM would roll back).
  const staged = new Map<Address, bigint>();
  const newEarners: Address[] = [];
  let totalPoints = data?.totalPoints ?? 0n;
  for (const [account, amount] of [
    [seller, points],
    [aggregator, aggregatorPoints],
  ] as const) {
    if (amount === 0n || account === ZERO_ADDRESS) continue;
    const before = staged.get(account) ?? data?.points.get(account) ?? 0n;
    if (before === 0n) newEarners.push(account);
    staged.set(account, checkedUint256(before + amount));
    totalPoints = checkedUint256(totalPoints + amount);
  }
  if (staged.size === 0) return;
  if (env.emit !== undefined) {
    if (points !== 0n && seller !== ZERO_ADDRESS) env.emit(s.address, "PointsAccrued", epoch, seller, points);
    if (aggregatorPoints !== 0n && aggregator !== ZERO_ADDRESS) {
      env.emit(s.address, "PointsAccrued", epoch, aggregator, aggregatorPoints);
    }
  }
  const target = data ?? { totalPoints: 0n, earners: [], points: new Map<Address, bigint>() };
  for (const [account, value] of staged) target.points.set(account, value);
  target.earners.push(...newEarners);
  target.totalPoints = totalPoints;
  s.epochs.set(epoch, target);
}

/**
 * Mirrors RewardsDistributor.accrueFees: only the points source; books `amount` fee-token wei to
 * `feeEpoch` (the current epoch, or 0 before the start); `Panic(0x11)` if that epoch's total overflows.
 * Emits FeesAccrued(epoch, amount).
 */
export function accrueFees(s: RewardsState, env: Env, amount: bigint): void {
  if (env.sender !== s.pointsSource) revert("RewardsDistributorNotSource", env.sender);
  const epoch = feeEpoch(s, env);
  s.epochFeeTotals.set(epoch, checkedUint256(epochFees(s, epoch) + amount));
  env.emit?.(s.address, "FeesAccrued", epoch, amount);
}

// ------------------------------------------------------------------ anyone

/**
 * Mirrors RewardsDistributor.closeEpoch. The fee budget is the closed epoch's booked fees plus the
 * carried fee dust. The contract writes, emits, then calls `withdrawFunds(epochFees(epoch))`; the
 * model calls `s.withdrawFees` once every check has passed and before its own writes, which nothing
 * after can make revert: the final states are the same. Its events keep the contract's order: EpochClosed (its
 * dust computed before the writes), then the ledger's withdrawal.
 */
export function closeEpoch(s: RewardsState, env: Env): void {
  const epoch = s.nextEpochToClose;
  const endsAt = epochEndsAt(s, epoch);
  if (env.now < endsAt) revert("RewardsDistributorEpochNotEnded", epoch, env.now, endsAt);

  const emission = epochEmission(s, epoch);
  const rewardBudget = checkedUint256(emission + s.carriedRewardDust);
  const needed = checkedUint256(s.rewardsOwed + rewardBudget);
  const balance = balanceOf(s.rewardToken, s.address);
  if (balance < needed) revert("RewardsDistributorUnfunded", needed, balance);

  // Only the points source books fees, so `feesIn != 0` means the source (the ledger) is set.
  const feesIn = epochFees(s, epoch);
  const feeBudget = feesIn + s.carriedFeeDust;
  const data = s.epochs.get(epoch);
  const totalPoints = data?.totalPoints ?? 0n;
  if (env.emit !== undefined) {
    const pointed = data !== undefined && totalPoints !== 0n;
    env.emit(
      s.address,
      "EpochClosed",
      epoch,
      rewardBudget,
      feeBudget,
      totalPoints,
      pointed ? rewardBudget - splitTotal(data, rewardBudget) : rewardBudget,
      pointed ? feeBudget - splitTotal(data, feeBudget) : feeBudget,
    );
  }
  if (feesIn !== 0n) {
    const feeBalanceBefore = balanceOf(s.feeToken, s.address);
    s.withdrawFees(feesIn, env.now, env.emit);
    const received = balanceOf(s.feeToken, s.address) - feeBalanceBefore;
    if (received !== feesIn) {
      throw new Error(
        `Bug in Lockstep: the rewards model's withdrawFees was asked for ${feesIn} but the distributor's ` +
          `fee-token balance changed by ${received}; withdrawFees must move exactly the amount asked.`,
      );
    }
  }

  let rewardDust = rewardBudget;
  let feeDust = feeBudget;
  if (data !== undefined && totalPoints !== 0n) {
    const rewardsCredited = split(data, rewardBudget, s.claimableRewardBalances);
    const feesCredited = split(data, feeBudget, s.claimableFeeBalances);
    s.rewardsOwed += rewardsCredited;
    s.feesOwed += feesCredited;
    rewardDust = rewardBudget - rewardsCredited;
    feeDust = feeBudget - feesCredited;
  }
  s.carriedRewardDust = rewardDust;
  s.carriedFeeDust = feeDust;
  s.totalEmitted += emission;
  s.totalFeesReceived += feesIn;
  s.nextEpochToClose = epoch + 1n;
}

/** What `split` would credit, written nowhere: the sum of each earner's floor. */
function splitTotal(data: EpochPointsState, budget: bigint): bigint {
  let credited = 0n;
  for (const account of data.earners) credited += mulDiv(budget, data.points.get(account) ?? 0n, data.totalPoints);
  return credited;
}

/** Mirrors RewardsDistributor._split (floor per earner); returns the sum credited. */
function split(data: EpochPointsState, budget: bigint, claimable: Map<Address, bigint>): bigint {
  let credited = 0n;
  for (const account of data.earners) {
    const share = mulDiv(budget, data.points.get(account) ?? 0n, data.totalPoints);
    claimable.set(account, (claimable.get(account) ?? 0n) + share);
    credited += share;
  }
  return credited;
}

/** Mirrors RewardsDistributor.claim: pays the sender its claimable rewards and fees; emits Claimed, then the transfers'. */
export function claim(s: RewardsState, env: Env): void {
  const account = env.sender;
  const reward = s.claimableRewardBalances.get(account) ?? 0n;
  const fee = s.claimableFeeBalances.get(account) ?? 0n;
  if (reward === 0n && fee === 0n) revert("RewardsDistributorNothingToClaim", account);
  if (reward !== 0n) checkTransfer(s.rewardToken, s.address, account, reward);
  if (fee !== 0n) checkTransfer(s.feeToken, s.address, account, fee);
  s.claimableRewardBalances.set(account, 0n);
  s.claimableFeeBalances.set(account, 0n);
  s.rewardsOwed -= reward;
  s.feesOwed -= fee;
  s.totalRewardsClaimed += reward;
  s.totalFeesClaimed += fee;
  env.emit?.(s.address, "Claimed", account, reward, fee);
  if (reward !== 0n) transfer(s.rewardToken, s.address, account, reward, env.emit);
  if (fee !== 0n) transfer(s.feeToken, s.address, account, fee, env.emit);
}

// ------------------------------------------------------------------ views

/** Mirrors RewardsDistributor.currentEpoch (floor); `RewardsDistributorNotStarted` before the start. */
export function currentEpoch(s: RewardsState, env: Pick<Env, "now">): bigint {
  if (env.now < s.startTimestamp) revert("RewardsDistributorNotStarted", env.now, s.startTimestamp);
  return (env.now - s.startTimestamp) / s.epochSeconds;
}

/** Mirrors RewardsDistributor.feeEpoch: the epoch a fee collected now is booked to (0 before the start). */
export function feeEpoch(s: RewardsState, env: Pick<Env, "now">): bigint {
  if (env.now < s.startTimestamp) return 0n;
  return (env.now - s.startTimestamp) / s.epochSeconds;
}

/** Mirrors RewardsDistributor.epochEndsAt: `startTimestamp + (epoch + 1) * epochSeconds`, checked. */
export function epochEndsAt(s: RewardsState, epoch: bigint): bigint {
  return checkedUint256(s.startTimestamp + checkedUint256(checkedUint256(epoch + 1n) * s.epochSeconds));
}

/** Mirrors RewardsDistributor.epochEmission (floor), on the state's schedule. */
export function epochEmission(s: RewardsState, epoch: bigint): bigint {
  return s.halvingEpochs === 0n
    ? linearEpochEmission(s.emissionTotal, s.cliffEpochs, s.durationEpochs, epoch)
    : halvingEpochEmission(s.emissionTotal, s.cliffEpochs, s.halvingEpochs, epoch);
}

/** Mirrors RewardsDistributor.claimableRewards. */
export function claimableRewards(s: RewardsState, account: Address): bigint {
  return s.claimableRewardBalances.get(account) ?? 0n;
}

/** Mirrors RewardsDistributor.claimableFees. */
export function claimableFees(s: RewardsState, account: Address): bigint {
  return s.claimableFeeBalances.get(account) ?? 0n;
}

/** Mirrors RewardsDistributor.epochPoints. */
export function epochPoints(s: RewardsState, epoch: bigint, account: Address): bigint {
  return s.epochs.get(epoch)?.points.get(account) ?? 0n;
}

/** Mirrors RewardsDistributor.epochFees: fee-token wei booked to `epoch`. */
export function epochFees(s: RewardsState, epoch: bigint): bigint {
  return s.epochFeeTotals.get(epoch) ?? 0n;
}

/** Mirrors RewardsDistributor.epochTotalPoints. */
export function epochTotalPoints(s: RewardsState, epoch: bigint): bigint {
  return s.epochs.get(epoch)?.totalPoints ?? 0n;
}

/** Mirrors RewardsDistributor.epochEarners. */
export function epochEarners(s: RewardsState, epoch: bigint): readonly Address[] {
  return s.epochs.get(epoch)?.earners ?? [];
}

/** The comparable counters, named as the contract's views (`nextEpochToClose()`, `totalEmitted()`, ...). */
export function rewardsVariables(s: RewardsState): RewardsVariables {
  return {
    nextEpochToClose: s.nextEpochToClose,
    totalEmitted: s.totalEmitted,
    totalRewardsClaimed: s.totalRewardsClaimed,
    totalFeesClaimed: s.totalFeesClaimed,
    totalFeesReceived: s.totalFeesReceived,
    carriedRewardDust: s.carriedRewardDust,
    carriedFeeDust: s.carriedFeeDust,
    rewardsOwed: s.rewardsOwed,
    feesOwed: s.feesOwed,
  };
}
