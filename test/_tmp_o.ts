import { createOptimizer } from "../simulation/engine/optimize";
function runOpt(
  name: string,
  opts: Parameters<typeof createOptimizer>[0],
  f: (v: Record<string, number>) => { objective: number; feasible: boolean; violation: number },
  gens: number,
) {
  const o = createOptimizer(opts);
  for (let g = 0; g < gens; g++) {
    const cs = o.ask();
    o.tell(cs.map((c) => ({ id: c.id, ...f(c.values) })));
  }
  const b = o.best(1)[0]!;
  console.log(name, o.populationSize, JSON.stringify(b.values), b.objective, o.history[o.history.length - 1]);
  return o;
}
for (const seed of [1, 2, 3, 4, 5]) {
  runOpt(
    "sphere",
    { params: ["x", "y", "z"].map((p) => ({ path: p, min: -50, max: 50, integer: true })), seed, maximize: false },
    (v) => ({ objective: (v.x! - 7) ** 2 + (v.y! + 13) ** 2 + (v.z! - 22) ** 2, feasible: true, violation: 0 }),
    40,
  );
  runOpt(
    "rosen",
    { params: ["x", "y"].map((p) => ({ path: p, min: -2, max: 2, integer: false })), seed, maximize: false },
    (v) => ({ objective: (1 - v.x!) ** 2 + 100 * (v.y! - v.x! ** 2) ** 2, feasible: true, violation: 0 }),
    250,
  );
  runOpt(
    "constr",
    { params: ["x", "y"].map((p) => ({ path: p, min: 0, max: 5, integer: false })), seed, maximize: false },
    (v) => {
      const g = v.x! + v.y! - 4;
      return { objective: (v.x! - 3) ** 2 + (v.y! - 3) ** 2, feasible: g <= 0, violation: Math.max(0, g) };
    },
    150,
  );
  runOpt(
    "intcon",
    { params: ["x", "y"].map((p) => ({ path: p, min: 0, max: 10, integer: true })), seed, maximize: true },
    (v) => {
      const g = v.x! ** 2 + v.y! ** 2 - 25;
      return { objective: v.x! + v.y!, feasible: g <= 0, violation: Math.max(0, g) };
    },
    30,
  );
}
