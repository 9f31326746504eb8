// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Starter vault
/// @notice Lockstep's starter mechanism: a vault that keeps each account's balance and charges a
/// fee on deposits. Replace it with your own contracts; sim/starter/ shows how Lockstep checks a
/// contract against a model of it.
/// @dev Bookkeeping only (no token moves), so the starter needs nothing but itself.
contract StarterVault {
    /// @notice A deposit of zero.
    error StarterVaultZeroAmount();
    /// @notice A withdrawal of more than the account's balance.
    error StarterVaultInsufficientBalance(address account, uint256 balance, uint256 requested);
    /// @notice A fee above MAX_FEE_BPS.
    error StarterVaultFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice `account` deposited `amount`, of which `fee` went to the vault.
    event Deposited(address indexed account, uint256 amount, uint256 fee);
    /// @notice `account` withdrew `amount`.
    event Withdrawn(address indexed account, uint256 amount);

    /// @dev basis points; 10_000 = 100%
    uint256 public constant MAX_FEE_BPS = 1_000;

    /// @dev basis points; 10_000 = 100%
    uint256 private immutable _feeBps;
    mapping(address account => uint256) private _balances;
    uint256 private _totalDeposits;
    uint256 private _feesCollected;

    constructor(uint256 feeBps_) {
        if (feeBps_ > MAX_FEE_BPS) revert StarterVaultFeeTooHigh(feeBps_, MAX_FEE_BPS);
        _feeBps = feeBps_;
    }

    /// @notice Credits `amount` less the fee (rounded down) to the sender.
    function deposit(uint256 amount) external {
        if (amount == 0) revert StarterVaultZeroAmount();
        uint256 fee = (amount * _feeBps) / 10_000;
        _balances[msg.sender] += amount - fee;
        _totalDeposits += amount - fee;
        _feesCollected += fee;
        emit Deposited(msg.sender, amount, fee);
    }

    /// @notice Takes `amount` off the sender's balance.
    function withdraw(uint256 amount) external {
        uint256 balance = _balances[msg.sender];
        if (amount > balance) revert StarterVaultInsufficientBalance(msg.sender, balance, amount);
        _balances[msg.sender] = balance - amount;
        _totalDeposits -= amount;
        emit Withdrawn(msg.sender, amount);
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    function totalDeposits() external view returns (uint256) {
        return _totalDeposits;
    }

    function feesCollected() external view returns (uint256) {
        return _feesCollected;
    }

    function feeBps() external view returns (uint256) {
        return _feeBps;
    }
}
