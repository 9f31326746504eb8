import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simRun, type RunArgs } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";

const FIXTURES = "./test/fixtures/scenarios";
const STARTER = "./templates/starter/sim/starter/scenario.ts";

/** `sim run` in this process, into a fresh folder; what it printed, its exit code and what it left. */
async function run(
  args: RunArgs,
): Promise<{ code: number; stdout: string; stderr: string; left: string[]; out: string }> {
  const out = mkdtempSync(join(tmpdir(), "lockstep-sdk-"));
  const { value, stdout, stderr } = await capture(() => simRun(hre, { out, ...args }));
  return { code: value, stdout, stderr, left: readdirSync(out), out };
}

describe("sdk: a user's scenario file, run by path", function () {
  this.timeout(120_000);
  const folders: string[] = [];
  after(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

  for (const mode of ["lockstep", "model", "chain"] as const) {
    it(`sim run --scenario <file>: the starter runs in ${mode} mode, exit 0`, async function () {
      const r = await run({ scenario: STARTER, mode, steps: "10" });
      folders.push(r.out);
      expect(r.stderr).to.not.contain("error");
      expect(r.code).to.equal(0);
      expect(r.left).to.have.length(1);
      const manifest = JSON.parse(readFileSync(join(r.out, r.left[0]!, "manifest.json"), "utf8"));
      expect(manifest.scenario).to.equal("starter");
      expect(manifest.scenarioFile).to.equal("templates/starter/sim/starter/scenario.ts");
      // Provenance comes from the user's artifacts: the starter's one contract.
      expect(Object.keys(manifest.bytecode)).to.deep.equal(["StarterVault"]);
      if (mode === "lockstep") expect(manifest.divergences).to.equal(0);
    });
  }

  it("sim run: the same seed gives the same traceHash in lockstep and chain modes (the chain samples alike)", async function () {
    const a = await run({ scenario: STARTER, steps: "8", seed: "7" });
    const b = await run({ scenario: STARTER, steps: "8", seed: "7" });
    folders.push(a.out, b.out);
    const hash = (r: typeof a) => JSON.parse(readFileSync(join(r.out, r.left[0]!, "manifest.json"), "utf8")).traceHash;
    expect(hash(a)).to.equal(hash(b));
  });

  it("sim run: a model that rounds the fee up is caught at step 1, pinned to the first deposit above 0.8 tokens, exit 1", async function () {
    const r = await run({ scenario: `${FIXTURES}/wrongFee.ts`, steps: "5" });
    folders.push(r.out);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(
      /^First divergence: step 1, substep act, totalDeposits: model \d+, chain \d+ \(seed 1\)\.$/m,
    );
    const manifest = JSON.parse(readFileSync(join(r.out, r.left[0]!, "manifest.json"), "utf8"));
    const pinned = manifest.pinnedDivergence;
    expect(pinned.step).to.equal(1);
    expect(pinned.substep).to.equal("act");
    expect(pinned.variable).to.equal("totalDeposits");
    // The first saver's deposit is above 0.8 tokens: the model's fee is one wei more, so its total one wei less.
    expect(pinned.after.kind).to.equal("deposit");
    expect(BigInt(pinned.after.args.amount) > 8n * 10n ** 17n).to.equal(true);
    expect(BigInt(pinned.chain) - BigInt(pinned.model)).to.equal(1n);
    expect(pinned.actions).to.have.length(pinned.actionNumber);
  });

  it("sim run: an invariant broken from step 2 is reported on both sides, exit 1; one that holds is not", async function () {
    const r = await run({ scenario: `${FIXTURES}/brokenInvariant.ts`, steps: "5" });
    folders.push(r.out);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(
      /^Invariants: broken in 8 samples; first at step 2 on the model: "deposits stay under two tokens": totalDeposits is \d+\.$/m,
    );
    const manifest = JSON.parse(readFileSync(join(r.out, r.left[0]!, "manifest.json"), "utf8"));
    expect(manifest.divergences).to.equal(0);
    expect(manifest.invariantViolations).to.equal(8);
    expect(manifest.firstInvariantViolation).to.include({
      step: 2,
      side: "model",
      invariant: "deposits stay under two tokens",
    });
  });

  const BAD: readonly [string, RegExp | string][] = [
    [
      "undeclaredInvariant.ts",
      'Invariant "reserves are positive" reads variable reserves, which the mechanism does not compare (declare it in variables).',
    ],
    [
      "unknownArtifact.ts",
      'Unknown contract "NoSuchVault": no artifact of that name in this project (is it compiled? names are as in the source, e.g. MyVault or contracts/MyVault.sol:MyVault).',
    ],
    [
      "unknownVariable.ts",
      "State variable _reserves of StarterVault (variable reserves of mechanism starter-vault): no such state variable (the contract has _balances, _totalDeposits, _feesCollected).",
    ],
    [
      "throwingModel.ts",
      'The model of action deposit (mechanism starter-vault, agent saver-0) threw RangeError: amount out of range; a model function reverts only with revert("ErrorName", ...args).',
    ],
    [
      "randomPolicy.ts",
      "Scenario starter-random-policy: the policy of saver-0 (role saver) called Math.random, which makes a run unrepeatable: draw from ctx.rng, the agent's seeded stream.",
    ],
    [
      "wrongShape.ts",
      `Scenario file ${FIXTURES}/wrongShape.ts: params is missing: expected a zod object schema (z.object({ ... })).`,
    ],
    [
      "badUnits.ts",
      `Scenario file ${FIXTURES}/badUnits.ts: units["total_deposits"].decimals is number 1.5: expected an integer in 0..77 (18 for an amount in wei).`,
    ],
    [
      "badKpiGroups.ts",
      `Scenario file ${FIXTURES}/badKpiGroups.ts: kpiGroups["deposits"] is "total_deposits": expected a list of KPI names (* for any characters).`,
    ],
    [
      "unknownEvent.ts",
      "The model of mechanism starter-vault emitted vault.Deposit: StarterVault has no event Deposit (it has Deposited, Withdrawn).",
    ],
    [
      "badEventPattern.ts",
      'The events pattern "vault.Deposits" of mechanism starter-vault names no event of a deployed instance (instances: vault).',
    ],
    ["nope.ts", `Scenario file ${FIXTURES}/nope.ts does not exist.`],
  ];
  for (const [file, message] of BAD) {
    it(`sim run: ${file} is refused with one line, exit 2, and leaves nothing behind`, async function () {
      const r = await run({ scenario: `${FIXTURES}/${file}`, steps: "3" });
      folders.push(r.out);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(`error: ${message}\n`);
      expect(r.left).to.deep.equal([]);
    });
  }
});
