/** KPI fans across runs: each KPI over the steps, the p5–p95 and p25–p75 bands and the median of each parameter set. */
import type { SeriesOption } from "echarts";
import { COLORS, fanSeries, frame, legendOf, lineSeries, slug, stepAxis, unitAxisName, valueAxis } from "../charts.js";
import type { Block, Chart, Section } from "../page.js";
import type { ExperimentContext } from "./context.js";

/** Subsets drawn as fans in one chart; beyond this, medians only. */
const MAX_FANS = 4;

export function fans(ctx: ExperimentContext): Section {
  const { data } = ctx;
  const section = (blocks: Block[]): Section => ({
    id: "fans",
    title: "KPIs across runs",
    intro:
      "Each KPI over the steps across the runs of each parameter set: the p5–p95 band, the p25–p75 band and the median.",
    blocks,
  });
  if (data.fans.size === 0)
    return section([
      { kind: "note", tone: "info", text: "Skipped: no per-step KPIs (the steps table) in this experiment." },
    ]);
  // A KPI is charted when it changes across runs or over the steps.
  const moves = (k: string) => {
    const rows = [...(data.fans.get(k)?.values() ?? [])].flat();
    return rows.some((r) => r[1] !== r[5] || r[3] !== rows[0]![3]);
  };
  const varying = data.stepKpis.filter(moves);
  const constant = data.stepKpis.filter((k) => !moves(k));
  const subsets = ctx.subsets.filter((s) => [...data.fans.values()].some((m) => m.has(s)));
  const banded = subsets.length <= MAX_FANS;
  const charts: Chart[] = [];
  for (const kpi of varying) {
    const fan = data.fans.get(kpi);
    if (fan === undefined) continue;
    const unit = ctx.unit(kpi);
    const scale = ctx.doubleScale(kpi);
    const series: SeriesOption[] = [];
    let runs = 0;
    let maxT = 0;
    subsets.forEach((s, i) => {
      const rows = (fan.get(s) ?? []).map((r) => [
        r[0]!,
        ...r.slice(1, 6).map((x) => Number((x * scale).toPrecision(12))),
        r[6]!,
      ]);
      if (rows.length === 0) return;
      runs = Math.max(runs, ...rows.map((r) => r[6]!));
      maxT = Math.max(maxT, ...rows.map((r) => r[0]!));
      const color = COLORS.palette[i % COLORS.palette.length]!;
      const name = subsets.length > 1 ? ctx.subsetName(s) : "";
      // Several sets: one legend entry per set (its bands and median share its name); one set: one per band.
      if (banded) series.push(...fanSeries(name, rows, color, `s${s}`, subsets.length > 1));
      else
        series.push(
          lineSeries({ name: `${name} median`.trim(), data: rows.map((r) => [r[0]!, r[3]!] as const), color }),
        );
    });
    charts.push({
      id: `fan-${slug(kpi)}`,
      height: 300,
      format: { unit: unit.decimals > 0 ? unit.label : "" },
      option: {
        ...frame(kpi, `${banded ? "bands p5–p95 and p25–p75, line = median" : "medians"}; up to ${runs} runs per set`),
        legend: { top: 44, left: 8, type: "scroll", data: legendOf(series), textStyle: { fontSize: 11 } },
        xAxis: stepAxis(ctx.step, maxT),
        yAxis: valueAxis(unitAxisName(unit)),
        series,
      },
    });
  }
  const blocks: Block[] = [{ kind: "charts", columns: subsets.length > 1 ? 2 : 3, charts }];
  if (!banded)
    blocks.unshift({
      kind: "note",
      tone: "info",
      text: `${subsets.length} parameter sets: medians only (bands are drawn for up to ${MAX_FANS}).`,
    });
  if (constant.length > 0)
    blocks.push({ kind: "note", tone: "info", text: `The same in every run (not charted): ${constant.join(", ")}.` });
  return section(blocks);
}
