/**
 * The run report's KPIs: each one's final value in its declared unit, and its course over the run: the KPIs a
 * scenario groups (`kpiGroups`) in one chart per group, the others one chart each.
 */
import { COLORS, linesChart, slug } from "../charts.js";
import { formatInUnit, plotValue } from "../format.js";
import type { Cell, Section } from "../page.js";
import { matchesPattern, smallestUnit } from "../units.js";
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
  // KPIs the scenario groups are drawn together, one chart per group (in the first group's unit); the rest alone.
  const grouped = new Map<string, string[]>();
  const alone: string[] = [];
  for (const k of t.kpis) {
    const g = Object.entries(ctx.declarations.kpiGroups).find(([, names]) => names.some((n) => matchesPattern(n, k)));
    if (g === undefined) alone.push(k);
    else grouped.set(g[0], [...(grouped.get(g[0]) ?? []), k]);
  }
  let color = 0;
  const chartOf = (id: string, title: string, members: readonly string[]) => {
    const unit = ctx.unit(`kpi:${members[0]!}`);
    return linesChart({
      id,
      title,
      unit,
      step: ctx.step,
      xMax: t.timesteps[t.timesteps.length - 1] ?? 0,
      height: 240,
      lines: members.map((k) => {
        const col = t.column(`kpi:${k}`) ?? [];
        return {
          name: k.slice(sharedPrefix(members).length),
          data: t.timesteps.map((ts, j) => [ts, col[j] === undefined ? null : plotValue(col[j]!, unit)] as const),
          color: COLORS.palette[color++ % COLORS.palette.length]!,
          area: members.length === 1,
        };
      }),
    });
  };
  const charts = [
    ...[...grouped.entries()].map(([g, members]) => chartOf(`kpis-${slug(g)}`, g, members)),
    ...alone.map((k) => chartOf(`kpi-${slug(k)}`, k, [k])),
  ];
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

/** What the names of a group share up to their last common `_` or `.` (`strategy_` of `strategy_list`, `strategy_out`): the legend leaves it out. */
function sharedPrefix(names: readonly string[]): string {
  if (names.length < 2) return "";
  let n = 0;
  const first = names[0]!;
  while (n < first.length && names.every((x) => x[n] === first[n])) n++;
  const cut = Math.max(first.lastIndexOf("_", n - 1), first.lastIndexOf(".", n - 1));
  return cut < 0 ? "" : first.slice(0, cut + 1);
}
