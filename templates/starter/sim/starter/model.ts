/**
 * The model of contracts/StarterVault.sol: one pure function per contract function, with the
 * same checks in the same order and the same custom errors. No I/O, no clock, no Math.random:
 * the same inputs give the same state. Amounts are bigint; divisions floor, as Solidity's do.
 */
import { revert, type Address, type CallEnv } from "lockstep";

export interface VaultState {
  readonly feeBps: bigint;
  readonly balances: Map<Address, bigint>;
  totalDeposits: bigint;
  feesCollected: bigint;
}

export const MAX_FEE_BPS = 1_000n;

/** Mirrors the constructor. */
export function newVault(feeBps: bigint): VaultState {
  if (feeBps > MAX_FEE_BPS) revert("StarterVaultFeeTooHigh", feeBps, MAX_FEE_BPS);
  return { feeBps, balances: new Map(), totalDeposits: 0n, feesCollected: 0n };
}

export const MAX_UINT256 = (1n << 256n) - 1n;

/** Solidity 0.8's checked arithmetic: a result past 2^256 - 1 reverts with Panic(0x11), as the contract does. */
function checked(value: bigint): bigint {
  if (value > MAX_UINT256) revert("Panic", 0x11n);
  return value;
}

/** Mirrors StarterVault.deposit, its checked arithmetic included (`sim fuzz` tries amounts up to 2^256 - 1). */
export function deposit(s: VaultState, env: CallEnv, amount: bigint): void {
  if (amount === 0n) revert("StarterVaultZeroAmount");
  checked(amount * s.feeBps);
  const fee = (amount * s.feeBps) / 10_000n;
  const balance = checked(balanceOf(s, env.sender) + amount - fee);
  const total = checked(s.totalDeposits + amount - fee);
  const fees = checked(s.feesCollected + fee);
  s.balances.set(env.sender, balance);
  s.totalDeposits = total;
  s.feesCollected = fees;
}

/** Mirrors StarterVault.withdraw. */
export function withdraw(s: VaultState, env: CallEnv, amount: bigint): void {
  const balance = balanceOf(s, env.sender);
  if (amount > balance) revert("StarterVaultInsufficientBalance", env.sender, balance, amount);
  s.balances.set(env.sender, balance - amount);
  s.totalDeposits -= amount;
}

export function balanceOf(s: VaultState, account: Address): bigint {
  return s.balances.get(account) ?? 0n;
}
