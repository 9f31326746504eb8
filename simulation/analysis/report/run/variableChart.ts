/** One compared variable over the run, as a chart: chain solid, model dashed, divergences marked. */
import { comparisonChart } from "../charts.js";
import { plotValue } from "../format.js";
import type { Chart } from "../page.js";
import { smallestUnit, type Unit } from "../units.js";
import type { RunContext, Value } from "./context.js";

/**
 * Model and chain of `v`; `withDifference` adds chain − model on a second axis, in the smallest unit (wei) while it
 * is dust (under a millionth of a token), in whole tokens beyond.
 */
export function variableChart(ctx: RunContext, v: string, id: string, withDifference = false): Chart {
  const { run, divergedAt } = ctx;
  const unit = ctx.unit(v);
  const ms = run.trace.column(`${v}:model`);
  const cs = run.trace.column(`${v}:chain`);
  const plot = (col: readonly Value[]) => col.map((x) => (x === undefined ? null : plotValue(x, unit)));
  const gaps =
    withDifference && ms !== undefined && cs !== undefined
      ? ms.map((mv, i) => {
          const cv = cs[i];
          return typeof mv === "bigint" && typeof cv === "bigint" ? cv - mv : undefined;
        })
      : undefined;
  const largest = (gaps ?? []).reduce<bigint>(
    (a, g) => (g === undefined ? a : g < 0n ? (-g > a ? -g : a) : g > a ? g : a),
    0n,
  );
  const gapUnit: Unit =
    unit.decimals > 0 && largest < 10n ** BigInt(Math.max(0, unit.decimals - 6))
      ? { label: smallestUnit(unit), decimals: 0 }
      : unit;
  const difference = gaps?.map((g) => (g === undefined ? null : plotValue(g, gapUnit)));
  return comparisonChart({
    id,
    title: v,
    timesteps: run.trace.timesteps,
    step: ctx.step,
    ...(ms !== undefined ? { model: plot(ms) } : {}),
    ...(cs !== undefined ? { chain: plot(cs) } : {}),
    diverged: divergedAt.get(v) ?? [],
    unit,
    ...(difference !== undefined ? { difference, differenceUnit: gapUnit.label } : {}),
  });
}
