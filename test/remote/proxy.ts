/**
 * A loopback JSON-RPC proxy for the remote tests. It can play a public node (refusing
 * `evm_*` and `hardhat_*` methods) and a bad network: for a seeded share of requests it
 * answers HTTP 500 without forwarding, resets the connection before forwarding, forwards and
 * then resets the connection (the node acted, the client never hears), or delays. It is
 * bounded (a lifetime after which it closes by itself) and listens on 127.0.0.1 only. A refused
 * method is refused in a JSON-RPC batch too, call by call.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Prng } from "../helpers/prng.js";

export interface ProxyOptions {
  readonly upstream: string;
  readonly seed?: number;
  /** Shares of requests, each in 0..1. */
  readonly error500?: number;
  readonly resetBefore?: number;
  readonly resetAfter?: number;
  readonly delay?: number;
  readonly delayMaxMs?: number;
  /** Methods answered with JSON-RPC error -32601, as a public node answers them. */
  readonly refuse?: RegExp;
  /** Closes by itself after this long. Default 120 s. */
  readonly lifetimeMs?: number;
}

export interface ProxyStats {
  requests: number;
  error500: number;
  resetBefore: number;
  resetAfter: number;
  delayed: number;
  refused: number;
}

export interface FaultyProxy {
  readonly url: string;
  readonly stats: ProxyStats;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<FaultyProxy> {
  const upstream = new URL(options.upstream);
  const rng = new Prng(options.seed ?? 1);
  const stats: ProxyStats = { requests: 0, error500: 0, resetBefore: 0, resetAfter: 0, delayed: 0, refused: 0 };

  const forward = (body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": body.length },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 502,
              headers: { "content-type": "application/json" },
              body: Buffer.concat(chunks),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    stats.requests++;
    let method = "";
    let id: unknown = null;
    let batch: { method?: unknown; id?: unknown }[] | undefined;
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { method?: unknown; id?: unknown };
      if (Array.isArray(parsed)) batch = parsed as { method?: unknown; id?: unknown }[];
      method = typeof parsed.method === "string" ? parsed.method : "";
      id = parsed.id ?? null;
    } catch {
      // forwarded as is
    }
    const refused = (m: { method?: unknown }): boolean => options.refuse?.test(String(m.method)) === true;
    if (batch !== undefined && batch.some(refused)) {
      // A batch: the refused calls answered with errors, the others forwarded as a batch of their own.
      const errors = batch.filter(refused).map((m) => ({
        jsonrpc: "2.0",
        id: m.id ?? null,
        error: { code: -32601, message: `the method ${String(m.method)} does not exist/is not available` },
      }));
      stats.refused += errors.length;
      const keep = batch.filter((m) => !refused(m));
      const answered =
        keep.length === 0
          ? []
          : (JSON.parse((await forward(Buffer.from(JSON.stringify(keep)))).body.toString()) as unknown[]);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([...answered, ...errors]));
      return;
    }
    if (options.refuse?.test(method)) {
      stats.refused++;
      const reply = {
        jsonrpc: "2.0",
        id,
        error: { code: -32601, message: `the method ${method} does not exist/is not available` },
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
      return;
    }
    const x = rng.nextU32() / 2 ** 32;
    let edge = 0;
    const draw = (share: number | undefined): boolean => {
      edge += share ?? 0;
      return x < edge;
    };
    if (draw(options.error500)) {
      stats.error500++;
      res.writeHead(500, { "content-type": "text/plain" }).end("internal error (injected)");
      return;
    }
    if (draw(options.resetBefore)) {
      stats.resetBefore++;
      req.socket.destroy();
      return;
    }
    const resetAfter = draw(options.resetAfter);
    if (!resetAfter && draw(options.delay)) {
      stats.delayed++;
      await new Promise((r) => setTimeout(r, 1 + rng.int(options.delayMaxMs ?? 200)));
    }
    let reply: { status: number; headers: Record<string, string>; body: Buffer };
    try {
      reply = await forward(body);
    } catch {
      res.writeHead(502).end();
      return;
    }
    if (resetAfter) {
      stats.resetAfter++;
      req.socket.destroy();
      return;
    }
    res.writeHead(reply.status, reply.headers).end(reply.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const timer = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  timer.unref();
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    async close() {
      clearTimeout(timer);
      if (server.listening) await close();
    },
  };
}
