import { expect } from "chai";
import { defaults } from "../../simulation/engine/params.js";
import { describeDivergence, runFromRequest, scenario as loadScenario } from "../helpers/run.js";

describe("parity: boson-commerce", function () {
  this.timeout(600_000);

  for (const seed of ["1", "2"]) {
    it(`lockstep: model and chain agree at every step of the default horizon when seed = ${seed}`, async function () {
      const run = await runFromRequest({ scenario: "boson-commerce", seed });
      const r = run.result;
      expect(r.divergences, describeDivergence(run)).to.equal(0);
      expect(r.status).to.equal("parity");
      expect(r.stepsRun).to.equal(60);
      // The run exercised the mechanisms, reverts included (the model predicted each one).
      // (2,058 at seed 1: at the default fee aggregators recruit about one seller in five.)
      expect(r.actions.total).to.be.greaterThan(1_500);
      expect(r.actions.reverted).to.be.greaterThan(0);
      for (const kind of [
        "commitToOffer",
        "redeemVoucher",
        "completeExchange",
        "raiseDispute",
        "closeEpoch",
        "claim",
      ]) {
        expect(r.actions.byKind[kind] ?? 0, kind).to.be.greaterThan(0);
      }
      // Every variable at the initial sample; after step s, the globals and every agent alive by then.
      const scenario = await loadScenario("boson-commerce");
      // The fields compared for every account, as the mechanism declares them.
      const accountFields = Object.keys(scenario.resolved.definition.accountVariables ?? {});
      const params = defaults(scenario.schema);
      let expected = r.variables;
      for (let s = 0; s < 60; s++) {
        const unborn = r.accounts.length - scenario.population(params, s).length;
        expected += r.variables - accountFields.length * unborn;
      }
      expect(r.comparisons).to.equal(expected);
    });
  }

  it("lockstep: a perturbed model parameter is caught at the action where it first matters", async function () {
    // The aggregators' share of points is no variable of its own: in the state it shows only once epoch 0 closes
    // (step 1, substep rewards) and credits claimable rewards. Events show it earlier: the first completion
    // (step 1, substep settle) credits the seller's aggregator its points, and RewardsDistributor emits them.
    const steps = "8";
    const perturbed = await runFromRequest({
      scenario: "boson-commerce",
      steps,
      modelSet: "rewards.aggregatorPointsBps=4000",
    });
    const d = perturbed.result.firstDivergence;
    expect(d, "the perturbation must be caught").to.not.equal(undefined);
    expect(d!.variable).to.match(/^events of completeExchange by \S+ differ at \d+$/);
    expect(d!.seed).to.equal(1);
    expect(d!.step).to.equal(1);
    expect(d!.substep).to.equal("settle");
    const pointsOf = (e: string): [string, bigint] => {
      const m = /^rewards\.PointsAccrued\(0, (0x[0-9a-f]{40}), (\d+)\)$/.exec(e);
      expect(m, e).to.not.equal(null);
      return [m![1]!, BigInt(m![2]!)];
    };
    const [modelAccount, modelPoints] = pointsOf(d!.model);
    const [chainAccount, chainPoints] = pointsOf(d!.chain);
    // The same aggregator, credited 40% of the price by the model and 50% (the default) by the contract.
    expect(modelAccount).to.equal(chainAccount);
    expect(modelPoints * 5_000n).to.equal(chainPoints * 4_000n);
  });

  it("lockstep: a model that predicts the wrong outcome is caught at that action", async function () {
    // Governance raises the fee to 300 bps at step 3; the model believes the cap is 200 bps,
    // so it predicts FeeManagerFeeAboveMax where the contract accepts the change.
    const run = await runFromRequest({
      scenario: "boson-commerce",
      steps: "5",
      set: "fees.changeAtStep=3 fees.newFeeBps=300",
      modelSet: "fees.maxFeeBps=200",
    });
    const d = run.result.firstDivergence;
    expect(d, describeDivergence(run)).to.not.equal(undefined);
    expect(d!.step).to.equal(4);
    expect(d!.substep).to.equal("onboard");
    expect(d!.variable).to.equal("outcome of setFeeBps by deployer");
    expect(d!.model).to.equal("revert FeeManagerFeeAboveMax(300, 200)");
    expect(d!.chain).to.equal("success");
    expect(d!.actions.find((a) => a.kind === "setFeeBps")?.diverged).to.equal(true);
  });

  it("determinism: the same seed gives the same trace hash, another seed a different one", async function () {
    const a = await runFromRequest({ scenario: "boson-commerce", steps: "6", seed: "7" });
    const b = await runFromRequest({ scenario: "boson-commerce", steps: "6", seed: "7" });
    const c = await runFromRequest({ scenario: "boson-commerce", steps: "6", seed: "8" });
    expect(a.result.traceHash).to.equal(b.result.traceHash);
    expect(a.result.traceHash).to.not.equal(c.result.traceHash);
  });

  it("model mode: the full horizon reproduces bit for bit and matches lockstep's actions", async function () {
    const a = await runFromRequest({ scenario: "boson-commerce", mode: "model", seed: "3" });
    const b = await runFromRequest({ scenario: "boson-commerce", mode: "model", seed: "3" });
    expect(a.result.traceHash).to.equal(b.result.traceHash);
    expect(a.result.actions).to.deep.equal(b.result.actions);
    const lockstep = await runFromRequest({ scenario: "boson-commerce", seed: "3", steps: "12" });
    const model12 = await runFromRequest({ scenario: "boson-commerce", mode: "model", seed: "3", steps: "12" });
    expect(lockstep.result.divergences, describeDivergence(lockstep)).to.equal(0);
    expect(model12.result.actions).to.deep.equal(lockstep.result.actions);
    expect(model12.result.kpis).to.deep.equal(lockstep.result.kpis);
  });
});
