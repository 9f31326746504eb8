import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployVoucherSystem, modelOf } from "../helpers/voucherSystem";
import { actorsOf, describeAction, describeOutcome, runModelOnly } from "../helpers/voucherActions";

describe("probe model", () => {
  it("trace", async () => {
    const sys = await loadFixture(deployVoucherSystem);
    const m = await modelOf(sys);
    const trace = await runModelOnly(m, await actorsOf(sys), 2, 200, 1000n);
    for (const [i, t] of trace.entries()) {
      const o = describeOutcome(t.outcome);
      if (o.includes("InvalidState")) console.log(i, t.timed.now, describeAction(t.timed.action).slice(0, 90), o, t.exchangeBefore?.state);
    }
  });
});
