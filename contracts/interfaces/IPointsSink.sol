// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Receives the reward points that completed exchanges earn.
interface IPointsSink {
    /// @notice Credits `points` to `seller` and `aggregatorPoints` to `aggregator` in the current epoch.
    /// @dev Only the voucher escrow may call it.
    function accruePoints(address seller, uint256 points, address aggregator, uint256 aggregatorPoints) external;
}
