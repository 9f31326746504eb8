/**
 * The mechanism's compared variables as the chain held them at a given block: the chain
 * backend's own reads (storage words through the compiler's layout, view calls), all at that
 * block, in one JSON-RPC batch. Past blocks need an archive node (a Hardhat node is one;
 * Alchemy and Infura serve archive state).
 */
import { RemoteError } from "../chain/remote.js";
import { RpcResponseError, type JsonRpcClient } from "../chain/jsonRpc.js";
import { createMechanismChainBackend } from "../chain/mechanismBackend.js";
import { toQuantity } from "../chain/rpc.js";
import type { StateRead, TxSender } from "../chain/sender.js";
import { InternalError } from "../engine/errors.js";
import type { Account, Variables } from "../engine/types.js";
import type { Deployed } from "../sdk/mechanism.js";
import type { Deployment, ResolvedMechanism } from "../sdk/resolve.js";

export interface StateReader {
  /** The compared variables (globals, then each account's) at the end of block `block`. */
  at(block: bigint, accounts: readonly Account[]): Promise<Variables>;
}

export async function stateReader<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  client: JsonRpcClient,
  d: Deployed<C>,
  deployment: Deployment,
): Promise<StateReader> {
  let block: bigint | undefined;
  const reader: TxSender = {
    canWarpTime: false,
    async prepare() {},
    send: () => Promise.reject(new InternalError("an observer sends no transaction")),
    call: () => Promise.reject(new InternalError("an observer reads through read()")),
    async read(reads: readonly StateRead[]) {
      const at = toQuantity(block!);
      const calls = reads.map((x) =>
        x.kind === "storage"
          ? { method: "eth_getStorageAt", params: [x.at, x.slot, at] }
          : { method: "eth_call", params: [{ to: x.to, data: x.data }, at] },
      );
      try {
        return (await client.requestBatch(calls)) as string[];
      } catch (e) {
        if (!(e instanceof RpcResponseError)) throw e;
        throw new RemoteError(
          `The node cannot read the state of block ${block} (${e.rpcMessage}): observing compares the state at every ` +
            `block with calls, which needs an archive node (a Hardhat node is one; Alchemy and Infura serve archive state).`,
        );
      }
    },
  };
  const backend = await createMechanismChainBackend(r, client, reader, d, deployment);
  return {
    async at(n, accounts) {
      block = n;
      return backend.sample(accounts);
    },
  };
}
