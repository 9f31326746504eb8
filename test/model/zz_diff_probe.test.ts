import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployVoucherSystem, modelOf } from "../helpers/voucherSystem";
import { actorsOf, describeOutcome, runModelOnly } from "../helpers/voucherActions";

describe("probe cov", () => {
  it("cov", async () => {
    const sys = await loadFixture(deployVoucherSystem);
    const actors = await actorsOf(sys);
    const total = new Map<string, number>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const m = await modelOf(sys);
      const trace = await runModelOnly(m, actors, seed, 200, 1000n);
      const per = new Map<string, number>();
      for (const t of trace) {
        const k = t.outcome.ok ? "ok:" + t.timed.action.kind : describeOutcome(t.outcome).split("(")[0]! + (describeOutcome(t.outcome).includes("TooLate") || describeOutcome(t.outcome).includes("InvalidState") ? ":" + t.timed.action.kind : "");
        total.set(k, (total.get(k) ?? 0) + 1);
        per.set(k, (per.get(k) ?? 0) + 1);
      }
      console.log(seed, [...per.entries()].filter(([k]) => k.startsWith("ok:")).length);
    }
    console.log([...total.entries()].sort());
  });
});
