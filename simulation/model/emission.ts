/**
 * Mirrors contracts/libraries/EmissionMath.sol one to one, same names, same rounding (down),
 * same panics. The per-epoch emission of epoch k is `emitted(k + 1) - emitted(k)`, so per-epoch
 * emissions sum to the cumulative figure exactly.
 */
import { PANIC_DIVISION_BY_ZERO, checkedUint256, min, mulDiv } from "./uint256.js";
import { revert } from "./revert.js";

/**
 * Mirrors EmissionMath.linearEmitted (floor): 0 while `epochs <= cliffEpochs`, else
 * `total * min(epochs - cliffEpochs, durationEpochs) / durationEpochs`.
 * `Panic(0x12)` when `durationEpochs == 0` past the cliff, as the contract's division.
 */
export function linearEmitted(total: bigint, cliffEpochs: bigint, durationEpochs: bigint, epochs: bigint): bigint {
  if (epochs <= cliffEpochs) return 0n;
  return mulDiv(total, min(epochs - cliffEpochs, durationEpochs), durationEpochs);
}

/** Mirrors EmissionMath.linearEpochEmission (floor): `linearEmitted(epoch + 1) - linearEmitted(epoch)`; `Panic(0x11)` at the maximum epoch. */
export function linearEpochEmission(total: bigint, cliffEpochs: bigint, durationEpochs: bigint, epoch: bigint): bigint {
  const next = checkedUint256(epoch + 1n);
  return (
    linearEmitted(total, cliffEpochs, durationEpochs, next) - linearEmitted(total, cliffEpochs, durationEpochs, epoch)
  );
}

/**
 * Mirrors EmissionMath.halvingEmitted (floor): after the cliff, halving period i emits `total >> (i + 1)`
 * spread linearly over its `halvingEpochs` epochs. Loops at most 256 times, as the contract.
 * `Panic(0x12)` when `halvingEpochs == 0` past the cliff.
 */
export function halvingEmitted(total: bigint, cliffEpochs: bigint, halvingEpochs: bigint, epochs: bigint): bigint {
  if (epochs <= cliffEpochs) return 0n;
  if (halvingEpochs === 0n) revert("Panic", PANIC_DIVISION_BY_ZERO);
  const elapsed = epochs - cliffEpochs;
  const wholePeriods = elapsed / halvingEpochs;
  const summedPeriods = min(wholePeriods, 256n);
  let emitted = 0n;
  for (let i = 0n; i < summedPeriods; i++) emitted += total >> (i + 1n);
  if (wholePeriods < 256n) emitted += mulDiv(total >> (wholePeriods + 1n), elapsed % halvingEpochs, halvingEpochs);
  return emitted;
}

/** Mirrors EmissionMath.halvingEpochEmission (floor): `halvingEmitted(epoch + 1) - halvingEmitted(epoch)`; `Panic(0x11)` at the maximum epoch. */
export function halvingEpochEmission(total: bigint, cliffEpochs: bigint, halvingEpochs: bigint, epoch: bigint): bigint {
  const next = checkedUint256(epoch + 1n);
  return (
    halvingEmitted(total, cliffEpochs, halvingEpochs, next) - halvingEmitted(total, cliffEpochs, halvingEpochs, epoch)
  );
}
