/**
 * The run report's stock-and-flow diagram: the value flows the scenario declares, each totalled from a trace column
 * at the end of the run, one Sankey diagram per unit (token), small flows drawn again enlarged.
 */
import type { SeriesOption } from "echarts";
import type { Flow } from "../../../engine/types.js";
import { COLORS, frame, slug } from "../charts.js";
import { formatInUnit, formatNumber, plotValue } from "../format.js";
import type { Block, Chart, Section } from "../page.js";
import type { Unit } from "../units.js";
import { decisive, type RunContext } from "./context.js";

export function valueFlows(ctx: RunContext): Section {
  const { run } = ctx;
  const flows = ctx.declarations.flows;
  const blocks: Block[] = [];
  if (flows.length === 0) {
    blocks.push({
      kind: "note",
      tone: "info",
      text:
        ctx.declarations.units === undefined
          ? "The run folder records no flows (an older Lockstep wrote it), so there is no stock-and-flow diagram."
          : `Scenario ${run.manifest.scenario} declares no flows, so there is no stock-and-flow diagram.`,
    });
    return { id: "flows", title: "Value flows", blocks };
  }
  const finalOf = (column: string): bigint | number | undefined => {
    const col = column.startsWith("kpi:") ? run.trace.column(column) : decisive(run, column);
    if (col === undefined || col.length === 0) return undefined;
    return col[col.length - 1];
  };
  const missing: string[] = [];
  const zero: string[] = [];
  const byUnit = new Map<string, { flow: Flow; total: bigint | number }[]>();
  for (const f of flows) {
    const total = finalOf(f.total);
    if (total === undefined) {
      missing.push(`${f.from} → ${f.to} (${f.total})`);
      continue;
    }
    const list = byUnit.get(f.unit) ?? [];
    list.push({ flow: f, total });
    byUnit.set(f.unit, list);
  }
  const charts: Chart[] = [];
  for (const [unitLabel, list] of byUnit) {
    const unit: Unit = { label: unitLabel, decimals: list[0]!.flow.decimals };
    const live = list.filter(({ total }) => (typeof total === "bigint" ? total > 0n : total > 0));
    for (const { flow } of list.filter((x) => !live.includes(x)))
      zero.push(`${flow.from} → ${flow.to} (${flow.label}, ${unitLabel})`);
    if (live.length === 0) continue;
    // Flows under 2% of the largest would be hairlines with overlapping labels: they are drawn again, enlarged.
    const value = (x: { total: bigint | number }) => plotValue(x.total, unit);
    const largest = Math.max(...live.map(value));
    const small = live.filter((x) => value(x) < SMALL_FLOW * largest);
    const zoom = small.length > 0 && small.length < live.length;
    charts.push(sankey(`flows-${slug(unitLabel)}`, unit, live, zoom ? new Set(small.map((x) => x.flow)) : new Set()));
    if (zoom) charts.push(sankey(`flows-${slug(unitLabel)}-small`, unit, small, new Set(), true));
  }
  blocks.push({
    kind: "charts",
    intro:
      "Stocks are boxes, flows are arrows, labelled with what flowed during the whole run. A stock whose outflows are smaller than its inflows still holds the difference. One diagram per token: widths are comparable only within a diagram.",
    columns: 1,
    charts,
  });
  if (zero.length > 0)
    blocks.push({ kind: "note", tone: "info", text: `Nothing flowed during this run along: ${zero.join("; ")}.` });
  if (missing.length > 0) {
    blocks.push({
      kind: "note",
      tone: "warn",
      text: `Declared flows whose total is not a column of this run's trace (skipped): ${missing.join("; ")}.`,
    });
  }
  blocks.push({
    kind: "table",
    title: "Flows",
    columns: ["from", "to", "what", "total", "trace column"],
    numeric: [3],
    rows: flows.map((f) => {
      const total = finalOf(f.total);
      return [
        f.from,
        f.to,
        f.label,
        { text: formatInUnit(total, { label: f.unit, decimals: f.decimals }), title: String(total ?? "") },
        f.total,
      ];
    }),
  });
  return { id: "flows", title: "Value flows", blocks };
}

/** Flows under this share of a diagram's largest are labelled in a second, enlarged diagram. */
const SMALL_FLOW = 0.02;

function sankey(
  id: string,
  unit: Unit,
  list: readonly { flow: Flow; total: bigint | number }[],
  unlabelled: ReadonlySet<Flow>,
  enlarged = false,
): Chart {
  const names: string[] = [];
  const inflow = new Map<string, number>();
  const outflow = new Map<string, number>();
  const links = list.map(({ flow, total }) => {
    for (const n of [flow.from, flow.to]) if (!names.includes(n)) names.push(n);
    const value = plotValue(total, unit);
    outflow.set(flow.from, (outflow.get(flow.from) ?? 0) + value);
    inflow.set(flow.to, (inflow.get(flow.to) ?? 0) + value);
    return {
      source: flow.from,
      target: flow.to,
      value,
      edgeLabel: { show: !unlabelled.has(flow), formatter: `${flow.label}: ${formatNumber(value)}` },
    };
  });
  const through = (n: string) => Math.max(inflow.get(n) ?? 0, outflow.get(n) ?? 0);
  const largest = Math.max(...names.map(through));
  // A stock all of whose flows are unlabelled here is labelled in the enlarged diagram.
  const quiet = (n: string) =>
    list.filter((x) => x.flow.from === n || x.flow.to === n).every((x) => unlabelled.has(x.flow));
  const subtitle = enlarged
    ? `flows under ${SMALL_FLOW * 100}% of the largest, enlarged; in whole ${unit.label} tokens`
    : `arrows: what flowed, in whole ${unit.label} tokens; boxes: the larger of in- and outflow` +
      (unlabelled.size > 0 ? `; flows under ${SMALL_FLOW * 100}% of the largest are labelled below` : "");
  return {
    id,
    height: Math.max(340, 110 + 58 * names.length),
    format: { unit: unit.label },
    option: {
      ...frame(enlarged ? `Small value flows in ${unit.label}` : `Value flows in ${unit.label} over the run`, subtitle),
      tooltip: { trigger: "item", confine: true },
      legend: { show: true, top: 44, right: 8, left: "auto", data: [`${unit.label} flows`] },
      series: [
        {
          type: "sankey",
          name: `${unit.label} flows`,
          left: 16,
          right: 240,
          top: 86,
          // Sinks in the last column read best for the whole picture; a chain of small flows reads best left-aligned.
          nodeAlign: enlarged ? "left" : "justify",
          bottom: 16,
          nodeGap: 34,
          nodeWidth: 16,
          draggable: false,
          // Nodes keep the order the scenario declares its flows in, which keeps its arrows from crossing.
          layoutIterations: 0,
          emphasis: { focus: "adjacency" },
          lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
          edgeLabel: { show: true, fontSize: 11, color: "#1f2937", textBorderColor: "#ffffff", textBorderWidth: 3 },
          label: { fontSize: 12, color: "#111827", textBorderColor: "#ffffff", textBorderWidth: 3 },
          data: names.map((n, i) => ({
            name: n,
            itemStyle: { color: COLORS.palette[i % COLORS.palette.length]! },
            label: {
              show: !quiet(n) || through(n) >= SMALL_FLOW * largest,
              position: "top",
              align: "left",
              formatter: `${n}: ${formatNumber(through(n))} ${unit.label}`,
            },
          })),
          links,
        } as SeriesOption,
      ],
    },
  };
}
