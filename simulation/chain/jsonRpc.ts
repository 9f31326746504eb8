/**
 * A minimal JSON-RPC client over fetch, for remote chains: one request at a time per call,
 * a timeout per request, and retries with exponential backoff and seeded jitter on what is
 * transient (timeouts, connection resets, HTTP 429 and 5xx, a node's "rate limit" or
 * "header not found" answers). A JSON-RPC error that is not transient is the node's answer
 * and is thrown as is, for the caller to interpret (a revert, "nonce too low", ...).
 *
 * The endpoint's URL may carry an API key (Infura, Alchemy put it in the path): messages
 * only ever name the redacted endpoint.
 */
import { LockstepError } from "../engine/errors.js";
import { rngFromString, type Rng } from "../engine/rng.js";
import type { Eip1193Provider } from "../engine/types.js";

/** `scheme://host:port`, with `/<redacted>` where the URL had a path, query or credentials (where API keys live). */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "<invalid url>";
  }
  const hidden = u.username !== "" || u.password !== "" || (u.pathname !== "" && u.pathname !== "/") || u.search !== "";
  return `${u.protocol}//${u.host}${hidden ? "/<redacted>" : ""}`;
}

/** Whether the URL holds anything beyond scheme, host and port (so it must not be written down). */
export function urlHasSecret(url: string): boolean {
  return redactUrl(url).endsWith("/<redacted>");
}

/** The node answered with a JSON-RPC error object. */
export class RpcResponseError extends LockstepError {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly rpcMessage: string,
    readonly data: unknown,
    endpoint: string,
  ) {
    super(`${method} at ${endpoint} failed: ${rpcMessage} (JSON-RPC error ${code})`);
  }
}

/** The endpoint could not be reached, or kept failing transiently until the retries ran out. */
export class RpcTransportError extends LockstepError {}

export interface JsonRpcClientOptions {
  readonly url: string;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
  /** Attempts per request, the first included; default 10. */
  readonly maxAttempts?: number;
  /** First backoff; doubles each retry up to maxBackoffMs. Defaults 250 ms and 10 s. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Seed of the jitter stream (never Math.random: a rerun backs off alike). */
  readonly seed?: string;
  /** Told of each retry: what failed and how long the client waits. */
  readonly onRetry?: (method: string, attempt: number, reason: string, delayMs: number) => void;
}

export interface JsonRpcClient extends Eip1193Provider {
  /** The URL as it may be printed. */
  readonly endpoint: string;
  readonly stats: { requests: number; retries: number };
  /**
   * Several calls in one HTTP request (a JSON-RPC batch), results in order; a node that does
   * not take batches gets them one by one. The first call the node refuses throws, as `request`
   * would; the others in its batch may have been answered, so batch only what has no effects
   * (reads).
   */
  requestBatch(calls: readonly { readonly method: string; readonly params: readonly unknown[] }[]): Promise<unknown[]>;
}

/** Calls per HTTP request in a batch: within what public providers take (Alchemy, Infura: 100-1,000). */
export const BATCH_SIZE = 100;

/** JSON-RPC error codes and messages that mean "try again later" rather than "no". */
const TRANSIENT_CODES = new Set([-32005, 429, -32097]);
const TRANSIENT_MESSAGE =
  /rate.?limit|too many requests|timed? ?out|try again|header not found|temporarily unavailable/i;

class Transient extends Error {}

