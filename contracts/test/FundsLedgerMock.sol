// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IFundsLedger} from "../interfaces/IFundsLedger.sol";
import {IPointsSink} from "../interfaces/IPointsSink.sol";

/// @title Funds ledger mock (tests only)
/// @notice Stands in for the voucher escrow in rewards tests: a pull-based ledger of fee tokens it holds,
/// and the points source that forwards `accruePoints` to a sink and, as the escrow does when it collects a
/// fee, credits fees to a sink and tells it the amount (`creditFees`). Optionally re-enters the distributor
/// from `withdrawFunds`, to test its reentrancy guard.
contract FundsLedgerMock is IFundsLedger {
    using SafeERC20 for IERC20;

    /// @notice What `withdrawFunds` does before paying: nothing, or call back into `reentryTarget`.
    enum Reentry {
        None,
        CloseEpoch,
        Claim
    }

    /// @notice `entity` asked for `amount` with only `available` available.
    error FundsLedgerMockInsufficientFunds(address entity, uint256 available, uint256 amount);

    IERC20 private immutable _token;
    mapping(address entity => uint256) private _availableFunds;
    address private _reentryTarget;
    Reentry private _reentry;

    constructor(IERC20 token) {
        _token = token;
    }

    /// @notice Pulls `amount` tokens from the caller (which approved this mock) and credits them to `entity`.
    function credit(address entity, uint256 amount) external {
        _availableFunds[entity] += amount;
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Credits `amount` tokens, pulled from the caller, to `sink` and tells `sink` (as its points source)
    /// with `accrueFees(amount)`, as the voucher escrow does with the rewards part of a collected fee.
    function creditFees(IPointsSink sink, uint256 amount) external {
        _availableFunds[address(sink)] += amount;
        _token.safeTransferFrom(msg.sender, address(this), amount);
        sink.accrueFees(amount);
    }

    /// @notice Tells `sink` of `amount` fees as its points source, crediting nothing (to test the sink's checks).
    function forwardFees(IPointsSink sink, uint256 amount) external {
        sink.accrueFees(amount);
    }

    /// @notice Forwards points to `sink` as the points source.
    function forwardPoints(
        IPointsSink sink,
        address seller,
        uint256 points,
        address aggregator,
        uint256 aggregatorPoints
    ) external {
        sink.accruePoints(seller, points, aggregator, aggregatorPoints);
    }

    /// @notice Makes the next `withdrawFunds` calls re-enter `target`.
    function setReentry(address target, Reentry mode) external {
        _reentryTarget = target;
        _reentry = mode;
    }

    /// @inheritdoc IFundsLedger
    function availableFunds(address entity) external view returns (uint256) {
        return _availableFunds[entity];
    }

    /// @inheritdoc IFundsLedger
    function withdrawFunds(uint256 amount) external {
        uint256 available = _availableFunds[msg.sender];
        if (available < amount) revert FundsLedgerMockInsufficientFunds(msg.sender, available, amount);
        _availableFunds[msg.sender] = available - amount;
        if (_reentry == Reentry.CloseEpoch) IReentryTarget(_reentryTarget).closeEpoch();
        if (_reentry == Reentry.Claim) IReentryTarget(_reentryTarget).claim();
        _token.safeTransfer(msg.sender, amount);
    }
}

/// @dev The distributor functions the mock re-enters.
interface IReentryTarget {
    function closeEpoch() external;

    function claim() external;
}
