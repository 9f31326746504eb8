/**
 * The run report's activity: Actions per step by group (the mechanism's `actionGroups`, else by kind), gas per kind,
 * and reverted Actions by custom error.
 */
import type { SeriesOption } from "echarts";
import { frame, valueAxis } from "../charts.js";
import type { Block, Chart, Section } from "../page.js";
import type { ActionRow } from "../readRunFolder.js";
import type { RunContext } from "./context.js";
import { gasBlocks } from "./gas.js";

/** Colours of the action groups, in their order; reverted Actions are red whatever their kind. */
const GROUP_COLORS = [
  "#1d4ed8",
  "#059669",
  "#65a30d",
  "#f59e0b",
  "#ea580c",
  "#db2777",
  "#9333ea",
  "#c084fc",
  "#0891b2",
  "#94a3b8",
  "#cbd5e1",
  "#4b5563",
  "#0f766e",
  "#a16207",
  "#be123c",
  "#6366f1",
] as const;
const REVERTS = "reverts";
const REVERTS_COLOR = "#dc2626";

/** Each kind's group, and the groups in the legend's order: declared ones first, then kinds of no group as they come. */
export function actionGroupsOf(
  declared: Readonly<Record<string, readonly string[]>>,
  kinds: readonly string[],
): { groupOf: ReadonlyMap<string, string>; order: readonly string[] } {
  const groupOf = new Map<string, string>();
  for (const [group, members] of Object.entries(declared))
    for (const k of members) if (!groupOf.has(k)) groupOf.set(k, group);
  const order = Object.keys(declared);
  for (const k of kinds) {
    if (groupOf.has(k)) continue;
    groupOf.set(k, k);
    if (!order.includes(k)) order.push(k);
  }
  return { groupOf, order };
}

export function activity(ctx: RunContext): Section {
  const actions = ctx.run.actions;
  if (actions.length === 0) {
    return {
      id: "activity",
      title: "Actions and gas",
      blocks: [{ kind: "note", tone: "info", text: "No actions.ndjson in this run folder (or no actions)." }],
    };
  }
  const failed = (a: ActionRow) => (a.chain ?? a.model)?.status === "reverted";
  const blocks: Block[] = [
    { kind: "charts", columns: 1, charts: [actionMix(ctx, failed)] },
    ...gasBlocks(actions, failed),
    revertsBlock(actions, failed),
  ];
  const first = /\((.+)\)$/.exec(ctx.step)?.[1];
  return {
    id: "activity",
    title: "Actions and gas",
    intro: `${actions.length} actions from actions.ndjson. Steps count from 1${first !== undefined ? ` (the first ${first})` : ""}.`,
    blocks,
  };
}

function actionMix(ctx: RunContext, failed: (a: ActionRow) => boolean): Chart {
  const { actions, manifest } = ctx.run;
  const steps = manifest.steps;
  const { groupOf, order } = actionGroupsOf(ctx.declarations.actionGroups, [...new Set(actions.map((a) => a.kind))]);
  const counts = new Map<string, number[]>();
  for (const a of actions) {
    const group = failed(a) ? REVERTS : groupOf.get(a.kind)!;
    const row = counts.get(group) ?? new Array<number>(steps).fill(0);
    if (a.step >= 0 && a.step < steps) row[a.step]! += 1;
    counts.set(group, row);
  }
  const color = (group: string, i: number) =>
    group === REVERTS ? REVERTS_COLOR : GROUP_COLORS[i % GROUP_COLORS.length]!;
  return {
    id: "action-mix",
    height: 340,
    format: { unit: "" },
    option: {
      ...frame(
        "Actions per step, by kind",
        "stacked; reverted actions (on the chain, or the model in model mode) counted apart",
      ),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: {
        type: "category",
        data: Array.from({ length: steps }, (_, i) => String(i + 1)),
        name: ctx.step,
        nameLocation: "middle",
        nameGap: 26,
      },
      yAxis: valueAxis("actions per step"),
      series: [...order, REVERTS]
        .map((group, i) => ({ group, i }))
        .filter(({ group }) => counts.has(group))
        .map(
          ({ group, i }) =>
            ({
              type: "bar",
              name: group,
              stack: "actions",
              data: counts.get(group)!,
              itemStyle: { color: color(group, i) },
              barCategoryGap: "25%",
            }) as SeriesOption,
        ),
    },
  };
}

function revertsBlock(actions: readonly ActionRow[], failed: (a: ActionRow) => boolean): Block {
  const reverts = new Map<string, { kind: string; error: string; n: number; steps: Set<number>; diverged: number }>();
  for (const a of actions) {
    if (!failed(a)) continue;
    const error = ((a.chain ?? a.model)?.error ?? "(no error data)").replace(/\(.*$/, "");
    const key = `${a.kind} ${error}`;
    const r = reverts.get(key) ?? { kind: a.kind, error, n: 0, steps: new Set<number>(), diverged: 0 };
    r.n++;
    r.steps.add(a.step + 1);
    if (a.diverged) r.diverged++;
    reverts.set(key, r);
  }
  if (reverts.size === 0) return { kind: "note", tone: "ok", text: "No action reverted." };
  return {
    kind: "table",
    title: "Reverted actions, by custom error",
    columns: ["action", "error", "count", "steps", "model disagreed"],
    numeric: [2, 4],
    rows: [...reverts.values()]
      .sort((a, b) => b.n - a.n)
      .map((r) => [
        r.kind,
        r.error,
        r.n,
        [...r.steps].join(", "),
        r.diverged > 0 ? { text: String(r.diverged), tone: "bad" } : 0,
      ]),
  };
}
