import { expect } from "chai";
import { createKeyRing } from "../../simulation/engine/accounts.js";
import { DEFAULT_START_TIME } from "../../simulation/engine/execute.js";
import { runScenario } from "../../simulation/engine/run.js";
import type { World } from "../../simulation/model/world.js";
import { describeDivergence, prepare, runFromRequest } from "../helpers/run.js";

describe("parity: fees-and-rewards", function () {
  this.timeout(300_000);

  it("lockstep: the second scenario runs end to end with parity, on the same engine", async function () {
    const run = await runFromRequest({ scenario: "fees-and-rewards" });
    const r = run.result;
    expect(r.divergences, describeDivergence(run)).to.equal(0);
    expect(r.stepsRun).to.equal(24);
    // The fee ramp (25 bps, +25 every 4 steps) went through governance, and no dispute happened.
    expect(r.actions.byKind["setFeeBps"]).to.equal(5);
    expect(r.actions.byKind["raiseDispute"] ?? 0).to.equal(0);
    expect(r.kpis["fee_bps"]).to.equal(150);
    expect(r.kpis["protocol_revenue"] as bigint).to.be.greaterThan(0n);
    expect(r.kpis["rewards_paid"] as bigint).to.be.greaterThan(0n);
  });

  it("model: offers keep the fee of their creation after governance raises it", async function () {
    const prepared = await prepare({ scenario: "fees-and-rewards", mode: "model", steps: "10" });
    const keys = createKeyRing();
    const env = { startTime: DEFAULT_START_TIME, keys };
    // Build the model here rather than through executeRun, to look inside its world afterwards.
    const model = await prepared.scenario.mechanisms.model(prepared.params as never, env, undefined);
    const result = await runScenario({ ...prepared, startTime: env.startTime, keys, model } as never);
    expect((result as { status: string }).status).to.equal("model-only");
    const world = model.world as World;
    const feeBps = [...world.escrow.offers.values()].map((o) => (o.protocolFee * 10_000n) / o.price);
    expect(new Set(feeBps), "offers keep 25 and 50 bps after the raise to 75").to.include.keys([25n, 50n]);
    expect(world.fees.feeBps).to.equal(75n);
  });
});
