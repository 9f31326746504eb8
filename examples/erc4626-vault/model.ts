/**
 * The model of contracts/ExampleAsset.sol and contracts/ExampleVault.sol: OpenZeppelin 5's ERC20
 * and ERC4626 (with the vault's decimals offset), one pure function per contract function, named
 * as in the Solidity (internal ones keep their leading underscore), with the same checks in the
 * same order and OpenZeppelin's custom errors with their arguments.
 *
 * Read against node_modules/@openzeppelin/contracts: token/ERC20/ERC20.sol,
 * token/ERC20/extensions/ERC4626.sol, utils/math/Math.sol (mulDiv and its rounding). No I/O, no
 * clock, no Math.random; amounts are bigint and every division floors unless it says it rounds up.
 *
 * A reverted transaction leaves no trace on the EVM, even where OpenZeppelin checks after it has
 * written (transferFrom spends the allowance before it checks the balance; deposit moves the assets
 * before minting to a zero receiver fails). The model keeps OpenZeppelin's order and does the same:
 * every write of a call goes to a journal, and `call` undoes them if the call reverts.
 */
import { revert, type Address } from "lockstep";

export type { Address };

export const MAX_UINT256 = (1n << 256n) - 1n;
export const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** Solidity's panic codes (`Panic(uint256)`), as Math.sol raises them. */
export const PANIC_UNDER_OVERFLOW = 0x11n;
export const PANIC_DIVISION_BY_ZERO = 0x12n;

// ---------------------------------------------------------------------------------------------
// The world and its journal
// ---------------------------------------------------------------------------------------------

/** Undo steps of the call being applied, newest last. */
export interface Journal {
  depth: number;
  readonly undo: (() => void)[];
}

/** An OpenZeppelin ERC20's storage: `_balances`, `_allowances`, `_totalSupply`. */
export interface Erc20State {
  readonly address: Address;
  readonly balances: Map<Address, bigint>;
  /** owner => spender => allowance */
  readonly allowances: Map<Address, Map<Address, bigint>>;
  totalSupply: bigint;
  readonly journal: Journal;
}

/** ExampleAsset: an ERC20 with a deployer-only mint and a capped faucet. */
export interface AssetState extends Erc20State {
  readonly minter: Address;
  /** wei per faucet call */
  readonly faucetLimit: bigint;
}

/**
 * How the vault converts between assets and shares: OpenZeppelin's `_convertToShares` and
 * `_convertToAssets`. The model is built with OpenZeppelin's (below); wrongModel.ts swaps in one
 * that ignores the virtual offset, to show that Lockstep catches it.
 */
export interface ShareMath {
  readonly name: string;
  _convertToShares(v: VaultState, assets: bigint, rounding: Rounding): bigint;
  _convertToAssets(v: VaultState, shares: bigint, rounding: Rounding): bigint;
}

/** ExampleVault: OpenZeppelin's ERC4626 over `asset`, shares being its own ERC20. */
export interface VaultState extends Erc20State {
  readonly asset: AssetState;
  /** decimals of the asset, as ERC4626's constructor read them */
  readonly underlyingDecimals: bigint;
  /** decimals; `_decimalsOffset()` */
  readonly decimalsOffset: bigint;
  readonly math: ShareMath;
}

export interface VaultWorld {
  readonly asset: AssetState;
  readonly vault: VaultState;
  readonly journal: Journal;
}

/**
 * Applies one transaction: runs `body`, and if it reverts, undoes every write it made before
 * rethrowing the revert, so the state is as it was (the EVM's rollback).
 */
export function call<T>(w: VaultWorld, body: () => T): T {
  const j = w.journal;
  const mark = j.undo.length;
  j.depth++;
  try {
    return body();
  } catch (e) {
    while (j.undo.length > mark) j.undo.pop()!();
    throw e;
  } finally {
    j.depth--;
    if (j.depth === 0) j.undo.length = 0;
  }
}

function setBalance(t: Erc20State, account: Address, value: bigint): void {
  const before = t.balances.get(account);
  if (t.journal.depth > 0) {
    t.journal.undo.push(() => (before === undefined ? t.balances.delete(account) : t.balances.set(account, before)));
  }
  t.balances.set(account, value);
}

