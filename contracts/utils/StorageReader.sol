// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title StorageReader
/// @notice Raw reads of this contract's own storage, many slots per call, for off-chain
/// samplers (the Lens). It reveals nothing a node's `eth_getStorageAt` does not, at the cost of
/// one call instead of one request per slot.
/// @dev On Hardhat's in-process chain every executed opcode is traced, about a microsecond each,
/// so a reader of every agent's balances pays for opcodes, not for storage: this loop costs about
/// a dozen opcodes per slot where a Solidity getter per account costs well over a hundred.
// Assembly here only moves words between calldata, storage, return data and memory: the point
// of this contract is to do that in a dozen opcodes where Solidity's encoders take a hundred.
// solhint-disable no-inline-assembly
abstract contract StorageReader {
    /// @notice The words stored at `slots`, in order, ABI-encoded as a `bytes32[]`.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory) {
        assembly ("memory-safe") {
            let out := mload(0x40)
            mstore(out, 0x20)
            mstore(add(out, 0x20), slots.length)
            let dst := add(out, 0x40)
            let end := add(slots.offset, shl(5, slots.length))
            for {
                let src := slots.offset
            } lt(src, end) {
                src := add(src, 0x20)
            } {
                mstore(dst, sload(calldataload(src)))
                dst := add(dst, 0x20)
            }
            return(out, sub(dst, out))
        }
    }
}
