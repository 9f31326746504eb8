import { expect } from "chai";
import type { StepSample } from "../../simulation/analysis/trace.js";
import { createKeyRing } from "../../simulation/engine/accounts.js";
import { DEFAULT_START_TIME, executeRun } from "../../simulation/engine/execute.js";
import { defaults } from "../../simulation/engine/params.js";
import { runScenario, type ActionRecord, type RunResult, type RunSink } from "../../simulation/engine/run.js";
import { DisputeState, ExchangeState } from "../../simulation/model/vouchers.js";
import type { World } from "../../simulation/model/world.js";
import { scenario as loadScenario } from "../helpers/run.js";

/** A run's result without its timings, which are the only part that may differ between equal runs. */
const outcome = ({ wallMs: _wall, timing: _timing, ...rest }: RunResult) => rest;

describe("engine: runs in model mode", function () {
  this.timeout(120_000);

  for (const name of ["boson-commerce", "fees-and-rewards"]) {
    it(`${name}: the same trace and result with a sink as without one (records are built only for a sink that keeps them)`, async function () {
      const scenario = await loadScenario(name);
      const params = defaults(scenario.schema);
      const spec = { scenario, params, modelParams: params, mode: "model" as const, seed: 4, steps: 18 };
      const records: ActionRecord[] = [];
      const samples: StepSample[] = [];
      const sink: RunSink = {
        begin: () => {},
        sample: (s) => void samples.push(s),
        action: (r) => void records.push(r),
      };
      const withSink = (await executeRun(spec, { sink })).result;
      const without = (await executeRun(spec)).result;
      expect(outcome(without)).to.deep.equal(outcome(withSink));
      expect(records.length).to.equal(withSink.actions.total);
      expect(samples.length).to.equal(withSink.stepsRun + 1);
      const again: ActionRecord[] = [];
      await executeRun(spec, { sink: { ...sink, sample: () => {}, action: (r) => void again.push(r) } });
      expect(again).to.deep.equal(records);
      // A sink that keeps only KPIs gets no records and no variables, and the same trace and KPIs.
      const kpisOnly: StepSample[] = [];
      let recordsGiven = 0;
      const lean = (
        await executeRun(spec, {
          sink: {
            begin: () => {},
            sample: (s) => void kpisOnly.push(s),
            action: () => void recordsGiven++,
            keeps: { variables: false, actions: false },
          },
        })
      ).result;
      expect(outcome(lean)).to.deep.equal(outcome(withSink));
      expect(recordsGiven).to.equal(0);
      expect(kpisOnly.map((s) => s.kpis)).to.deep.equal(samples.map((s) => s.kpis));
      expect(kpisOnly.slice(1).every((s) => s.model === undefined)).to.equal(true);
      expect(samples.every((s) => s.model !== undefined && s.model.size > 0)).to.equal(true);
    });
  }

  it("boson-commerce: the price-flow KPIs, tallied as exchanges settle, equal a recount of every exchange at every step", async function () {
    const scenario = await loadScenario("boson-commerce");
    const params = defaults(scenario.schema);
    const keys = createKeyRing();
    const model = await scenario.mechanisms.model(params, { startTime: DEFAULT_START_TIME, keys }, undefined);
    const world = model.world as World;
    let checked = 0;
    await runScenario({
      scenario,
      params,
      modelParams: params,
      mode: "model",
      seed: 2,
      steps: 30,
      startTime: DEFAULT_START_TIME,
      keys,
      model,
      sink: {
        begin: () => {},
        action: () => {},
        sample: (s) => {
          const recount = priceFlowsByRecount(world);
          for (const [kpi, value] of Object.entries(recount))
            expect(s.kpis[kpi], `${kpi} at ${s.timestep}`).to.equal(value);
          checked++;
        },
      },
    });
    expect(checked).to.equal(31);
  });
});

/** The price flows read off every exchange (what the KPIs reported before they were tallied incrementally). */
function priceFlowsByRecount(world: World): Record<string, bigint> {
  let paid = 0n;
  let toSellers = 0n;
  let refunded = 0n;
  let split = 0n;
  for (const ex of world.escrow.exchanges.values()) {
    const offer = world.escrow.offers.get(ex.offerId)!;
    const price = offer.price;
    paid += price;
    if (ex.state === ExchangeState.Completed) toSellers += price - offer.protocolFee;
    else if (ex.state === ExchangeState.Revoked) refunded += price;
    else if (ex.state === ExchangeState.Canceled) {
      toSellers += offer.buyerCancelPenalty;
      refunded += price - offer.buyerCancelPenalty;
    } else if (ex.state === ExchangeState.Disputed) {
      if (ex.disputeState === DisputeState.Retracted) toSellers += price - offer.protocolFee;
      else if (ex.disputeState === DisputeState.Refused) refunded += price;
      else if (ex.disputeState === DisputeState.Resolved || ex.disputeState === DisputeState.Decided) split += price;
    }
  }
  return { buyer_payments: paid, seller_proceeds: toSellers, buyer_refunds: refunded, dispute_splits: split };
}
