import { expect } from "chai";
import {
  createOptimizer,
  type Candidate,
  type Evaluation,
  type Optimizer,
  type OptimizerOptions,
} from "../../simulation/engine/optimize.js";

type Objective = (v: Readonly<Record<string, number>>) => Omit<Evaluation, "id">;

/** Runs `generations` ask/tell rounds, evaluating each generation in reverse order (as parallel workers might). */
function optimize(
  options: OptimizerOptions,
  f: Objective,
  generations: number,
): { opt: Optimizer; asked: Candidate[][] } {
  const opt = createOptimizer(options);
  const asked: Candidate[][] = [];
  for (let g = 0; g < generations; g++) {
    const candidates = opt.ask();
    asked.push(candidates);
    opt.tell(candidates.map((c) => ({ id: c.id, ...f(c.values) })).reverse());
  }
  return { opt, asked };
}

const free = (objective: number): Omit<Evaluation, "id"> => ({ objective, feasible: true, violation: 0 });

const SEEDS = [1, 2, 3, 4, 5];

describe("optimize", () => {
  it("createOptimizer: finds the exact optimum of a shifted sphere in 3 integer dimensions within 40 generations", () => {
    // (x - 7)^2 + (y + 13)^2 + (z - 22)^2 on -50..50: 101^3 points, budget 40 x 7 = 280 evaluations.
    const sphere: Objective = (v) => free((v["x"]! - 7) ** 2 + (v["y"]! + 13) ** 2 + (v["z"]! - 22) ** 2);
    for (const seed of SEEDS) {
      const { opt } = optimize(
        { params: ["x", "y", "z"].map((path) => ({ path, min: -50, max: 50, integer: true })), seed, maximize: false },
        sphere,
        40,
      );
      expect(opt.populationSize).to.equal(7); // 4 + floor(3 ln 3)
      const [best] = opt.best(1);
      expect(best?.values, `seed ${seed}`).to.deep.equal({ x: 7, y: -13, z: 22 });
      expect(best?.objective).to.equal(0);
    }
  });

  it("createOptimizer: keeps probing neighbouring integers after converging (the margin)", () => {
    // Without the margin, sigma shrinks until every candidate rounds to the optimum and the
    // search can never leave it again; with it, some candidates still step to a neighbour.
    const { opt, asked } = optimize(
      { params: ["x", "y", "z"].map((path) => ({ path, min: -50, max: 50, integer: true })), seed: 1, maximize: false },
      (v) => free((v["x"]! - 7) ** 2 + (v["y"]! + 13) ** 2 + (v["z"]! - 22) ** 2),
      200,
    );
    expect(opt.best(1)[0]!.objective).to.equal(0);
    const late = asked.slice(150).flat();
    const away = late.filter((c) => c.values["x"] !== 7 || c.values["y"] !== -13 || c.values["z"] !== 22);
    expect(away.length).to.be.above(0);
    expect(away.length).to.be.below(late.length / 2);
    for (const c of away) {
      expect(
        Math.abs(c.values["x"]! - 7) + Math.abs(c.values["y"]! + 13) + Math.abs(c.values["z"]! - 22),
      ).to.be.at.most(2);
    }
  });

  it("createOptimizer: minimizes the 2-D Rosenbrock function to 1e-10 within 250 generations", () => {
    // (1 - x)^2 + 100 (y - x^2)^2 on [-2, 2]^2, minimum 0 at (1, 1); budget 250 x 6 = 1500 evaluations.
    const rosenbrock: Objective = (v) => free((1 - v["x"]!) ** 2 + 100 * (v["y"]! - v["x"]! ** 2) ** 2);
    for (const seed of SEEDS) {
      const { opt } = optimize(
        { params: ["x", "y"].map((path) => ({ path, min: -2, max: 2, integer: false })), seed, maximize: false },
        rosenbrock,
        250,
      );
      const [best] = opt.best(1);
      expect(best!.objective, `seed ${seed}`).to.be.below(1e-10);
      expect(Math.abs(best!.values["x"]! - 1)).to.be.below(1e-5);
      expect(Math.abs(best!.values["y"]! - 1)).to.be.below(1e-5);
    }
  });

  it("createOptimizer: converges onto the constraint boundary when the unconstrained optimum is infeasible", () => {
    // min (x - 3)^2 + (y - 3)^2 s.t. x + y <= 4 on [0, 5]^2: optimum (2, 2), value 2, on x + y = 4.
    const constrained: Objective = (v) => {
      const g = v["x"]! + v["y"]! - 4;
      return { objective: (v["x"]! - 3) ** 2 + (v["y"]! - 3) ** 2, feasible: g <= 0, violation: Math.max(0, g) };
    };
    for (const seed of SEEDS) {
      const { opt } = optimize(
        { params: ["x", "y"].map((path) => ({ path, min: 0, max: 5, integer: false })), seed, maximize: false },
        constrained,
        150,
      );
      const [best] = opt.best(1);
      expect(best!.feasible).to.equal(true);
      expect(best!.objective, `seed ${seed}`).to.be.below(2 + 1e-5);
      expect(Math.abs(best!.values["x"]! - 2), `seed ${seed}`).to.be.below(1e-3);
      expect(Math.abs(best!.values["y"]! - 2), `seed ${seed}`).to.be.below(1e-3);
    }
  });

  it("createOptimizer: finds an integer optimum on a nonlinear constraint boundary when maximizing", () => {
    // max x + y s.t. x^2 + y^2 <= 25, integers 0..10: 7, at (3, 4) or (4, 3).
    const disc: Objective = (v) => {
      const g = v["x"]! ** 2 + v["y"]! ** 2 - 25;
      return { objective: v["x"]! + v["y"]!, feasible: g <= 0, violation: Math.max(0, g) };
    };
    for (const seed of SEEDS) {
      const { opt } = optimize(
        { params: ["x", "y"].map((path) => ({ path, min: 0, max: 10, integer: true })), seed, maximize: true },
        disc,
        30,
      );
      const [best] = opt.best(1);
      expect(best!.objective, `seed ${seed}`).to.equal(7);
      expect([3, 4]).to.include(best!.values["x"]);
      expect(best!.values["x"]! + best!.values["y"]!).to.equal(7);
    }
  });

  it("createOptimizer: reaches an optimum on a box bound (clipping repair)", () => {
    // max feeBps - (epochs - 12)^2: feeBps at its bound 500, epochs 12.
    const { opt } = optimize(
      {
        params: [
          { path: "fees.feeBps", min: 0, max: 500, integer: true },
          { path: "rewards.epochs", min: 1, max: 36, integer: true },
        ],
        seed: "bound",
        maximize: true,
      },
      (v) => free(v["fees.feeBps"]! - (v["rewards.epochs"]! - 12) ** 2),
      40,
    );
    expect(opt.best(1)[0]!.values).to.deep.equal({ "fees.feeBps": 500, "rewards.epochs": 12 });
  });

  it("createOptimizer: gives the same candidates for the same seed, and different ones for another", () => {
    const options = (seed: number): OptimizerOptions => ({
      params: [
        { path: "a", min: 0, max: 100, integer: true },
        { path: "b", min: -1, max: 1, integer: false },
      ],
      seed,
      maximize: false,
    });
    const f: Objective = (v) => free((v["a"]! - 40) ** 2 + v["b"]! ** 2);
    const one = optimize(options(9), f, 12);
    const two = optimize(options(9), f, 12);
    const other = optimize(options(10), f, 12);
    expect(two.asked).to.deep.equal(one.asked);
    expect(two.opt.history).to.deep.equal(one.opt.history);
    expect(other.asked[0]).to.not.deep.equal(one.asked[0]);
  });

  it("ask: hands out values within bounds, integral where asked, with increasing ids", () => {
    const opt = createOptimizer({
      params: [
        { path: "i", min: -3, max: 3, integer: true },
        { path: "r", min: 0.5, max: 0.75, integer: false },
        { path: "fixed", min: 5, max: 5, integer: true },
      ],
      seed: 1,
      populationSize: 50,
      maximize: false,
      initialStepSize: 5, // most samples land outside the box and are repaired
    });
    const seenIds: number[] = [];
    for (let g = 0; g < 3; g++) {
      const cs = opt.ask();
      expect(cs).to.have.length(50);
      for (const c of cs) {
        expect(c.generation).to.equal(g);
        expect(Number.isInteger(c.values["i"])).to.equal(true);
        expect(c.values["i"]).to.be.within(-3, 3);
        expect(c.values["r"]).to.be.within(0.5, 0.75);
        expect(c.values["fixed"]).to.equal(5);
        seenIds.push(c.id);
      }
      opt.tell(cs.map((c) => ({ id: c.id, ...free(c.values["r"]!) })));
    }
    expect(seenIds).to.deep.equal(Array.from({ length: 150 }, (_, i) => i));
  });

  it("ask: returns the same candidates when asked again before tell", () => {
    const opt = createOptimizer({ params: [{ path: "x", min: 0, max: 1, integer: false }], seed: 3, maximize: true });
    const first = opt.ask();
    expect(opt.ask()).to.deep.equal(first);
  });

  it("best: ranks every feasible point above every infeasible one, infeasible by violation", () => {
    const opt = createOptimizer({
      params: [{ path: "x", min: 0, max: 100, integer: true }],
      seed: 4,
      populationSize: 5,
      maximize: true,
    });
    const cs = opt.ask();
    const told: Evaluation[] = [
      { id: cs[0]!.id, objective: 1000, feasible: false, violation: 0.5 },
      { id: cs[1]!.id, objective: 1, feasible: true, violation: 0 },
      { id: cs[2]!.id, objective: 50, feasible: false, violation: 0.1 },
      { id: cs[3]!.id, objective: 2, feasible: true, violation: 0 },
      { id: cs[4]!.id, objective: NaN, feasible: false, violation: Infinity },
    ];
    opt.tell(told);
    const distinct = new Set(cs.map((c) => c.values["x"])).size;
    expect(distinct, "the test needs five distinct points").to.equal(5);
    expect(opt.best(5).map((p) => p.id)).to.deep.equal([cs[3]!.id, cs[1]!.id, cs[2]!.id, cs[0]!.id, cs[4]!.id]);
    const [h] = opt.history;
    expect(h).to.include({ generation: 0, best: 2, mean: 1.5, feasibleShare: 0.4, bestSoFar: 2 });
    expect(opt.generation).to.equal(1);
  });

  it("best: merges repeated evaluations of one point, averaging the objective", () => {
    const opt = createOptimizer({
      params: [{ path: "x", min: 0, max: 1, integer: true }],
      seed: 5,
      populationSize: 8,
      maximize: false,
    });
    const cs = opt.ask();
    // Two points only (0 and 1): a noisy objective, mean 10 + x, noise +-1 alternating.
    opt.tell(cs.map((c, i) => ({ id: c.id, ...free(10 + c.values["x"]! + (i % 2 === 0 ? 1 : -1)) })));
    const points = opt.best(10);
    expect(points.reduce((s, p) => s + p.evaluations, 0)).to.equal(8);
    for (const p of points) {
      const mine = cs.map((c, i) => ({ c, i })).filter(({ c }) => c.values["x"] === p.values["x"]);
      const expected = mine.reduce((s, { c, i }) => s + 10 + c.values["x"]! + (i % 2 === 0 ? 1 : -1), 0) / mine.length;
      expect(p.evaluations).to.equal(mine.length);
      expect(p.objective).to.equal(expected);
      expect(p.id).to.equal(mine[0]!.c.id);
    }
  });

  it("tell: rejects unknown, repeated and missing candidates, and feasible non-finite objectives", () => {
    const opt = createOptimizer({
      params: [{ path: "x", min: 0, max: 1, integer: false }],
      seed: 6,
      populationSize: 3,
      maximize: true,
    });
    expect(() => opt.tell([])).to.throw("Optimizer.tell() called before ask(): ask for a generation first.");
    const cs = opt.ask();
    const ok = cs.map((c) => ({ id: c.id, ...free(1) }));
    expect(() => opt.tell([...ok, { id: 99, ...free(1) }])).to.throw(
      "Optimizer.tell(): unknown candidate id 99: expected ids of generation 0 (0..2).",
    );
    expect(() => opt.tell([...ok, ok[0]!])).to.throw(
      "Optimizer.tell(): candidate 0 told twice: expected one result each.",
    );
    expect(() => opt.tell(ok.slice(1))).to.throw(
      "Optimizer.tell(): no result for candidates 0: expected one per candidate asked.",
    );
    expect(() => opt.tell([{ id: 0, objective: NaN, feasible: true, violation: 0 }, ...ok.slice(1)])).to.throw(
      "Optimizer.tell(): candidate 0 is feasible with objective NaN: expected a finite number (mark failed runs infeasible, violation Infinity).",
    );
    expect(() => opt.tell([{ id: 0, objective: 1, feasible: false, violation: -1 }, ...ok.slice(1)])).to.throw(
      "Optimizer.tell(): candidate 0 has violation -1: expected a number >= 0.",
    );
    expect(opt.generation).to.equal(0);
    opt.tell(ok);
    expect(opt.generation).to.equal(1);
  });

  it("createOptimizer: rejects bad parameter ranges and options with the offending value", () => {
    const base = { seed: 1, maximize: false };
    expect(() => createOptimizer({ ...base, params: [] })).to.throw(
      "No parameters to optimise: expected at least one { path, min, max, integer }.",
    );
    expect(() =>
      createOptimizer({ ...base, params: [{ path: "fees.feeBps", min: 100, max: 50, integer: true }] }),
    ).to.throw("Invalid optimiser range fees.feeBps = 100..50: expected finite bounds with min <= max.");
    expect(() =>
      createOptimizer({ ...base, params: [{ path: "fees.feeBps", min: 0.5, max: 50, integer: true }] }),
    ).to.throw("Invalid optimiser range fees.feeBps = 0.5..50: expected integer bounds for an integer parameter.");
    const x = { path: "x", min: 0, max: 1, integer: false };
    expect(() => createOptimizer({ ...base, params: [x, x] })).to.throw(
      "Optimiser parameter x is listed twice: expected each path once.",
    );
    expect(() => createOptimizer({ ...base, params: [x], populationSize: 1 })).to.throw(
      "Invalid population size 1: expected an integer >= 2.",
    );
    expect(() => createOptimizer({ ...base, params: [x], start: { x: 2 } })).to.throw(
      "Invalid optimiser start x = 2: expected a number in 0..1.",
    );
  });
});
