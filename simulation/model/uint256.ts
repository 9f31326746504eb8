// Shared by every model module: Solidity 0.8 checked arithmetic and its panics.
// (Two mechanisms' mirrors use this file: extend it, do not replace it.)
import { MAX_UINT256 } from "./erc20.js";
import { revert } from "./revert.js";

/** Solidity's panic code for an arithmetic overflow or underflow outside `unchecked`. */
export const PANIC_ARITHMETIC = 0x11n;
/** Alias of PANIC_ARITHMETIC. */
export const PANIC_ARITHMETIC_OVERFLOW = PANIC_ARITHMETIC;
/** Solidity's panic code for a division or modulo by zero. */
export const PANIC_DIVISION_BY_ZERO = 0x12n;

/** Mirrors Solidity's `Panic(uint256 code)`: the model names it `"Panic"` with the code as its only argument. */
export function panic(code: bigint): never {
  return revert("Panic", code);
}

/** Mirrors checked `a + b` on uint256: `Panic(0x11)` above 2^256 - 1. */
export function checkedAdd(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum > MAX_UINT256) panic(PANIC_ARITHMETIC);
  return sum;
}

/** Mirrors checked `a - b` on uint256: `Panic(0x11)` below zero. */
export function checkedSub(a: bigint, b: bigint): bigint {
  if (b > a) panic(PANIC_ARITHMETIC);
  return a - b;
}

/**
 * Mirrors Solidity 0.8 checked arithmetic: returns `value` when it fits a uint256, else
 * reverts as the EVM does, `Panic(0x11)`.
 */
export function checkedUint256(value: bigint): bigint {
  if (value < 0n || value > MAX_UINT256) panic(PANIC_ARITHMETIC);
  return value;
}

/** Mirrors OpenZeppelin `Math.mulDiv(x, y, denominator)`: floor(x * y / denominator) at full precision; `Panic(0x12)` on a zero denominator. */
export function mulDiv(x: bigint, y: bigint, denominator: bigint): bigint {
  if (denominator === 0n) panic(PANIC_DIVISION_BY_ZERO);
  return checkedUint256((x * y) / denominator);
}

/** Mirrors OpenZeppelin `Math.min`. */
export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
