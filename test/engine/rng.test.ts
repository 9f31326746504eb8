import { expect } from "chai";
import { createRng, rngFromString } from "../../simulation/engine/rng.js";

describe("engine: seeded streams", function () {
  it("createRng: the same key gives the same sequence; another seed or agent, another", function () {
    const draw = (seed: number, stream: string) => {
      const r = createRng({ seed, scenario: "s", stream });
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(1, "buyer-0")).to.deep.equal(draw(1, "buyer-0"));
    expect(draw(1, "buyer-0")).to.not.deep.equal(draw(2, "buyer-0"));
    expect(draw(1, "buyer-0")).to.not.deep.equal(draw(1, "buyer-1"));
  });

  it("createRng: an agent's stream does not depend on which other streams exist or draw", function () {
    const alone = createRng({ seed: 3, scenario: "s", stream: "seller-2" });
    const a = Array.from({ length: 4 }, () => alone.next());
    const other = createRng({ seed: 3, scenario: "s", stream: "seller-1" });
    const again = createRng({ seed: 3, scenario: "s", stream: "seller-2" });
    const b: number[] = [];
    for (let i = 0; i < 4; i++) {
      other.next();
      b.push(again.next());
    }
    expect(b).to.deep.equal(a);
  });

  it("Rng.bigint: stays in range at every width, including one-value and 256-bit ranges", function () {
    const r = rngFromString("bigint");
    const max = (1n << 256n) - 1n;
    for (let i = 0; i < 200; i++) {
      const x = r.bigint(10n, 12n);
      expect(x >= 10n && x <= 12n).to.equal(true);
      const y = r.bigint(0n, max);
      expect(y >= 0n && y <= max).to.equal(true);
    }
    expect(r.bigint(7n, 7n)).to.equal(7n);
    const seen = new Set<bigint>();
    for (let i = 0; i < 100; i++) seen.add(r.bigint(0n, 3n));
    expect([...seen].sort()).to.deep.equal([0n, 1n, 2n, 3n]);
  });

  it("Rng.weighted: never picks a zero weight; -1 when all are zero; follows the weights", function () {
    const r = rngFromString("weights");
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.weighted([1, 0, 3])]!++;
    expect(counts[1]).to.equal(0);
    expect(counts[2]! / counts[0]!).to.be.within(2.5, 3.5);
    expect(r.weighted([0, 0])).to.equal(-1);
  });
});
