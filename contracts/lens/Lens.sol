// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {FeeManager} from "../fees/FeeManager.sol";
import {RewardsDistributor} from "../rewards/RewardsDistributor.sol";
import {VoucherEscrow} from "../vouchers/VoucherEscrow.sol";

/// @title Lens
/// @notice Reads every comparable variable of a deployed Lockstep system in one call, so a
/// simulation samples a step with a single `eth_call` instead of one call per variable.
/// @dev The layout of the returned arrays is fixed: `GLOBALS` names, then 2 words per
/// release wallet, then `PER_ENTITY` words per entity. simulation/chain/lens.ts decodes it
/// with the same constants. The cost grows with the entities asked for, never with history.
contract Lens {
    /// @dev Number of words in the globals section.
    uint256 public constant GLOBALS = 35;
    /// @dev Words per release wallet: reward-token balance, reward-token released.
    uint256 public constant PER_WALLET = 2;
    /// @dev Words per entity: available funds, exchange-token balance, governance-token balance,
    /// claimable rewards, claimable fees.
    uint256 public constant PER_ENTITY = 5;

    VoucherEscrow private immutable _escrow;
    RewardsDistributor private immutable _rewards;
    FeeManager private immutable _fees;
    IERC20 private immutable _exchangeToken;
    IERC20 private immutable _governanceToken;

    constructor(
        VoucherEscrow escrow,
        RewardsDistributor rewards,
        FeeManager fees,
        IERC20 exchangeToken,
        IERC20 governanceToken
    ) {
        _escrow = escrow;
        _rewards = rewards;
        _fees = fees;
        _exchangeToken = exchangeToken;
        _governanceToken = governanceToken;
    }

    /// @notice All comparable state: globals, then each wallet's, then each entity's words.
    function sample(address[] calldata wallets, address[] calldata entities) external view returns (uint256[] memory out) {
        out = new uint256[](GLOBALS + wallets.length * PER_WALLET + entities.length * PER_ENTITY);
        uint256 i = _globals(out);
        address govToken = address(_governanceToken);
        for (uint256 w = 0; w < wallets.length; ++w) {
            out[i++] = _governanceToken.balanceOf(wallets[w]);
            out[i++] = VestingWallet(payable(wallets[w])).released(govToken);
        }
        for (uint256 e = 0; e < entities.length; ++e) {
            address who = entities[e];
            out[i++] = _escrow.availableFunds(who);
            out[i++] = _exchangeToken.balanceOf(who);
            out[i++] = _governanceToken.balanceOf(who);
            out[i++] = _rewards.claimableRewards(who);
            out[i++] = _rewards.claimableFees(who);
        }
    }

    function _globals(uint256[] memory out) private view returns (uint256 i) {
        VoucherEscrow escrow = _escrow;
        out[i++] = escrow.offerCount();
        out[i++] = escrow.exchangeCount();
        // ExchangeState 1..6: Committed, Revoked, Canceled, Redeemed, Completed, Disputed.
        for (uint8 s = 1; s <= 6; ++s) out[i++] = escrow.exchangeCountByState(VoucherEscrow.ExchangeState(s));
        // DisputeState 1..6: Resolving, Retracted, Resolved, Escalated, Decided, Refused.
        for (uint8 s = 1; s <= 6; ++s) out[i++] = escrow.disputeCountByState(VoucherEscrow.DisputeState(s));
        out[i++] = escrow.totalEncumbered();
        out[i++] = escrow.totalAvailable();
        out[i++] = escrow.protocolFeesCollected();
        out[i++] = escrow.ecosystemFeesCredited();
        out[i++] = escrow.rewardsFeesCredited();
        out[i++] = _exchangeToken.balanceOf(address(escrow));
        out[i++] = _fees.feeBps();
        out[i++] = _fees.ecoBps();
        RewardsDistributor rewards = _rewards;
        out[i++] = rewards.nextEpochToClose();
        out[i++] = rewards.totalEmitted();
        out[i++] = rewards.totalRewardsClaimed();
        out[i++] = rewards.totalFeesClaimed();
        out[i++] = rewards.totalFeesReceived();
        out[i++] = rewards.carriedRewardDust();
        out[i++] = rewards.carriedFeeDust();
        out[i++] = rewards.rewardsOwed();
        out[i++] = rewards.feesOwed();
        out[i++] = _governanceToken.balanceOf(address(rewards));
        out[i++] = _exchangeToken.balanceOf(address(rewards));
        out[i++] = _exchangeToken.totalSupply();
        out[i++] = _governanceToken.totalSupply();
    }
}
