import { expect } from "chai";
import { traceRow, traceRowWriter, type StepSample, type TraceLayout } from "../../simulation/analysis/trace";
import type { Variables } from "../../simulation/engine/types";

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
    it(`traceRowWriter writes the rows traceRow writes, sample after sample (model ${sides.model}, chain ${sides.chain})`, function () {
      const l = layout(sides);
      const write = traceRowWriter(l);
      for (const s of samples) expect(write(s)).to.deep.equal(traceRow(l, s));
    });
  }

  it("traceRowWriter: a list of the model's variables gives the rows its Map gives, in the layout's order or not", function () {
    const l = layout({ model: true, chain: true });
    const inOrder = traceRowWriter(l);
    const outOfOrder = traceRowWriter(l);
    for (const s of samples) {
      const entries = [...s.model!];
      const list = { names: entries.map(([k]) => k), values: entries.map(([, v]) => v) };
      const reversed = { names: [...list.names].reverse(), values: [...list.values].reverse() };
      const expected = traceRow(l, s);
      const { model: _model, ...withoutMap } = s;
      expect(inOrder(withoutMap, list)).to.deep.equal(expected);
      expect(outOfOrder(withoutMap, reversed)).to.deep.equal(expected);
    }
  });
});