function setAllowance(t: Erc20State, owner: Address, spender: Address, value: bigint): void {
  let bySpender = t.allowances.get(owner);
  if (bySpender === undefined) {
    bySpender = new Map();
    t.allowances.set(owner, bySpender);
  }
  const map = bySpender;
  const before = map.get(spender);
  if (t.journal.depth > 0) {
    t.journal.undo.push(() => (before === undefined ? map.delete(spender) : map.set(spender, before)));
  }
  map.set(spender, value);
}

function setTotalSupply(t: Erc20State, value: bigint): void {
  const before = t.totalSupply;
  if (t.journal.depth > 0) t.journal.undo.push(() => (t.totalSupply = before));
  t.totalSupply = value;
}

// ---------------------------------------------------------------------------------------------
// Solidity arithmetic and Math.sol
// ---------------------------------------------------------------------------------------------

/** Math.Rounding: Floor (toward negative infinity), Ceil (toward positive infinity), Trunc, Expand. */
export type Rounding = "Floor" | "Ceil" | "Trunc" | "Expand";

/** Mirrors Math.unsignedRoundsUp: Ceil and Expand round an unsigned result up. */
export function unsignedRoundsUp(rounding: Rounding): boolean {
  return rounding === "Ceil" || rounding === "Expand";
}

/** `a + b` in checked uint256 arithmetic: Panic(0x11) past 2^256 - 1. */
export function checkedAdd(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum > MAX_UINT256) revert("Panic", PANIC_UNDER_OVERFLOW);
  return sum;
}

/**
 * Mirrors Math.mulDiv(x, y, denominator, rounding): x * y / denominator at full precision,
 * rounded down, plus one when the rounding rounds up and the division left a remainder.
 * Panic(0x12) for a zero denominator, Panic(0x11) when the result does not fit in 256 bits
 * (the rounded-up one included: Math adds the one in checked arithmetic).
 */
export function mulDiv(x: bigint, y: bigint, denominator: bigint, rounding: Rounding): bigint {
  if (denominator === 0n) revert("Panic", PANIC_DIVISION_BY_ZERO);
  const product = x * y;
  const floor = product / denominator;
  if (floor > MAX_UINT256) revert("Panic", PANIC_UNDER_OVERFLOW);
  return checkedAdd(floor, unsignedRoundsUp(rounding) && product % denominator > 0n ? 1n : 0n);
}

// ---------------------------------------------------------------------------------------------
// ERC20 (OpenZeppelin 5, token/ERC20/ERC20.sol); `sender` is msg.sender
// ---------------------------------------------------------------------------------------------

export function balanceOf(t: Erc20State, account: Address): bigint {
  return t.balances.get(account) ?? 0n;
}

export function allowance(t: Erc20State, owner: Address, spender: Address): bigint {
  return t.allowances.get(owner)?.get(spender) ?? 0n;
}

/** Mirrors ERC20.transfer. */
export function transfer(t: Erc20State, sender: Address, to: Address, value: bigint): boolean {
  _transfer(t, sender, to, value);
  return true;
}

/** Mirrors ERC20.approve. */
export function approve(t: Erc20State, sender: Address, spender: Address, value: bigint): boolean {
  _approve(t, sender, spender, value);
  return true;
}

/** Mirrors ERC20.transferFrom: the allowance is spent (and checked) before the balance is. */
export function transferFrom(t: Erc20State, sender: Address, from: Address, to: Address, value: bigint): boolean {
  _spendAllowance(t, from, sender, value);
  _transfer(t, from, to, value);
  return true;
}

