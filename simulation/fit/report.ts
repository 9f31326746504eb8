/**
 * A fit's report: the fitted parameters with their intervals over seeds (or the word that the
 * distance cannot tell them apart), the goodness of fit, each Action kind's count per step
 * observed against the fitted runs' band, the KPIs observed against fitted, the amounts and
 * delays, and each parameter's profile. Built as a ReportPage and rendered like any report.
 */
import type { SeriesOption } from "echarts";
import {
  COLORS,
  fanSeries,
  frame,
  legendOf,
  lineSeries,
  slug,
  stepAxis,
  valueAxis,
} from "../analysis/report/charts.js";
import type { Cell, Chart, ReportPage, Section, Tone } from "../analysis/report/page.js";
import { quantile } from "../analysis/stats.js";
import type { FitResult } from "./fit.js";
import { ks, type Statistics } from "./statistics.js";

interface ObservedInput {
  readonly statistics: Statistics;
  readonly steps: number;
  readonly data: {
    readonly dir: string;
    readonly manifest: { readonly kpis: Readonly<Record<string, string | number>> };
  };
}

interface ManifestInput {
  readonly scenario: string;
  readonly runs: number;
  readonly fitted: readonly {
    readonly path: string;
    readonly value: number | undefined;
    readonly interval: readonly [number, number];
    readonly identifiable: boolean;
  }[];
}

/** The kinds charted: the most frequent, observed or fitted. */
const MAX_KINDS = 12;

export function fitReport(observed: ObservedInput, r: FitResult, m: ManifestInput): Omit<ReportPage, "generator"> {
  const ratio = r.goodness.ratio;
  const tone: Tone = ratio <= 1.5 ? "ok" : ratio <= 3 ? "warn" : "bad";
  const sections: Section[] = [
    {
      id: "fit",
      title: "Fitted parameters",
      intro:
        "Each candidate ran in model mode on the same seeds; its distance to the observation is counts + amounts + delays " +
        "(see the README). An interval is the range of the estimates of the seeds one by one; a parameter whose profile is " +
        "flatter than twice the seeds' noise cannot be told apart by the distance and is not reported as fitted.",
      blocks: [
        {
          kind: "facts",
          facts: [
            { label: "scenario", value: m.scenario },
            { label: "observed", value: observed.data.dir },
            { label: "steps", value: String(observed.steps) },
            { label: "observed actions", value: String(observed.statistics.actions) },
            { label: "model runs", value: String(m.runs) },
            {
              label: "goodness of fit",
              value: `${fmt(ratio)} (distance ${fmt(r.goodness.observed.total)} against ${fmt(median(r.goodness.reference))} between the model's own runs)`,
              tone,
            },
          ],
        },
        {
          kind: "table",
          columns: ["parameter", "fitted", "interval over seeds", "verdict"],
          numeric: [1],
          rows: m.fitted.map((f): Cell[] => [
            f.path,
            f.identifiable ? fmt(f.value ?? NaN) : "—",
            f.identifiable ? `${fmt(f.interval[0])} .. ${fmt(f.interval[1])}` : "—",
            f.identifiable
              ? { text: "fitted", tone: "ok" }
              : { text: "cannot be told apart by the distance", tone: "warn" },
          ]),
        },
      ],
    },
    {
      id: "counts",
      title: "Actions per step: observed against fitted",
      intro:
        "The observation's count of each kind per step (solid) and the fitted runs' median with their p5–p95 band.",
      blocks: [{ kind: "charts", columns: 2, charts: countCharts(observed.statistics, r) }],
    },
    {
      id: "kpis",
      title: "KPIs: observed against fitted",
      blocks: [
        {
          kind: "table",
          columns: ["KPI", "observed (at the end)", "fitted mean", "fitted p5", "fitted p95"],
          numeric: [1, 2, 3, 4],
          rows: kpiRows(observed.data.manifest.kpis, r),
        },
      ],
    },
    {
      id: "distributions",
      title: "Amounts and delays",
      intro: "Amounts as log10(1 + value); delays in days between two actions naming the same identifier.",
      blocks: [
        {
          kind: "table",
          columns: ["series", "observed n", "observed median", "fitted n", "fitted median", "KS distance"],
          numeric: [1, 2, 3, 4, 5],
          rows: distributionRows(observed.statistics, r),
        },
      ],
    },
    {
      id: "profiles",
      title: "Profiles",
      intro: "The distance along each parameter, the others at the fit: the mean over seeds with ±2 standard errors.",
      blocks: [{ kind: "charts", columns: 2, charts: r.profiles.map(profileChart) }],
    },
  ];
  return {
    kind: "experiment",
    title: `Fit of ${m.scenario}`,
    subtitle: `${m.fitted.map((f) => f.path).join(", ")} to ${observed.data.dir}`,
    status: { text: `goodness of fit ${fmt(ratio)}`, tone },
    sections,
  };
}

