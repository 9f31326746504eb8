// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title Example vault
/// @notice OpenZeppelin's ERC4626, unchanged but for its decimals offset, which the constructor
/// takes: shares carry `decimalsOffset` more decimals than the asset, and the share math counts
/// `10 ** decimalsOffset` virtual shares (and one virtual asset wei), which is what makes the
/// first-depositor inflation attack unprofitable.
contract ExampleVault is ERC4626 {
    /// @notice A decimals offset above MAX_DECIMALS_OFFSET.
    error ExampleVaultDecimalsOffsetTooLarge(uint8 decimalsOffset, uint8 max);

    /// @dev decimals; keeps `10 ** offset` and the shares' decimals far from overflowing
    uint8 public constant MAX_DECIMALS_OFFSET = 36;

    /// @dev decimals
    uint8 private immutable _offset;

    constructor(
        IERC20 asset_,
        uint8 decimalsOffset_
    ) ERC20("Example Vault Share", "vEXA") ERC4626(asset_) {
        if (decimalsOffset_ > MAX_DECIMALS_OFFSET) {
            revert ExampleVaultDecimalsOffsetTooLarge(decimalsOffset_, MAX_DECIMALS_OFFSET);
        }
        _offset = decimalsOffset_;
    }

    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }
}
