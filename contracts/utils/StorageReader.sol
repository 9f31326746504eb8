// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title StorageReader
/// @notice Raw reads of this contract's own storage, many slots per call, for off-chain
/// samplers (the Lens). It reveals nothing a node's `eth_getStorageAt` does not, at the cost of
/// one call instead of one request per slot.
/// @dev On Hardhat's in-process chain every executed opcode is traced (about half a microsecond
/// each), so a reader of every agent's balances pays for opcodes, not for storage. The slots are
/// copied into the return buffer as they are, then each is replaced by its word in place, eight
/// to a turn of the loop: about eight opcodes a slot, where a plain loop takes twenty-five and a
/// Solidity getter per account well over a hundred.
// Assembly here only moves words between calldata, storage, return data and memory: the point
// of this contract is to do that in a few opcodes where Solidity's encoders take a hundred.
// solhint-disable no-inline-assembly
abstract contract StorageReader {
    /// @notice The words stored at `slots`, in order, ABI-encoded as a `bytes32[]`.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory) {
        assembly ("memory-safe") {
            let out := mload(0x40)
            let bytesLength := shl(5, slots.length)
            mstore(out, 0x20)
            mstore(add(out, 0x20), slots.length)
            let p := add(out, 0x40)
            calldatacopy(p, slots.offset, bytesLength)
            let end := add(p, bytesLength)
            // Eight at a time while eight are left (`and(bytesLength, 0xff)` is the remainder's bytes).
            let end8 := sub(end, and(bytesLength, 0xff))
            for {} lt(p, end8) {
                p := add(p, 0x100)
            } {
                mstore(p, sload(mload(p)))
                mstore(add(p, 0x20), sload(mload(add(p, 0x20))))
                mstore(add(p, 0x40), sload(mload(add(p, 0x40))))
                mstore(add(p, 0x60), sload(mload(add(p, 0x60))))
                mstore(add(p, 0x80), sload(mload(add(p, 0x80))))
                mstore(add(p, 0xa0), sload(mload(add(p, 0xa0))))
                mstore(add(p, 0xc0), sload(mload(add(p, 0xc0))))
                mstore(add(p, 0xe0), sload(mload(add(p, 0xe0))))
            }
            for {} lt(p, end) {
                p := add(p, 0x20)
            } {
                mstore(p, sload(mload(p)))
            }
            return(out, add(0x40, bytesLength))
        }
    }
}
