/**
 * Mirrors contracts/rewards/ReleaseWallet.sol, that is OpenZeppelin 5's VestingWalletCliff over
 * VestingWallet, for one ERC20. The wallet's own token balance lives in the shared `Erc20State`
 * under the wallet's address; tokens sent to it by plain transfers count toward the allocation,
 * as on chain. Ownership transfers (which change the beneficiary) are not modelled.
 */
import { balanceOf, checkTransfer, transfer, type Erc20State } from "./erc20.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Env } from "./types.js";
import { PANIC_ARITHMETIC_OVERFLOW, checkedUint256 } from "./uint256.js";

const MAX_UINT64 = (1n << 64n) - 1n;

/** The constructor's arguments, plus where the model keeps the wallet's balance. */
export interface VestingParams {
  /** The wallet's address: its token balance is keyed by it. */
  readonly address: Address;
  readonly beneficiary: Address;
  /** Seconds since the Unix epoch (uint64). */
  readonly startTimestamp: bigint;
  readonly durationSeconds: bigint;
  readonly cliffSeconds: bigint;
  readonly token: Erc20State;
}

export interface VestingState {
  readonly address: Address;
  /** The wallet's owner, who receives every release. */
  readonly beneficiary: Address;
  /** `start()`, seconds. */
  readonly startTimestamp: bigint;
  /** `duration()`, seconds. */
  readonly durationSeconds: bigint;
  /** `cliff()`: the cliff's timestamp, `start + cliffSeconds`. */
  readonly cliffTimestamp: bigint;
  readonly token: Erc20State;
  /** `released(token)`, token wei. */
  released: bigint;
}

function requireUint64(name: string, value: bigint): void {
  if (value < 0n || value > MAX_UINT64) {
    throw new RangeError(`Invalid vesting parameter ${name} = ${value}: expected a uint64 (0..${MAX_UINT64}).`);
  }
}

/**
 * Mirrors the ReleaseWallet constructor: `OwnableInvalidOwner` for a zero beneficiary, then
 * `InvalidCliffDuration(cliffSeconds, durationSeconds)` when the cliff is longer than the vesting,
 * then `Panic(0x11)` if `start + cliffSeconds` overflows a uint64. Arguments outside uint64 cannot
 * be ABI-encoded at all: they throw a RangeError, not a revert.
 */
export function newVestingState(params: VestingParams): VestingState {
  requireUint64("startTimestamp", params.startTimestamp);
  requireUint64("durationSeconds", params.durationSeconds);
  requireUint64("cliffSeconds", params.cliffSeconds);
  if (params.beneficiary === ZERO_ADDRESS) revert("OwnableInvalidOwner", ZERO_ADDRESS);
  if (params.cliffSeconds > params.durationSeconds) {
    revert("InvalidCliffDuration", params.cliffSeconds, params.durationSeconds);
  }
  const cliffTimestamp = params.startTimestamp + params.cliffSeconds;
  if (cliffTimestamp > MAX_UINT64) revert("Panic", PANIC_ARITHMETIC_OVERFLOW);
  return {
    address: params.address,
    beneficiary: params.beneficiary,
    startTimestamp: params.startTimestamp,
    durationSeconds: params.durationSeconds,
    cliffTimestamp,
    token: params.token,
    released: 0n,
  };
}

/** Mirrors VestingWallet.end: `start + duration` (uint256, cannot overflow). */
export function end(s: VestingState): bigint {
  return s.startTimestamp + s.durationSeconds;
}

/**
 * Mirrors VestingWalletCliff._vestingSchedule over VestingWallet._vestingSchedule (floor): 0 before
 * the cliff or the start, everything from the end, else `totalAllocation * (t - start) / duration`.
 */
export function vestingSchedule(s: VestingState, totalAllocation: bigint, timestamp: bigint): bigint {
  if (timestamp < s.cliffTimestamp) return 0n;
  if (timestamp < s.startTimestamp) return 0n;
  if (timestamp >= end(s)) return totalAllocation;
  return checkedUint256(totalAllocation * (timestamp - s.startTimestamp)) / s.durationSeconds;
}

/** Mirrors VestingWallet.vestedAmount(token, timestamp): the schedule over `balance + released`. */
export function vestedAmount(s: VestingState, timestamp: bigint): bigint {
  return vestingSchedule(s, balanceOf(s.token, s.address) + s.released, BigInt.asUintN(64, timestamp));
}

/** Mirrors VestingWallet.releasable(token) at block time `now`: `vestedAmount(now) - released`. */
export function releasable(s: VestingState, env: Pick<Env, "now">): bigint {
  return vestedAmount(s, env.now) - s.released;
}

/**
 * Mirrors VestingWallet.release(token): anyone may call; pays the releasable amount (possibly 0) to the beneficiary.
 * Emits ERC20Released(token, amount), then the token's Transfer.
 */
export function release(s: VestingState, env: Env): bigint {
  const amount = releasable(s, env);
  checkTransfer(s.token, s.address, s.beneficiary, amount);
  s.released += amount;
  env.emit?.(s.address, "ERC20Released", s.token.address, amount);
  transfer(s.token, s.address, s.beneficiary, amount, env.emit);
  return amount;
}

/** The comparable variables, named as the wallet's views (`start()`, `duration()`, `end()`, `cliff()`, `released(token)`). */
export function vestingVariables(s: VestingState): Record<string, bigint> {
  return {
    start: s.startTimestamp,
    duration: s.durationSeconds,
    end: end(s),
    cliff: s.cliffTimestamp,
    released: s.released,
  };
}
