/**
 * Builds an experiment folder for report tests without running an experiment: `experiment.json` and a
 * `results.duckdb` in the schema of simulation/analysis/schema.ts, filled with deterministic synthetic runs. KPI
 * amounts are in wei, exact in `runs.kpis` and as `toPlotNumber` DOUBLEs in `steps`, as the store writes them.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toJson } from "../../simulation/analysis/files.js";
import { RESULTS_FILE, RUNS_DDL, stepsDdl } from "../../simulation/analysis/schema.js";
import { toPlotNumber } from "../../simulation/analysis/values.js";

export type FixtureKind = "sweep" | "montecarlo" | "ab" | "optimize";

export interface ExperimentFixtureParameters {
  readonly kind: FixtureKind;
  readonly scenario?: string;
  /** Each subset's parameter assignments, `path -> value` (amounts as bigint). */
  readonly subsets: readonly Readonly<Record<string, number | bigint>>[];
  readonly runs: number;
  readonly steps: number;
  /** More fields of experiment.json (`ab`, `optimize`, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** What experiment.json records of the scenario's declarations (units, flows, ...): helpers/run.ts declarationsOf. */
  readonly declarations?: Readonly<Record<string, unknown>>;
  /** Leave out experiment.json, or a table. */
  readonly omit?: readonly ("experiment.json" | "runs" | "steps")[];
}

const TOKEN = 10n ** 18n;
export const FIXTURE_KPIS = [
  "quality_redemptions",
  "complaint_rate",
  "protocol_revenue",
  "circulating_supply",
  "aggregators",
] as const;

/** A deterministic draw in [0, 1) from integers (no Math.random: fixtures are pinned). */
function noise(...keys: number[]): number {
  let h = 2166136261;
  for (const k of keys) {
    h ^= k + 0x9e3779b9;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 15;
  }
  return ((h >>> 0) % 100_000) / 100_000;
}

/** The KPIs of run `run` of a subset whose fee is `feeBps`, after `t` steps. */
export function fixtureKpis(
  feeBps: number,
  ecoBps: number,
  subset: number,
  run: number,
  t: number,
): Record<string, number | bigint> {
  const demand = 10 + 4 * noise(subset, run) - feeBps / 40;
  const quality = Math.max(0, Math.round(t * demand * (0.8 + 0.4 * noise(subset, run, t))));
  const revenueWei = BigInt(Math.round(quality * 50 * feeBps)) * (TOKEN / 10_000n) + BigInt(run);
  return {
    quality_redemptions: quality,
    complaint_rate: t === 0 ? 0 : Number((0.05 + 0.1 * noise(run, t, 7)).toFixed(6)),
    protocol_revenue: revenueWei,
    circulating_supply: BigInt(t) * 250_000n * TOKEN + BigInt(ecoBps) * TOKEN,
    aggregators: 3,
  };
}

function paramsTree(assignments: Readonly<Record<string, number | bigint>>): Record<string, unknown> {
  const tree: Record<string, unknown> = {
    fees: { feeBps: 50, maxFeeBps: 500, ecoBps: 5000, changeAtStep: 0, newFeeBps: 100 },
    offers: { priceMin: (5n * TOKEN).toString() },
  };
  for (const [path, value] of Object.entries(assignments)) {
    const parts = path.split(".");
    let node = tree;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = typeof value === "bigint" ? value.toString() : value;
  }
  return tree;
}

/** Writes the folder; returns its path. */
export async function buildExperimentFixture(dir: string, p: ExperimentFixtureParameters): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const scenario = p.scenario ?? "boson-commerce";
  const omit = new Set(p.omit ?? []);
  if (!omit.has("experiment.json")) {
    const spec = {
      kind: p.kind,
      scenario,
      mode: "model",
      steps: p.steps,
      seed: 1,
      subsets: p.subsets.map((a, subset) => ({
        subset,
        ...(p.kind === "ab" ? { arm: subset === 0 ? "A" : "B" } : {}),
        assignments: Object.entries(a).map(([path, value]) => ({ path, value })),
      })),
      runs: { total: p.subsets.length * p.runs, completed: p.subsets.length * p.runs, failed: 0 },
      ...p.declarations,
      ...p.extra,
    };
    writeFileSync(join(dir, "experiment.json"), toJson(spec, 2) + "\n");
  }
  const instance = await DuckDBInstance.create(join(dir, RESULTS_FILE));
  const db = await instance.connect();
  try {
    if (!omit.has("runs")) await db.run(RUNS_DDL);
    if (!omit.has("steps")) await db.run(stepsDdl([...FIXTURE_KPIS]));
    for (let subset = 0; subset < p.subsets.length; subset++) {
      const a = p.subsets[subset]!;
      const feeBps = Number(a["fees.feeBps"] ?? 50);
      const ecoBps = Number(a["fees.ecoBps"] ?? 5000);
      for (let run = 0; run < p.runs; run++) {
        let last: Record<string, number | bigint> = {};
        for (let t = 0; t <= p.steps; t++) {
          last = fixtureKpis(feeBps, ecoBps, subset, run, t);
          if (omit.has("steps")) continue;
          const values = FIXTURE_KPIS.map((k) => {
            const v = last[k]!;
            return typeof v === "bigint" ? toPlotNumber(v) : v;
          });
          await db.run(
            `INSERT INTO steps VALUES (0, ${subset}, ${run}, ${t}, '${t === 0 ? "init" : "rewards"}', ${values.join(", ")})`,
          );
        }
        if (omit.has("runs")) continue;
        const params = toJson(paramsTree(a));
        await db.run(
          `INSERT INTO runs (simulation, subset, run, scenario, mode, seed, steps, params, model_params, status, divergences, kpis, actions, reverted, wall_seconds)
           VALUES (0, ${subset}, ${run}, '${scenario}', 'model', ${1000 + (p.kind === "ab" ? run : subset * 100 + run)}, ${p.steps},
                   '${params}', '${params}', 'model-only', 0, '${toJson(last)}', ${50 + run}, ${run % 2}, ${(0.5 + noise(subset, run) / 2).toFixed(3)})`,
        );
      }
    }
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return dir;
}

/** A small sweep: fees.feeBps over three values, three runs each. */
export const SMALL_SWEEP: ExperimentFixtureParameters = {
  kind: "sweep",
  subsets: [{ "fees.feeBps": 25 }, { "fees.feeBps": 50 }, { "fees.feeBps": 100 }],
  runs: 3,
  steps: 6,
};
