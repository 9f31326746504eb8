// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";

/// @title CallForwarder
/// @notice Test contract: forwards calls to other contracts, as a router or a smart-contract wallet does, so that the
/// contract called sees this forwarder as its caller. `forward` passes a revert on; `tryForward` swallows it (the
/// transaction succeeds while the call in it reverted); `forwardThenRevert` makes a call and then reverts, undoing it.
/// It holds ERC1155 vouchers, so it can be a buyer. Anyone may use it: it holds nothing worth guarding in a test.
contract CallForwarder is ERC1155Holder {
    /// @notice `forwardThenRevert` undid the call it made to `target`.
    error CallForwarderUndone(address target);

    /// @notice A call to `target` was made; `ok` says whether it succeeded.
    event Forwarded(address indexed target, bool ok);

    /// @notice Calls `target` with `data`; reverts with the call's own revert data when it reverts.
    /// @param target The contract called.
    /// @param data The calldata.
    /// @return result What the call returned.
    function forward(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) _bubble(result);
        emit Forwarded(target, true);
    }

    /// @notice Calls `target` with `data` and succeeds whether or not the call does.
    /// @param target The contract called.
    /// @param data The calldata.
    /// @return ok Whether the call succeeded.
    function tryForward(address target, bytes calldata data) external returns (bool ok) {
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ) = target.call(data);
        emit Forwarded(target, ok);
    }

    /// @notice Calls `target` with `data` (which must succeed), then reverts: nothing the call did remains.
    /// @param target The contract called.
    /// @param data The calldata.
    function forwardThenRevert(address target, bytes calldata data) external {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) _bubble(result);
        revert CallForwarderUndone(target);
    }

    function _bubble(bytes memory reason) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }
}