/** Mirrors ERC20._transfer. */
export function _transfer(t: Erc20State, from: Address, to: Address, value: bigint): void {
  if (from === ZERO_ADDRESS) revert("ERC20InvalidSender", ZERO_ADDRESS);
  if (to === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  _update(t, from, to, value);
}

/** Mirrors ERC20._update: a mint from the zero address, a burn to it, a transfer otherwise. */
export function _update(t: Erc20State, from: Address, to: Address, value: bigint): void {
  if (from === ZERO_ADDRESS) {
    // `_totalSupply += value` is checked arithmetic.
    setTotalSupply(t, checkedAdd(t.totalSupply, value));
  } else {
    const fromBalance = balanceOf(t, from);
    if (fromBalance < value) revert("ERC20InsufficientBalance", from, fromBalance, value);
    setBalance(t, from, fromBalance - value);
  }
  if (to === ZERO_ADDRESS) {
    setTotalSupply(t, t.totalSupply - value);
  } else {
    setBalance(t, to, balanceOf(t, to) + value);
  }
}

/** Mirrors ERC20._mint. */
export function _mint(t: Erc20State, account: Address, value: bigint): void {
  if (account === ZERO_ADDRESS) revert("ERC20InvalidReceiver", ZERO_ADDRESS);
  _update(t, ZERO_ADDRESS, account, value);
}

/** Mirrors ERC20._burn. */
export function _burn(t: Erc20State, account: Address, value: bigint): void {
  if (account === ZERO_ADDRESS) revert("ERC20InvalidSender", ZERO_ADDRESS);
  _update(t, account, ZERO_ADDRESS, value);
}

/** Mirrors ERC20._approve (events are not modelled). */
export function _approve(t: Erc20State, owner: Address, spender: Address, value: bigint): void {
  if (owner === ZERO_ADDRESS) revert("ERC20InvalidApprover", ZERO_ADDRESS);
  if (spender === ZERO_ADDRESS) revert("ERC20InvalidSpender", ZERO_ADDRESS);
  setAllowance(t, owner, spender, value);
}

/**
 * Mirrors ERC20._spendAllowance: an allowance of 2^256 - 1 is infinite and never decreases; any other is
 * written back through `_approve`, whose checks apply (an owner of zero reverts ERC20InvalidApprover: found
 * by `sim fuzz`, redeeming 0 shares of the zero address).
 */
export function _spendAllowance(t: Erc20State, owner: Address, spender: Address, value: bigint): void {
  const currentAllowance = allowance(t, owner, spender);
  if (currentAllowance < MAX_UINT256) {
    if (currentAllowance < value) revert("ERC20InsufficientAllowance", spender, currentAllowance, value);
    _approve(t, owner, spender, currentAllowance - value);
  }
}

// ---------------------------------------------------------------------------------------------
// ExampleAsset
// ---------------------------------------------------------------------------------------------

/** Mirrors ExampleAsset's constructor, deployed by `deployer` at `address`. */
export function newAsset(journal: Journal, address: Address, deployer: Address, faucetLimit: bigint): AssetState {
  return {
    address,
    balances: new Map(),
    allowances: new Map(),
    totalSupply: 0n,
    journal,
    minter: deployer,
    faucetLimit,
  };
}

/** Mirrors ExampleAsset.mint: the deployer only. */
export function mint(a: AssetState, sender: Address, to: Address, amount: bigint): void {
  if (sender !== a.minter) revert("ExampleAssetUnauthorizedMinter", sender, a.minter);
  _mint(a, to, amount);
}

/** Mirrors ExampleAsset.faucet: at most the faucet limit a call. */
export function faucet(a: AssetState, sender: Address, amount: bigint): void {
  if (amount > a.faucetLimit) revert("ExampleAssetFaucetLimitExceeded", amount, a.faucetLimit);
  _mint(a, sender, amount);
}

// ---------------------------------------------------------------------------------------------
// ExampleVault: ERC4626 (OpenZeppelin 5, token/ERC20/extensions/ERC4626.sol)
// ---------------------------------------------------------------------------------------------

/** ExampleVault.MAX_DECIMALS_OFFSET, decimals. */
export const MAX_DECIMALS_OFFSET = 36n;

/** Mirrors ExampleVault's constructor (and ERC4626's, which reads the asset's 18 decimals). */
export function newVault(
  journal: Journal,
  address: Address,
  asset: AssetState,
  decimalsOffset: bigint,
  math: ShareMath = OPENZEPPELIN_SHARE_MATH,
): VaultState {
  if (decimalsOffset > MAX_DECIMALS_OFFSET) {
    revert("ExampleVaultDecimalsOffsetTooLarge", decimalsOffset, MAX_DECIMALS_OFFSET);
  }
  return {
    address,
    balances: new Map(),
    allowances: new Map(),
    totalSupply: 0n,
    journal,
    asset,
    underlyingDecimals: 18n,
    decimalsOffset,
    math,
  };
}

/** Mirrors ERC4626.decimals: the asset's decimals plus the offset. */
export function decimals(v: VaultState): bigint {
  return v.underlyingDecimals + v.decimalsOffset;
}

/** Mirrors ERC4626.totalAssets: the vault's balance of the asset, donations included. */
export function totalAssets(v: VaultState): bigint {
  return balanceOf(v.asset, v.address);
}

/** Mirrors ERC4626.convertToShares (floor). */
export function convertToShares(v: VaultState, assets: bigint): bigint {
  return _convertToShares(v, assets, "Floor");
}

/** Mirrors ERC4626.convertToAssets (floor). */
export function convertToAssets(v: VaultState, shares: bigint): bigint {
  return _convertToAssets(v, shares, "Floor");
}

/** Mirrors ERC4626.maxDeposit: no limit. */
export function maxDeposit(_v: VaultState, _receiver: Address): bigint {
  return MAX_UINT256;
}

/** Mirrors ERC4626.maxMint: no limit. */
export function maxMint(_v: VaultState, _receiver: Address): bigint {
  return MAX_UINT256;
}

/** Mirrors ERC4626.maxWithdraw: what redeeming every share of `owner` gives (floor). */
export function maxWithdraw(v: VaultState, owner: Address): bigint {
  return previewRedeem(v, maxRedeem(v, owner));
}

/** Mirrors ERC4626.maxRedeem: the owner's shares. */
export function maxRedeem(v: VaultState, owner: Address): bigint {
  return balanceOf(v, owner);
}

/** Mirrors ERC4626.previewDeposit: shares for `assets`, rounded down (against the depositor). */
export function previewDeposit(v: VaultState, assets: bigint): bigint {
  return _convertToShares(v, assets, "Floor");
}

/** Mirrors ERC4626.previewMint: assets for `shares`, rounded up (against the minter). */
export function previewMint(v: VaultState, shares: bigint): bigint {
  return _convertToAssets(v, shares, "Ceil");
}

/** Mirrors ERC4626.previewWithdraw: shares burnt for `assets`, rounded up (against the withdrawer). */
export function previewWithdraw(v: VaultState, assets: bigint): bigint {
  return _convertToShares(v, assets, "Ceil");
}

/** Mirrors ERC4626.previewRedeem: assets for `shares`, rounded down (against the redeemer). */
export function previewRedeem(v: VaultState, shares: bigint): bigint {
  return _convertToAssets(v, shares, "Floor");
}

/** Mirrors ERC4626.deposit; returns the shares minted. */
export function deposit(v: VaultState, sender: Address, assets: bigint, receiver: Address): bigint {
  const maxAssets = maxDeposit(v, receiver);
  if (assets > maxAssets) revert("ERC4626ExceededMaxDeposit", receiver, assets, maxAssets);
  const shares = previewDeposit(v, assets);
  _deposit(v, sender, receiver, assets, shares);
  return shares;
}

/** Mirrors ERC4626.mint; returns the assets taken. */
export function mintShares(v: VaultState, sender: Address, shares: bigint, receiver: Address): bigint {
  const maxShares = maxMint(v, receiver);
  if (shares > maxShares) revert("ERC4626ExceededMaxMint", receiver, shares, maxShares);
  const assets = previewMint(v, shares);
  _deposit(v, sender, receiver, assets, shares);
  return assets;
}

/** Mirrors ERC4626.withdraw; returns the shares burnt. */
export function withdraw(v: VaultState, sender: Address, assets: bigint, receiver: Address, owner: Address): bigint {
  const maxAssets = maxWithdraw(v, owner);
  if (assets > maxAssets) revert("ERC4626ExceededMaxWithdraw", owner, assets, maxAssets);
  const shares = previewWithdraw(v, assets);
  _withdraw(v, sender, receiver, owner, assets, shares);
  return shares;
}

/** Mirrors ERC4626.redeem; returns the assets paid. */
export function redeem(v: VaultState, sender: Address, shares: bigint, receiver: Address, owner: Address): bigint {
  const maxShares = maxRedeem(v, owner);
  if (shares > maxShares) revert("ERC4626ExceededMaxRedeem", owner, shares, maxShares);
  const assets = previewRedeem(v, shares);
  _withdraw(v, sender, receiver, owner, assets, shares);
  return assets;
}

/** Mirrors ERC4626._convertToShares, through the vault's share math. */
export function _convertToShares(v: VaultState, assets: bigint, rounding: Rounding): bigint {
  return v.math._convertToShares(v, assets, rounding);
}

/** Mirrors ERC4626._convertToAssets, through the vault's share math. */
export function _convertToAssets(v: VaultState, shares: bigint, rounding: Rounding): bigint {
  return v.math._convertToAssets(v, shares, rounding);
}

/**
 * OpenZeppelin's share math: `10 ** decimalsOffset` virtual shares and one virtual asset wei,
 *   shares = assets * (totalSupply + 10^offset) / (totalAssets + 1)
 *   assets = shares * (totalAssets + 1) / (totalSupply + 10^offset)
 * both sums in checked arithmetic, the division by Math.mulDiv in the given rounding.
 */
export const OPENZEPPELIN_SHARE_MATH: ShareMath = {
  name: "OpenZeppelin (virtual shares and assets)",
  _convertToShares: (v, assets, rounding) =>
    mulDiv(assets, checkedAdd(v.totalSupply, 10n ** v.decimalsOffset), checkedAdd(totalAssets(v), 1n), rounding),
  _convertToAssets: (v, shares, rounding) =>
    mulDiv(shares, checkedAdd(totalAssets(v), 1n), checkedAdd(v.totalSupply, 10n ** v.decimalsOffset), rounding),
};

/**
 * Mirrors ERC4626._deposit: the assets come in (SafeERC20.safeTransferFrom, which bubbles the
 * asset's own error up unchanged) before the shares are minted.
 */
export function _deposit(v: VaultState, caller: Address, receiver: Address, assets: bigint, shares: bigint): void {
  transferFrom(v.asset, v.address, caller, v.address, assets);
  _mint(v, receiver, shares);
}

/**
 * Mirrors ERC4626._withdraw: a caller other than the owner spends the owner's share allowance,
 * then the shares are burnt and the assets go out (SafeERC20.safeTransfer).
 */
export function _withdraw(
  v: VaultState,
  caller: Address,
  receiver: Address,
  owner: Address,
  assets: bigint,
  shares: bigint,
): void {
  if (caller !== owner) _spendAllowance(v, owner, caller, shares);
  _burn(v, owner, shares);
  transfer(v.asset, v.address, receiver, assets);
}

// ---------------------------------------------------------------------------------------------
// The deployment
// ---------------------------------------------------------------------------------------------

/** What mechanism.ts's `deploy` does, for the model to mirror. */
export interface WorldSetup {
  readonly asset: Address;
  readonly vault: Address;
  readonly deployer: Address;
  /** wei per faucet call */
  readonly faucetLimit: bigint;
  /** decimals */
  readonly decimalsOffset: bigint;
  /** The deployer's setup mints: account and amount, in order. */
  readonly mints: readonly (readonly [Address, bigint])[];
  readonly math?: ShareMath;
}

/** The state right after the deployment: both constructors, then the deployer's mints. */
export function newWorld(s: WorldSetup): VaultWorld {
  const journal: Journal = { depth: 0, undo: [] };
  const asset = newAsset(journal, s.asset, s.deployer, s.faucetLimit);
  const vault = newVault(journal, s.vault, asset, s.decimalsOffset, s.math);
  const w: VaultWorld = { asset, vault, journal };
  for (const [to, amount] of s.mints) call(w, () => mint(asset, s.deployer, to, amount));
  return w;
}
