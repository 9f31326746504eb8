import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simRun, type RunArgs } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";

/** Runs `sim run` in this process, capturing what it prints. */
async function runCapturing(args: RunArgs): Promise<{ code: number; stdout: string; stderr: string }> {
  const { value, stdout, stderr } = await capture(() => simRun(hre, args));
  return { code: value, stdout, stderr };
}

const BAD_INPUTS: readonly [RunArgs, string][] = [
  [
    { scenario: "nope" },
    'Unknown scenario "nope": expected a scenario file (./sim/my-scenario.ts) or one of boson-commerce, fees-and-rewards.',
  ],
  [
    { scenario: " " },
    "Missing option --scenario: expected a scenario file or one of boson-commerce, fees-and-rewards.",
  ],
  [{ steps: "0" }, 'Invalid option --steps = "0": expected a positive integer up to 100000.'],
  [{ steps: "abc" }, 'Invalid option --steps = "abc": expected a positive integer up to 100000.'],
  [{ steps: "1.5" }, 'Invalid option --steps = "1.5": expected a positive integer up to 100000.'],
  [{ seed: "-1" }, 'Invalid option --seed = "-1": expected an integer in 0..4294967295.'],
  [{ mode: "fast" }, 'Invalid option --mode = "fast": expected one of lockstep, model, chain.'],
  [{ set: "feeBps" }, 'Malformed --set "feeBps": expected path=value, for example fees.feeBps=75.'],
  [{ set: "fees.feeBps=" }, 'Malformed --set "fees.feeBps=": expected path=value, for example fees.feeBps=75.'],
  [
    { set: "fees.fooBps=3" },
    "Unknown parameter params.fees.fooBps: expected one of fees.feeBps, fees.maxFeeBps, fees.ecoBps, fees.changeAtStep, fees.newFeeBps.",
  ],
  [
    { set: "fees=3" },
    "Parameter params.fees is a group: expected one of fees.feeBps, fees.maxFeeBps, fees.ecoBps, fees.changeAtStep, fees.newFeeBps.",
  ],
  [
    { set: "fees.feeBps=12000" },
    "Invalid parameter params.fees.feeBps = 12000: expected an integer in 0..10000 (basis points).",
  ],
  [
    { set: "fees.feeBps=abc" },
    'Invalid parameter params.fees.feeBps = "abc": expected an integer in 0..10000 (basis points).',
  ],
  [
    { set: "offers.priceMin=-5" },
    'Invalid parameter params.offers.priceMin = "-5": expected an integer amount in 0..2^256-1 (wei), written as digits or as 1.5e18.',
  ],
  [
    { set: "offers.priceMin=1.5" },
    'Invalid parameter params.offers.priceMin = "1.5": expected an integer amount in 0..2^256-1 (wei): not a whole number of wei.',
  ],
  [
    { set: "buyers.commitProbability=1.5" },
    "Invalid parameter params.buyers.commitProbability = 1.5: expected a number in 0..1 (per buyer per step).",
  ],
  [
    { set: "fees.feeBps=1200" },
    "Invalid parameter params.fees.feeBps = 1200: expected at most params.fees.maxFeeBps (1000).",
  ],
  [
    { set: "offers.priceMin=200e18" },
    "Invalid parameter params.offers.priceMin = 200000000000000000000: expected at most params.offers.priceMax (100000000000000000000).",
  ],
  [
    { set: "buyers.redeemProbability=0.9 buyers.cancelProbability=0.2" },
    "Invalid parameter params.buyers.cancelProbability = 0.2: expected at most 1 - params.buyers.redeemProbability (0.1).",
  ],
  [
    { set: "rewards.halvingEpochs=6" },
    "Invalid parameter params.rewards.halvingEpochs = 6: expected 0 when params.rewards.durationEpochs is set (35), and nonzero when it is 0: exactly one schedule.",
  ],
  [{ set: "fees.feeBps=10 fees.feeBps=20" }, "Parameter params.fees.feeBps is given twice in --set: give it once."],
  [
    { modelSet: "buyers.commitProbability=0.5" },
    'Invalid option --model-set = "buyers.commitProbability=0.5": expected a change to a mechanism parameter (fees, rewards, releases, ...): agent parameters drive both sides alike.',
  ],
  [
    { modelSet: "fees.feeBps=60", mode: "model" },
    'Invalid option --model-set = "fees.feeBps=60": expected no --model-set outside lockstep mode (mode is model): it changes the model against the chain.',
  ],
  [
    { modelSet: "fees.maxFeeBps=20" },
    "Invalid parameter params.fees.feeBps = 50: expected at most params.fees.maxFeeBps (20) (in --model-set).",
  ],
  [{ out: "package.json" }, 'Invalid option --out = "package.json": expected a directory (it is a file).'],
];

