import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { Wallet } from "ethers";
import { Journal } from "../../simulation/chain/journal.js";
import { createJsonRpcClient } from "../../simulation/chain/jsonRpc.js";
import { createRemoteSender, probeChain } from "../../simulation/chain/remote.js";
import { simRun, type RunArgs } from "../../simulation/cli/run.js";
import { createKeyRing, DEV_MASTER } from "../../simulation/engine/accounts.js";
import { capture } from "../helpers/capture.js";
import { HARDHAT_CLI, killGroup, PROJECT_ROOT, startHardhatNode, type HardhatNode } from "./node.js";
import { startProxy } from "./proxy.js";
import { sim } from "../helpers/interrupted.js";

/** Hardhat's default account #1: funded by every `npx hardhat node`, public, but treated as a secret here. */
const FUNDER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** A mnemonic the wall-clock run's agents derive from: it must appear in no output. */
const MNEMONIC = "lockstep remote test tiger ocean velvet marble quantum harbor ribbon lantern cactus";
const RUN = { scenario: "fees-and-rewards", steps: "3" } as const;

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sim run` in this process with extra environment variables, capturing what it prints. */
async function runCapturing(args: RunArgs, env: Record<string, string> = {}): Promise<Captured> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const { value, stdout, stderr } = await capture(() => simRun(hre, args));
    return { code: value, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function onlyFolder(out: string): string {
  const dirs = readdirSync(out).filter((d) => !d.startsWith("."));
  expect(dirs, `run folders in ${out}`).to.have.length(1);
  return join(out, dirs[0]!);
}

function manifestOf(folder: string): Record<string, unknown> & { remote: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as Record<string, unknown> & {
    remote: Record<string, unknown>;
  };
}

function linesOf(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface ChainTx {
  readonly hash: string;
  readonly from: string;
  readonly nonce: number;
}

/** Every transaction the node has mined, read block by block. */
async function chainTransactions(node: HardhatNode): Promise<ChainTx[]> {
  const head = Number(BigInt(await node.request<string>("eth_blockNumber")));
  const out: ChainTx[] = [];
  for (let n = 1; n <= head; n++) {
    const block = await node.request<{ transactions: { hash: string; from: string; nonce: string }[] }>(
      "eth_getBlockByNumber",
      ["0x" + n.toString(16), true],
    );
    for (const tx of block.transactions)
      out.push({ hash: tx.hash, from: tx.from.toLowerCase(), nonce: Number(tx.nonce) });
  }
  return out;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("remote: runs on a JSON-RPC node", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let root: string;
  let cleanTraceHash = "";
  const printed: string[] = [];

  before(async function () {
    this.timeout(60_000);
    root = mkdtempSync(join(tmpdir(), "lockstep-remote-"));
    node = await startHardhatNode();
  });

  after(async () => {
    await node?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await node.reset();
  });

  it("remote: a short run on a Hardhat node holds parity and reproduces the in-process trace hash", async () => {
    const out = join(root, "clean");
    const r = await runCapturing({ ...RUN, rpcUrl: node.url, out });
    printed.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include("warp mode");
    const folder = onlyFolder(out);
    const m = manifestOf(folder);
    expect(m["status"]).to.equal("parity");
    expect(m["divergences"]).to.equal(0);
    expect(m.remote["timeMode"]).to.equal("warp");
    expect((m["dryRun"] as { reproduced: boolean }).reproduced).to.equal(true);
    expect(BigInt(m["gasUsed"] as string) > 0n).to.equal(true);
    cleanTraceHash = m["traceHash"] as string;
    // Journal: every action's transaction, written before it was sent.
    const journal = linesOf(join(folder, "journal.ndjson")).filter((e) => e["type"] === "tx");
    const actions = linesOf(join(folder, "actions.ndjson"));
    expect(journal.filter((e) => e["step"] !== null)).to.have.length(actions.length);
  });

  it("remote: a run through a proxy that drops, delays and fails requests ends in the clean run's state", async () => {
    const proxy = await startProxy({
      upstream: node.url,
      seed: 7,
      error500: 0.05,
      resetBefore: 0.04,
      resetAfter: 0.04,
      delay: 0.1,
      delayMaxMs: 60,
    });
    try {
      const out = join(root, "faulty");
      const r = await runCapturing({ ...RUN, rpcUrl: proxy.url, out }, { LOCKSTEP_RPC_BACKOFF_MS: "20" });
      printed.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).to.equal(0);
      const m = manifestOf(onlyFolder(out));
      expect(m["status"]).to.equal("parity");
      expect(m["traceHash"]).to.equal(cleanTraceHash);
      const stats = m.remote["stats"] as { retries: number };
      expect(proxy.stats.error500 + proxy.stats.resetBefore + proxy.stats.resetAfter).to.be.greaterThan(10);
      expect(proxy.stats.resetAfter, "responses lost after the node acted").to.be.greaterThan(0);
      expect(stats.retries).to.be.greaterThan(10);
    } finally {
      await proxy.close();
    }
  });

  it("remote: a run killed with SIGKILL and resumed ends in the clean run's state, no transaction sent twice", async () => {
    const out = join(root, "killed");
    const child = spawn(
      process.execPath,
      [
        HARDHAT_CLI,
        "sim",
        "run",
        "--scenario",
        RUN.scenario,
        "--steps",
        RUN.steps,
        "--rpc-url",
        node.url,
        "--out",
        out,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LOCKSTEP_FUNDER_KEY: FUNDER_KEY },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let childOut = "";
    child.stdout?.on("data", (d: Buffer) => (childOut += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (childOut += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    // Kill it once its journal holds a good part of the run (deployment, funding and some actions).
    const deadline = Date.now() + 60_000;
    let killedAt = 0;
    for (;;) {
      const folder = existsSync(out) ? readdirSync(out).find((d) => !d.startsWith(".")) : undefined;
      const journal = folder !== undefined ? join(out, folder, "journal.ndjson") : undefined;
      const lines =
        journal !== undefined && existsSync(journal) ? readFileSync(journal, "utf8").split("\n").length - 1 : 0;
      if (lines >= 70) {
        killGroup(child, "SIGKILL");
        killedAt = lines;
        break;
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        killGroup(child, "SIGKILL");
        throw new Error(`the run ended or stalled before it could be killed: ${childOut.slice(-1000)}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await exited;
    printed.push(childOut);
    const folder = onlyFolder(out);
    expect(manifestOf(folder)["status"]).to.equal("running");
    const actionsInJournal = linesOf(join(folder, "journal.ndjson")).filter(
      (e) => e["step"] !== null && e["step"] !== undefined,
    );
    expect(actionsInJournal.length, `journal lines when killed: ${killedAt}`).to.be.greaterThan(0);

    const r = await runCapturing({ resume: folder }, { LOCKSTEP_FUNDER_KEY: FUNDER_KEY });
    printed.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).to.equal(0);
    const m = manifestOf(folder);
    expect(m["status"]).to.equal("parity");
    expect(m["resumes"]).to.equal(1);
    expect(m["traceHash"]).to.equal(cleanTraceHash);
    expect((m.remote["stats"] as { replayed: number }).replayed).to.be.greaterThan(0);

    // On the node: each (sender, nonce) once, nonces without gaps, and exactly one transaction per send of the run.
    const txs = await chainTransactions(node);
    const bySender = new Map<string, number[]>();
    for (const tx of txs) bySender.set(tx.from, [...(bySender.get(tx.from) ?? []), tx.nonce]);
    for (const [from, nonces] of bySender) {
      expect(nonces, `nonces of ${from}`).to.deep.equal(nonces.map((_, i) => i));
    }
    const journal = linesOf(join(folder, "journal.ndjson"));
    const sends = new Map<number, string>();
    for (const e of journal) if (e["type"] === "tx") sends.set(e["seq"] as number, e["hash"] as string);
    const fundings = journal.filter((e) => e["type"] === "fund").length;
    expect(txs.length, "transactions on the node = sends of the run + funding transfers").to.equal(
      sends.size + fundings,
    );
    const onChain = new Set(txs.map((t) => t.hash));
    for (const [seq, hash] of sends) expect(onChain.has(hash), `send #${seq} on chain`).to.equal(true);
    const actions = linesOf(join(folder, "actions.ndjson"));
    const actionHashes = actions.map((a) => (a["chain"] as { txHash: string }).txHash);
    expect(new Set(actionHashes).size).to.equal(actionHashes.length);
  });

  it("remote: Ctrl-C stops a run at once, marked interrupted, with the resume command; resumed from its journal, it ends in the clean run's state", async () => {
    const out = join(root, "ctrl-c");
    const r = await sim(
      ["run", "--scenario", RUN.scenario, "--steps", RUN.steps, "--rpc-url", node.url, "--out", out],
      "run-step:0/0/0:1=SIGINT",
      { LOCKSTEP_FUNDER_KEY: FUNDER_KEY },
    );
    printed.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).to.equal(130);
    const folder = onlyFolder(out);
    expect(r.stderr).to.include(`Resume with: npx hardhat sim run --resume ${folder}\n`);
    expect(manifestOf(folder)["status"]).to.equal("interrupted");
    const resumed = await runCapturing({ resume: folder }, { LOCKSTEP_FUNDER_KEY: FUNDER_KEY });
    printed.push(resumed.stdout, resumed.stderr);
    expect(resumed.code, resumed.stderr).to.equal(0);
    const m = manifestOf(folder);
    expect(m["status"]).to.equal("parity");
    expect(m["traceHash"]).to.equal(cleanTraceHash);
    expect((m.remote["stats"] as { replayed: number }).replayed, "sends taken from the journal").to.be.greaterThan(0);
  });

  it("remote: wall-clock mode when the node refuses evm_* and hardhat_* methods, as a public node does", async () => {
    const proxy = await startProxy({ upstream: node.url, refuse: /^(evm_|hardhat_)/ });
    try {
      const out = join(root, "wallclock");
      const r = await runCapturing(
        { scenario: RUN.scenario, steps: "1", stepSeconds: "2", rpcUrl: proxy.url, out },
        { LOCKSTEP_MNEMONIC: MNEMONIC },
      );
      printed.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include("wall-clock mode");
      const m = manifestOf(onlyFolder(out));
      expect(m["status"]).to.equal("parity");
      expect(m.remote["timeMode"]).to.equal("wall-clock");
      expect(m.remote["stepSeconds"]).to.equal(2);
      expect(m.remote["keys"]).to.equal("LOCKSTEP_MNEMONIC");
      expect(proxy.stats.refused).to.be.greaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it("remote: wall-clock mode without --step-seconds is refused before anything is sent", async () => {
    const proxy = await startProxy({ upstream: node.url, refuse: /^(evm_|hardhat_)/ });
    try {
      const out = join(root, "nostep");
      const r = await runCapturing({ ...RUN, rpcUrl: proxy.url, out });
      printed.push(r.stdout, r.stderr);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(
        `error: ${proxy.url} does not let Lockstep set block timestamps (evm_setNextBlockTimestamp), so the run ` +
          `follows the wall clock: give --step-seconds, the length of a step in seconds (the scenario's step is ` +
          `2592000 s; 300 makes each step five minutes).\n`,
      );
      expect(existsSync(out)).to.equal(false);
    } finally {
      await proxy.close();
    }
  });

  it("remote: a funder short of ether is refused before anything is sent, with both amounts", async () => {
    const poor = Wallet.createRandom();
    const out = join(root, "poor");
    const before = await node.request<string>("eth_blockNumber");
    const r = await runCapturing({ ...RUN, rpcUrl: node.url, out }, { LOCKSTEP_FUNDER_KEY: poor.privateKey });
    printed.push(r.stdout, r.stderr);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(
      new RegExp(
        `^error: The funder ${poor.address.toLowerCase()} holds 0\\.0 ETH, but this run needs 0\\.\\d+ ETH: \\d+ gas for 20 accounts`,
      ),
    );
    expect(r.stderr).to.include("Send it 0.");
    expect(r.stderr).to.not.include(poor.privateKey.slice(2));
    expect(await node.request<string>("eth_blockNumber")).to.equal(before);
    expect(existsSync(out)).to.equal(false);
  });

  it("remote sender: resynchronises a nonce used behind its back, and has a short agent topped up by the funder", async () => {
    const client = createJsonRpcClient({ url: node.url });
    const probe = await probeChain(client);
    const agent = Wallet.createRandom();
    const funder = new Wallet(FUNDER_KEY);
    const journal = Journal.memory();
    const keys = new Map([
      [agent.address.toLowerCase(), agent.privateKey],
      [funder.address.toLowerCase(), FUNDER_KEY],
    ]);
    const topUps: bigint[] = [];
    const sender = createRemoteSender({
      provider: client,
      chainId: probe.chainId,
      keyOf: (a) => keys.get(a.toLowerCase()),
      journal,
      timeMode: probe.timeMode,
      sameTimestamp: probe.sameTimestamp,
      latestTimestamp: probe.latestTimestamp,
      topUp: async (to, amountWei) => {
        topUps.push(amountWei);
        await sender.fund(funder.address, [{ to, amountWei }]);
      },
    });
    // The agent holds nothing: the node refuses, the funder tops it up, the same transaction goes through.
    const first = await sender.send(agent.address, { to: funder.address, data: "0x" });
    expect(first.ok).to.equal(true);
    expect(topUps).to.have.length(1);
    // Someone else spends the agent's next nonce; the sender learns it from "nonce too low" and signs again.
    const fees = await node.request<{ baseFeePerGas: string }>("eth_getBlockByNumber", ["latest", false]);
    const stolen = await agent.signTransaction({
      type: 2,
      chainId: probe.chainId,
      nonce: 1,
      to: funder.address,
      gasLimit: 21_000n,
      maxFeePerGas: 4n * BigInt(fees.baseFeePerGas) + 10n ** 9n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    await node.request("eth_sendRawTransaction", [stolen]);
    const second = await sender.send(agent.address, { to: funder.address, data: "0x" });
    expect(second.ok).to.equal(true);
    expect(sender.stats.resynced).to.equal(1);
    const sends = journal.entries.filter((e) => e.type === "tx").map((e) => e.nonce);
    expect(sends, "nonces journaled: 0, then 1 (refused), then 2").to.deep.equal([0, 1, 2]);
    expect(Number(BigInt(await node.request<string>("eth_getTransactionCount", [agent.address, "latest"])))).to.equal(
      3,
    );
  });

  it("remote: no output of any run holds the mnemonic or a private key", () => {
    const secrets = [MNEMONIC, FUNDER_KEY.slice(2)];
    const agentIds = new Set<string>(["deployer"]);
    for (const file of filesUnder(root).filter((f) => f.endsWith("actions.ndjson"))) {
      for (const a of linesOf(file)) agentIds.add(a["agent"] as string);
    }
    for (const master of [MNEMONIC, DEV_MASTER]) {
      const ring = createKeyRing(master);
      for (const id of agentIds) secrets.push(ring.privateKeyOf(id).slice(2));
    }
    const texts = [
      ...filesUnder(root).map((f) => ({ where: f, text: readFileSync(f, "utf8").toLowerCase() })),
      ...printed.map((text, i) => ({ where: `captured output #${i}`, text: text.toLowerCase() })),
    ];
    expect(texts.length).to.be.greaterThan(10);
    for (const { where, text } of texts) {
      for (const s of secrets) expect(text.includes(s.toLowerCase()), `a secret in ${where}`).to.equal(false);
    }
  });
});
