import { expect } from "chai";
import { blockedFTest, mean, sd } from "../../simulation/analysis/stats.js";
import { flatness, holm, rankingVerdict } from "../../simulation/analysis/verdicts.js";

/** |actual - expected| <= tol * max(1, |expected|). */
function close(actual: number, expected: number, tol: number, what = ""): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.at.most(
    tol * Math.max(1, Math.abs(expected)),
  );
}

/**
 * The block F statistic by another route: the residual sum of squares as what the total leaves after the treatments
 * and the blocks (SS_res = SS_total - SS_treatments - SS_blocks), not as a sum of residuals.
 */
function fBySubtraction(values: number[][]): number {
  const t = values.length;
  const b = values[0]!.length;
  const all = values.flat();
  const grand = mean(all);
  const total = all.reduce((s, v) => s + (v - grand) ** 2, 0);
  const treat = values.reduce((s, row) => s + b * (mean(row) - grand) ** 2, 0);
  let blocks = 0;
  for (let j = 0; j < b; j++) blocks += t * (mean(values.map((r) => r[j]!)) - grand) ** 2;
  return treat / (t - 1) / ((total - treat - blocks) / ((t - 1) * (b - 1)));
}

describe("verdicts: what an optimisation may claim given its noise", () => {
  describe("blockedFTest", () => {
    it("F by its definition equals F by subtraction, and p is the F(2, d2) tail's closed form (1 + 2F/d2)^(-d2/2)", () => {
      // 3 treatments x 4 seeds: seed effects large, a treatment effect, and some interaction noise.
      const values = [
        [10.0, 20.5, 31.0, 39.0],
        [11.5, 21.0, 31.5, 41.5],
        [10.5, 22.5, 33.0, 41.0],
      ];
      const f = blockedFTest(values);
      expect([f.df1, f.df2, f.status]).to.deep.equal([2, 6, "ok"]);
      close(f.f, fBySubtraction(values), 1e-9, "F");
      close(f.pValue, (1 + (2 * f.f) / 6) ** -3, 1e-9, "p");
      expect(f.means).to.deep.equal(values.map((r) => mean(r)));
    });

    it("takes the seeds' effect out: a small effect the same on every seed is found under large seed-to-seed noise", () => {
      const seedsEffect = [100, 250, 40, 310, 170];
      const values = [0, 1, 2].map((k) => seedsEffect.map((s, j) => s + k + (j % 2 === 0 ? 0.01 : -0.01) * k));
      const f = flatness(values);
      expect(f.verdict).to.equal("varies");
      expect(f.pValue).to.be.below(1e-6);
      // Without blocking (one-way), the seeds' spread would swamp it: each candidate's values spread ~100 times
      // more than the candidates' means.
      expect(Math.max(...f.means) - Math.min(...f.means)).to.be.below(3);
      expect(sd(values[0]!)).to.be.above(100);
    });

    it("identical candidates are flat exactly (F = 0, p = 1), even with one seed", () => {
      for (const seeds of [[5, 7, 9], [5]]) {
        const f = flatness([seeds, [...seeds], [...seeds]]);
        expect([f.verdict, f.status, f.f, f.pValue]).to.deep.equal(["flat", "identical", 0, 1]);
      }
    });

    it("differences that change sign from seed to seed, with no consistent effect, are flat (p well above 0.05)", () => {
      const values = [
        [10, 12, 9, 11],
        [12, 10, 11, 9],
        [11, 11, 10, 10],
      ];
      const f = flatness(values);
      expect(f.status).to.equal("ok");
      expect(f.pValue).to.be.above(0.5);
      expect(f.verdict).to.equal("flat");
    });

    it("an effect exactly the same on every seed has zero residual: p = 0, varies", () => {
      const f = flatness([
        [1, 5, 3],
        [2, 6, 4],
      ]);
      expect([f.status, f.pValue, f.verdict]).to.deep.equal(["exact", 0, "varies"]);
    });

    it("one seed with candidates that differ, or a single candidate, gives no verdict (untested)", () => {
      expect(flatness([[1], [2]]).verdict).to.equal("untested");
      expect(flatness([[1, 2, 3]]).verdict).to.equal("untested");
      expect(flatness([]).verdict).to.equal("untested");
    });

    it("refuses a ragged table or a value that is not finite", () => {
      expect(() => blockedFTest([[1, 2], [3]])).to.throw(
        "Cannot test treatment 1 with 1 values against 2: expected one value per block (seed) in every treatment.",
      );
      expect(() => blockedFTest([[1, NaN]])).to.throw("Invalid value NaN of treatment 0 in block 1");
    });
  });

  describe("holm", () => {
    it("steps down and keeps the adjusted p-values monotone; NaN stays NaN", () => {
      // Sorted 0.01, 0.03, 0.04: x3 = 0.03, x2 = 0.06, x1 = 0.04 -> raised to 0.06.
      const out = holm([0.01, 0.04, 0.03]);
      close(out[0]!, 0.03, 1e-12);
      close(out[1]!, 0.06, 1e-12);
      close(out[2]!, 0.06, 1e-12);
      const withNaN = holm([NaN, 0.02]);
      expect(withNaN[0]).to.be.NaN;
      expect(withNaN[1]).to.equal(0.02);
      // Sorted 0.8, 0.9: x2 = 1.6, capped at 1; x1 = 0.9, raised to 1.
      expect(holm([0.9, 0.8])).to.deep.equal([1, 1]);
    });
  });

  describe("rankingVerdict", () => {
    const seeds = [40, 55, 47, 61, 50];
    const shifted = (k: number, wobble = 0) => seeds.map((s, j) => s + k + (j % 2 === 0 ? wobble : -wobble));

    it("confirmed: every neighbouring difference is beyond the noise, in the model's order", () => {
      const r = rankingVerdict([shifted(6, 0.2), shifted(3, 0.1), shifted(0)], true);
      expect(r.verdict).to.equal("confirmed");
      expect(r.pairs.map((p) => [p.upper, p.lower, p.verdict])).to.deep.equal([
        [1, 2, "confirmed"],
        [2, 3, "confirmed"],
      ]);
    });

    it("tie: identical candidates, or a difference that changes sign from seed to seed", () => {
      expect(rankingVerdict([shifted(0), shifted(0)], true).verdict).to.equal("tie");
      const noisy = rankingVerdict(
        [
          [10, 12, 9, 11, 10],
          [11, 10, 10, 10, 10],
        ],
        true,
      );
      expect(noisy.pairs[0]!.meanDiff).to.be.above(0);
      expect(noisy.verdict).to.equal("tie");
    });

    it("partial: #1 above #2 beyond the noise, #2 and #3 a tie", () => {
      const r = rankingVerdict([shifted(10, 0.1), shifted(0.1, 2), shifted(0)], true);
      expect(r.verdict).to.equal("partial");
      expect(r.pairs.map((p) => p.verdict)).to.deep.equal(["confirmed", "tie"]);
    });

    it("not confirmed: the chain orders a pair against the model beyond the noise; minimising reads the order the other way", () => {
      expect(rankingVerdict([shifted(0), shifted(5, 0.1)], true).verdict).to.equal("not-confirmed");
      expect(rankingVerdict([shifted(0), shifted(5, 0.1)], false).verdict).to.equal("confirmed");
    });

    it("one seed gives no noise estimate: a tie, whatever the difference", () => {
      const r = rankingVerdict([[10], [3]], true);
      expect(r.pairs[0]!.status).to.equal("too-few-pairs");
      expect(r.verdict).to.equal("tie");
    });

    it("one candidate: nothing to rank", () => {
      expect(rankingVerdict([shifted(0)], true).verdict).to.equal("single");
    });
  });
});