describe("cli: sim run", function () {
  this.timeout(300_000);
  let out: string;

  beforeEach(function () {
    out = mkdtempSync(join(tmpdir(), "lockstep-cli-"));
  });
  afterEach(function () {
    rmSync(out, { recursive: true, force: true });
  });

  for (const [args, message] of BAD_INPUTS) {
    it(`sim run: exits 2 with one line and writes nothing when given ${JSON.stringify(args)}`, async function () {
      const { code, stderr } = await runCapturing({ scenario: "boson-commerce", out, ...args });
      expect(stderr).to.equal(`error: ${message}\n`);
      expect(code).to.equal(2);
      expect(readdirSync(out)).to.deep.equal([]);
    });
  }

  it("sim run: writes manifest, actions and a cadCAD-shaped trace, and exits 0 on parity", async function () {
    const { code, stdout } = await runCapturing({ scenario: "fees-and-rewards", steps: "3", seed: "5", out });
    expect(code).to.equal(0);
    expect(stdout).to.match(
      /Parity: \d+ comparisons of \d+ variables over 4 samples \(an agent's from the step it joins\), 0 divergences\./,
    );
    const [folder] = readdirSync(out);
    expect(folder).to.match(/^fees-and-rewards-5-[0-9a-f]{8}$/);
    const dir = join(out, folder!);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.scenario).to.equal("fees-and-rewards");
    expect(manifest.seed).to.equal(5);
    expect(manifest.status).to.equal("parity");
    expect(manifest.divergences).to.equal(0);
    expect(manifest.traceHash).to.match(/^[0-9a-f]{64}$/);
    expect(manifest.toolchain.solc).to.equal("0.8.30");
    expect(manifest.chain.chainId).to.equal(31337);
    // Provenance: the bytecode of every contract the mechanism deployed, by artifact name (fees-and-rewards has no release wallets).
    expect(Object.keys(manifest.bytecode).sort()).to.deep.equal(
      ["ExchangeToken", "FeeManager", "GovernanceToken", "RewardsDistributor", "VoucherEscrow"].sort(),
    );
    expect(Object.keys(manifest.contracts.addresses)).to.include.members(["escrow", "rewards", "feeManager"]);
    expect(manifest.params.fees.feeBps).to.equal(25);
    expect(manifest.params.tokens.buyerBudget).to.equal("2000000000000000000000");

    const traceText = readFileSync(join(dir, "trace.csv"), "utf8");
    expect(createHash("sha256").update(traceText).digest("hex"), "traceHash is the hash of trace.csv").to.equal(
      manifest.traceHash,
    );
    const trace = traceText.trim().split("\n");
    const header = trace[0]!.split(",");
    expect(header.slice(0, 5)).to.deep.equal(["simulation", "subset", "run", "timestep", "substep"]);
    expect(header).to.include.members(["escrow.protocolFeesCollected:model", "escrow.protocolFeesCollected:chain"]);
    expect(trace.length).to.equal(1 + 4); // header, the initial state and 3 steps
    const col = header.indexOf("buyer-0.exchangeToken:chain");
    const last = trace[trace.length - 1]!.split(",");
    expect(last[3]).to.equal("3");
    expect(last[col]).to.match(/^\d+$/); // exact decimal string, never a float

    const actions = readFileSync(join(dir, "actions.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(actions.length).to.equal(manifest.actions.total);
    const commit = actions.find((a) => a.kind === "commitToOffer");
    expect(commit.chain.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(Number(commit.chain.gasUsed)).to.be.greaterThan(21_000);
    const reverted = actions.filter((a) => a.chain.status === "reverted");
    for (const a of reverted) expect(a.model.error).to.equal(a.chain.error);
  });

  it("sim run: replaces the folder of an identical earlier run rather than leaving two", async function () {
    await runCapturing({ scenario: "fees-and-rewards", steps: "1", out });
    await runCapturing({ scenario: "fees-and-rewards", steps: "1", out });
    expect(readdirSync(out)).to.have.length(1);
  });

  it("npx hardhat sim run: exit code 2 on bad input and 1 on a divergence, through the real command", function () {
    const bad = spawnSync("npx", ["hardhat", "sim", "run", "--scenario", "nope", "--out", out], { encoding: "utf8" });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('error: Unknown scenario "nope"');
    expect(existsSync(out) ? readdirSync(out) : []).to.deep.equal([]);

    const diverging = spawnSync(
      "npx",
      [
        "hardhat",
        "sim",
        "run",
        "--scenario",
        "fees-and-rewards",
        "--steps",
        "2",
        "--out",
        out,
        "--model-set",
        "fees.ecoBps=2000",
      ],
      { encoding: "utf8" },
    );
    expect(diverging.status, diverging.stderr).to.equal(1);
    expect(diverging.stdout).to.include(
      "First divergence: step 0, substep init, fees.ecoBps: model 2000, chain 3000 (seed 1).",
    );
  });
});
