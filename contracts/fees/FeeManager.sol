// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {FeeMath} from "../libraries/FeeMath.sol";

/// @title FeeManager
/// @notice Holds the protocol fee rate and the split of collected fees between the ecosystem fund and the
/// rewards pool. Only governance (the owner) changes the rates. The voucher escrow reads `protocolFee` once per
/// offer, at creation, and `splitFee` whenever it collects a fee.
/// @dev Mirrored by `simulation/model/fees.ts`.
contract FeeManager is Ownable {
    /// @dev basis points; 10_000 = 100%. Upper bound of `feeBps`, fixed at deployment.
    uint256 private immutable _maxFeeBps;

    /// @dev basis points; 10_000 = 100%. Protocol fee charged on an offer's price.
    uint256 private _feeBps;

    /// @dev basis points; 10_000 = 100%. Share of each collected fee credited to the ecosystem fund.
    uint256 private _ecoBps;

    /// @notice The protocol fee rate changed from `previousBps` to `newBps` (basis points).
    event FeeBpsChanged(uint256 previousBps, uint256 newBps);

    /// @notice The ecosystem share of collected fees changed from `previousBps` to `newBps` (basis points).
    event EcoBpsChanged(uint256 previousBps, uint256 newBps);

    /// @notice A rate of `bps` basis points is above 10_000 (100%).
    error FeeManagerInvalidBps(uint256 bps);

    /// @notice A protocol fee rate of `feeBps` is above the maximum `maxFeeBps`.
    error FeeManagerFeeAboveMax(uint256 feeBps, uint256 maxFeeBps);

    /// @notice Deploys the fee manager, owned by `governance`.
    /// @dev Check order: `OwnableInvalidOwner(address(0))` if governance is zero (OpenZeppelin `Ownable`), then
    /// `FeeManagerInvalidBps(maxFeeBps_)`, `FeeManagerInvalidBps(ecoBps_)`, `FeeManagerFeeAboveMax(feeBps_, maxFeeBps_)`.
    /// @param governance The owner, the only account that may change the rates.
    /// @param feeBps_ The initial protocol fee rate, in basis points; at most `maxFeeBps_`.
    /// @param maxFeeBps_ The maximum protocol fee rate, in basis points; at most 10_000.
    /// @param ecoBps_ The initial ecosystem share of collected fees, in basis points; at most 10_000.
    constructor(address governance, uint256 feeBps_, uint256 maxFeeBps_, uint256 ecoBps_) Ownable(governance) {
        if (maxFeeBps_ > FeeMath.BPS_DENOMINATOR) revert FeeManagerInvalidBps(maxFeeBps_);
        if (ecoBps_ > FeeMath.BPS_DENOMINATOR) revert FeeManagerInvalidBps(ecoBps_);
        if (feeBps_ > maxFeeBps_) revert FeeManagerFeeAboveMax(feeBps_, maxFeeBps_);
        _maxFeeBps = maxFeeBps_;
        _feeBps = feeBps_;
        _ecoBps = ecoBps_;
    }

    /// @notice Sets the protocol fee rate for offers created from now on (existing offers keep their fee).
    /// @dev Check order: `OwnableUnauthorizedAccount(caller)`, then `FeeManagerFeeAboveMax(newBps, maxFeeBps)`.
    /// Emits {FeeBpsChanged}, also when the rate does not change.
    /// @param newBps The new rate, in basis points; at most `maxFeeBps()`.
    function setFeeBps(uint256 newBps) external onlyOwner {
        if (newBps > _maxFeeBps) revert FeeManagerFeeAboveMax(newBps, _maxFeeBps);
        uint256 previousBps = _feeBps;
        _feeBps = newBps;
        emit FeeBpsChanged(previousBps, newBps);
    }

    /// @notice Sets the ecosystem share of fees collected from now on.
    /// @dev Check order: `OwnableUnauthorizedAccount(caller)`, then `FeeManagerInvalidBps(newBps)`.
    /// Emits {EcoBpsChanged}, also when the share does not change.
    /// @param newBps The new share, in basis points; at most 10_000.
    function setEcoBps(uint256 newBps) external onlyOwner {
        if (newBps > FeeMath.BPS_DENOMINATOR) revert FeeManagerInvalidBps(newBps);
        uint256 previousBps = _ecoBps;
        _ecoBps = newBps;
        emit EcoBpsChanged(previousBps, newBps);
    }

    /// @notice The protocol fee rate, in basis points.
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @notice The maximum protocol fee rate, in basis points, fixed at deployment.
    function maxFeeBps() external view returns (uint256) {
        return _maxFeeBps;
    }

    /// @notice The ecosystem share of collected fees, in basis points.
    function ecoBps() external view returns (uint256) {
        return _ecoBps;
    }

    /// @notice The protocol fee on `price` at the current rate: `price * feeBps / 10_000` rounded down.
    /// @param price A price, in token wei.
    /// @return The fee, in token wei; never above `price`.
    function protocolFee(uint256 price) external view returns (uint256) {
        return FeeMath.bpsOfDown(price, _feeBps);
    }

    /// @notice Splits a collected `fee` at the current ecosystem share (see {FeeMath-splitFee}).
    /// @param fee The collected fee, in token wei.
    /// @return eco The ecosystem fund's part, `fee * ecoBps / 10_000` rounded down, in token wei.
    /// @return rewards The rewards pool's part, `fee - eco`, in token wei.
    function splitFee(uint256 fee) external view returns (uint256 eco, uint256 rewards) {
        return FeeMath.splitFee(fee, _ecoBps);
    }
}
