import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../simulation/engine/errors.js";
import { parseGridAxis } from "../../simulation/engine/plan.js";
import type { RunRequest } from "../../simulation/cli/prepare.js";
import { prepare as prepareRun, scenario as loadScenario } from "../helpers/run.js";

/** Numeric literals at and past the ends of what a double or a uint256 holds, each rejected in one line. */
const EXTREME: [RunRequest, string][] = [
  [
    { set: "fees.feeBps=1e400" },
    'Invalid parameter params.fees.feeBps = "1e400": expected an integer in 0..10000 (basis points).',
  ],
  [
    { set: "buyers.commitProbability=1e400" },
    'Invalid parameter params.buyers.commitProbability = "1e400": expected a number in 0..1 (per buyer per step).',
  ],
  [
    { set: "buyers.commitProbability=1e-400" },
    'Invalid parameter params.buyers.commitProbability = "1e-400": expected a number in 0..1 (per buyer per step): it is nearer 0 than the smallest double (5e-324).',
  ],
  [
    { set: "offers.priceMin=1e999999999" },
    'Invalid parameter params.offers.priceMin = "1e999999999": expected an integer amount in 0..2^256-1 (wei).',
  ],
  [
    { set: "offers.priceMax=1.5e99999999999999999999" },
    'Invalid parameter params.offers.priceMax = "1.5e99999999999999999999": expected an integer amount in 0..2^256-1 (wei).',
  ],
  [
    { set: "population.maxBuyers=99999999999999999999" },
    'Invalid parameter params.population.maxBuyers = "99999999999999999999": expected an integer in 1..1000000 (buyers).',
  ],
  [
    { steps: "99999999999999999999" },
    'Invalid option --steps = "99999999999999999999": expected a positive integer up to 100000.',
  ],
  [{ seed: "1e400" }, 'Invalid option --seed = "1e400": expected an integer in 0..4294967295.'],
];

/** Every rule across fields of both scenarios (zod refinements now, a check() before): the messages are unchanged. */
const RULES: [string, RunRequest, string][] = [
  [
    "boson-commerce",
    { set: "offers.quantityMin=30" },
    "Invalid parameter params.offers.quantityMin = 30: expected at most params.offers.quantityMax (20).",
  ],
  [
    "boson-commerce",
    { set: "offers.priceMin=1e15" },
    "Invalid parameter params.offers.priceMin = 1000000000000000: expected at least 10000000000000000 (0.01 token).",
  ],
  [
    "boson-commerce",
    { set: "resolvers.idleProbability=0.5 resolvers.refuseProbability=0.6" },
    "Invalid parameter params.resolvers.refuseProbability = 0.6: expected at most 1 - params.resolvers.idleProbability (0.5).",
  ],
  [
    "boson-commerce",
    { set: "rewards.emissionTotal=120000000e18" },
    "Invalid parameter params.rewards.emissionTotal = 120000000000000000000000000: expected emission plus releases at most the governance supply 200000000000000000000000000 (releases take 90000000000000000000000000).",
  ],
  [
    "boson-commerce",
    { set: "releases.teamCliffMonths=40" },
    "Invalid parameter params.releases.teamCliffMonths = 40: expected at most params.releases.teamMonths (36).",
  ],
  [
    "boson-commerce",
    { set: "releases.investorCliffMonths=30" },
    "Invalid parameter params.releases.investorCliffMonths = 30: expected at most params.releases.investorMonths (24).",
  ],
  [
    "boson-commerce",
    { set: "offers.quantityMin=30 fees.feeBps=1200" },
    "Invalid parameter params.fees.feeBps = 1200: expected at most params.fees.maxFeeBps (1000).",
  ],
  [
    "fees-and-rewards",
    { set: "rewards.durationEpochs=12" },
    "Invalid parameter params.rewards.halvingEpochs = 6: expected 0 when params.rewards.durationEpochs is set (12), and nonzero when it is 0: exactly one schedule.",
  ],
  [
    "fees-and-rewards",
    { set: "fees.feeBps=500" },
    "Invalid parameter params.fees.feeBps = 500: expected at most params.fees.maxFeeBps (400).",
  ],
  [
    "fees-and-rewards",
    { set: "buyers.redeemProbability=0.9 buyers.cancelProbability=0.2" },
    "Invalid parameter params.buyers.cancelProbability = 0.2: expected at most 1 - params.buyers.redeemProbability (0.1).",
  ],
];

describe("cli: parameters at the command line's boundary", function () {
  for (const [req, message] of EXTREME) {
    it(`prepareRun: rejects ${JSON.stringify(req)} with one line`, async function () {
      let error: unknown;
      await prepareRun({ scenario: "boson-commerce", ...req }).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(UserError);
      expect((error as Error).message).to.equal(message);
    });
  }

  for (const [scenario, req, message] of RULES) {
    it(`prepareRun: ${scenario}'s rule across fields rejects ${JSON.stringify(req)} with its message`, async function () {
      let error: unknown;
      await prepareRun({ scenario, ...req }).then(
        () => expect.fail("accepted"),
        (e: unknown) => (error = e),
      );
      expect(error).to.be.instanceOf(UserError);
      expect((error as Error).message).to.equal(message);
    });
  }

  it("prepareRun: fees-and-rewards keeps its own defaults for the commerce groups it overrides", async function () {
    const p = (await prepareRun({ scenario: "fees-and-rewards" })).params as {
      buyers: {
        complaintBase: number;
        complaintQualitySlope: number;
        commitProbability: number;
        redeemProbability: number;
      };
    };
    expect(p.buyers).to.include({
      complaintBase: 0,
      complaintQualitySlope: 0,
      commitProbability: 0.6,
      redeemProbability: 0.85,
    });
  });

  it("prepareRun: 1e-300 is a probability like any other, and 0e-400 is 0", async function () {
    const tiny = await prepareRun({ scenario: "boson-commerce", set: "buyers.commitProbability=1e-300" });
    expect((tiny.params as { buyers: { commitProbability: number } }).buyers.commitProbability).to.equal(1e-300);
    const zero = await prepareRun({ scenario: "boson-commerce", set: "buyers.commitProbability=0e-400" });
    expect((zero.params as { buyers: { commitProbability: number } }).buyers.commitProbability).to.equal(0);
  });

  it("parseGridAxis: an extreme literal among a grid's values is rejected by its text", async function () {
    const schema = (await loadScenario("fees-and-rewards")).schema;
    expect(() => parseGridAxis(schema, "offers.priceMin=1e18,1e999999999")).to.throw(
      UserError,
      'Invalid parameter params.offers.priceMin = "1e999999999": expected an integer amount in 0..2^256-1 (wei).',
    );
  });

  it("npx hardhat sim run: exits 2 with one line and writes nothing for --set offers.priceMin=1e999999999", function () {
    this.timeout(120_000);
    const out = mkdtempSync(join(tmpdir(), "lockstep-extreme-"));
    try {
      const r = spawnSync("npx", ["hardhat", "sim", "run", "--set", "offers.priceMin=1e999999999", "--out", out], {
        encoding: "utf8",
        timeout: 100_000,
      });
      expect(r.stderr).to.equal(
        'error: Invalid parameter params.offers.priceMin = "1e999999999": expected an integer amount in 0..2^256-1 (wei).\n',
      );
      expect(r.status).to.equal(2);
      expect(readdirSync(out)).to.deep.equal([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
