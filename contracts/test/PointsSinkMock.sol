// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IFundsLedger} from "../interfaces/IFundsLedger.sol";
import {IPointsSink} from "../interfaces/IPointsSink.sol";

/// @notice Test double of the rewards distributor: records every accrual of points and of fees, and can withdraw its
/// fee credits from the escrow's ledger. Optionally re-enters the ledger's `withdrawFunds` from `accruePoints`, to test guards.
contract PointsSinkMock is IPointsSink {
    struct Accrual {
        address seller;
        uint256 points;
        address aggregator;
        uint256 aggregatorPoints;
    }

    Accrual[] private _accruals;
    mapping(address account => uint256 points) public pointsOf;
    uint256 public totalPoints;
    /// @notice Sum of the amounts passed to `accrueFees`, and the number of those calls.
    uint256 public feesAccrued;
    uint256 public feeAccrualCount;
    IFundsLedger public reenterLedger;

    event PointsAccrued(address indexed seller, uint256 points, address indexed aggregator, uint256 aggregatorPoints);
    event FeesAccrued(uint256 amount);

    /// @inheritdoc IPointsSink
    function accruePoints(address seller, uint256 points, address aggregator, uint256 aggregatorPoints) external {
        _accruals.push(Accrual(seller, points, aggregator, aggregatorPoints));
        pointsOf[seller] += points;
        pointsOf[aggregator] += aggregatorPoints;
        totalPoints += points + aggregatorPoints;
        emit PointsAccrued(seller, points, aggregator, aggregatorPoints);
        if (address(reenterLedger) != address(0)) reenterLedger.withdrawFunds(1);
    }

    /// @inheritdoc IPointsSink
    function accrueFees(uint256 amount) external {
        feesAccrued += amount;
        ++feeAccrualCount;
        emit FeesAccrued(amount);
    }

    /// @notice Makes `accruePoints` call `ledger.withdrawFunds(1)` (zero address: off).
    function setReenter(IFundsLedger ledger) external {
        reenterLedger = ledger;
    }

    /// @notice Withdraws `amount` of this contract's available funds from `ledger`.
    function withdraw(IFundsLedger ledger, uint256 amount) external {
        ledger.withdrawFunds(amount);
    }

    function accrualCount() external view returns (uint256) {
        return _accruals.length;
    }

    function accrual(uint256 index) external view returns (Accrual memory) {
        return _accruals[index];
    }
}
