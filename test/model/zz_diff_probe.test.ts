import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { deployVoucherSystem, modelOf } from "../helpers/voucherSystem";
import { describeDivergence, runDifferential } from "../helpers/voucherActions";

describe("probe diff", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, async () => {
      const sys = await loadFixture(deployVoucherSystem);
      const m = await modelOf(sys);
      const t0 = Date.now();
      const r = await runDifferential(sys, m, { seed, steps: 200 });
      console.log(Date.now() - t0, "ms", r.ok, [...r.reverts.entries()].sort(), [...r.successes.entries()].sort());
      if (r.divergence) console.log(describeDivergence(r.divergence));
      expect(r.divergence).to.equal(undefined);
    });
  }
});
