import { expect } from "chai";
import { sameOutcome, withinTolerance } from "../../simulation/analysis/parity.js";

describe("analysis: parity comparisons", function () {
  const cases: [string, bigint | number, bigint | number, Parameters<typeof withinTolerance>[2], boolean][] = [
    ["exact bigint equal", 10n ** 30n, 10n ** 30n, undefined, true],
    ["exact bigint off by one wei", 10n ** 30n, 10n ** 30n + 1n, undefined, false],
    ["exact number equal", 0.25, 0.25, undefined, true],
    ["exact number off", 0.25, 0.2500001, undefined, false],
    ["abs within", 100n, 103n, { abs: 3n, reason: "dust" }, true],
    ["abs beyond", 100n, 104n, { abs: 3n, reason: "dust" }, false],
    ["rel within (1e-6 of 1e24)", 10n ** 24n, 10n ** 24n + 10n ** 18n, { rel: 1e-6, reason: "rounding" }, true],
    ["rel beyond", 10n ** 24n, 10n ** 24n + 2n * 10n ** 18n, { rel: 1e-6, reason: "rounding" }, false],
    ["rel on zero needs equality", 0n, 1n, { rel: 0.5, reason: "r" }, false],
    ["number abs within", 1.0, 1.05, { abs: 0.1, reason: "float" }, true],
    ["number rel beyond", 1.0, 1.5, { rel: 0.1, reason: "float" }, false],
  ];
  for (const [name, model, chain, cmp, expected] of cases) {
    it(`withinTolerance: ${name} is ${expected ? "within" : "a divergence"}`, function () {
      expect(withinTolerance(model, chain, cmp)).to.equal(expected);
      expect(withinTolerance(chain, model, cmp), "symmetric").to.equal(expected);
    });
  }

  it("sameOutcome: success matches success; reverts must match by name and every argument", function () {
    const ok = { ok: true, timestamp: 1n };
    const rev = (name: string, ...args: string[]) => ({ ok: false, error: { name, args }, timestamp: 1n });
    expect(sameOutcome(ok, ok)).to.equal(true);
    expect(sameOutcome(ok, rev("X"))).to.equal(false);
    expect(sameOutcome(rev("X", "1", "0xab"), rev("X", "1", "0xab"))).to.equal(true);
    expect(sameOutcome(rev("X", "1"), rev("X", "2"))).to.equal(false);
    expect(sameOutcome(rev("X", "1"), rev("Y", "1"))).to.equal(false);
    expect(sameOutcome(rev("X", "1"), rev("X", "1", "2"))).to.equal(false);
  });
});
