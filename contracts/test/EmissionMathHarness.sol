// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {EmissionMath} from "../libraries/EmissionMath.sol";

/// @title EmissionMath harness (tests only)
/// @notice Exposes the library's internal functions, and on-chain sums of per-epoch emissions.
contract EmissionMathHarness {
    function linearEmitted(uint256 total, uint256 cliff, uint256 duration, uint256 epochs) external pure returns (uint256) {
        return EmissionMath.linearEmitted(total, cliff, duration, epochs);
    }

    function linearEpochEmission(uint256 total, uint256 cliff, uint256 duration, uint256 epoch) external pure returns (uint256) {
        return EmissionMath.linearEpochEmission(total, cliff, duration, epoch);
    }

    function halvingEmitted(uint256 total, uint256 cliff, uint256 halving, uint256 epochs) external pure returns (uint256) {
        return EmissionMath.halvingEmitted(total, cliff, halving, epochs);
    }

    function halvingEpochEmission(uint256 total, uint256 cliff, uint256 halving, uint256 epoch) external pure returns (uint256) {
        return EmissionMath.halvingEpochEmission(total, cliff, halving, epoch);
    }

    /// @notice Sum of the linear per-epoch emissions of epochs `0 .. epochs - 1`.
    function linearSum(uint256 total, uint256 cliff, uint256 duration, uint256 epochs) external pure returns (uint256 sum) {
        for (uint256 k; k < epochs; ++k) sum += EmissionMath.linearEpochEmission(total, cliff, duration, k);
    }

    /// @notice Sum of the halving per-epoch emissions of epochs `0 .. epochs - 1`.
    function halvingSum(uint256 total, uint256 cliff, uint256 halving, uint256 epochs) external pure returns (uint256 sum) {
        for (uint256 k; k < epochs; ++k) sum += EmissionMath.halvingEpochEmission(total, cliff, halving, k);
    }
}
