// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {FeeMath} from "../libraries/FeeMath.sol";

/// @notice Exposes the internal FeeMath library to tests.
contract FeeMathHarness {
    function bpsOfDown(uint256 amount, uint256 bps) external pure returns (uint256) {
        return FeeMath.bpsOfDown(amount, bps);
    }

    function splitFee(uint256 fee, uint256 ecoBps) external pure returns (uint256 eco, uint256 rewards) {
        return FeeMath.splitFee(fee, ecoBps);
    }

    function bpsDenominator() external pure returns (uint256) {
        return FeeMath.BPS_DENOMINATOR;
    }
}
