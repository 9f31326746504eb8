// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {StorageReader} from "../utils/StorageReader.sol";

/// @title Lens
/// @notice Reads every comparable word of a deployed Lockstep system in one call, so a
/// simulation samples a step with a single `eth_call` instead of one request per variable.
/// @dev The Lens reads storage by slot through each contract's `StorageReader.extsload`: the
/// caller groups its slots by contract, and the Lens makes one call per contract and copies the
/// words back without touching them. Where a slot lives comes from the compiler's storage layout
/// (simulation/chain/storage.ts, checked against it by test/chain/storage.test.ts). Reading slots
/// rather than calling getters matters on Hardhat's in-process chain, where every executed opcode
/// is traced (about a microsecond each): a getter per variable costs over a hundred opcodes, a
/// slot here about twenty. The cost grows with the words asked for, never with history.
// Assembly here only moves words between calldata, storage, return data and memory: the point
// of this contract is to do that in a dozen opcodes where Solidity's encoders take a hundred.
// solhint-disable no-inline-assembly
contract Lens {
    /// @notice `counts` must have one entry per target and add up to the number of slots.
    error LensBadReads(uint256 targets, uint256 counts, uint256 slots);
    /// @notice `target.extsload` returned `size` bytes, not one word per slot asked for.
    error LensUnexpectedReturn(address target, uint256 size);

    /// @notice The words at `slots`: the first `counts[0]` of them read from `targets[0]`, the next
    /// `counts[1]` from `targets[1]`, and so on; `out[i]` is the word at `slots[i]`.
    function sample(
        address[] calldata targets,
        uint256[] calldata counts,
        bytes32[] calldata slots
    ) external view returns (uint256[] memory out) {
        if (counts.length != targets.length) revert LensBadReads(targets.length, counts.length, slots.length);
        uint256 words = slots.length;
        // `out` is allocated behind a word holding its ABI offset, so that the array is returned
        // as it lies in memory: Solidity's encoder would copy it word by word.
        uint256 encoded;
        assembly ("memory-safe") {
            encoded := mload(0x40)
            mstore(encoded, 0x20)
            out := add(encoded, 0x20)
            mstore(out, words)
            mstore(0x40, add(add(out, 0x20), shl(5, words)))
        }
        uint256 at = 0;
        for (uint256 t = 0; t < targets.length; ++t) {
            uint256 n = counts[t];
            if (n > words - at) revert LensBadReads(targets.length, counts.length, words);
            _read(out, at, targets[t], slots[at:at + n]);
            at += n;
        }
        if (at != words) revert LensBadReads(targets.length, counts.length, words);
        assembly ("memory-safe") {
            return(encoded, add(0x40, shl(5, words)))
        }
    }

    /// @dev Reads `slots` of `target` through its `extsload` and copies the words into `out` from
    /// index `at` (the caller checked that they fit).
    function _read(uint256[] memory out, uint256 at, address target, bytes32[] calldata slots) private view {
        bytes4 selector = StorageReader.extsload.selector;
        uint256 n = slots.length;
        bool ok;
        uint256 size;
        assembly ("memory-safe") {
            // extsload(bytes32[]) calldata, built past the free memory pointer: selector, offset, length, slots.
            let data := mload(0x40)
            mstore(data, selector)
            mstore(add(data, 0x04), 0x20)
            mstore(add(data, 0x24), n)
            calldatacopy(add(data, 0x44), slots.offset, shl(5, n))
            ok := staticcall(gas(), target, data, add(0x44, shl(5, n)), 0, 0)
            size := returndatasize()
        }
        if (!ok) {
            assembly ("memory-safe") {
                let p := mload(0x40)
                returndatacopy(p, 0, size)
                revert(p, size)
            }
        }
        // abi.encode(bytes32[n]): the offset 0x20, the length n, then the n words.
        if (size != 0x40 + n * 0x20) revert LensUnexpectedReturn(target, size);
        assembly ("memory-safe") {
            returndatacopy(add(add(out, 0x20), shl(5, at)), 0x40, shl(5, n))
        }
    }
}
