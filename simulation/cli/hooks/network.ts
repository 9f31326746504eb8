/**
 * The network hook of Lockstep's plugin: a request `lockstep_batch` with params `[calls]` is
 * handed to the provider below as one JSON-RPC batch (an array of requests), which EDR, the
 * Rust EVM under Hardhat's in-process network, answers in one crossing; every other request
 * passes through untouched.
 *
 * This reaches past Hardhat's public API: Hardhat types a request as one object, and a batch
 * is an array. Hardhat's own request handlers skip a request whose method they do not know,
 * and EDR takes the array as a batch (it answers `{ result: [...] }`, or the first failing
 * call's `{ error }`). `rpcBatchOf` checks the answer's shape and falls back to one call at a
 * time where it is not what EDR gives, so nothing depends on this staying true.
 */
import type { NetworkHooks } from "hardhat/types/hooks";
import type { JsonRpcRequest, JsonRpcResponse } from "hardhat/types/providers";
import { BATCH_METHOD, isBatchCalls } from "../../chain/rpcBatch.js";

export default async (): Promise<Partial<NetworkHooks>> => ({
  async onRequest(context, connection, request, next) {
    if (request.method !== BATCH_METHOD || connection.networkConfig.type !== "edr-simulated") {
      return next(context, connection, request);
    }
    const calls = Array.isArray(request.params) ? request.params[0] : undefined;
    if (!isBatchCalls(calls)) return next(context, connection, request);
    const batch = calls.map(({ method, params }, id) => ({ jsonrpc: "2.0" as const, id, method, params: [...params] }));
    // The batch goes down the chain as if it were one request (see above).
    const answer: unknown = await next(context, connection, batch as unknown as JsonRpcRequest);
    return { jsonrpc: "2.0", id: request.id, result: answer } as JsonRpcResponse;
  },
});
