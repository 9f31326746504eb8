import { expect } from "chai";
import {
  mean,
  meanHalfWidth,
  pairedDifference,
  quantile,
  sd,
  studentTCdf,
  studentTQuantile,
  studentTTwoSided,
  summarize,
} from "../../simulation/analysis/stats.js";

/** |actual - expected| <= tol * max(1, |expected|). */
function close(actual: number, expected: number, tol: number, what = ""): void {
  const err = Math.abs(actual - expected);
  expect(err, `${what}: ${actual} vs ${expected}`).to.be.at.most(tol * Math.max(1, Math.abs(expected)));
}

describe("stats", () => {
  describe("mean, sd, quantile, summarize", () => {
    it("mean: averages, NaN when there is nothing to average", () => {
      expect(mean([1, 2, 3, 4])).to.equal(2.5);
      expect(mean([-7])).to.equal(-7);
      expect(mean([])).to.be.NaN;
    });

    it("sd: uses the n - 1 divisor", () => {
      // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32; 32 / 7.
      expect(sd([2, 4, 4, 4, 5, 5, 7, 9])).to.equal(Math.sqrt(32 / 7));
      expect(sd([3, 3, 3])).to.equal(0);
    });

    it("sd: is NaN when there are fewer than two values", () => {
      expect(sd([1])).to.be.NaN;
      expect(sd([])).to.be.NaN;
    });

    it("quantile: interpolates linearly between order statistics (type 7, numpy's default)", () => {
      const xs = [1, 2, 3, 4, 10];
      // h = (n - 1) q = 4 q.
      expect(quantile(xs, 0)).to.equal(1);
      expect(quantile(xs, 1)).to.equal(10);
      expect(quantile(xs, 0.5)).to.equal(3);
      close(quantile(xs, 0.05), 1.2, 1e-15, "q05"); // h = 0.2: 1 + 0.2 * (2 - 1)
      close(quantile(xs, 0.95), 8.8, 1e-15, "q95"); // h = 3.8: 4 + 0.8 * (10 - 4)
      expect(quantile([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0.05)).to.equal(0.45); // numpy.quantile(range(10), .05)
    });

    it("quantile: returns the value when n = 1 and NaN when n = 0", () => {
      expect(quantile([42], 0.95)).to.equal(42);
      expect(quantile([], 0.5)).to.be.NaN;
    });

    it("quantile: rejects q outside 0..1 with the value in the message", () => {
      expect(() => quantile([1, 2], 1.5)).to.throw("Invalid quantile 1.5: expected a number in 0..1.");
    });

    it("summarize: gives n, mean, sd and the 5/50/95 percentiles of an unsorted sample", () => {
      const s = summarize([10, 4, 1, 3, 2]);
      expect(s.n).to.equal(5);
      expect(s.mean).to.equal(4);
      expect(s.sd).to.equal(Math.sqrt(50 / 4)); // deviations 6, 0, -3, -1, -2: squares sum to 50
      close(s.p5, 1.2, 1e-15, "p5");
      expect(s.p50).to.equal(3);
      close(s.p95, 8.8, 1e-15, "p95");
    });

    it("summarize: does not reorder its input", () => {
      const xs = [3, 1, 2];
      summarize(xs);
      expect(xs).to.deep.equal([3, 1, 2]);
    });
  });

  describe("Student's t", () => {
    it("studentTQuantile: matches published two-sided 95% critical values", () => {
      close(studentTQuantile(0.975, 1), 12.706204736, 1e-9, "df 1");
      close(studentTQuantile(0.975, 10), 2.228138852, 1e-9, "df 10");
      close(studentTQuantile(0.975, 30), 2.042272456, 1e-9, "df 30");
      close(studentTQuantile(0.975, 4), 2.776445105, 1e-9, "df 4");
      close(studentTQuantile(0.995, 10), 3.169272673, 1e-9, "df 10, 99%");
    });

    it("studentTQuantile: is the Cauchy quantile tan(pi (p - 1/2)) when df = 1, far into the tails", () => {
      for (const p of [0.6, 0.9, 0.99, 0.999999]) {
        close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-9, `p ${p}`);
      }
    });

    it("studentTQuantile: approaches the normal quantile as df grows", () => {
      close(studentTQuantile(0.975, 1e7), 1.959963985, 1e-6, "df 1e7");
    });

    it("studentTQuantile: is odd around 1/2 and infinite at 0 and 1", () => {
      expect(studentTQuantile(0.5, 7)).to.equal(0);
      close(studentTQuantile(0.025, 10), -2.228138852, 1e-9, "lower tail");
      expect(studentTQuantile(0, 3)).to.equal(-Infinity);
      expect(studentTQuantile(1, 3)).to.equal(Infinity);
      expect(studentTQuantile(1.2, 3)).to.be.NaN;
      expect(studentTQuantile(0.9, 0)).to.be.NaN;
    });

    it("studentTCdf: matches the closed forms for df 1 (Cauchy) and df 2", () => {
      for (const t of [-30, -2.5, -1, 0, 0.3, 1, 4, 100]) {
        close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-14, `df 1, t ${t}`);
        close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-14, `df 2, t ${t}`);
      }
    });

    it("studentTCdf: matches the closed form for df 4 and inverts studentTQuantile", () => {
      // df 4: F(t) = 1/2 + (s/2)(1 + c^2/2), s = t / sqrt(4 + t^2), c^2 = 4 / (4 + t^2).
      for (const t of [-3, -0.5, 0.25, 1.5, 6]) {
        const s = t / Math.sqrt(4 + t * t);
        const c2 = 4 / (4 + t * t);
        close(studentTCdf(t, 4), 0.5 + (s / 2) * (1 + c2 / 2), 1e-14, `t ${t}`);
      }
      for (const [p, df] of [
        [0.8, 3],
        [0.999, 12],
        [0.01, 2.5],
      ] as const) {
        close(studentTCdf(studentTQuantile(p, df), df), p, 1e-13, `p ${p}, df ${df}`);
      }
    });

    it("studentTTwoSided: is twice the upper tail, computed without cancellation", () => {
      close(studentTTwoSided(2.228138852, 10), 0.05, 1e-9, "df 10");
      close(studentTTwoSided(-1, 1), 0.5, 1e-14, "df 1");
      // The tail at t = 1e6, df 1: 2 atan(1/t) / pi, about 6.4e-7, kept to full relative precision.
      close(studentTTwoSided(1e6, 1) / ((2 * Math.atan(1e-6)) / Math.PI), 1, 1e-12, "far tail");
      expect(studentTTwoSided(0, 5)).to.equal(1);
    });

    it("studentTTwoSided: matches the closed form for df 2 on either side of 0, and changes with df", () => {
      // df 2: P(|T| >= |t|) = 1 - |t| / sqrt(2 + t^2). The one-sided tail is half of it, the wrong tail 1 - half.
      for (const t of [-4, -1.5, 0.5, 2, 9]) {
        close(studentTTwoSided(t, 2), 1 - Math.abs(t) / Math.sqrt(2 + t * t), 1e-14, `df 2, t ${t}`);
      }
      // At t = 2 the degrees of freedom matter in the second digit: df 1, 2 and 4 by their closed forms.
      close(studentTTwoSided(2, 1), 1 - (2 * Math.atan(2)) / Math.PI, 1e-14, "df 1");
      close(studentTTwoSided(2, 2), 1 - 2 / Math.sqrt(6), 1e-14, "df 2");
      close(studentTTwoSided(2, 4), 1 - Math.sqrt(4 / 8) * (1 + 4 / 8 / 2), 1e-14, "df 4");
      expect(studentTTwoSided(NaN, 3)).to.be.NaN;
      expect(studentTTwoSided(1, 0)).to.be.NaN;
    });
  });

  describe("meanHalfWidth", () => {
    it("meanHalfWidth: is t_{0.975, n-1} sd / sqrt(n), the two-sided 95% half-width", () => {
      // 1, 2, 6: mean 3, sd sqrt(7); df 2, whose quantile has the closed form
      // t_p = (2p - 1) sqrt(2 / (4 p (1 - p))): t_{0.975, 2} = 0.95 sqrt(2 / 0.0975) = 4.302652730.
      // df 3 (n instead of n - 1) would give 3.182, the one-sided t_{0.95, 2} 2.920, the lower tail a negative width.
      const t975df2 = 0.95 * Math.sqrt(2 / 0.0975);
      close(t975df2, 4.30265273, 1e-9, "the table's t_{0.975, 2}");
      close(meanHalfWidth([1, 2, 6]), (t975df2 * Math.sqrt(7)) / Math.sqrt(3), 1e-13, "95%");
    });

    it("meanHalfWidth: widens at 99% by t_{0.995, n-1} and is NaN below two values", () => {
      // df 2 at p = 0.995: 0.99 sqrt(2 / (4 * 0.995 * 0.005)) = 9.924843200.
      const t995df2 = 0.99 * Math.sqrt(2 / (4 * 0.995 * 0.005));
      close(meanHalfWidth([1, 2, 6], 0.99), (t995df2 * Math.sqrt(7)) / Math.sqrt(3), 1e-13, "99%");
      expect(meanHalfWidth([5])).to.be.NaN;
      expect(meanHalfWidth([])).to.be.NaN;
      expect(() => meanHalfWidth([1, 2], 1)).to.throw(
        "Invalid confidence 1: expected a number strictly between 0 and 1, such as 0.95.",
      );
    });
  });

  describe("pairedDifference", () => {
    it("pairedDifference: computes a textbook paired t-test by hand", () => {
      // a = 12 15 11 18 14, b = 10 13 12 14 11, d = a - b = 2 2 -1 4 3.
      // mean d = 10 / 5 = 2; deviations 0 0 -3 2 1, squares sum to 14; var = 14 / 4 = 3.5,
      // sd = sqrt(3.5) = 1.8708286934; se = sd / sqrt(5) = sqrt(0.7) = 0.8366600265.
      // t = 2 / sqrt(0.7) = 2.3904572187 (t^2 = 40/7), df = 4.
      // 95% interval: t_{0.975, 4} = 2.7764451052; half-width 2.7764451052 * 0.8366600265
      // = 2.3229406354, so [-0.3229406354, 4.3229406354].
      // p (df 4, closed form): 1 - s (1 + c^2 / 2) with s^2 = t^2 / (4 + t^2) = 10/17 and
      // c^2 = 4 / (4 + t^2) = 7/17: 1 - sqrt(10/17) * 41/34 = 0.0751304546.
      const r = pairedDifference([12, 15, 11, 18, 14], [10, 13, 12, 14, 11]);
      expect(r.status).to.equal("ok");
      expect(r.n).to.equal(5);
      expect(r.df).to.equal(4);
      expect(r.meanDiff).to.equal(2);
      close(r.sd, Math.sqrt(3.5), 1e-15, "sd");
      close(r.t, 2 / Math.sqrt(0.7), 1e-14, "t");
      close(r.ci[0], -0.3229406354, 1e-9, "lo");
      close(r.ci[1], 4.3229406354, 1e-9, "hi");
      close(r.pValue, 1 - Math.sqrt(10 / 17) * (41 / 34), 1e-13, "p");
      expect(r.confidence).to.equal(0.95);
    });

    it("pairedDifference: widens the interval at a higher confidence", () => {
      const a = [12, 15, 11, 18, 14];
      const b = [10, 13, 12, 14, 11];
      const r99 = pairedDifference(a, b, 0.99);
      // t_{0.995, 4} = 4.6040948713: half-width 4.6040948713 * sqrt(0.7).
      close(r99.ci[1] - 2, 4.6040948713 * Math.sqrt(0.7), 1e-9, "half-width");
      expect(r99.pValue).to.equal(pairedDifference(a, b).pValue);
    });

    it("pairedDifference: is antisymmetric in its arms", () => {
      const r = pairedDifference([1, 5, 2, 8], [2, 3, 2, 1]);
      const s = pairedDifference([2, 3, 2, 1], [1, 5, 2, 8]);
      expect(s.meanDiff).to.equal(-r.meanDiff);
      expect(s.t).to.equal(-r.t);
      expect(s.ci[0]).to.equal(-r.ci[1]);
      expect(s.pValue).to.equal(r.pValue);
    });

    it("pairedDifference: gives a NaN interval and says so when there are fewer than two pairs", () => {
      const one = pairedDifference([3], [1]);
      expect(one.status).to.equal("too-few-pairs");
      expect(one.meanDiff).to.equal(2);
      expect(one.ci[0]).to.be.NaN;
      expect(one.ci[1]).to.be.NaN;
      expect(one.t).to.be.NaN;
      expect(one.pValue).to.be.NaN;
      const none = pairedDifference([], []);
      expect(none.status).to.equal("too-few-pairs");
      expect(none.meanDiff).to.be.NaN;
    });

    it("pairedDifference: gives a point interval and p = 0 when every difference is the same nonzero value", () => {
      const r = pairedDifference([5, 6, 7], [3, 4, 5]);
      expect(r.status).to.equal("zero-variance");
      expect(r.sd).to.equal(0);
      expect(r.ci).to.deep.equal([2, 2]);
      expect(r.t).to.equal(Infinity);
      expect(r.pValue).to.equal(0);
    });

    it("pairedDifference: gives p = 1 when the arms are identical", () => {
      const r = pairedDifference([1, 2, 3], [1, 2, 3]);
      expect(r.status).to.equal("zero-variance");
      expect(r.meanDiff).to.equal(0);
      expect(r.t).to.equal(0);
      expect(r.pValue).to.equal(1);
    });

    it("pairedDifference: rejects arms of different lengths, non-finite values and a bad confidence", () => {
      expect(() => pairedDifference([1, 2], [1])).to.throw(
        "Cannot pair 2 values with 1: expected one value per seed in each arm (equal lengths).",
      );
      expect(() => pairedDifference([1, NaN], [1, 2])).to.throw(
        "Invalid pair 1: a = NaN, b = 2: expected finite numbers (drop failed runs from both arms).",
      );
      expect(() => pairedDifference([1, 2], [1, 2], 95)).to.throw(
        "Invalid confidence 95: expected a number strictly between 0 and 1, such as 0.95.",
      );
    });
  });
});
