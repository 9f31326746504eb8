/** An A/B test: both arms' final KPIs, and the paired difference B − A of runs that share a seed, with its interval. */
import type { SeriesOption } from "echarts";
import { toPlotNumber } from "../../values.js";
import { COLORS, frame, slug, unitAxisName, valueAxis } from "../charts.js";
import { formatNumber } from "../format.js";
import type { Block, Cell, Chart, Section } from "../page.js";
import { close, isRecord, quantile, type ExperimentContext } from "./context.js";

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

export function ab(ctx: ExperimentContext): Section {
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
