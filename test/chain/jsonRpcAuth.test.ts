import { expect } from "chai";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createJsonRpcClient, RpcTransportError } from "../../simulation/chain/jsonRpc.js";

/** A JSON-RPC endpoint on loopback that answers eth_chainId only to `user:p@ss` over HTTP Basic. */
async function guardedEndpoint(): Promise<{ server: Server; port: number; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const expected = `Basic ${Buffer.from("user:p@ss").toString("base64")}`;
  const server = createServer((req, res) => {
    seen.push(req.headers);
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "content-type": "text/plain" }).end("unauthorized");
        return;
      }
      const { id } = JSON.parse(body) as { id: number };
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x7a69" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

describe("chain: a JSON-RPC endpoint whose URL carries credentials", function () {
  it("createJsonRpcClient: user:password@ in the URL is sent as HTTP Basic authentication, not in the URL", async function () {
    const { server, port, seen } = await guardedEndpoint();
    try {
      const client = createJsonRpcClient({ url: `http://user:p%40ss@127.0.0.1:${port}/`, maxAttempts: 1 });
      expect(await client.request({ method: "eth_chainId" })).to.equal("0x7a69");
      expect(seen).to.have.length(1);
      expect(seen[0]!.host).to.equal(`127.0.0.1:${port}`);
      expect(client.endpoint).to.equal(`http://127.0.0.1:${port}/<redacted>`);
    } finally {
      server.close();
    }
  });

  it("createJsonRpcClient: the same endpoint without the credentials is refused (so the test above proves they were sent)", async function () {
    const { server, port } = await guardedEndpoint();
    try {
      const client = createJsonRpcClient({ url: `http://127.0.0.1:${port}/`, maxAttempts: 1 });
      let error: unknown;
      await client.request({ method: "eth_chainId" }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RpcTransportError);
      expect((error as Error).message).to.equal(
        `eth_chainId at http://127.0.0.1:${port} failed: HTTP 401 unauthorized`,
      );
    } finally {
      server.close();
    }
  });
});
