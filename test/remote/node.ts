/**
 * A real `npx hardhat node` on a free loopback port, started once for the remote tests and
 * stopped at the end (its process group is killed, so no node outlives the tests).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export interface HardhatNode {
  readonly url: string;
  readonly port: number;
  request<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  /** Puts the node back to the chain it started with: its genesis, no transactions, nothing pending, automine on. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The project's root: the Hardhat project the node and the `sim` commands run in. */
export const PROJECT_ROOT = join(import.meta.dirname, "..", "..");

/** Hardhat 3's command-line entry (what `npx hardhat` runs), started with this process's Node. */
export const HARDHAT_CLI = join(PROJECT_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function jsonRpc<T>(url: string, method: string, params: readonly unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export async function startHardhatNode(timeoutMs = 30_000): Promise<HardhatNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await jsonRpc(url, "eth_chainId");
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        killGroup(child);
        throw new Error(`hardhat node did not come up on ${url} within ${timeoutMs} ms: ${stderr.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Hardhat 3's node has no hardhat_reset ("Method hardhat_reset is not supported"): a snapshot of the
  // chain it started with stands for it. Reverting to a snapshot consumes it, so each reset takes it again.
  let start = await jsonRpc<string>(url, "evm_snapshot");
  return {
    url,
    port,
    request: (method, params) => jsonRpc(url, method, params ?? []),
    async reset() {
      if (!(await jsonRpc<boolean>(url, "evm_revert", [start]))) throw new Error(`evm_revert ${start} was refused`);
      start = await jsonRpc<string>(url, "evm_snapshot");
      // A snapshot holds the chain (blocks, state, mempool, time offset), not the mining mode.
      await jsonRpc(url, "evm_setAutomine", [true]);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      killGroup(child);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
