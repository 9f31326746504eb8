/**
 * The report of an experiment (sweep, Monte Carlo, A/B, optimisation): KPI fans across runs, KPIs against each
 * swept parameter, both A/B arms and their paired difference, the optimiser's progress and the chain's
 * confirmation, and every run. Sections the experiment has no data for are skipped with a note.
 */
import type { SeriesOption } from "echarts";
import { leafAt, type Leaf, type ParamSchema } from "../../engine/params.js";
import type { Flow } from "../../engine/types.js";
import { toJson } from "../files.js";
import { toPlotNumber } from "../values.js";
import { COLORS, fanSeries, frame, legendOf, lineSeries, slug, stepAxis, unitAxisName, valueAxis } from "./charts.js";
import { formatExact, formatNumber, plotValue } from "./format.js";
import type { Block, Cell, Chart, ReportPage, Section } from "./page.js";
import { isExperimentFolder, readExperiment, type ExperimentData, type ExperimentRun } from "./readExperiment.js";
import { unitOf, type Unit } from "./units.js";

export { isExperimentFolder };

/** What the report knows of a scenario: its flows (units of their columns) and its parameter schema. */
export interface ScenarioInfo {
  readonly flows: readonly Flow[];
  readonly schema?: ParamSchema;
}

/** Subsets drawn as fans in one chart; beyond this, medians only. */
const MAX_FANS = 4;

export async function experimentReport(
  dir: string,
  scenarioOf: (name: string) => ScenarioInfo | undefined,
): Promise<ReportPage> {
  const data = await readExperiment(dir);
  const info = data.scenario !== undefined ? scenarioOf(data.scenario) : undefined;
  const ctx = new Ctx(data, info);
  const primary: Record<string, string[]> = {
    montecarlo: ["fans", "sweep", "ab", "optimize"],
    sweep: ["sweep", "fans", "ab", "optimize"],
    ab: ["ab", "fans", "sweep", "optimize"],
    optimize: ["optimize", "fans", "sweep", "ab"],
  };
  const builders: Record<string, () => Section> = {
    fans: () => fans(ctx),
    sweep: () => sweep(ctx),
    ab: () => ab(ctx),
    optimize: () => optimize(ctx),
  };
  const order = primary[data.kind] ?? ["fans", "sweep", "ab", "optimize"];
  const sections = [overview(ctx), ...order.map((k) => builders[k]!()), runsSection(ctx)];
  const failed = data.runs.filter((r) => r.status === "failed" || r.error !== undefined).length;
  const diverged = data.runs.filter((r) => (r.divergences ?? 0) > 0).length;
  return {
    kind: "experiment",
    title: `${data.kind} of ${data.scenario ?? "an unknown scenario"}`,
    subtitle: `${data.runs.length} runs in ${ctx.subsets.length} parameter sets. Amounts in whole tokens (wei / 10^18).`,
    status:
      failed > 0
        ? { text: `${failed} runs failed`, tone: "bad" }
        : diverged > 0
          ? { text: `${diverged} runs diverged`, tone: "bad" }
          : { text: `${data.runs.length} runs`, tone: "ok" },
    sections,
    generator: "",
  };
}

class Ctx {
  readonly subsets: number[];
  readonly swept: string[];
  readonly flows: readonly Flow[];
  readonly kpis: string[];
  private readonly scales = new Map<string, number>();

  constructor(
    readonly data: ExperimentData,
    readonly info: ScenarioInfo | undefined,
  ) {
    this.flows = info?.flows ?? [];
    this.subsets = [
      ...new Set([...data.runs.map((r) => r.subset), ...[...data.fans.values()].flatMap((m) => [...m.keys()])]),
    ].sort((a, b) => a - b);
    const flat = data.runs.map((r) => flatten(r.params));
    const paths = new Set(flat.flatMap((f) => [...f.keys()]));
    this.swept = [...paths].filter((p) => new Set(flat.map((f) => JSON.stringify(f.get(p) ?? null))).size > 1);
    const fromRuns = data.runs.flatMap((r) => Object.keys(r.kpis ?? {}));
    this.kpis = [...new Set([...data.stepKpis, ...fromRuns])];
  }

