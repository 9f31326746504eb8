/**
 * sim fuzz: each checker of the oracle proven by a case it must catch (a model that misses an overflow, a
 * model that rounds a fee up, an invariant the chain breaks, a wrong boundary at a deadline), each found
 * failure shrunk, replayed bit for bit and exported as a mocha test; clean campaigns on correct models;
 * the same seed giving the same campaign. Budgets are fixed numbers of sequences: no test depends on time.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { simFuzz } from "../../simulation/cli/fuzz.js";
import { defaults } from "../../simulation/engine/params.js";
import { runCampaign, type CampaignResult } from "../../simulation/fuzz/campaign.js";
import { replayFuzzSequence } from "../../simulation/fuzz/replay.js";
import { mochaTest, replayJson } from "../../simulation/fuzz/replayFile.js";
import { bytecodeConstants, configConstants, dictionary } from "../../simulation/fuzz/dictionary.js";
import { describeFailure } from "../../simulation/fuzz/types.js";
import { buildVocabulary, watchAgents } from "../../simulation/fuzz/vocabulary.js";
import { capture } from "../helpers/capture.js";
import { scenario } from "../helpers/run.js";

const FIXTURES = "./test/fixtures/scenarios";

async function campaign(ref: string, runs: number, depth: number, seed = 1): Promise<CampaignResult> {
  const s = await scenario(ref);
  return runCampaign({
    scenario: s,
    params: defaults(s.schema),
    set: "",
    seed,
    runs,
    depth,
    steps: Math.min(3, s.defaultSteps),
    target: inProcessTarget(hre),
  });
}

describe("fuzz", function () {
  this.timeout(600_000);

  it("sim fuzz: a campaign on the starter runs clean on its correct model", async () => {
    const r = await campaign("./templates/starter/sim/starter/scenario.ts", 5, 60);
    expect(r.failure, r.failure && describeFailure(r.failure.original.failure)).to.equal(undefined);
    expect(r.sequences).to.equal(5);
    expect(r.actions).to.equal(300);
    // Both functions succeeded on both sides, and the model predicted every revert the chain gave.
    expect([...r.coverage.chain.functions.keys()].sort()).to.deep.equal(["vault.deposit", "vault.withdraw"]);
    expect([...r.coverage.model.errors]).to.deep.equal([...r.coverage.chain.errors]);
    expect(r.coverage.chain.errors.get("StarterVaultInsufficientBalance") ?? 0).to.be.greaterThan(0);
  });

  it("sim fuzz: a model that misses an overflow is caught on the outcome and shrunk to the one deposit", async () => {
    const r = await campaign(`${FIXTURES}/fuzzOverflow.ts`, 30, 60);
    const f = r.failure!;
    expect(f, "the overflow must be found").to.not.equal(undefined);
    expect(f.shrunk.failure.kind).to.equal("outcome");
    expect(f.shrunk.steps).to.have.length(1);
    const [only] = f.records;
    expect(only!.step.action.kind).to.equal("deposit");
    expect(only!.model.ok).to.equal(true);
    expect(only!.chain.error).to.deep.equal({ name: "Panic", args: ["17"] });
    // amount * feeBps (50) passes 2^256 - 1.
    expect(BigInt(only!.step.action.args["amount"] as bigint) * 50n >= 1n << 256n).to.equal(true);
  });

  it("sim fuzz: a model that rounds a fee up is caught on the compared variable and shrunk", async () => {
    const r = await campaign(`${FIXTURES}/wrongFee.ts`, 10, 60);
    const f = r.failure!;
    expect(f, "the wrong rounding must be found").to.not.equal(undefined);
    const failure = f.replay.failure!;
    expect(failure.kind).to.equal("variable");
    expect(f.shrunk.steps).to.have.length(1);
    const amount = BigInt(f.records[0]!.step.action.args["amount"] as bigint);
    // The fixture rounds up above 0.8 tokens, and only a fee with a remainder rounds differently.
    expect(amount > 8n * 10n ** 17n && (amount * 50n) % 10_000n !== 0n).to.equal(true);
  });

  it("sim fuzz: an invariant the state breaks is caught on the chain, after the action that breaks it", async () => {
    const r = await campaign(`${FIXTURES}/brokenInvariant.ts`, 10, 60);
    const f = r.failure!;
    expect(f).to.not.equal(undefined);
    const failure = f.replay.failure!;
    expect(failure).to.include({ kind: "invariant", side: "chain", invariant: "deposits stay under two tokens" });
    expect(failure.index).to.equal(f.records.length - 1);
    // Shrunk to deposits that pass two tokens together, none of which can go: 1-minimal.
    const net = f.records.map((x) => {
      expect(x.step.action.kind).to.equal("deposit");
      const amount = BigInt(x.step.action.args["amount"] as bigint);
      return amount - (amount * 50n) / 10_000n;
    });
    const total = net.reduce((a, b) => a + b, 0n);
    const TWO = 2n * 10n ** 18n;
    expect(total >= TWO).to.equal(true);
    for (const n of net) expect(total - n < TWO).to.equal(true);
  });

  it("sim fuzz: a wrong boundary exactly at the end of a dispute period is found at that second, and its replay is bit for bit", async () => {
    const r = await campaign(`${FIXTURES}/commerceCompleteBoundary.ts`, 30, 200);
    const f = r.failure!;
    expect(f, "the boundary must be found").to.not.equal(undefined);
    const failure = f.replay.failure!;
    expect(failure.kind).to.equal("outcome");
    const last = f.records[f.records.length - 1]!;
    expect(last.step.action.kind).to.equal("completeExchange");
    expect(last.model.error?.name).to.equal("VoucherEscrowTooEarly");
    expect(last.chain.ok).to.equal(true);
    // At that second: the redeem's time plus the dispute period (7 days in fees-and-rewards).
    const redeem = f.records.find(
      (x) =>
        x.step.action.kind === "redeemVoucher" &&
        x.chain.ok &&
        String(x.step.action.args["exchangeId"]) === String(last.step.action.args["exchangeId"]),
    )!;
    expect(last.step.time - redeem.step.time).to.equal(7n * 86_400n);
    // Shrunk: no single action of it can go (ids shift when a commit goes, so the setup stays).
    expect(f.shrunk.steps.length).to.be.lessThan(f.original.steps.length);

    const replayed = await replayFuzzSequence(hre, JSON.parse(replayJson(f.replay)));
    expect(replayed.differences).to.deep.equal([]);
    expect(replayed.failure).to.deep.equal(failure);
    expect(replayed.records.map((x) => x.chain.txHash)).to.deep.equal(f.records.map((x) => x.chain.txHash));
  });

  it("sim fuzz: a voucher not burned on cancel or expiry (mutant VoucherEscrow-138, on the model's side) is caught on the voucher supply", async () => {
    const r = await campaign(`${FIXTURES}/commerceKeptVoucher.ts`, 10, 200);
    const f = r.failure!;
    expect(f, "the kept voucher must be found").to.not.equal(undefined);
    const failure = f.replay.failure!;
    // Nothing else differs: the exchange is Canceled on both sides and no amount depends on the voucher.
    expect(failure).to.include({ kind: "variable", variable: "escrow.vouchersOutstanding" });
    if (failure.kind !== "variable") throw new Error("unreachable");
    // The model kept the voucher the chain burned.
    expect(BigInt(failure.model) - BigInt(failure.chain)).to.equal(1n);
    const last = f.records[f.records.length - 1]!;
    expect(["cancelVoucher", "expireVoucher"]).to.include(last.step.action.kind);
    expect(last.model.ok && last.chain.ok).to.equal(true);
  });

  it("sim fuzz: a cap one value off (as FeeManager-002 is) is found one past the configuration's own maximum", async () => {
    const r = await campaign(`${FIXTURES}/commerceMaxFeeBoundary.ts`, 30, 250);
    const f = r.failure!;
    expect(f, "the cap must be found").to.not.equal(undefined);
    expect(f.replay.failure!.kind).to.equal("outcome");
    const last = f.records[f.records.length - 1]!;
    expect(last.step.action.kind).to.equal("setFeeBps");
    // fees-and-rewards deploys maxFeeBps = 400: the value sent is one past the configuration's, which no agent uses.
    expect(last.step.action.args["bps"]).to.equal(401n);
    expect(last.model.ok).to.equal(true);
    expect(last.chain.error?.name).to.equal("FeeManagerFeeAboveMax");
  });

  it("sim fuzz: an escalated dispute's decision the model gets wrong is reached (commit, redeem, dispute, escalation, decision) and shrunk", async () => {
    const r = await campaign(`${FIXTURES}/commerceEscalationDecided.ts`, 10, 200);
    const f = r.failure!;
    expect(f, "the escalated dispute's decision must be reached").to.not.equal(undefined);
    const last = f.records[f.records.length - 1]!;
    expect(last.step.action.kind).to.equal("decideDispute");
    expect(last.chain.ok).to.equal(true);
    expect(last.model.error?.name).to.equal("VoucherEscrowNotResolver");
    // Every call of the path is in the shrunk sequence, in order, on the decided exchange.
    const id = String(last.step.action.args["exchangeId"]);
    const path = f.records
      .filter((x) => x.chain.ok && String(x.step.action.args["exchangeId"]) === id)
      .map((x) => x.step.action.kind);
    expect(path).to.deep.equal(["redeemVoucher", "raiseDispute", "escalateDispute", "decideDispute"]);
  });

  it("sim fuzz: the dictionary holds a contract's PUSH constants (metadata tail skipped) and a configuration's numbers", () => {
    // PUSH2 0x2710 (10,000), PUSH1 0x01 (left out: generators have 0 and 1), PUSH17 2^128 (kept: at the cap),
    // PUSH32 2^255 (left out: too wide to be a bound), then a 3-byte metadata tail whose PUSH2 must not count.
    const code = `0x612710600170${"01" + "00".repeat(16)}7f${"80" + "00".repeat(31)}${"61abcd"}0003`;
    expect(bytecodeConstants(code)).to.deep.equal([10_000n, 1n << 128n]);
    // A truncated PUSH at the end is no constant.
    expect(bytecodeConstants("0x6127")).to.deep.equal([]);
    expect(
      configConstants({ fees: { maxFeeBps: 400n, feeBps: 1 }, steps: [3, 7.5, -2], name: "x", on: true }),
    ).to.deep.equal([400n, 3n]);
    expect(dictionary([5n, 400n], [10_000n, 5n])).to.deep.equal([5n, 400n, 10_000n]);
  });

  it("sim fuzz --replay: reproduces a shrunk failure bit for bit (exit 1), and exports it as a mocha test", async () => {
    const r = await campaign(`${FIXTURES}/fuzzOverflow.ts`, 30, 60);
    const dir = mkdtempSync(join(tmpdir(), "lockstep-fuzz-"));
    const file = join(dir, "replay.json");
    writeFileSync(file, replayJson(r.failure!.replay));
    const testFile = join(dir, "overflow.test.ts");
    const { value: code, stdout } = await capture(() => simFuzz(hre, { replay: file, exportTest: testFile }));
    expect(code, stdout).to.equal(1);
    expect(stdout).to.include(
      "Bit for bit: every outcome on both sides and every transaction hash as the file recorded.",
    );
    expect(stdout).to.include("model: success | chain: revert Panic(17)");
    const test = readFileSync(testFile, "utf8");
    expect(test).to.include('import { replayFuzzSequence } from "lockstep";');
    expect(test).to.include("expect(result.failure, result.report).to.equal(undefined);");
    const json = test.slice(test.indexOf("const replay = ") + "const replay = ".length, test.indexOf(";\n\ndescribe("));
    expect(JSON.parse(json)).to.deep.equal(JSON.parse(replayJson(r.failure!.replay)));
    expect(mochaTest(r.failure!.replay)).to.equal(test);
  });

  it("sim fuzz: the same seed gives the same campaign; another seed another", async () => {
    const a = await campaign("./templates/starter/sim/starter/scenario.ts", 3, 40, 7);
    const b = await campaign("./templates/starter/sim/starter/scenario.ts", 3, 40, 7);
    const c = await campaign("./templates/starter/sim/starter/scenario.ts", 3, 40, 8);
    const key = (r: CampaignResult) => JSON.stringify([[...r.coverage.chain.functions], [...r.coverage.chain.errors]]);
    expect(key(a)).to.equal(key(b));
    expect(key(a)).to.not.equal(key(c));
  });

  it("sim fuzz: the vocabulary comes from declarations, the ABI and the agents' Actions, and says what it left out", async () => {
    const boson = await scenario("boson-commerce");
    const v = buildVocabulary(boson, await watchAgents(boson, defaults(boson.schema), 1, 6));
    const source = (kind: string) => v.kinds.find((k) => k.kind === kind)?.source;
    expect(source("createOffer")).to.equal("declared");
    expect(source("redeemVoucher")).to.equal("abi");
    expect(source("release")).to.equal("agents");
    const [wallet] = v.kinds.find((k) => k.kind === "release")!.args;
    expect(wallet![0]).to.equal("wallet");
    expect(wallet![1].type === "oneOf" && [...wallet![1].values].sort()).to.deep.equal([
      "ecosystemProducts",
      "investors",
      "team",
    ]);
    const fees = await scenario("fees-and-rewards");
    const w = buildVocabulary(fees, await watchAgents(fees, defaults(fees.schema), 1, 6));
    expect(w.left.map((l) => l.kind)).to.deep.equal(["release"]);
  });

  it("sim fuzz: bad input is one line, exit 2", async () => {
    const cases: [Parameters<typeof simFuzz>[1], string][] = [
      [
        { scenario: "fees-and-rewards", runs: "0" },
        'error: Invalid option --runs = "0": expected a positive integer up to 1000000.\n',
      ],
      [
        { scenario: "fees-and-rewards", runs: "2", seconds: "5" },
        'error: Invalid option --seconds = "5": expected either --runs or --seconds, not both.\n',
      ],
      [{ replay: "./no-such-replay.json" }, "error: Replay file ./no-such-replay.json cannot be read: ENOENT.\n"],
      [
        { scenario: "fees-and-rewards", exportTest: "x.test.ts" },
        'error: Invalid option --export-test = "x.test.ts": expected --replay <file> with it.\n',
      ],
    ];
    for (const [args, message] of cases) {
      const { value, stderr } = await capture(() => simFuzz(hre, args));
      expect(stderr).to.equal(message);
      expect(value).to.equal(2);
    }
  });
});
