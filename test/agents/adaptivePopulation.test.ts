import { expect } from "chai";
import { describeDivergence, runFromRequest } from "../helpers/run.js";

describe("agents: an adaptive population", function () {
  this.timeout(300_000);
  const adaptive = (seed: string, mode = "model") =>
    runFromRequest({ scenario: "boson-commerce", mode, seed, steps: "24", set: "sellers.adaptiveShare=1" });

  it("reproduces its traceHash with the same seed, and another seed gives another", async () => {
    const a = await adaptive("1");
    const b = await adaptive("1");
    const c = await adaptive("2");
    expect(a.result.traceHash).to.equal(b.result.traceHash);
    expect(a.result.traceHash).to.not.equal(c.result.traceHash);
    // The sellers learn apart: more than one strategy is in play at the end, and the shares cover them all.
    const shares = ["strategy_list", "strategy_discount", "strategy_premium", "strategy_out"].map((k) =>
      Number(a.result.kpis[k]),
    );
    expect(shares.filter((s) => s > 0).length).to.be.greaterThan(1);
    expect(Math.abs(shares.reduce((x, y) => x + y, 0) - 1)).to.be.lessThan(1e-9);
  });

  it("keeps lockstep parity: learning agents read only the model's view", async () => {
    const run = await adaptive("3", "lockstep");
    expect(run.result.divergences, describeDivergence(run)).to.equal(0);
    expect(run.result.status).to.equal("parity");
  });

  it("differs from the static population on the same seed (the switch does something)", async () => {
    const learnt = await adaptive("1");
    const fixed = await runFromRequest({
      scenario: "boson-commerce",
      mode: "model",
      seed: "1",
      steps: "24",
      set: "sellers.adaptiveShare=0",
    });
    expect(learnt.result.traceHash).to.not.equal(fixed.result.traceHash);
    expect(Number(fixed.result.kpis["strategy_discount"])).to.equal(0);
    expect(Number(fixed.result.kpis["strategy_premium"])).to.equal(0);
  });
});