  unit(kpi: string): Unit {
    return unitOf(`kpi:${kpi}`, this.flows);
  }

  /** Multiplier taking the `steps` table's DOUBLEs to plot units: checked against the runs' exact final KPIs. */
  doubleScale(kpi: string): number {
    let s = this.scales.get(kpi);
    if (s !== undefined) return s;
    const unit = this.unit(kpi);
    s = 1;
    if (unit.decimals > 0) {
      s = 10 ** -unit.decimals;
      const finals = this.data.finalDoubles.get(kpi);
      for (const r of this.data.runs) {
        const exact = r.kpis?.[kpi];
        const d = finals?.get(`${r.subset}/${r.run}`);
        if (typeof exact !== "string" || !/^-?\d+$/.test(exact) || d === undefined || d === 0) continue;
        const wei = toPlotNumber(BigInt(exact));
        if (close(d, wei)) s = 10 ** -unit.decimals;
        else if (close(d, wei * 10 ** -unit.decimals)) s = 1;
        break;
      }
    }
    this.scales.set(kpi, s);
    return s;
  }

  /** A run's final KPI in plot units: exact from `runs.kpis`, else the `steps` table's last DOUBLE. */
  final(r: ExperimentRun, kpi: string): number | undefined {
    const exact = r.kpis?.[kpi];
    const unit = this.unit(kpi);
    if (typeof exact === "number") return plotValue(exact, { label: unit.label, decimals: 0 });
    if (typeof exact === "string") return /^-?\d+$/.test(exact) ? plotValue(BigInt(exact), unit) : Number(exact);
    const d = this.data.finalDoubles.get(kpi)?.get(`${r.subset}/${r.run}`);
    return d === undefined ? undefined : d * this.doubleScale(kpi);
  }

  /** KPIs that differ across runs (the others are listed, not charted). */
  varying(): { varying: string[]; constant: string[] } {
    const varying: string[] = [];
    const constant: string[] = [];
    for (const k of this.kpis) {
      const values = new Set(this.data.runs.map((r) => this.final(r, k)).filter((v) => v !== undefined));
      const fan = this.data.fans.get(k);
      const fanVaries = fan !== undefined && [...fan.values()].some((rows) => rows.some((row) => row[1] !== row[5]));
      (values.size > 1 || fanVaries ? varying : constant).push(k);
    }
    return { varying, constant };
  }

  leaf(path: string): Leaf | undefined {
    if (this.info?.schema === undefined) return undefined;
    try {
      return leafAt(this.info.schema, path);
    } catch {
      return undefined;
    }
  }

  /** A parameter value for axes: amounts in whole tokens. */
  paramNumber(path: string, v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string" && /^-?\d+$/.test(v))
      return toPlotNumber(BigInt(v), this.leaf(path)?.type === "amount" ? 18 : 0);
    return undefined;
  }

