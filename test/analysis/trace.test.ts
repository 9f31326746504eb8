import { expect } from "chai";
import { traceLineWriter, traceRow, type StepSample, type TraceLayout } from "../../simulation/analysis/trace.js";
import { createRng } from "../../simulation/engine/rng.js";
import type { Variables } from "../../simulation/engine/types.js";

const layout = (sides: { model: boolean; chain: boolean }): TraceLayout => ({
  simulation: 0,
  subset: 1,
  run: 2,
  variables: ["g", "a.x", "a.y", "b.x", "b.y"],
  kpis: ["k", "rate"],
  ...sides,
});

const vars = (entries: [string, bigint | number][]): Variables => new Map(entries);

/** Samples where values stay, change, appear (an agent born) and vanish, on both sides. */
const samples: StepSample[] = [
  {
    timestep: 0,
    substep: "init",
    model: vars([
      ["g", 0n],
      ["a.x", 1n],
      ["a.y", 2n],
      ["b.x", 3n],
      ["b.y", 4n],
    ]),
    chain: vars([
      ["g", 0n],
      ["a.x", 1n],
      ["a.y", 2n],
      ["b.x", 3n],
      ["b.y", 4n],
    ]),
    kpis: { k: 0n, rate: 0 },
    diverged: [],
  },
  {
    timestep: 1,
    substep: "last",
    model: vars([
      ["g", 5n],
      ["a.x", 1n],
      ["a.y", 2n],
    ]),
    chain: vars([
      ["g", 5n],
      ["a.x", 1n],
      ["a.y", 7n],
    ]),
    kpis: { k: 10n ** 30n, rate: 1 / 3 },
    diverged: ["a.y"],
  },
  {
    timestep: 2,
    substep: "last",
    model: vars([
      ["g", 5n],
      ["a.x", 1.5],
      ["a.y", 2n],
      ["b.x", 3n],
      ["b.y", 0n],
    ]),
    chain: vars([
      ["g", 5n],
      ["a.x", 1.5],
      ["a.y", 2n],
      ["b.x", 3n],
      ["b.y", 0n],
    ]),
    kpis: { k: 10n ** 30n, rate: 0.25 },
    diverged: [],
  },
  {
    timestep: 3,
    substep: "last",
    model: vars([
      ["g", 5n],
      ["a.x", 1.5],
      ["b.x", 4n],
      ["b.y", 0n],
    ]),
    chain: vars([
      ["g", 5n],
      ["a.x", 1.5],
      ["b.x", 4n],
      ["b.y", 0n],
    ]),
    kpis: { k: 1n, rate: 0.25 },
    diverged: ["a.y", "b.x"],
  },
];

describe("analysis: trace rows", function () {
  for (const sides of [
    { model: true, chain: true },
    { model: true, chain: false },
    { model: false, chain: true },
  ]) {
    for (const blockCells of [1, 2, 3, 64]) {
      it(`traceLineWriter writes the lines traceRow writes, sample after sample (model ${sides.model}, chain ${sides.chain}, blocks of ${blockCells})`, function () {
        const l = layout(sides);
        const write = traceLineWriter(l, blockCells);
        for (const s of samples) expect(write(s)).to.equal(traceRow(l, s).join(","));
      });
    }
  }

  it("traceLineWriter: many variables changing a few at a time, in blocks of any size, and a layout with no variables", function () {
    const rng = createRng({ seed: 7, scenario: "trace-test", stream: "values" });
    const names = Array.from({ length: 150 }, (_, i) => `agent-${i >> 2}.f${i & 3}`);
    const l: TraceLayout = {
      simulation: 3,
      subset: 0,
      run: 9,
      variables: names,
      kpis: ["k"],
      model: true,
      chain: true,
    };
    const model = new Map(names.map((n) => [n, 0n] as [string, bigint | number]));
    const chain = new Map(model);
    const writers = [1, 7, 64, 1_000].map((b) => traceLineWriter(l, b));
    for (let t = 0; t < 40; t++) {
      for (let c = rng.int(0, 12); c > 0; c--) {
        const n = names[rng.int(0, names.length - 1)]!;
        const v = rng.chance(0.1) ? rng.next() : rng.bigint(0n, 10n ** 30n);
        model.set(n, v);
        if (rng.chance(0.9)) chain.set(n, v);
      }
      if (rng.chance(0.2)) model.delete(names[rng.int(0, names.length - 1)]!);
      const s: StepSample = {
        timestep: t,
        substep: "s",
        model: new Map(model),
        chain: new Map(chain),
        kpis: { k: t },
        diverged: [],
      };
      const expected = traceRow(l, s).join(",");
      for (const write of writers) expect(write(s)).to.equal(expected);
    }
    const bare: TraceLayout = { ...l, variables: [] };
    const s: StepSample = { timestep: 1, substep: "x", kpis: { k: 2n }, diverged: ["a", "b"] };
    expect(traceLineWriter(bare)(s)).to.equal(traceRow(bare, s).join(",")).and.to.equal("3,0,9,1,x,2,a;b");
  });

  it("traceLineWriter: a list of the model's variables gives the lines its Map gives, in the layout's order or not", function () {
    const l = layout({ model: true, chain: true });
    const inOrder = traceLineWriter(l, 2);
    const outOfOrder = traceLineWriter(l, 2);
    for (const s of samples) {
      const entries = [...s.model!];
      const list = { names: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
      const reversed = { names: [...list.names].reverse(), values: [...list.values].reverse() };
      const expected = traceRow(l, s).join(",");
      const { model: _model, ...withoutMap } = s;
      expect(inOrder(withoutMap, list)).to.equal(expected);
      expect(outOfOrder(withoutMap, reversed)).to.equal(expected);
    }
  });
});
