// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";

/// @title Release wallet
/// @notice One token release category (team, investors, network participants, community ecosystem
/// products, ...) is one instance: OpenZeppelin's linear vesting with a cliff, unchanged. Nothing is
/// releasable before `start + cliffSeconds`; from there the vested amount follows the line from
/// `start` to `start + durationSeconds` (rounded down), and everything is vested at the end.
/// `release(token)` may be called by anyone and pays the beneficiary (the wallet's owner).
contract ReleaseWallet is VestingWalletCliff {
    /// @param beneficiary Receives the released tokens (the wallet's owner).
    /// @param startTimestamp Vesting start, in seconds since the Unix epoch.
    /// @param durationSeconds Vesting length, in seconds.
    /// @param cliffSeconds Cliff length after `startTimestamp`, in seconds; at most `durationSeconds`
    /// (else `InvalidCliffDuration(cliffSeconds, durationSeconds)`).
    constructor(
        address beneficiary,
        uint64 startTimestamp,
        uint64 durationSeconds,
        uint64 cliffSeconds
    ) VestingWallet(beneficiary, startTimestamp, durationSeconds) VestingWalletCliff(cliffSeconds) {}
}