export function createJsonRpcClient(options: JsonRpcClientOptions): JsonRpcClient {
  const endpoint = redactUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const jitter: Rng = rngFromString(options.seed ?? "lockstep/json-rpc");
  const secretParts = secretPartsOf(options.url);
  const scrub = (text: string): string => secretParts.reduce((t, s) => t.split(s).join("<redacted>"), text);
  const stats = { requests: 0, retries: 0 };
  const { url, headers } = requestTarget(options.url);
  let nextId = 1;

  /** One HTTP POST of `payload`; the parsed JSON body, or a Transient / RpcTransportError. */
  const post = async (what: string, payload: unknown): Promise<unknown> => {
    stats.requests++;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      // Timeouts, refused or reset connections, a body cut short: the request may or may not have arrived.
      throw new Transient(describeFetchError(e, timeoutMs));
    }
    if (response.status === 429 || response.status === 408 || response.status >= 500) {
      throw new Transient(`HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new RpcTransportError(
        `${what} at ${endpoint} failed: HTTP ${response.status} ${scrub(text.slice(0, 200)).trim()}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Transient(`a reply that is not JSON (${text.length} bytes)`);
    }
  };

  /** The result of one JSON-RPC reply object, or its error thrown (Transient where it is "try again"). */
  const resultOf = (method: string, body: unknown): unknown => {
    if (typeof body !== "object" || body === null) throw new Transient("a reply that is not a JSON-RPC object");
    const { result, error } = body as {
      result?: unknown;
      error?: { code?: unknown; message?: unknown; data?: unknown };
    };
    if (error !== undefined && error !== null) {
      const code = typeof error.code === "number" ? error.code : 0;
      const message = scrub(typeof error.message === "string" ? error.message : JSON.stringify(error));
      if (TRANSIENT_CODES.has(code) || TRANSIENT_MESSAGE.test(message)) throw new Transient(message);
      throw new RpcResponseError(method, code, message, error.data, endpoint);
    }
    if (!("result" in (body as object))) throw new Transient("a reply with neither result nor error");
    return result;
  };

  const once = async (method: string, params: readonly unknown[]): Promise<unknown> =>
    resultOf(method, await post(method, { jsonrpc: "2.0", id: nextId++, method, params }));

  /** A batch's results in order, or undefined where the node answered it with something other than a batch. */
  const batchOnce = async (
    calls: readonly { readonly method: string; readonly params: readonly unknown[] }[],
  ): Promise<unknown[] | undefined> => {
    const first = nextId;
    nextId += calls.length;
    const body = await post(
      `a batch of ${calls.length} calls`,
      calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, ...c })),
    );
    if (!Array.isArray(body)) {
      // A node without batches answers with one error object; a rate limit says so the same way.
      const message = JSON.stringify(body);
      if (TRANSIENT_MESSAGE.test(message)) throw new Transient(scrub(message));
      return undefined;
    }
    const byId = new Map<unknown, unknown>();
    for (const reply of body) byId.set((reply as { id?: unknown } | null)?.id, reply);
    return calls.map((c, i) => {
      const reply = byId.get(first + i);
      if (reply === undefined) throw new Transient(`a batch reply without call ${i + 1} of ${calls.length}`);
      return resultOf(c.method, reply);
    });
  };

  const withRetries = async <T>(what: string, attempt1: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attempt1();
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        if (attempt >= maxAttempts) {
          throw new RpcTransportError(
            `${what} at ${endpoint} failed ${attempt} times; the last time: ${e.message}. ` +
              `Check that the node is reachable; a remote run can be resumed with --resume <run folder>.`,
          );
        }
        const base = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
        const delayMs = Math.round(base * (0.5 + jitter.next()));
        stats.retries++;
        options.onRetry?.(what, attempt, e.message, delayMs);
        await sleep(delayMs);
      }
    }
  };

  let batches = true;
  const request = ({ method, params }: { readonly method: string; readonly params?: readonly unknown[] }) =>
    withRetries(method, () => once(method, params ?? []));

  return {
    endpoint,
    stats,
    request,
    async requestBatch(calls) {
      const out: unknown[] = [];
      for (let start = 0; start < calls.length; start += BATCH_SIZE) {
        const chunk = calls.slice(start, start + BATCH_SIZE);
        const results = batches
          ? await withRetries(`a batch of ${chunk.length} calls`, () => batchOnce(chunk))
          : undefined;
        if (results !== undefined) {
          out.push(...results);
          continue;
        }
        batches = false;
        for (const c of chunk) out.push(await request(c));
      }
      return out;
    },
  };
}

/**
 * Where a request goes and with which headers. fetch refuses a URL with credentials in it
 * (`https://user:password@host`, how many node providers hand out access): they travel as
 * HTTP Basic authentication instead, as a browser or curl would send them.
 */
export function requestTarget(endpointUrl: string): { url: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { "content-type": "application/json" };
  let u: URL;
  try {
    u = new URL(endpointUrl);
  } catch {
    return { url: endpointUrl, headers };
  }
  if (u.username === "" && u.password === "") return { url: endpointUrl, headers };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  headers["authorization"] = `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`;
  u.username = "";
  u.password = "";
  return { url: u.toString(), headers };
}

function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (err.name === "TimeoutError" || err.name === "AbortError") return `no reply within ${timeoutMs} ms`;
  const code = typeof err.cause?.code === "string" ? err.cause.code : undefined;
  const cause = typeof err.cause?.message === "string" ? err.cause.message : undefined;
  // undici's messages name neither the URL nor its path; only codes and socket states.
  return code ?? cause ?? (typeof err.message === "string" ? err.message : "a failed request");
}

/** The parts of a URL that may hold an API key: credentials, path segments, query. */
function secretPartsOf(url: string): string[] {
  try {
    const u = new URL(url);
    const parts = [u.username, u.password, u.search.slice(1), ...u.pathname.split("/")].filter((p) => p.length >= 8);
    return parts.sort((a, b) => b.length - a.length);
  } catch {
    return [];
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
