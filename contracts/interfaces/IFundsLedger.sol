// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice The pull-based funds ledger of the voucher escrow, as other contracts see it.
interface IFundsLedger {
    /// @notice Funds `entity` may withdraw now, in exchange-token wei.
    function availableFunds(address entity) external view returns (uint256);

    /// @notice Sends `amount` of the caller's available funds to the caller.
    function withdrawFunds(uint256 amount) external;
}
