import { MAX_UINT256 } from "./erc20.js";
import { checkedSub, panic, PANIC_ARITHMETIC } from "./uint256.js";

/** Mirrors FeeMath.BPS_DENOMINATOR: basis points; 10_000 = 100%. */
export const BPS_DENOMINATOR = 10_000n;

/**
 * Mirrors FeeMath.bpsOfDown: `amount * bps / 10_000` rounded down, at full precision (OpenZeppelin
 * `Math.mulDiv`); `Panic(0x11)` only when the result exceeds 2^256 - 1 (which needs `bps > 10_000`).
 */
export function bpsOfDown(amount: bigint, bps: bigint): bigint {
  const result = (amount * bps) / BPS_DENOMINATOR;
  if (result > MAX_UINT256) panic(PANIC_ARITHMETIC);
  return result;
}

/** What FeeMath.splitFee returns: the parts add up to the fee exactly. */
export interface FeeSplit {
  /** The ecosystem fund's part, in token wei, rounded down. */
  readonly eco: bigint;
  /** The rewards pool's part, `fee - eco`, in token wei. */
  readonly rewards: bigint;
}

/**
 * Mirrors FeeMath.splitFee: `eco = bpsOfDown(fee, ecoBps)`, `rewards = fee - eco`, exact; `Panic(0x11)` if eco
 * would exceed the fee (only possible for ecoBps > 10_000).
 */
export function splitFee(fee: bigint, ecoBps: bigint): FeeSplit {
  const eco = bpsOfDown(fee, ecoBps);
  return { eco, rewards: checkedSub(fee, eco) };
}