  paramText(path: string, v: unknown): string {
    if (typeof v === "string" && /^-?\d+$/.test(v) && this.leaf(path)?.type === "amount")
      return formatExact(BigInt(v), 18);
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  paramAxis(path: string): string {
    const leaf = this.leaf(path);
    if (leaf === undefined) return path;
    if (leaf.type === "amount") return `${path} (whole tokens)`;
    return "unit" in leaf && leaf.unit !== undefined ? `${path} (${leaf.unit})` : path;
  }

  /** How a subset differs from the others: its swept values, or its A/B arm name. */
  subsetName(subset: number): string {
    const arm = armNames(this.data.spec)[subset];
    if (arm !== undefined) return arm;
    const r = this.data.runs.find((x) => x.subset === subset);
    if (r === undefined || this.swept.length === 0) return `subset ${subset}`;
    const f = flatten(r.params);
    return this.swept.map((p) => `${p.split(".").pop()}=${this.paramText(p, f.get(p))}`).join(", ");
  }
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

/** Leaf paths of a parameter tree: `fees.feeBps` -> 50. */
export function flatten(tree: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof tree !== "object" || tree === null || Array.isArray(tree)) {
    if (prefix !== "") out.set(prefix, tree);
    return out;
  }
  for (const [k, v] of Object.entries(tree)) flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
  return out;
}

/** A/B arms by subset, from experiment.json's `subsets: [{ subset, arm, assignments }]`: "A (fees.feeBps=50)". */
function armNames(spec: Readonly<Record<string, unknown>> | undefined): string[] {
  const subsets = spec?.["subsets"];
  if (!Array.isArray(subsets)) return [];
  const out: string[] = [];
  for (const s of subsets) {
    if (!isRecord(s) || typeof s["arm"] !== "string" || typeof s["subset"] !== "number") continue;
    const assignments = Array.isArray(s["assignments"]) ? s["assignments"].filter(isRecord) : [];
    const what = assignments.map((a) => `${String(a["path"])}=${String(a["value"])}`).join(" ");
    out[s["subset"]] = what === "" ? s["arm"] : `${s["arm"]} (${what})`;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

// ------------------------------------------------------------------ overview

function overview(ctx: Ctx): Section {
  const { data } = ctx;
  const statuses = new Map<string, number>();
  for (const r of data.runs) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const divergences = data.runs.reduce((s, r) => s + (r.divergences ?? 0), 0);
  const wall = data.runs.reduce((s, r) => s + (r.wallSeconds ?? 0), 0);
  const perSubset = ctx.subsets.map((s) => data.runs.filter((r) => r.subset === s).length);
  const facts: { label: string; value: string; tone?: "ok" | "bad" | "muted" }[] = [
    { label: "kind", value: data.kind },
    { label: "scenario", value: data.scenario ?? "unknown" },
    { label: "runs", value: String(data.runs.length) },
    { label: "parameter sets (subsets)", value: String(ctx.subsets.length) },
    {
      label: "runs per set",
      value: perSubset.length > 0 ? `${Math.min(...perSubset)}–${Math.max(...perSubset)}` : "–",
    },
    { label: "swept parameters", value: ctx.swept.length > 0 ? ctx.swept.join(", ") : "none" },
    { label: "steps", value: [...new Set(data.runs.map((r) => r.steps))].join(", ") || "–" },
    { label: "modes", value: [...new Set(data.runs.map((r) => r.mode))].join(", ") || "–" },
    { label: "statuses", value: [...statuses].map(([s, n]) => `${s} ${n}`).join(", ") || "–" },
    { label: "divergences (all runs)", value: String(divergences), tone: divergences > 0 ? "bad" : "ok" },
    { label: "run time (sum)", value: `${wall.toFixed(1)} s` },
  ];
  const blocks: Block[] = [{ kind: "facts", facts }];
  for (const n of data.notes) blocks.push({ kind: "note", tone: "warn", text: n });
  if (ctx.info === undefined && data.scenario !== undefined) {
    blocks.push({
      kind: "note",
      tone: "warn",
      text: `Scenario ${data.scenario} is not known to this Lockstep: units of its KPIs may be raw values.`,
    });
  }
  if (data.spec !== undefined)
    blocks.push({ kind: "code", title: "experiment.json", text: toJson(data.spec, 2), collapsed: true });
  return { id: "overview", title: "Experiment", blocks };
}

// ------------------------------------------------------------------ fans

function fans(ctx: Ctx): Section {
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
        xAxis: stepAxis(undefined, maxT),
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

// ------------------------------------------------------------------ sweep

function sweep(ctx: Ctx): Section {
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

function byParam(ctx: Ctx, path: string): (a: unknown, b: unknown) => number {
  return (a, b) => {
    const x = ctx.paramNumber(path, a);
    const y = ctx.paramNumber(path, b);
    return x !== undefined && y !== undefined ? x - y : String(a).localeCompare(String(b));
  };
}

// ------------------------------------------------------------------ A/B

interface AbKpi {
  readonly meanDiff: number;
  readonly ci: readonly [number, number];
  readonly pValue?: number;
}

function abStats(spec: Readonly<Record<string, unknown>> | undefined): Map<string, AbKpi> | undefined {
  const ab = spec?.["ab"];
  if (!isRecord(ab) || !isRecord(ab["kpis"])) return undefined;
  const out = new Map<string, AbKpi>();
  for (const [k, v] of Object.entries(ab["kpis"])) {
    if (!isRecord(v) || typeof v["meanDiff"] !== "number" || !Array.isArray(v["ci"])) continue;
    const [lo, hi] = v["ci"] as unknown[];
    if (typeof lo !== "number" || typeof hi !== "number") continue;
    out.set(k, {
      meanDiff: v["meanDiff"],
      ci: [lo, hi],
      ...(typeof v["pValue"] === "number" ? { pValue: v["pValue"] } : {}),
    });
  }
  return out;
}

function ab(ctx: Ctx): Section {
  const { data } = ctx;
  const stats = abStats(data.spec);
  const section = (blocks: Block[]): Section => ({
    id: "ab",
    title: "A/B test",
    intro:
      "Each arm's final KPIs across its runs, and the paired difference B − A of runs that share a seed, with its interval.",
    blocks,
  });
  if (data.kind !== "ab" && stats === undefined) {
    return section([
      { kind: "note", tone: "info", text: "Skipped: not an A/B test (experiment.json has no ab field)." },
    ]);
  }
  if (ctx.subsets.length !== 2) {
    return section([
      {
        kind: "note",
        tone: "warn",
        text: `Skipped: an A/B test has two arms; this experiment has ${ctx.subsets.length} parameter sets.`,
      },
    ]);
  }
  const [sa, sb] = ctx.subsets as [number, number];
  const nameA = ctx.subsetName(sa);
  const nameB = ctx.subsetName(sb);
  const runsOf = (s: number) => new Map(data.runs.filter((r) => r.subset === s).map((r) => [r.run, r]));
  const A = runsOf(sa);
  const B = runsOf(sb);
  const { varying } = ctx.varying();
  const blocks: Block[] = [];
  if (stats === undefined)
    blocks.push({
      kind: "note",
      tone: "info",
      text: "experiment.json has no ab field: differences are shown without an interval.",
    });
  const rows: Cell[][] = [];
  const charts: Chart[] = [];
  const same: string[] = [];
  const skip = new Set<string>();
  for (const kpi of varying) {
    const unit = ctx.unit(kpi);
    const xa = [...A.values()].map((r) => ctx.final(r, kpi)).filter((x): x is number => x !== undefined);
    const xb = [...B.values()].map((r) => ctx.final(r, kpi)).filter((x): x is number => x !== undefined);
    const diffs: number[] = [];
    const rawDiffs: number[] = [];
    for (const [run, ra] of A) {
      const rb = B.get(run);
      if (rb === undefined) continue;
      const a = ctx.final(ra, kpi);
      const b = ctx.final(rb, kpi);
      if (a !== undefined && b !== undefined) diffs.push(b - a);
      const ea = ra.kpis?.[kpi];
      const eb = rb.kpis?.[kpi];
      if (typeof ea === "string" && typeof eb === "string" && /^-?\d+$/.test(ea) && /^-?\d+$/.test(eb))
        rawDiffs.push(toPlotNumber(BigInt(eb) - BigInt(ea)));
    }
    const mean = diffs.length > 0 ? diffs.reduce((s, x) => s + x, 0) / diffs.length : NaN;
    const rawMean = rawDiffs.length > 0 ? rawDiffs.reduce((s, x) => s + x, 0) / rawDiffs.length : NaN;
    const given = stats?.get(kpi);
    // The experiment's statistics may be in wei or in whole tokens: take the reading that matches the data.
    const scale =
      given === undefined || unit.decimals === 0
        ? 1
        : close(given.meanDiff, mean)
          ? 1
          : close(given.meanDiff, rawMean)
            ? 10 ** -unit.decimals
            : 10 ** -unit.decimals;
    const ci = given !== undefined ? ([given.ci[0] * scale, given.ci[1] * scale] as const) : undefined;
    const box = (xs: number[]): number[] => {
      const s = [...xs].sort((p, q) => p - q);
      return [s[0] ?? NaN, quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75), s[s.length - 1] ?? NaN].map((x) =>
        Number(x.toPrecision(12)),
      );
    };
    if (diffs.length > 0 && diffs.every((x) => x === 0)) {
      same.push(kpi);
      skip.add(`ab-arms-${slug(kpi)}`).add(`ab-diff-${slug(kpi)}`);
    }
    charts.push({
      id: `ab-arms-${slug(kpi)}`,
      height: 280,
      format: { unit: unit.decimals > 0 ? unit.label : "" },
      option: {
        ...frame(`${kpi}: both arms`, `final value per run; box = quartiles, whiskers = min and max`),
        tooltip: { trigger: "item", confine: true },
        xAxis: { type: "category", data: [nameA, nameB], name: "arm", nameLocation: "middle", nameGap: 26 },
        yAxis: valueAxis(unitAxisName(unit), { scale: true }),
        series: [
          {
            type: "boxplot",
            name: "quartiles",
            data: [box(xa), box(xb)],
            itemStyle: { color: "#dbeafe", borderColor: COLORS.chain },
          },
          {
            type: "scatter",
            name: "runs",
            symbolSize: 5,
            itemStyle: { color: COLORS.model, opacity: 0.7 },
            data: [...xa.map((x) => [nameA, x]), ...xb.map((x) => [nameB, x])],
          },
        ],
      },
    });
    const dSorted = [...diffs].sort((p, q) => p - q);
    const diffSeries: SeriesOption[] = [
      {
        type: "boxplot",
        name: "paired differences",
        data: [box(dSorted)],
        itemStyle: { color: "#ede9fe", borderColor: COLORS.difference },
      },
      {
        type: "scatter",
        name: "mean difference",
        symbol: "diamond",
        symbolSize: 12,
        data: [["B − A", Number(mean.toPrecision(12))]],
        itemStyle: { color: COLORS.diverged },
        z: 5,
      },
    ];
    if (ci !== undefined) {
      diffSeries.push({
        type: "line",
        name: "interval",
        data: [
          ["B − A", ci[0]],
          ["B − A", ci[1]],
        ],
        symbol: "rect",
        symbolSize: [18, 2],
        lineStyle: { width: 3, color: COLORS.diverged },
        itemStyle: { color: COLORS.diverged },
        z: 6,
      } as SeriesOption);
    }
    charts.push({
      id: `ab-diff-${slug(kpi)}`,
      height: 280,
      format: { unit: unit.decimals > 0 ? unit.label : "" },
      option: {
        ...frame(
          `${kpi}: B − A, paired by seed`,
          `${diffs.length} pairs${ci !== undefined ? "; red bar = the experiment's interval" : ""}`,
        ),
        tooltip: { trigger: "item", confine: true },
        xAxis: { type: "category", data: ["B − A"], name: `${nameB} − ${nameA}`, nameLocation: "middle", nameGap: 26 },
        yAxis: valueAxis(unitAxisName(unit), { scale: true }),
        series: [
          ...diffSeries,
          {
            type: "line",
            name: "no difference",
            data: [["B − A", 0]],
            markLine: {
              silent: true,
              symbol: "none",
              lineStyle: { color: "#9ca3af", type: "dashed" },
              data: [{ yAxis: 0 }],
            },
            showSymbol: false,
          } as SeriesOption,
        ],
      },
    });
    rows.push([
      kpi,
      formatNumber(mean),
      ci !== undefined ? `[${formatNumber(ci[0])}, ${formatNumber(ci[1])}]` : "–",
      given?.pValue !== undefined
        ? { text: formatNumber(given.pValue), tone: given.pValue < 0.05 ? "ok" : "muted" }
        : "–",
      diffs.length,
      unit.label,
    ]);
  }
  blocks.push({
    kind: "table",
    title: `Paired differences (${nameB} − ${nameA})`,
    columns: ["KPI", "mean difference", "interval", "p-value", "pairs", "unit"],
    numeric: [1, 3, 4],
    rows,
  });
  blocks.push({ kind: "charts", columns: 2, charts: charts.filter((c) => !skip.has(c.id)) });
  if (same.length > 0) {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `The same in both arms for every seed (not charted): ${same.join(", ")}.`,
    });
  }
  return section(blocks);
}

// ------------------------------------------------------------------ optimisation

function optimize(ctx: Ctx): Section {
  const spec = ctx.data.spec;
  const opt = spec?.["optimize"];
  const section = (blocks: Block[]): Section => ({
    id: "optimize",
    title: "Optimisation",
    intro: "The objective per generation, the best candidates, and whether the chain confirms them.",
    blocks,
  });
  if (!isRecord(opt)) {
    return section([
      { kind: "note", tone: "info", text: "Skipped: not an optimisation (experiment.json has no optimize field)." },
    ]);
  }
  const blocks: Block[] = [];
  const objective =
    typeof opt["objective"] === "string"
      ? opt["objective"]
      : typeof spec?.["objective"] === "string"
        ? spec["objective"]
        : "objective";
  // The optimiser scores runs by their final KPIs as `toPlotNumber` gives them (wei for amounts): shown in whole tokens.
  const unit = ctx.unit(objective);
  const scale = unit.decimals > 0 ? 10 ** -unit.decimals : 1;
  const objectiveAxis = unit.decimals > 0 ? `${objective} (${unitAxisName(unit)})` : `${objective} (${unit.label})`;
  const values = (v: unknown): string =>
    isRecord(v)
      ? Object.entries(v)
          .map(([p, x]) => `${p}=${ctx.paramText(p, x)}`)
          .join(", ")
      : String(v ?? "–");
  const history = Array.isArray(opt["history"]) ? opt["history"].filter(isRecord) : [];
  if (history.length > 0) {
    const line = (key: string) =>
      history
        .filter((h) => typeof h[key] === "number" && typeof h["generation"] === "number")
        .map((h) => [h["generation"] as number, (h[key] as number) * scale] as const);
    const series = [
      lineSeries({ name: "best", data: line("best"), color: COLORS.chain, width: 3 }),
      lineSeries({ name: "mean", data: line("mean"), color: COLORS.model, dashed: true }),
    ];
    blocks.push({
      kind: "charts",
      columns: 2,
      charts: [
        {
          id: "opt-history",
          height: 300,
          format: { unit: "" },
          option: {
            ...frame(`${objective} per generation`, "best and mean candidate of each generation"),
            xAxis: { type: "value", name: "generation", nameLocation: "middle", nameGap: 26, minInterval: 1 },
            yAxis: valueAxis(objectiveAxis, { scale: true }),
            series,
          },
        },
      ],
    });
  } else
    blocks.push({ kind: "note", tone: "info", text: "No optimize.history in experiment.json: no progress chart." });
  const best = Array.isArray(opt["best"]) ? opt["best"].filter(isRecord) : [];
  if (best.length > 0) {
    const paths = [...new Set(best.flatMap((b) => (isRecord(b["values"]) ? Object.keys(b["values"]) : [])))];
    blocks.push({
      kind: "table",
      title: "Best candidates",
      columns: ["rank", ...paths, objectiveAxis],
      numeric: [0, ...paths.map((_, i) => i + 1), paths.length + 1],
      rows: best.map((b, i) => [
        i + 1,
        ...paths.map((p) => (isRecord(b["values"]) ? ctx.paramText(p, b["values"][p]) : "–")),
        typeof b["objective"] === "number" ? formatNumber(b["objective"] * scale) : String(b["objective"] ?? "–"),
      ]),
    });
  } else blocks.push({ kind: "note", tone: "info", text: "No optimize.best in experiment.json: no candidates table." });
  const confirmation = Array.isArray(opt["confirmation"]) ? opt["confirmation"].filter(isRecord) : [];
  if (typeof opt["rankingConfirmed"] === "boolean") {
    blocks.push(
      opt["rankingConfirmed"]
        ? {
            kind: "note",
            tone: "ok",
            text: "The chain confirms the model's ranking of the best candidates, with no divergence.",
          }
        : {
            kind: "note",
            tone: "bad",
            text: "The chain does NOT confirm the model's ranking of the best candidates: see the table.",
          },
    );
  }
  if (confirmation.length > 0) {
    const keys = [...new Set(confirmation.flatMap((c) => Object.keys(c)))];
    blocks.push({
      kind: "table",
      title: "Confirmation on the chain",
      columns: keys,
      rows: confirmation.map((c) =>
        keys.map((k): Cell => {
          const v = c[k];
          if (k === "divergences" && typeof v === "number") return { text: String(v), tone: v > 0 ? "bad" : "ok" };
          if (typeof v === "number") return formatNumber(/objective/i.test(k) ? v * scale : v);
          if (k === "values") return values(v);
          if (typeof v === "string") return v;
          return v === undefined ? "–" : JSON.stringify(v);
        }),
      ),
    });
    const numericKeys = keys.filter(
      (k) =>
        k !== "rank" && k !== "candidate" && confirmation.every((c) => typeof c[k] === "number" || c[k] === undefined),
    );
    const plotted = numericKeys.filter((k) => /objective|model|chain/i.test(k));
    if (plotted.length > 0) {
      blocks.push({
        kind: "charts",
        columns: 2,
        charts: [
          {
            id: "opt-confirmation",
            height: 300,
            format: { unit: "" },
            option: {
              ...frame(`${objective}: model against chain`, "each best candidate re-run in lockstep"),
              tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
              xAxis: {
                type: "category",
                data: confirmation.map((_, i) => `#${i + 1}`),
                name: "candidate",
                nameLocation: "middle",
                nameGap: 26,
              },
              yAxis: valueAxis(objectiveAxis),
              series: plotted.map(
                (k, i) =>
                  ({
                    type: "bar",
                    name: k,
                    data: confirmation.map((c) =>
                      typeof c[k] === "number" ? Number((c[k] * scale).toPrecision(12)) : null,
                    ),
                    itemStyle: { color: COLORS.palette[i % COLORS.palette.length] },
                  }) as SeriesOption,
              ),
            },
          },
        ],
      });
    }
  } else
    blocks.push({
      kind: "note",
      tone: "info",
      text: "No optimize.confirmation in experiment.json: the chain's confirmation is not reported.",
    });
  return section(blocks);
}

// ------------------------------------------------------------------ runs

function runsSection(ctx: Ctx): Section {
  const { data } = ctx;
  if (data.runs.length === 0)
    return {
      id: "runs",
      title: "Runs",
      blocks: [{ kind: "note", tone: "info", text: "No runs table in results.duckdb." }],
    };
  const shown = ctx.kpis.slice(0, 4);
  return {
    id: "runs",
    title: "Runs",
    blocks: [
      {
        kind: "table",
        title: `All ${data.runs.length} runs`,
        columns: [
          "subset",
          "run",
          "seed",
          "status",
          "divergences",
          ...ctx.swept,
          ...shown.map((k) => `${k} (${ctx.unit(k).label})`),
          "wall s",
        ],
        numeric: [0, 1, 4, ...shown.map((_, i) => 5 + ctx.swept.length + i), 5 + ctx.swept.length + shown.length],
        searchable: data.runs.length > 20,
        limit: 50,
        rows: data.runs.map((r) => {
          const f = flatten(r.params);
          return [
            r.subset,
            r.run,
            r.seed,
            r.error !== undefined
              ? { text: r.status, tone: "bad", title: r.error }
              : { text: r.status, tone: r.status === "parity" ? "ok" : "muted" },
            (r.divergences ?? 0) > 0 ? { text: String(r.divergences), tone: "bad" } : (r.divergences ?? "–"),
            ...ctx.swept.map((p) => ctx.paramText(p, f.get(p))),
            ...shown.map((k) => {
              const v = ctx.final(r, k);
              return v === undefined ? "–" : formatNumber(v);
            }),
            r.wallSeconds !== undefined ? r.wallSeconds.toFixed(2) : "–",
          ];
        }),
      },
    ],
  };
}
