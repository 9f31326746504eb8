/**
 * For the queue tests: a real `redis-server` (Debian's) on a free loopback port, and `npx hardhat sim worker`
 * processes on it, each in its own process group, with a short stall interval so a killed worker's run is given to
 * another within seconds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { HARDHAT_CLI, PROJECT_ROOT } from "../remote/node.js";

/** The stall interval of the tests' workers (ms): a run whose worker died goes back to the queue after about this. */
export const TEST_STALL_MS = "1500";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts redis-server on a free loopback port, nothing saved to disk; resolves once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (e) {
      if (i > 100 || child.exitCode !== null)
        throw new Error(`redis-server on port ${port} did not start: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  client.disconnect();
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when `text` appears in its output (rejects after `ms`). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
  /** Its end: exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (it finishes its run), then what is left of its group killed. */
  stop(): Promise<void>;
}

/** `npx hardhat sim worker --queue <url>`, with `signals` planned (LOCKSTEP_TEST_SIGNAL) when given. */
export function startWorker(url: string, signals?: string): WorkerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCKSTEP_QUEUE_STALL_MS: TEST_STALL_MS };
  delete env["LOCKSTEP_TEST_SIGNAL"];
  delete env["HARDHAT_CONFIG"];
  if (signals !== undefined) env["LOCKSTEP_TEST_SIGNAL"] = signals;
  const child = spawn(process.execPath, [HARDHAT_CLI, "sim", "worker", "--queue", url], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  };
  return {
    child,
    output: () => out,
    exited,
    waitFor: async (text, ms = 120_000) => {
      const found = (): boolean => (typeof text === "string" ? out.includes(text) : text.test(out));
      for (let waited = 0; !found(); waited += 50) {
        if (waited > ms) throw new Error(`worker output never showed ${String(text)}:\n${out}`);
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`worker exited before showing ${String(text)}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(killGroup, 30_000);
        await exited;
        clearTimeout(timer);
      }
      killGroup();
    },
  };
}
