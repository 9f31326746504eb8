/** The run report's KPIs: each one's final value in its declared unit, and its course over the run. */
import { COLORS, linesChart, slug } from "../charts.js";
import { formatInUnit, plotValue } from "../format.js";
import type { Cell, Section } from "../page.js";
import { smallestUnit } from "../units.js";
import type { RunContext } from "./context.js";

export function kpis(ctx: RunContext): Section {
  const t = ctx.run.trace;
  const finals = ctx.run.manifest.kpis;
  const rows: Cell[][] = t.kpis.map((k) => {
    const unit = ctx.unit(`kpi:${k}`);
    const raw = finals[k];
    const v =
      raw === undefined ? undefined : typeof raw === "number" ? raw : /^-?\d+$/.test(raw) ? BigInt(raw) : Number(raw);
    return [
      k,
      {
        text: formatInUnit(v, unit),
        title: raw === undefined ? "" : `${raw}${unit.decimals > 0 ? ` ${smallestUnit(unit)}` : ""}`,
      },
      unit.label,
    ];
  });
  const charts = t.kpis.map((k, i) => {
    const unit = ctx.unit(`kpi:${k}`);
    const col = t.column(`kpi:${k}`) ?? [];
    return linesChart({
      id: `kpi-${slug(k)}`,
      title: k,
      unit,
      step: ctx.step,
      xMax: t.timesteps[t.timesteps.length - 1] ?? 0,
      height: 240,
      lines: [
        {
          name: k,
          data: t.timesteps.map((ts, j) => [ts, col[j] === undefined ? null : plotValue(col[j]!, unit)] as const),
          color: COLORS.palette[i % COLORS.palette.length]!,
          area: true,
        },
      ],
    });
  });
  return {
    id: "kpis",
    title: "KPIs",
    intro: "The scenario's key indicators after every step (the model's view), in the units the scenario declares.",
    blocks: [
      { kind: "table", title: "At the end of the run", columns: ["KPI", "final value", "unit"], numeric: [1], rows },
      { kind: "charts", columns: 3, charts },
    ],
  };
}
