// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ExchangeToken
/// @notice The stable exchange token ("Exchange USD", xUSD, 18 decimals) in which vouchers are priced and paid.
/// The owner (the simulation's deployer) mints it to agents.
contract ExchangeToken is ERC20, Ownable {
    /// @notice Deploys the token with no supply, owned by `initialOwner`.
    /// @param initialOwner The only account that may mint; reverts `OwnableInvalidOwner(address(0))` if zero.
    constructor(address initialOwner) ERC20("Exchange USD", "xUSD") Ownable(initialOwner) {}

    /// @notice Mints `amount` wei to `to`.
    /// @dev Reverts `OwnableUnauthorizedAccount(caller)` for anyone but the owner, and `ERC20InvalidReceiver(0)`
    /// for the zero address.
    /// @param to The receiver.
    /// @param amount The amount, in token wei.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
