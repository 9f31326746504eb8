// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Lockstep Governance (LSG)
/// @notice A fixed-supply ERC20: the whole supply is minted once, at deployment, to one holder, and
/// there is no mint function. Emission budgets and release categories are funded by transfers from
/// that holder.
contract GovernanceToken is ERC20 {
    /// @notice The whole supply, in LSG wei (18 decimals): 200 million LSG.
    uint256 public constant TOTAL_SUPPLY = 200_000_000 ether;

    /// @param holder Receives the whole supply; the zero address reverts with `ERC20InvalidReceiver(address(0))`.
    constructor(address holder) ERC20("Lockstep Governance", "LSG") {
        _mint(holder, TOTAL_SUPPLY);
    }
}
