import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Emit } from "./types.js";

/**
 * Mirror of an OpenZeppelin 5 ERC20's balances, allowances and supply. Each function that writes takes an optional
 * `emit` last, and emits what OpenZeppelin's does (`Transfer`, `Approval`) from the token's `address`.
 */
export interface Erc20State {
  /** The token's own address: where its events come from (the zero address where nobody reads them). */
  readonly address: Address;
  readonly balances: Map<Address, bigint>;
  /** owner => spender => allowance (nested rather than keyed by a joined string, which each access would build). */
  readonly allowances: Map<Address, Map<Address, bigint>>;
  totalSupply: bigint;
}

export function newErc20(address: Address = ZERO_ADDRESS): Erc20State {
  return { address, balances: new Map(), allowances: new Map(), totalSupply: 0n };
}

export function balanceOf(token: Erc20State, account: Address): bigint {
  return token.balances.get(account) ?? 0n;
}

export function allowance(token: Erc20State, owner: Address, spender: Address): bigint {
  return token.allowances.get(owner)?.get(spender) ?? 0n;
}

function setAllowance(token: Erc20State, owner: Address, spender: Address, value: bigint): void {
  let bySpender = token.allowances.get(owner);
  if (bySpender === undefined) {
    bySpender = new Map();
    token.allowances.set(owner, bySpender);
  }
  bySpender.set(spender, value);
}

/** Mirrors ERC20.approve (OZ 5): `ERC20InvalidSpender` on the zero address; emits Approval. */
export function approve(token: Erc20State, owner: Address, spender: Address, value: bigint, emit?: Emit): void {
  if (spender === ZERO_ADDRESS) revert("ERC20InvalidSpender", ZERO_ADDRESS);
  setAllowance(token, owner, spender, value);
  emit?.(token.address, "Approval", owner, spender, value);
}

/** Mirrors ERC20._mint (OZ 5); emits Transfer from the zero address. */
export function mint(token: Erc20State, to: Address, value: bigint, emit?: Emit): void {
  if (to === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  token.totalSupply += value;
  token.balances.set(to, balanceOf(token, to) + value);
  emit?.(token.address, "Transfer", ZERO_ADDRESS, to, value);
}

/** Mirrors ERC20.transfer / ERC20._transfer (OZ 5), reverts included; emits Transfer (a zero amount too). */
export function transfer(token: Erc20State, from: Address, to: Address, value: bigint, emit?: Emit): void {
  if (to === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  const fromBalance = balanceOf(token, from);
  if (fromBalance < value) revert("ERC20InsufficientBalance", from, fromBalance, value);
  token.balances.set(from, fromBalance - value);
  token.balances.set(to, balanceOf(token, to) + value);
  emit?.(token.address, "Transfer", from, to, value);
}

/**
 * Mirrors ERC20.transferFrom (OZ 5): the allowance is checked (and spent, unless it
 * is the maximum uint256) before the balance, as OpenZeppelin does. Spending emits no Approval
 * (OZ 5's `_spendAllowance` approves with `emitEvent` false); the move emits Transfer.
 */
export function transferFrom(
  token: Erc20State,
  spender: Address,
  from: Address,
  to: Address,
  value: bigint,
  emit?: Emit,
): void {
  const current = allowance(token, from, spender);
  if (current < value) revert("ERC20InsufficientAllowance", spender, current, value);
  if (to === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  const fromBalance = balanceOf(token, from);
  if (fromBalance < value) revert("ERC20InsufficientBalance", from, fromBalance, value);
  if (current !== MAX_UINT256) setAllowance(token, from, spender, current - value);
  transfer(token, from, to, value, emit);
}

export const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * Throws what `transfer(token, from, to, value)` would throw, and writes nothing. Lets a model
 * function check a transfer its contract makes last (after its own effects) before it writes
 * anything, so that a revert leaves the whole model state untouched.
 */
export function checkTransfer(token: Erc20State, from: Address, to: Address, value: bigint): void {
  if (to === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  const fromBalance = balanceOf(token, from);
  if (fromBalance < value) revert("ERC20InsufficientBalance", from, fromBalance, value);
}
