import { expect } from "chai";
import { UserError } from "../../simulation/engine/errors.js";
import { defaults } from "../../simulation/engine/params.js";
import { expandGrid, parseGridAxis, planRuns, runSeed } from "../../simulation/engine/plan.js";
import { deriveSeed } from "../../simulation/engine/rng.js";
import { scenario } from "../helpers/run.js";

const schema = (await scenario("boson-commerce")).schema;

describe("engine: experiment plans", function () {
  it("expandGrid: the cartesian product in odometer order, last axis fastest", function () {
    const subsets = expandGrid([
      { path: "fees.feeBps", values: [25, 50] },
      { path: "fees.ecoBps", values: [1000, 2000, 3000] },
    ]);
    expect(subsets.map((s) => s.map((a) => a.value))).to.deep.equal([
      [25, 1000],
      [25, 2000],
      [25, 3000],
      [50, 1000],
      [50, 2000],
      [50, 3000],
    ]);
    expect(expandGrid([])).to.deep.equal([[]]);
  });

  it("parseGridAxis: values are parsed and checked as the parameter's type", function () {
    expect(parseGridAxis(schema, "fees.feeBps=25,50,100")).to.deep.equal({
      path: "fees.feeBps",
      values: [25, 50, 100],
    });
    expect(parseGridAxis(schema, "offers.priceMin=1e18,2.5e18").values).to.deep.equal([10n ** 18n, 25n * 10n ** 17n]);
    expect(() => parseGridAxis(schema, "fees.feeBps=25,20000")).to.throw(
      UserError,
      "Invalid parameter params.fees.feeBps = 20000: expected an integer in 0..10000 (basis points).",
    );
    expect(() => parseGridAxis(schema, "fees.feeBps=25,25")).to.throw(
      UserError,
      'Grid --grid "fees.feeBps=25,25" lists a value twice: give each value once.',
    );
    expect(() => parseGridAxis(schema, "fees.feeBps")).to.throw(UserError, /^Malformed --grid "fees.feeBps"/);
  });

  it("runSeed: derived from the base seed, subset and run; with common seeds, from the base and run alone", function () {
    const seeds = new Set<number>();
    for (let subset = 0; subset < 4; subset++)
      for (let run = 0; run < 25; run++) seeds.add(runSeed(1, subset, run, false));
    expect(seeds.size).to.equal(100);
    expect(runSeed(1, 0, 3, false)).to.equal(runSeed(1, 0, 3, false));
    expect(runSeed(1, 0, 3, false)).to.not.equal(runSeed(2, 0, 3, false));
    expect(runSeed(1, 0, 3, true)).to.equal(runSeed(1, 7, 3, true));
    // Pinned: a change here silently changes every experiment's seeds.
    expect(deriveSeed(1, "subset", 0, "run", 0)).to.equal(runSeed(1, 0, 0, false));
    expect(deriveSeed(1, "run", 0)).to.be.within(0, 2 ** 32 - 1);
  });

  it("planRuns: subsets times runs, each with its parameters and derived seed", function () {
    const tasks = planRuns({
      scenario: "boson-commerce",
      base: defaults(schema),
      subsets: expandGrid([{ path: "fees.feeBps", values: [10, 20, 30] }]),
      runs: 4,
      seed: 5,
      mode: "model",
      steps: 12,
      commonSeeds: false,
    });
    expect(tasks).to.have.length(12);
    expect(tasks.map((t) => `${t.subset}/${t.run}`)).to.deep.equal(
      [0, 1, 2].flatMap((s) => [0, 1, 2, 3].map((r) => `${s}/${r}`)),
    );
    expect(tasks.map((t) => (t.params as { fees: { feeBps: number } }).fees.feeBps)).to.deep.equal(
      [10, 20, 30].flatMap((v) => [v, v, v, v]),
    );
    expect(tasks[5]!.seed).to.equal(runSeed(5, 1, 1, false));
    expect(tasks.every((t) => t.variables === false)).to.equal(true);
  });
});
