// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Example asset
/// @notice The ERC20 the example vault holds: OpenZeppelin's ERC20 with 18 decimals, minted by its
/// deployer (the scenario's starting balances) and by a faucet anyone may call, capped per call.
contract ExampleAsset is ERC20 {
    /// @notice `caller` tried to mint, which only the deployer `minter` may.
    error ExampleAssetUnauthorizedMinter(address caller, address minter);
    /// @notice A faucet call for `amount`, above the per-call cap `limit`.
    error ExampleAssetFaucetLimitExceeded(uint256 amount, uint256 limit);

    address private immutable _minter;
    /// @dev wei of the asset per faucet call
    uint256 private immutable _faucetLimit;

    constructor(string memory name_, string memory symbol_, uint256 faucetLimit_) ERC20(name_, symbol_) {
        _minter = msg.sender;
        _faucetLimit = faucetLimit_;
    }

    /// @notice Mints `amount` to `to`; the deployer only.
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert ExampleAssetUnauthorizedMinter(msg.sender, _minter);
        _mint(to, amount);
    }

    /// @notice Mints up to the faucet limit to the caller.
    function faucet(uint256 amount) external {
        if (amount > _faucetLimit) revert ExampleAssetFaucetLimitExceeded(amount, _faucetLimit);
        _mint(msg.sender, amount);
    }

    function minter() external view returns (address) {
        return _minter;
    }

    function faucetLimit() external view returns (uint256) {
        return _faucetLimit;
    }
}
