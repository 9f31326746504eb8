// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Emission schedules
/// @notice Cumulative emission after a whole number of epochs, for a linear stream and for a halving
/// stream, each after a cliff. Every function rounds down. The emission of epoch `k` (0-based) is the
/// difference of two cumulative figures, `emitted(k + 1) - emitted(k)`, so the per-epoch emissions of
/// epochs `0 .. n - 1` sum to `emitted(n)` exactly, to the wei: no rounding error accumulates.
/// @dev Mirrored one to one, with the same names, by `simulation/model/emission.ts`.
library EmissionMath {
    /// @notice Cumulative linear emission after `epochs` whole epochs, rounded down:
    /// 0 while `epochs <= cliffEpochs`, else `total * min(epochs - cliffEpochs, durationEpochs) / durationEpochs`.
    /// Reaches `total` exactly after `cliffEpochs + durationEpochs` epochs.
    /// @dev Precondition `durationEpochs != 0` (division by zero panics with 0x12); callers enforce it at
    /// construction. `Math.mulDiv` keeps full precision, so any `total` up to `type(uint256).max` works.
    function linearEmitted(
        uint256 total,
        uint256 cliffEpochs,
        uint256 durationEpochs,
        uint256 epochs
    ) internal pure returns (uint256) {
        if (epochs <= cliffEpochs) return 0;
        return Math.mulDiv(total, Math.min(epochs - cliffEpochs, durationEpochs), durationEpochs);
    }

    /// @notice Emission of epoch `epoch` (0-based) on the linear schedule, rounded down:
    /// `linearEmitted(epoch + 1) - linearEmitted(epoch)`.
    /// @dev Panics (0x11) when `epoch == type(uint256).max`.
    function linearEpochEmission(
        uint256 total,
        uint256 cliffEpochs,
        uint256 durationEpochs,
        uint256 epoch
    ) internal pure returns (uint256) {
        return
            linearEmitted(total, cliffEpochs, durationEpochs, epoch + 1) -
            linearEmitted(total, cliffEpochs, durationEpochs, epoch);
    }

    /// @notice Cumulative halving emission after `epochs` whole epochs, rounded down. After the cliff,
    /// halving period `i` (0-based, `halvingEpochs` epochs long) emits `total >> (i + 1)`, spread linearly
    /// over its epochs: period 0 emits half of `total`, period 1 a quarter, and so on. After `p` whole
    /// periods and `r` more epochs the figure is `sum(total >> (i + 1), i < p) + (total >> (p + 1)) * r / halvingEpochs`.
    /// The schedule never emits all of `total`: its limit is `sum(total >> i, 1 <= i <= 256) = total - popcount(total)`,
    /// reached once `p >= 256` (the last `popcount(total)` wei are the flooring of each halving).
    /// @dev Precondition `halvingEpochs != 0` (division by zero panics with 0x12); callers enforce it at
    /// construction. The loop runs at most 256 times whatever `epochs` is: `total >> (i + 1)` is zero for
    /// `i >= 255`, so periods beyond the 256th add nothing.
    function halvingEmitted(
        uint256 total,
        uint256 cliffEpochs,
        uint256 halvingEpochs,
        uint256 epochs
    ) internal pure returns (uint256 emitted) {
        if (epochs <= cliffEpochs) return 0;
        uint256 elapsed = epochs - cliffEpochs;
        uint256 wholePeriods = elapsed / halvingEpochs;
        uint256 summedPeriods = Math.min(wholePeriods, 256);
        // unchecked: `i < summedPeriods <= 256`, so `i + 1` cannot overflow, and the running sum is at most
        // `sum(total >> j, 1 <= j <= 256) <= total`, so it cannot overflow either.
        unchecked {
            for (uint256 i; i < summedPeriods; ++i) {
                emitted += total >> (i + 1);
            }
        }
        if (wholePeriods < 256) {
            // The current, partial period: (total >> (p + 1)) * r / halvingEpochs, with r < halvingEpochs.
            emitted += Math.mulDiv(total >> (wholePeriods + 1), elapsed % halvingEpochs, halvingEpochs);
        }
    }

    /// @notice Emission of epoch `epoch` (0-based) on the halving schedule, rounded down:
    /// `halvingEmitted(epoch + 1) - halvingEmitted(epoch)`.
    /// @dev Panics (0x11) when `epoch == type(uint256).max`.
    function halvingEpochEmission(
        uint256 total,
        uint256 cliffEpochs,
        uint256 halvingEpochs,
        uint256 epoch
    ) internal pure returns (uint256) {
        return
            halvingEmitted(total, cliffEpochs, halvingEpochs, epoch + 1) -
            halvingEmitted(total, cliffEpochs, halvingEpochs, epoch);
    }
}
