/**
 * JSON-RPC calls in batches on Hardhat's in-process chain.
 *
 * EDR, the Rust EVM behind Hardhat's in-process network, answers an array of calls in one
 * crossing from JavaScript to Rust. Hardhat's provider takes one call per `request`, each going
 * through Hardhat's request handlers, its hook chain and a JSON round trip. A substep's block
 * is some 2n + 3 calls for n transactions (automine off, n sends, mine, automine on, n
 * receipts). On Hardhat 3.18 (EDR 0.22), sends of a trivial call ran at about 2,000/s one
 * request each and 4,300/s in batches of 32 plus the mining calls.
 *
 * Lockstep's plugin carries a batch down Hardhat's hook chain as one request (see
 * cli/hooks/network.ts): `lockstep_batch` with `[calls]`. That reaches past Hardhat's public
 * API, so it is tried, not assumed: a provider that does not know the method (Lockstep's
 * plugin not loaded, an HTTP node) refuses it before anything runs, and from then on every
 * batch on that provider goes call by call through `request`, with the same results and the
 * same failure semantics. Batched calls are not seen by Hardhat's request handlers (they fill
 * in gas and chain ids, which Lockstep's calls carry themselves).
 */
import type { Eip1193Provider } from "../engine/types.js";

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

/** The request that Lockstep's network hook turns into one EDR batch. */
export const BATCH_METHOD = "lockstep_batch";

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

export function isBatchCalls(value: unknown): value is RpcCall[] {
  return (
    Array.isArray(value) &&
    value.every(
      (c: unknown) =>
        typeof c === "object" &&
        c !== null &&
        typeof (c as RpcCall).method === "string" &&
        Array.isArray((c as RpcCall).params),
    )
  );
}

/** JSON-RPC's "method not found", and EDR's way of saying it. */
function isUnknownMethod(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return code === -32601 || /not (found|supported)|unsupported method|does not exist/i.test(message);
}

/** Providers known to take batches (true) or to refuse them (false). */
const batchSupport = new WeakMap<Eip1193Provider, boolean>();

/** Whether batches on `provider` went in one request so far (undefined: not tried yet). */
export function batchesSupported(provider: Eip1193Provider): boolean | undefined {
  return batchSupport.get(provider);
}

async function oneByOne(provider: Eip1193Provider, calls: readonly RpcCall[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const { method, params } of calls) results.push(await provider.request({ method, params }));
  return results;
}

/** Batches on `provider`: one EDR call per batch where the provider takes it (and `direct`), else call by call. */
export function rpcBatchOf(provider: Eip1193Provider, direct = true): RpcBatch {
  return async (calls) => {
    if (!direct || batchSupport.get(provider) === false) return oneByOne(provider, calls);
    if (calls.length === 0) return [];
    let answer: { result?: unknown; error?: { message?: unknown; code?: unknown } };
    try {
      answer = (await provider.request({ method: BATCH_METHOD, params: [calls] })) as typeof answer;
    } catch (e) {
      if (batchSupport.get(provider) === undefined && isUnknownMethod(e)) {
        batchSupport.set(provider, false);
        return oneByOne(provider, calls);
      }
      const code = (e as { code?: unknown }).code;
      throw new RpcBatchError(e instanceof Error ? e.message : String(e), typeof code === "number" ? code : undefined);
    }
    if (answer?.error !== undefined) {
      const { message, code } = answer.error;
      throw new RpcBatchError(String(message), typeof code === "number" ? code : undefined);
    }
    if (!Array.isArray(answer?.result) || answer.result.length !== calls.length) {
      throw new RpcBatchError(
        `EDR answered a batch of ${calls.length} calls with ${JSON.stringify(answer)}`,
        undefined,
      );
    }
    batchSupport.set(provider, true);
    return answer.result;
  };
}
