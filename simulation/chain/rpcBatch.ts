/**
 * JSON-RPC calls in batches on Hardhat's in-process chain.
 *
 * EDR, the Rust EVM behind Hardhat 2's network, answers an array of calls in one crossing
 * from JavaScript to Rust. Hardhat's provider takes one call per `request`, and each call
 * goes through six wrapping providers and a JSON round trip on the way. A substep's block is
 * some 2n + 3 calls for n transactions (automine off, n sends, mine, automine on, n receipts):
 * 32 receipts took 2.1-3.1 ms one call at a time and 0.2-0.5 ms as one batch, and a 24-step
 * boson-commerce run in chain mode went from about 900 to about 700 ms.
 *
 * Batches reach past Hardhat's public API: the `EdrProviderWrapper` at the bottom of the
 * chain of `_wrapped` providers holds EDR's provider as `_provider`, with
 * `handleRequest(json)`. So the handle is looked for, not assumed: where it is not found
 * (another provider, another Hardhat) a batch is sent call by call through `request`, with
 * the same results and the same failure semantics. Calls that bypass the wrappers are not
 * seen by Hardhat's gas reporter or by coverage tools that listen to the wrapper's events.
 */
import type { Eip1193Provider } from "../engine/types";

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

/**
 * Sends calls in order and returns their results in order. At the first call that fails it
 * throws that call's error; the calls before it have taken effect, the ones after it have not
 * been made (EDR's own batch semantics, which the call-by-call fallback shares).
 */
export type RpcBatch = (calls: readonly RpcCall[]) => Promise<unknown[]>;

/** A failed call of a batch, with the JSON-RPC error code where there is one. */
export class RpcBatchError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = "RpcBatchError";
  }
}

interface EdrHandle {
  handleRequest(json: string): Promise<{ readonly data: unknown }>;
}

/** EDR's provider under Hardhat's wrappers, if this provider has one. */
export function edrHandleOf(provider: Eip1193Provider): EdrHandle | undefined {
  let layer: unknown = provider;
  for (let depth = 0; depth < 16 && typeof layer === "object" && layer !== null; depth++) {
    const inner = (layer as { _provider?: unknown })._provider;
    if (typeof inner === "object" && inner !== null && typeof (inner as EdrHandle).handleRequest === "function") {
      return inner as EdrHandle;
    }
    layer = (layer as { _wrapped?: unknown })._wrapped;
  }
  return undefined;
}

/**
 * Batches on `provider`: one EDR call per batch where EDR's handle is found (and `direct`), else
 * call by call. The handle is looked up for every batch: a reset replaces EDR's provider, and a
 * lazily started Hardhat network has none until its first request.
 */
export function rpcBatchOf(provider: Eip1193Provider, direct = true): RpcBatch {
  return async (calls) => {
    const edr = direct ? edrHandleOf(provider) : undefined;
    if (edr === undefined) {
      const results: unknown[] = [];
      for (const { method, params } of calls) results.push(await provider.request({ method, params }));
      return results;
    }
    if (calls.length === 0) return [];
    const body = JSON.stringify(calls.map(({ method, params }, id) => ({ jsonrpc: "2.0", id, method, params })));
    const response = await edr.handleRequest(body);
    const answer = (typeof response.data === "string" ? JSON.parse(response.data) : response.data) as {
      result?: unknown;
      error?: { message?: unknown; code?: unknown };
    };
    if (answer.error !== undefined) {
      const { message, code } = answer.error;
      throw new RpcBatchError(String(message), typeof code === "number" ? code : undefined);
    }
    if (!Array.isArray(answer.result) || answer.result.length !== calls.length) {
      throw new RpcBatchError(
        `EDR answered a batch of ${calls.length} calls with ${JSON.stringify(answer)}`,
        undefined,
      );
    }
    return answer.result;
  };
}
