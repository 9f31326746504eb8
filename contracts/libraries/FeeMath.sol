// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeMath
/// @notice Basis-point arithmetic of the fee and voucher mechanisms. Every result names its rounding.
/// @dev Mirrored one to one by `simulation/model/feeMath.ts` (same function names).
library FeeMath {
    /// @dev basis points; 10_000 = 100%
    uint256 internal constant BPS_DENOMINATOR = 10_000;

    /// @notice Equivalent to `amount * bps / 10_000` rounded down.
    /// @dev Computed at full precision with OpenZeppelin `Math.mulDiv`, so the intermediate product never
    /// overflows. Reverts with `Panic(0x11)` only when the result itself exceeds `type(uint256).max`, which
    /// needs `bps > 10_000`.
    /// @param amount An amount, in token wei.
    /// @param bps A rate in basis points.
    /// @return The rate applied to the amount, in token wei, rounded down.
    function bpsOfDown(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, BPS_DENOMINATOR);
    }

    /// @notice Splits `fee` into an ecosystem part, `bpsOfDown(fee, ecoBps)`, and a rewards part, the rest.
    /// @dev Exact: `eco + rewards == fee`; the rounding dust goes to the rewards part. Reverts with
    /// `Panic(0x11)` when the ecosystem part would exceed the fee, which needs `ecoBps > 10_000`.
    /// @param fee The fee to split, in token wei.
    /// @param ecoBps The ecosystem share, in basis points.
    /// @return eco The ecosystem part, in token wei, rounded down.
    /// @return rewards The rewards part, `fee - eco`, in token wei.
    function splitFee(uint256 fee, uint256 ecoBps) internal pure returns (uint256 eco, uint256 rewards) {
        eco = bpsOfDown(fee, ecoBps);
        rewards = fee - eco;
    }
}
