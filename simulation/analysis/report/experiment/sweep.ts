/**
 * KPIs against swept parameters: each KPI's final value against each parameter that varies (the mean of the runs, and
 * their p5–p95 range), and a heatmap per KPI when two parameters vary.
 */
import type { SeriesOption } from "echarts";
import { COLORS, frame, legendOf, slug, unitAxisName, valueAxis } from "../charts.js";
import type { Block, Chart, Section } from "../page.js";
import { flatten, quantile, type ExperimentContext } from "./context.js";

export function sweep(ctx: ExperimentContext): Section {
  const { data, swept } = ctx;
  const section = (blocks: Block[]): Section => ({
    id: "sweep",
    title: "KPIs against swept parameters",
    intro:
      "The final value of each KPI against each parameter that varies across runs: the mean over runs with the line, the p5–p95 range of the runs as a band.",
    blocks,
  });
  if (swept.length === 0)
    return section([
      { kind: "note", tone: "info", text: "Skipped: no parameter varies across the runs (this is not a sweep)." },
    ]);
  if (data.runs.length === 0)
    return section([{ kind: "note", tone: "info", text: "Skipped: no runs table, so no final KPIs." }]);
  const { varying, constant } = ctx.varying();
  const flat = new Map(data.runs.map((r) => [r, flatten(r.params)]));
  const blocks: Block[] = [];
  const seeding = seedingNote(data.spec?.["seeds"]);
  if (seeding !== undefined) blocks.push(seeding);
  if (swept.length === 2) {
    const [pa, pb] = swept as [string, string];
    const values = (p: string) =>
      [...new Map(data.runs.map((r) => [JSON.stringify(flat.get(r)!.get(p)), flat.get(r)!.get(p)])).values()].sort(
        byParam(ctx, p),
      );
    const va = values(pa);
    const vb = values(pb);
    const charts: Chart[] = varying.map((kpi) => {
      const cells: [number, number, number | null][] = [];
      let lo = Infinity;
      let hi = -Infinity;
      va.forEach((a, i) =>
        vb.forEach((b, j) => {
          const xs = data.runs
            .filter(
              (r) =>
                JSON.stringify(flat.get(r)!.get(pa)) === JSON.stringify(a) &&
                JSON.stringify(flat.get(r)!.get(pb)) === JSON.stringify(b),
            )
            .map((r) => ctx.final(r, kpi))
            .filter((x): x is number => x !== undefined);
          const mean = xs.length > 0 ? Number((xs.reduce((s, x) => s + x, 0) / xs.length).toPrecision(12)) : null;
          if (mean !== null) {
            lo = Math.min(lo, mean);
            hi = Math.max(hi, mean);
          }
          cells.push([i, j, mean]);
        }),
      );
      const unit = ctx.unit(kpi);
      return {
        id: `heat-${slug(kpi)}`,
        height: Math.max(300, 40 * vb.length + 150),
        format: { unit: unit.decimals > 0 ? unit.label : "" },
        option: {
          ...frame(`${kpi}: mean final value`, `${unitAxisName(unit)}, by ${pa} and ${pb}`),
          tooltip: { trigger: "item", confine: true },
          legend: { show: true, top: 44, data: [`mean ${kpi}`] },
          grid: { left: 12, right: 90, top: 80, bottom: 40, containLabel: true },
          xAxis: {
            type: "category",
            data: va.map((v) => ctx.paramText(pa, v)),
            name: ctx.paramAxis(pa),
            nameLocation: "middle",
            nameGap: 28,
            splitArea: { show: true },
          },
          yAxis: {
            type: "category",
            data: vb.map((v) => ctx.paramText(pb, v)),
            name: ctx.paramAxis(pb),
            splitArea: { show: true },
          },
          visualMap: {
            min: Number.isFinite(lo) ? lo : 0,
            max: Number.isFinite(hi) && hi > lo ? hi : (Number.isFinite(lo) ? lo : 0) + 1,
            calculable: true,
            orient: "vertical",
            right: 4,
            top: "middle",
            itemHeight: 120,
            inRange: { color: ["#eff6ff", "#93c5fd", "#1d4ed8", "#1e3a8a"] },
            text: [unit.label, ""],
          },
          series: [
            {
              type: "heatmap",
              name: `mean ${kpi}`,
              data: cells,
              label: { show: va.length * vb.length <= 36, fontSize: 10 },
            },
          ],
        },
      };
    });
    blocks.push({ kind: "charts", title: `Heatmaps: ${pa} × ${pb}`, columns: 2, charts });
  } else if (swept.length > 2) {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `${swept.length} parameters vary: each chart shows one, averaged over the others.`,
    });
  }
  for (const p of swept) {
    const values = [
      ...new Map(data.runs.map((r) => [JSON.stringify(flat.get(r)!.get(p)), flat.get(r)!.get(p)])).values(),
    ].sort(byParam(ctx, p));
    const numeric = values.every((v) => ctx.paramNumber(p, v) !== undefined);
    const charts: Chart[] = varying.map((kpi, i) => {
      const unit = ctx.unit(kpi);
      const stats = values.map((v) => {
        const xs = data.runs
          .filter((r) => JSON.stringify(flat.get(r)!.get(p)) === JSON.stringify(v))
          .map((r) => ctx.final(r, kpi))
          .filter((x): x is number => x !== undefined)
          .sort((a, b) => a - b);
        const mean = xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN;
        return {
          x: numeric ? ctx.paramNumber(p, v)! : ctx.paramText(p, v),
          mean,
          p5: quantile(xs, 0.05),
          p95: quantile(xs, 0.95),
          n: xs.length,
        };
      });
      const many = stats.some((s) => s.n > 1);
      const color = COLORS.palette[i % COLORS.palette.length]!;
      const r12 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)) : null);
      const series: SeriesOption[] = [];
      if (many) {
        series.push({
          type: "line",
          name: "p5 base",
          data: stats.map((s) => [s.x, r12(s.p5)]),
          stack: "band",
          showSymbol: false,
          lineStyle: { opacity: 0 },
          tooltip: { show: false },
        } as SeriesOption);
        series.push({
          type: "line",
          name: "p5–p95 of runs",
          data: stats.map((s) => [s.x, r12(s.p95 - s.p5)]),
          stack: "band",
          showSymbol: false,
          lineStyle: { opacity: 0 },
          areaStyle: { color, opacity: 0.18 },
          itemStyle: { color },
          tooltip: { show: false },
        } as SeriesOption);
      }
      series.push({
        type: "line",
        name: `mean ${kpi}`,
        data: stats.map((s) => [s.x, r12(s.mean)]),
        symbolSize: 7,
        lineStyle: { width: 2, color },
        itemStyle: { color },
      } as SeriesOption);
      return {
        id: `sweep-${slug(p)}-${slug(kpi)}`,
        height: 280,
        format: { unit: unit.decimals > 0 ? unit.label : "" },
        option: {
          ...frame(
            kpi,
            `final value against ${p}${many ? `; ${Math.max(...stats.map((s) => s.n))} runs per value` : ""}`,
          ),
          legend: { top: 44, left: 8, data: legendOf(series).filter((n) => n !== "p5 base") },
          xAxis: numeric
            ? { type: "value", name: ctx.paramAxis(p), nameLocation: "middle", nameGap: 26, scale: true }
            : {
                type: "category",
                name: ctx.paramAxis(p),
                nameLocation: "middle",
                nameGap: 26,
                data: stats.map((s) => String(s.x)),
              },
          yAxis: valueAxis(unitAxisName(unit)),
          series,
        },
      };
    });
    blocks.push({ kind: "charts", title: `Against ${p}`, columns: 3, charts });
  }
  if (constant.length > 0)
    blocks.push({ kind: "note", tone: "info", text: `The same in every run (not charted): ${constant.join(", ")}.` });
  return section(blocks);
}

function byParam(ctx: ExperimentContext, path: string): (a: unknown, b: unknown) => number {
  return (a, b) => {
    const x = ctx.paramNumber(path, a);
    const y = ctx.paramNumber(path, b);
    return x !== undefined && y !== undefined ? x - y : String(a).localeCompare(String(b));
  };
}

/** How the subsets were seeded (experiment.json `seeds`), which says what a difference between them can mean. */
function seedingNote(seeds: unknown): Block | undefined {
  if (seeds === "common")
    return {
      kind: "note",
      tone: "info",
      text: "Every subset ran on the same seeds (common random numbers): a difference between subsets is an effect of the parameters.",
    };
  if (seeds === "independent")
    return {
      kind: "note",
      tone: "warn",
      text: "Each subset ran on seeds of its own (--independent-seeds): a difference between subsets includes a difference of draws.",
    };
  return undefined;
}
