import { expect } from "chai";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HARDHAT_CLI, killGroup, PROJECT_ROOT, startHardhatNode, type HardhatNode } from "../remote/node.js";
import { deploy, folderIn, json, lines, manifestOf, observeCmd } from "./helpers.js";
import { outsideUsers, type OutsideUsers } from "./outsideUsers.js";

/** Waits until `ready()` holds, checking every 20 ms; fails (not a timed assertion: a stall) after `ms`. */
async function until(ready: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`stalled waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("observe --follow: killed and resumed", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let root: string;
  let users: OutsideUsers;
  let followed: string;

  before(async function () {
    this.timeout(120_000);
    root = mkdtempSync(join(tmpdir(), "lockstep-follow-"));
    node = await startHardhatNode();
  });

  after(async () => {
    users?.close();
    await node?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it("observe --follow: SIGKILLed mid-way and resumed, no call is missed or counted twice: the same files as one observation", async () => {
    const d = await deploy({ scenario: "fees-and-rewards", rpcUrl: node.url, out: join(root, "deploy") });
    expect(d.code, d.stderr).to.equal(0);
    const deployment = folderIn(join(root, "deploy"), "deploy-");
    users = await outsideUsers(node.url, deployment);
    await users.market();

    const out = join(root, "followed");
    const child = spawn(
      process.execPath,
      [HARDHAT_CLI, "sim", "observe", "--deployment", deployment, "--follow", "--out", out],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LOCKSTEP_POLL_MS: "50" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let printed = "";
    child.stdout?.on("data", (b: Buffer) => (printed += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (printed += b.toString()));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const checkpoint = (): { block: string; lines: { calls: number } } | undefined => {
      const dir = existsSync(out) ? readdirSync(out).find((n) => n.startsWith("observe-")) : undefined;
      const path = dir === undefined ? undefined : join(out, dir, "checkpoint.json");
      return path !== undefined && existsSync(path)
        ? (json(path) as { block: string; lines: { calls: number } })
        : undefined;
    };
    const head = async () => BigInt(await node.request<string>("eth_blockNumber"));
    try {
      // It catches up with what happened before it started, then follows what happens after.
      const marketHead = await head();
      await until(
        async () => BigInt(checkpoint()?.block ?? "0") >= marketHead,
        `the follower to reach block ${marketHead}\n${printed}`,
      );
      const before = checkpoint()!.lines.calls;
      const forwarded = users.forwarded();
      await until(() => (checkpoint()?.lines.calls ?? 0) > before, `the follower to see a new call\n${printed}`);
      killGroup(child, "SIGKILL");
      await exited;
      await forwarded;
    } finally {
      killGroup(child, "SIGKILL");
    }
    await users.later();
    const folder = folderIn(out, "observe-");
    expect(manifestOf(folder).status, "the killed follower's manifest").to.equal("running");

    const resumed = await observeCmd({ resume: folder });
    expect(resumed.code, resumed.stderr + resumed.stdout).to.equal(0);
    const m = manifestOf(folder);
    expect(m.status).to.equal("parity");
    expect((m.observe as unknown as { resumes: number }).resumes).to.equal(1);

    // Each of the script's calls once, in order.
    const actions = lines(join(folder, "actions.ndjson"));
    expect(actions.map((a) => (a["chain"] as { txHash: string }).txHash)).to.deep.equal(
      users.sent.filter((s) => s.calls.includes("action")).map((s) => s.hash),
    );
    // And the very files one uninterrupted observation of the same blocks writes.
    const clean = await observeCmd({ deployment, toBlock: m.observe.toBlock, out: join(root, "clean") });
    expect(clean.code, clean.stderr).to.equal(0);
    const cleanFolder = folderIn(join(root, "clean"), "observe-");
    for (const file of ["calls.ndjson", "actions.ndjson", "trace.csv"]) {
      expect(readFileSync(join(folder, file), "utf8"), file).to.equal(readFileSync(join(cleanFolder, file), "utf8"));
    }
    expect(m.traceHash).to.equal(manifestOf(cleanFolder).traceHash);
    followed = folder;
  });

  it("observe --resume: refused, in one line, when replaying the recorded calls no longer gives the model's recorded state", async () => {
    // A recorded mint of 1000 tokens and 7 wei, changed to 8 wei: the rebuilt model cannot be the one that ran.
    const copy = join(root, "tampered");
    cpSync(followed, copy, { recursive: true });
    const path = join(copy, "calls.ndjson");
    const text = readFileSync(path, "utf8");
    const seven = (1_000n * 10n ** 18n + 7n).toString(16).padStart(64, "0");
    const eight = (1_000n * 10n ** 18n + 8n).toString(16).padStart(64, "0");
    expect(text).to.include(seven);
    writeFileSync(path, text.replace(seven, eight));
    const r = await observeCmd({ resume: copy });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(
      new RegExp(
        `^error: ${copy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} cannot be resumed: replaying its recorded calls gives the model's ` +
          `\\S+ = \\d+, but the observation recorded \\d+: the model changed since\\. Observe again from the start\\.\\n$`,
      ),
    );
  });
});
