/**
 * Chart builders shared by the run and experiment reports. Every chart gets a title, named axes with units, a
 * legend and a tooltip; animation is off so a report renders the same every time.
 */
import type {
  EChartsOption,
  SeriesOption,
  XAXisComponentOption as XAXisOption,
  YAXisComponentOption as YAXisOption,
} from "echarts";
import type { Chart } from "./page.js";
import { smallestUnit, type Unit } from "./units.js";

export const COLORS = {
  chain: "#1d4ed8",
  model: "#f59e0b",
  diverged: "#dc2626",
  difference: "#7c3aed",
  palette: [
    "#1d4ed8",
    "#059669",
    "#f59e0b",
    "#7c3aed",
    "#db2777",
    "#0891b2",
    "#65a30d",
    "#ea580c",
    "#4b5563",
    "#9333ea",
  ],
} as const;

/** The axis name of a unit: token amounts say they are whole tokens. */
export function unitAxisName(unit: Unit): string {
  return unit.decimals > 0 ? `${unit.label} (whole tokens)` : unit.label;
}

/** What a step is, for axis names: "step (month)" for 30 days, "step (day)", "step (6 hours)"; "step" when unknown. */
export function stepLabel(stepSeconds: number | undefined): string {
  if (stepSeconds === undefined) return "step";
  const named: readonly (readonly [number, string])[] = [
    [365 * 86_400, "year"],
    [30 * 86_400, "month"],
    [7 * 86_400, "week"],
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [seconds, name] of named) if (stepSeconds === seconds) return `step (${name})`;
  for (const [seconds, name] of named.slice(3)) {
    if (stepSeconds % seconds === 0) return `step (${stepSeconds / seconds} ${name}s)`;
  }
  return `step (${stepSeconds} s)`;
}

/** A step axis, from 0 (the initial state) to `max`; `step` says what a step is (stepLabel). */
export function stepAxis(step: string, max?: number): XAXisOption {
  return {
    type: "value",
    name: `${step}; 0 = initial state`,
    nameLocation: "middle",
    nameGap: 26,
    minInterval: 1,
    min: 0,
    ...(max !== undefined ? { max } : {}),
    axisLabel: { hideOverlap: true },
  };
}

export function valueAxis(name: string, extra: YAXisOption = {}): YAXisOption {
  return {
    type: "value",
    name,
    nameLocation: "end",
    nameTextStyle: { align: "left" },
    scale: false,
    splitLine: { lineStyle: { color: "#e5e7eb" } },
    ...extra,
  } as YAXisOption;
}

/** Title, legend, tooltip and grid every chart shares. */
export function frame(title: string, subtitle?: string): EChartsOption {
  return {
    animation: false,
    title: {
      text: title,
      ...(subtitle !== undefined ? { subtext: subtitle } : {}),
      left: 8,
      top: 4,
      textStyle: { fontSize: 13, fontWeight: 600, width: 380, overflow: "truncate" },
      subtextStyle: { fontSize: 11, color: "#6b7280" },
    },
    legend: {
      top: subtitle !== undefined ? 44 : 26,
      left: 8,
      itemWidth: 16,
      itemHeight: 8,
      textStyle: { fontSize: 11 },
    },
    tooltip: { trigger: "axis", confine: true },
    grid: { left: 12, right: 20, top: subtitle !== undefined ? 96 : 76, bottom: 34, containLabel: true },
  };
}

export interface Line {
  readonly name: string;
  readonly data: readonly (readonly [number, number | null])[];
  readonly color?: string;
  readonly dashed?: boolean;
  readonly area?: boolean;
  readonly width?: number;
  readonly step?: boolean;
}

export function lineSeries(l: Line): SeriesOption {
  return {
    type: "line",
    name: l.name,
    data: l.data as [number, number | null][],
    showSymbol: false,
    symbolSize: 4,
    connectNulls: false,
    ...(l.step === true ? { step: "end" } : {}),
    lineStyle: {
      width: l.width ?? 2,
      ...(l.dashed === true ? { type: [6, 4] } : {}),
      ...(l.color ? { color: l.color } : {}),
    },
    ...(l.color !== undefined ? { itemStyle: { color: l.color } } : {}),
    ...(l.area === true ? { areaStyle: { opacity: 0.12 } } : {}),
  } as SeriesOption;
}

export interface ComparisonInput {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly timesteps: readonly number[];
  readonly model?: readonly (number | null)[];
  readonly chain?: readonly (number | null)[];
  /** Timesteps where the variable was outside its tolerance. */
  readonly diverged: readonly number[];
  readonly unit: Unit;
  /** chain − model at each timestep, drawn on a second axis named `differenceUnit`. */
  readonly difference?: readonly (number | null)[];
  readonly differenceUnit?: string;
  readonly modelName?: string;
  readonly chainName?: string;
  readonly height?: number;
  /** What a step is (stepLabel). */
  readonly step: string;
}

