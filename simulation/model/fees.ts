import * as FeeMath from "./feeMath.js";
import type { FeeSplit } from "./feeMath.js";
import { revert } from "./revert.js";
import { ZERO_ADDRESS, type Address, type Env } from "./types.js";

/** Mirror of FeeManager's storage. Rates in basis points (10_000 = 100%). */
export interface FeeState {
  /** The fee manager's own address: where its events come from (the zero address where nobody reads them). */
  readonly address: Address;
  /** Ownable owner: governance. */
  owner: Address;
  /** Protocol fee charged on an offer's price, fixed per offer at its creation. */
  feeBps: bigint;
  /** Upper bound of `feeBps`, immutable. */
  readonly maxFeeBps: bigint;
  /** Share of each collected fee credited to the ecosystem fund. */
  ecoBps: bigint;
}

/**
 * Mirrors the FeeManager constructor, checks in the same order: `OwnableInvalidOwner(0)`,
 * `FeeManagerInvalidBps(maxFeeBps)`, `FeeManagerInvalidBps(ecoBps)`, `FeeManagerFeeAboveMax(feeBps, maxFeeBps)`.
 */
export function newFeeState(
  governance: Address,
  feeBps: bigint,
  maxFeeBps: bigint,
  ecoBps: bigint,
  address: Address = ZERO_ADDRESS,
): FeeState {
  if (governance === ZERO_ADDRESS) revert("OwnableInvalidOwner", ZERO_ADDRESS);
  if (maxFeeBps > FeeMath.BPS_DENOMINATOR) revert("FeeManagerInvalidBps", maxFeeBps);
  if (ecoBps > FeeMath.BPS_DENOMINATOR) revert("FeeManagerInvalidBps", ecoBps);
  if (feeBps > maxFeeBps) revert("FeeManagerFeeAboveMax", feeBps, maxFeeBps);
  return { address, owner: governance, feeBps, maxFeeBps, ecoBps };
}

function requireOwner(s: FeeState, env: Env): void {
  if (env.sender !== s.owner) revert("OwnableUnauthorizedAccount", env.sender);
}

/**
 * Mirrors FeeManager.setFeeBps: `OwnableUnauthorizedAccount(sender)`, then `FeeManagerFeeAboveMax(newBps, max)`;
 * emits FeeBpsChanged(previous, new), also when the rate does not change.
 */
export function setFeeBps(s: FeeState, env: Env, newBps: bigint): void {
  requireOwner(s, env);
  if (newBps > s.maxFeeBps) revert("FeeManagerFeeAboveMax", newBps, s.maxFeeBps);
  const previousBps = s.feeBps;
  s.feeBps = newBps;
  env.emit?.(s.address, "FeeBpsChanged", previousBps, newBps);
}

/**
 * Mirrors FeeManager.setEcoBps: `OwnableUnauthorizedAccount(sender)`, then `FeeManagerInvalidBps(newBps)`;
 * emits EcoBpsChanged(previous, new), also when the share does not change.
 */
export function setEcoBps(s: FeeState, env: Env, newBps: bigint): void {
  requireOwner(s, env);
  if (newBps > FeeMath.BPS_DENOMINATOR) revert("FeeManagerInvalidBps", newBps);
  const previousBps = s.ecoBps;
  s.ecoBps = newBps;
  env.emit?.(s.address, "EcoBpsChanged", previousBps, newBps);
}

/** Mirrors FeeManager.protocolFee: `price * feeBps / 10_000` rounded down, at the current rate. */
export function protocolFee(s: FeeState, price: bigint): bigint {
  return FeeMath.bpsOfDown(price, s.feeBps);
}

/** Mirrors FeeManager.splitFee: FeeMath.splitFee at the current ecosystem share. */
export function splitFee(s: FeeState, fee: bigint): FeeSplit {
  return FeeMath.splitFee(fee, s.ecoBps);
}

/** The comparable FeeManager variables, named as its view functions. */
export function feeVariables(s: FeeState): Record<string, bigint> {
  return { feeBps: s.feeBps, maxFeeBps: s.maxFeeBps, ecoBps: s.ecoBps };
}

/** Mirrors Ownable.transferOwnership (OZ 5): `OwnableUnauthorizedAccount(sender)`, then `OwnableInvalidOwner(0)`. */
export function transferOwnership(s: FeeState, env: Env, newOwner: Address): void {
  requireOwner(s, env);
  if (newOwner === ZERO_ADDRESS) revert("OwnableInvalidOwner", ZERO_ADDRESS);
  s.owner = newOwner;
}

/** Mirrors Ownable.renounceOwnership (OZ 5): the rates are frozen afterwards. */
export function renounceOwnership(s: FeeState, env: Env): void {
  requireOwner(s, env);
  s.owner = ZERO_ADDRESS;
}
