// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Storage layout probe
/// @notice Every kind of state variable the storage-layout reader resolves (packed small
/// values, signed integers, booleans, addresses, enums, fixed and dynamic arrays, structs,
/// nested mappings), each with a getter to check the reader's value against.
/// @dev Test-only contract for test/chain/storageLayout.test.ts.
contract LayoutProbe {
    enum Phase {
        None,
        Open,
        Closed
    }

    struct Position {
        address owner;
        uint96 size;
        int64 pnl;
        bool open;
        Phase phase;
        uint256 collateral;
    }

    uint256 public total;
    uint8 public small;
    int32 public signedSmall;
    bool public flag;
    address public admin;
    Phase public phase;
    bytes32 public tag;
    uint16[5] private _packed;
    uint256[3] private _wide;
    mapping(address account => uint256) public balances;
    mapping(uint256 id => mapping(address account => int128)) private _nested;
    mapping(uint256 id => Position) private _positions;
    Position[] private _history;
    address[] private _members;

    function set(
        uint256 total_,
        uint8 small_,
        int32 signedSmall_,
        bool flag_,
        address admin_,
        Phase phase_,
        bytes32 tag_
    ) external {
        total = total_;
        small = small_;
        signedSmall = signedSmall_;
        flag = flag_;
        admin = admin_;
        phase = phase_;
        tag = tag_;
    }

    function setArrays(uint16[5] calldata packed_, uint256[3] calldata wide_) external {
        _packed = packed_;
        _wide = wide_;
    }

    function setBalance(address account, uint256 amount) external {
        balances[account] = amount;
    }

    function setNested(uint256 id, address account, int128 value) external {
        _nested[id][account] = value;
    }

    function setPosition(uint256 id, Position calldata p) external {
        _positions[id] = p;
    }

    function pushHistory(Position calldata p) external {
        _history.push(p);
    }

    function pushMember(address account) external {
        _members.push(account);
    }

    function packed(uint256 i) external view returns (uint16) {
        return _packed[i];
    }

    function wide(uint256 i) external view returns (uint256) {
        return _wide[i];
    }

    function nested(uint256 id, address account) external view returns (int128) {
        return _nested[id][account];
    }

    function position(uint256 id) external view returns (Position memory) {
        return _positions[id];
    }

    function history(uint256 i) external view returns (Position memory) {
        return _history[i];
    }

    function historyLength() external view returns (uint256) {
        return _history.length;
    }

    function member(uint256 i) external view returns (address) {
        return _members[i];
    }

    function memberCount() external view returns (uint256) {
        return _members.length;
    }
}