/** A compared variable: the chain's value solid, the model's dashed on top, divergences as red triangles. */
export function comparisonChart(c: ComparisonInput): Chart {
  const pairs = (ys: readonly (number | null)[]): [number, number | null][] =>
    c.timesteps.map((t, i) => [t, ys[i] ?? null]);
  const series: SeriesOption[] = [];
  if (c.chain !== undefined) {
    series.push(lineSeries({ name: c.chainName ?? "chain", data: pairs(c.chain), color: COLORS.chain, width: 3 }));
  }
  if (c.model !== undefined) {
    series.push(lineSeries({ name: c.modelName ?? "model", data: pairs(c.model), color: COLORS.model, dashed: true }));
  }
  if (c.diverged.length > 0) {
    const at = new Map(c.timesteps.map((t, i) => [t, i]));
    const ys = c.chain ?? c.model ?? [];
    series.push({
      type: "scatter",
      name: "diverged",
      symbol: "triangle",
      symbolSize: 11,
      itemStyle: { color: COLORS.diverged },
      z: 5,
      data: c.diverged.map((t) => [t, ys[at.get(t) ?? -1] ?? 0]),
    });
  }
  const yAxis: YAXisOption[] = [valueAxis(unitAxisName(c.unit))];
  if (c.difference !== undefined) {
    const differenceUnit = c.differenceUnit ?? (c.unit.decimals > 0 ? smallestUnit(c.unit) : c.unit.label);
    series.push({
      ...lineSeries({
        name: `chain − model (${differenceUnit})`,
        data: pairs(c.difference),
        color: COLORS.difference,
        step: true,
        width: 1.5,
      }),
      yAxisIndex: 1,
    } as SeriesOption);
    yAxis.push(
      valueAxis(`chain − model (${differenceUnit})`, {
        position: "right",
        splitLine: { show: false },
        nameTextStyle: { align: "right", padding: [0, -30, 0, 0] },
      }),
    );
  }
  const base = frame(c.title, c.subtitle);
  return {
    id: c.id,
    height: c.height ?? 270,
    format: { unit: c.unit.decimals > 0 ? c.unit.label : c.unit.label === "bps" ? "bps" : "" },
    option: {
      ...base,
      grid: { ...(base.grid as object), right: c.difference !== undefined ? 30 : 20 },
      xAxis: stepAxis(c.step, c.timesteps[c.timesteps.length - 1]),
      yAxis,
      series,
    },
  };
}

/** Lines over steps sharing one unit. */
export function linesChart(input: {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly unit: Unit;
  readonly lines: readonly Line[];
  /** What a step is (stepLabel). */
  readonly step: string;
  readonly xMax?: number;
  readonly height?: number;
}): Chart {
  return {
    id: input.id,
    height: input.height ?? 260,
    format: { unit: input.unit.decimals > 0 ? input.unit.label : "" },
    option: {
      ...frame(input.title, input.subtitle),
      xAxis: stepAxis(input.step, input.xMax),
      yAxis: valueAxis(unitAxisName(input.unit)),
      series: input.lines.map(lineSeries),
    },
  };
}

/**
 * A fan: the p5–p95 band as a stacked area over an invisible p5 line, the p25–p75 band likewise, the median on
 * top. `rows` are [timestep, p5, p25, p50, p75, p95].
 */
export function fanSeries(
  name: string,
  rows: readonly (readonly number[])[],
  color: string,
  stackId: string,
  oneLegendEntry = false,
): SeriesOption[] {
  const col = (i: number): [number, number][] => rows.map((r) => [r[0]!, r[i]!]);
  const diff = (hi: number, lo: number): [number, number][] => rows.map((r) => [r[0]!, r[hi]! - r[lo]!]);
  const band = (label: string, data: [number, number][], stack: string, opacity: number): SeriesOption =>
    ({
      type: "line",
      name: oneLegendEntry ? name : label.trim(),
      data,
      stack,
      showSymbol: false,
      lineStyle: { opacity: 0 },
      areaStyle: { color, opacity },
      itemStyle: { color },
      tooltip: { show: false },
    }) as SeriesOption;
  const base = (stack: string, data: [number, number][]): SeriesOption =>
    ({
      type: "line",
      name: oneLegendEntry ? name : `${name} base ${stack}`,
      data,
      stack,
      showSymbol: false,
      lineStyle: { opacity: 0 },
      itemStyle: { color },
      tooltip: { show: false },
      legendHoverLink: false,
    }) as SeriesOption;
  return [
    base(`${stackId}-outer`, col(1)),
    band(`${name} p5–p95`, diff(5, 1), `${stackId}-outer`, 0.16),
    base(`${stackId}-inner`, col(2)),
    band(`${name} p25–p75`, diff(4, 2), `${stackId}-inner`, 0.26),
    {
      type: "line",
      name: oneLegendEntry ? name : `${name} median`.trim(),
      data: col(3),
      showSymbol: false,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      z: 4,
    } as SeriesOption,
  ];
}

/** Legend entries of a chart, once each, leaving out helper series whose name contains " base ". */
export function legendOf(series: readonly SeriesOption[]): string[] {
  return [...new Set(series.map((s) => String(s.name ?? "")).filter((n) => n !== "" && !n.includes(" base ")))];
}

/** A safe element id from any text. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}
