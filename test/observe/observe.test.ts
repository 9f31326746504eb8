import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { readRunFolder } from "../../simulation/analysis/report/readRunFolder.js";
import { simFit } from "../../simulation/cli/fit.js";
import { simRun } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";
import { startHardhatNode, type HardhatNode } from "../remote/node.js";
import { startProxy } from "../remote/proxy.js";
import { deploy, folderIn, json, lines, manifestOf, observeCmd, type Captured } from "./helpers.js";
import { outsideUsers, type OutsideUsers } from "./outsideUsers.js";

describe("observe: real users of a deployed mechanism, replayed through the model", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let root: string;
  let deployment: string;
  let users: OutsideUsers;
  let observed: string;

  before(async function () {
    this.timeout(120_000);
    root = mkdtempSync(join(tmpdir(), "lockstep-observe-"));
    node = await startHardhatNode();
    const d = await deploy({ scenario: "fees-and-rewards", rpcUrl: node.url, out: join(root, "deploy") });
    expect(d.code, d.stderr + d.stdout).to.equal(0);
    expect(d.stdout).to.include("The model's initial state equals the chain's");
    deployment = folderIn(join(root, "deploy"), "deploy-fees-and-rewards-");
    users = await outsideUsers(node.url, deployment);
    await users.market();
    await users.forwarded();
    await users.later();
  });

  after(async () => {
    users?.close();
    await node?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it("observe: outside users' calls (odd amounts, reverts, a forwarder, one block with three) replay with parity", async () => {
    const r = await observeCmd({ deployment, out: join(root, "parity") });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    observed = folderIn(join(root, "parity"), "observe-fees-and-rewards-");
    const m = manifestOf(observed);
    expect(m.status).to.equal("parity");
    expect(m.divergences).to.equal(0);
    expect(m.observe.traces).to.equal("call tracer");
    const expectedActions = users.sent.filter((s) => s.calls.includes("action"));
    expect(m.observe.calls).to.deep.include({
      actions: expectedActions.length,
      undeclared: 2,
      rolledBack: 1,
      unobserved: 0,
      reentrant: 0,
      undecodable: 0,
      throughContracts: users.sent.filter((s) => s.through).length,
    });
    // The Actions are the script's calls, in its order, each once.
    const actions = lines(join(observed, "actions.ndjson"));
    expect(actions.map((x) => (x["chain"] as { txHash: string }).txHash)).to.deep.equal(
      expectedActions.map((s) => s.hash),
    );
    const byWhat = (what: string) => actions[expectedActions.findIndex((s) => s.what === what)]!;
    expect(byWhat("buyer completes")["chain"]).to.deep.include({ status: "success" });
    const noOffer = byWhat("buyer commits to no offer (reverts)");
    expect(noOffer["chain"]).to.deep.include({ status: "reverted", error: "VoucherEscrowNoSuchOffer(99)" });
    expect(noOffer["model"]).to.deep.include({ status: "reverted", error: "VoucherEscrowNoSuchOffer(99)" });
    const swallowed = byWhat("forwarder redeems a voucher that does not exist; the forwarder swallows the revert");
    expect(swallowed["sender"]).to.equal(users.addresses.forwarder);
    expect(swallowed["agent"]).to.equal(users.addresses.forwarder);
    expect(swallowed["via"]).to.deep.equal([users.addresses.forwarder]);
    expect(swallowed["chain"]).to.deep.include({ status: "reverted", error: "VoucherEscrowNoSuchExchange(999)" });
    expect(byWhat("buyer pays a friend directly")["args"]).to.deep.equal({
      token: "exchange",
      to: users.addresses.friend,
      amount: "777",
    });
    // The calls not applied: two undeclared, one undone by its transaction.
    const calls = lines(join(observed, "calls.ndjson"));
    expect(calls.filter((c) => c["as"] !== "action").map((c) => [c["as"], c["fn"]])).to.deep.equal([
      ["undeclared", "setApprovalForAll(address,bool)"],
      ["undeclared", "transferFrom(address,address,uint256)"],
      ["rolled back", "redeemVoucher(uint256)"],
    ]);
    // An ordinary run folder: what sim report and sim export read, strictly.
    const run = readRunFolder(observed);
    expect(run.actions).to.have.length(expectedActions.length);
    // One row per block that held calls into the mechanism (three calls shared one), after the initial state.
    const blocks = [...new Set(calls.map((c) => `block ${String(c["block"])}`))];
    expect(blocks).to.have.length(users.sent.length - 2);
    expect(run.trace.substeps.slice(1)).to.deep.equal(blocks);
    expect(r.stdout).to.include(`Parity: `);
  });

  it("observe --from-block: the blocks before it are replayed into the model, neither compared nor recorded", async () => {
    const all = lines(join(observed, "actions.ndjson"));
    const from = Number(all.find((a) => a["kind"] === "commitToOffer" && a["via"] !== undefined)!["block"]);
    const r = await observeCmd({ deployment, fromBlock: String(from), out: join(root, "from") });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const folder = folderIn(join(root, "from"), "observe-fees-and-rewards-");
    const run = readRunFolder(folder); // the manifest's counts are the record's: it reads strictly
    expect(run.manifest.status).to.equal("parity");
    expect(run.trace.substeps[0]).to.equal(`block ${from - 1}`);
    expect(run.actions.map((a) => a.chain?.txHash)).to.deep.equal(
      all.filter((a) => Number(a["block"]) >= from).map((a) => (a["chain"] as { txHash: string }).txHash),
    );
  });

  it("observe and deploy: bad input is one line and exit code 2, with nothing written", async () => {
    const deployedAt = String(json(join(deployment, "manifest.json"))["deployedAtBlock"]);
    const out = join(root, "bad");
    const cases: [() => Promise<Captured>, string][] = [
      [
        () => observeCmd({ out }),
        "Missing option --deployment: expected the folder of sim deploy or of a remote sim run (or --resume <observation folder>).",
      ],
      [
        () => observeCmd({ deployment, follow: true, toBlock: "5", out }),
        'Invalid option --to-block = "5": expected no --to-block with --follow (a following observation has no last block).',
      ],
      [
        () => observeCmd({ deployment, fromBlock: "2", out }),
        `Invalid option --from-block = "2": expected a block after the deployment's last (${deployedAt}): the model starts ` +
          "from the deployment and mirrors its own transactions.",
      ],
      [
        () => observeCmd({ deployment: root, out }),
        `Invalid option --deployment = ${JSON.stringify(root)}: expected the folder of sim deploy or of a remote sim run (it has no manifest.json).`,
      ],
      [
        () => observeCmd({ deployment, modelSet: "buyers.commitProbability=0.1", out }),
        'Invalid option --model-set = "buyers.commitProbability=0.1": expected a change to a mechanism parameter: the ' +
          "contracts were deployed from the others, which agents' parameters do not touch.",
      ],
      [
        () => deploy({ scenario: "fees-and-rewards", out }),
        "sim deploy needs a network to deploy to: give --rpc-url <url> (a node, a testnet's endpoint) or --network <name>.",
      ],
    ];
    for (const [run, message] of cases) {
      const r = await run();
      expect(r.code, r.stdout).to.equal(2);
      expect(r.stderr).to.equal(`error: ${message}\n`);
    }
    expect(existsSync(out)).to.equal(false);
  });

  it("observe: a --model-set perturbation is caught at the transaction that shows it (an epoch closed by an outsider)", async () => {
    // The escrow's share of points for aggregators changes nothing visible until an epoch is closed and split.
    const r = await observeCmd({
      deployment,
      modelSet: "rewards.aggregatorPointsBps=5000",
      out: join(root, "perturbed"),
    });
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    const folder = folderIn(join(root, "perturbed"), "observe-fees-and-rewards-");
    const m = manifestOf(folder);
    const close = users.sent.find((s) => s.what === "friend closes the epoch")!;
    expect(m.status).to.equal("diverged");
    expect(m.observe.firstWrongTransaction).to.deep.include({ txHash: close.hash, what: "state", call: "closeEpoch" });
    // Every call before it agreed, outcome and state.
    const actions = lines(join(folder, "actions.ndjson"));
    const at = actions.findIndex((a) => (a["chain"] as { txHash: string }).txHash === close.hash);
    expect(at).to.be.greaterThan(0);
    expect(actions.slice(0, at + 1).filter((a) => a["diverged"] === true)).to.deep.equal([]);
    const trace = readRunFolder(folder).trace;
    const firstDiverged = trace.diverged.findIndex((d) => d.length > 0);
    expect(trace.substeps[firstDiverged]).to.equal(`block ${String(actions[at]!["block"])}`);
    expect(r.stdout).to.include(`First transaction the model gets wrong: ${close.hash}`);

    // A fee the model has from the start differs before any call; the first call it makes a difference to is the
    // first completion, which collects a fee: that one is named, not the first call of all.
    const fee = await observeCmd({ deployment, modelSet: "fees.feeBps=60", out: join(root, "fee") });
    expect(fee.code, fee.stderr).to.equal(1);
    const f = manifestOf(folderIn(join(root, "fee"), "observe-fees-and-rewards-"));
    expect(readRunFolder(folderIn(join(root, "fee"), "observe-")).trace.diverged[0]).to.deep.equal(["fees.feeBps"]);
    const completes = users.sent.find((s) => s.what === "buyer completes")!;
    expect(f.observe.firstWrongTransaction).to.deep.include({ txHash: completes.hash, what: "state" });
  });

  it("observe: on a node without call traces, calls through the forwarder are counted unobserved and named before the divergence they cause", async () => {
    const proxy = await startProxy({ upstream: node.url, refuse: /^debug_/ });
    try {
      const r = await observeCmd({ deployment, rpcUrl: proxy.url, out: join(root, "notraces") });
      const m = manifestOf(folderIn(join(root, "notraces"), "observe-fees-and-rewards-"));
      expect(m.observe.traces).to.equal("none");
      // The forwarded approve, commit and redeem left the mechanism's events; the swallowed revert and the undone
      // redeem left none, and cannot be seen at all without traces.
      const forwarded = ["forwarder approves", "forwarder commits", "forwarder redeems"].map(
        (w) => users.sent.find((s) => s.what === w)!.hash,
      );
      expect(m.observe.calls["unobserved"]).to.equal(3);
      const calls = lines(join(folderIn(join(root, "notraces"), "observe-"), "calls.ndjson"));
      expect(calls.filter((c) => c["as"] === "unobserved").map((c) => c["txHash"])).to.deep.equal(forwarded);
      // The model missed the forwarder's commit: the state parts there (its approval changed no compared variable),
      // and the report names the unobserved calls before it as the likely cause.
      expect(r.code).to.equal(1);
      expect(m.observe.firstWrongTransaction).to.deep.include({
        txHash: forwarded[1],
        what: "state",
        unmodelledBefore: 3,
      });
      expect(m.observe.firstWrongTransaction!.lastUnmodelled).to.deep.include({
        as: "unobserved",
        txHash: forwarded[1],
      });
      expect(r.stdout).to.include("unobserved (through another contract, on a node without call traces)");
      expect(r.stdout).to.include("the difference may be theirs");
    } finally {
      await proxy.close();
    }
  });

  it("observe --resume: an observation continued over an undeclared transferFrom names that call as the first wrong one", async () => {
    const before = manifestOf(observed);
    await users.transferFrom();
    const r = await observeCmd({ resume: observed });
    expect(r.code, r.stderr).to.equal(1);
    const m = manifestOf(observed);
    const spend = users.sent.find((s) => s.what === "friend spends the allowance (undeclared, succeeds)")!;
    expect(BigInt(m.observe.toBlock) > BigInt(before.observe.toBlock)).to.equal(true);
    expect(m.observe.firstWrongTransaction).to.deep.include({
      txHash: spend.hash,
      what: "state",
      call: "exchangeToken.transferFrom(address,address,uint256)",
    });
    expect(m.observe.firstWrongTransaction!.variable).to.match(/\.exchangeToken$/);
    // The approval before it is an Action, applied once: the earlier Actions are not counted again.
    const actions = lines(join(observed, "actions.ndjson"));
    expect(actions.map((a) => (a["chain"] as { txHash: string }).txHash)).to.deep.equal(
      users.sent.filter((s) => s.calls.includes("action")).map((s) => s.hash),
    );
  });

  it("observe --deployment <remote sim run>: its actions again, in order, with the same outcomes, and its compared state", async () => {
    const run = await capture(() =>
      simRun(hre, { scenario: "fees-and-rewards", steps: "2", rpcUrl: node.url, out: join(root, "run") }),
    );
    expect(run.value, run.stderr).to.equal(0);
    const runFolder = folderIn(join(root, "run"), "fees-and-rewards-");
    const r = await observeCmd({ deployment: runFolder, out: join(root, "of-run") });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const folder = folderIn(join(root, "of-run"), "observe-fees-and-rewards-");
    const ran = lines(join(runFolder, "actions.ndjson"));
    const seen = lines(join(folder, "actions.ndjson"));
    const text = (args: unknown) =>
      JSON.stringify(Object.entries(args as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    expect(seen.map((a) => [a["agent"], a["kind"], text(a["args"]), a["chain"]])).to.deep.equal(
      ran.map((a) => [a["agent"], a["kind"], text(a["args"]), a["chain"]]),
    );
    expect(seen.every((a) => a["diverged"] === false)).to.equal(true);
    // The run's compared state after each step is the observation's after that step's last block.
    const runTrace = readRunFolder(runFolder).trace;
    const seenTrace = readRunFolder(folder).trace;
    let compared = 0;
    for (let step = 0; step < 2; step++) {
      const lastOfStep = seen.filter((_, i) => ran[i]!["step"] === step).pop()!;
      const row = seenTrace.substeps.indexOf(`block ${String(lastOfStep["block"])}`);
      for (const v of runTrace.variables) {
        const expected = runTrace.cells(`${v}:chain`)![step + 1]!;
        const got = seenTrace.cells(`${v}:chain`)?.[row];
        if (got === undefined || expected === "") continue;
        expect(got, `${v} after step ${step}`).to.equal(expected);
        compared++;
      }
    }
    // Every global, and the variables of every agent that called the mechanism (the others' are not compared).
    const fields = (readRunFolder(runFolder).manifestJson["accountFields"] as string[]) ?? [];
    const isAccountVariable = (v: string) => fields.includes(v.slice(v.lastIndexOf(".") + 1));
    const globals = runTrace.variables.filter((v) => !isAccountVariable(v));
    expect(globals.length).to.be.greaterThan(30);
    expect(seenTrace.variables.filter((v) => !isAccountVariable(v))).to.deep.equal(globals);
    const callers = [...new Set(ran.map((a) => String(a["agent"])))];
    for (const agent of callers) expect(seenTrace.variables, agent).to.include(`${agent}.${fields[0]!}`);
    expect(compared).to.be.greaterThan(2 * (globals.length + callers.length * fields.length) - 10);

    // And an observation is what sim fit reads: the two steps it spans, by its blocks' timestamps.
    const fitted = await capture(() =>
      simFit(hre, {
        observed: folder,
        param: "buyers.commitProbability=0..1",
        budget: "7",
        runsPerEval: "2",
        out: join(root, "fit"),
      }),
    );
    expect(fitted.value, fitted.stderr).to.equal(0);
    const fitJson = json(join(folderIn(join(root, "fit"), "fit-fees-and-rewards-"), "fit.json"));
    expect(fitJson["steps"]).to.equal(2);
  });
});
