// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Receives the reward points that completed exchanges earn, and word of the rewards-pool fees the voucher
/// escrow credits to it.
interface IPointsSink {
    /// @notice Credits `points` to `seller` and `aggregatorPoints` to `aggregator` in the current epoch.
    /// @dev Only the voucher escrow may call it.
    function accruePoints(address seller, uint256 points, address aggregator, uint256 aggregatorPoints) external;

    /// @notice Books `amount` exchange-token wei of rewards-pool fees, which the caller has just credited to this
    /// contract in its funds ledger, to the epoch of the current block time.
    /// @dev Only the voucher escrow may call it, in the transaction that collects the fee.
    function accrueFees(uint256 amount) external;
}