function countCharts(o: Statistics, r: FitResult): Chart[] {
  const fitted = r.fitted.map((x) => x.statistics);
  const total = (s: Statistics, k: string) => (s.counts[k] ?? []).reduce((a, b) => a + b, 0);
  const kinds = [...new Set([...Object.keys(o.counts), ...fitted.flatMap((s) => Object.keys(s.counts))])]
    .sort(
      (a, b) =>
        total(o, b) +
        fitted.reduce((s, f) => s + total(f, b), 0) / fitted.length -
        (total(o, a) + fitted.reduce((s, f) => s + total(f, a), 0) / fitted.length),
    )
    .slice(0, MAX_KINDS);
  return kinds.map((kind) => {
    const rows = Array.from({ length: o.steps }, (_, t) => {
      const xs = fitted.map((s) => s.counts[kind]?.[t] ?? 0).sort((a, b) => a - b);
      return [t, quantile(xs, 0.05), quantile(xs, 0.25), quantile(xs, 0.5), quantile(xs, 0.75), quantile(xs, 0.95)];
    });
    const series: SeriesOption[] = [
      ...fanSeries("fitted", rows, COLORS.model, `fit-${slug(kind)}`),
      lineSeries({
        name: "observed",
        data: rows.map((_, t) => [t, o.counts[kind]?.[t] ?? 0]),
        color: COLORS.chain,
        width: 3,
      }),
    ];
    const base = frame(kind, "actions per step");
    return {
      id: `count-${slug(kind)}`,
      height: 260,
      format: { unit: "" },
      option: {
        ...base,
        legend: { ...(base.legend as object), data: legendOf(series) },
        xAxis: stepAxis("step", o.steps - 1),
        yAxis: valueAxis("actions"),
        series,
      },
    };
  });
}

function kpiRows(observed: Readonly<Record<string, string | number>>, r: FitResult): Cell[][] {
  const names = Object.keys(r.fitted[0]?.kpis ?? {});
  return names.map((k) => {
    const xs = r.fitted.map((f) => Number(f.kpis[k])).sort((a, b) => a - b);
    const o = observed[k];
    return [
      k,
      o === undefined ? "—" : fmt(Number(o)),
      fmt(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
      fmt(quantile(xs, 0.05)),
      fmt(quantile(xs, 0.95)),
    ];
  });
}

function distributionRows(o: Statistics, r: FitResult): Cell[][] {
  const rows: Cell[][] = [];
  for (const [pick, scale, what] of [
    [(s: Statistics) => s.amounts, 1, "amount"],
    [(s: Statistics) => s.delays, 1 / 86_400, "delay"],
  ] as const) {
    const keys = new Set([...Object.keys(pick(o)), ...r.fitted.flatMap((f) => Object.keys(pick(f.statistics)))]);
    for (const key of [...keys].sort()) {
      const a = pick(o)[key] ?? [];
      const b = r.fitted.flatMap((f) => pick(f.statistics)[key] ?? []).sort((x, y) => x - y);
      rows.push([
        `${what}: ${key}`,
        a.length,
        a.length === 0 ? "—" : fmt(quantile(a, 0.5) * scale),
        b.length,
        b.length === 0 ? "—" : fmt(quantile(b, 0.5) * scale),
        a.length === 0 || b.length === 0 ? (a.length === b.length ? "0" : "1") : fmt(ks(a, b)),
      ]);
    }
  }
  return rows;
}

function profileChart(p: FitResult["profiles"][number]): Chart {
  const rows = p.grid.map((x, i) => {
    const m = p.mean[i]!;
    const e = 2 * p.se[i]!;
    return [x, m - e, m - e, m, m + e, m + e];
  });
  const series: SeriesOption[] = [...fanSeries("distance", rows, COLORS.chain, `profile-${slug(p.path)}`, true)];
  const base = frame(
    p.path,
    p.identifiable ? `fitted; interval ${fmt(p.interval[0])} .. ${fmt(p.interval[1])}` : "cannot be told apart",
  );
  return {
    id: `profile-${slug(p.path)}`,
    height: 260,
    format: { unit: "" },
    option: {
      ...base,
      legend: { ...(base.legend as object), data: legendOf(series) },
      xAxis: { ...stepAxis(p.path), min: p.grid[0] ?? 0, max: p.grid[p.grid.length - 1] ?? 1, minInterval: 0 },
      yAxis: valueAxis("distance"),
      series,
    },
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(4)).toString();
}
