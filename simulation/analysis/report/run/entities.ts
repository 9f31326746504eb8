/**
 * The run report's accounts: a picker over every account (its variables on both sides over the run) and a table of
 * every account's fields at the end of the run.
 */
import { comparisonChart } from "../charts.js";
import { formatExact, formatRounded, plotValue } from "../format.js";
import type { Chart, ExplorerBlock, FieldSeries, Section, TableBlock } from "../page.js";
import { smallestUnit } from "../units.js";
import { roleOf } from "./accounts.js";
import { decisive, type RunContext, type Value } from "./context.js";

export function entities(ctx: RunContext): Section {
  const { run, accounts } = ctx;
  const t = run.trace;
  const ids = accounts.entities;
  const fields = accounts.fields;
  if (ids.length === 0)
    return {
      id: "entities",
      title: "Entities",
      blocks: [{ kind: "note", tone: "info", text: "This run has no per-entity variables." }],
    };
  // One account's unit of a field stands for all: a field's unit is declared by its name.
  const unitOf = (field: string) => ctx.unit(`${ids[0]!}.${field}`);
  const data: Record<string, Record<string, FieldSeries>> = {};
  const divergedCount = new Map<string, number>();
  for (const e of ids) {
    const series: Record<string, FieldSeries> = {};
    for (const field of fields) {
      const unit = unitOf(field);
      const ms = t.column(`${e}.${field}:model`);
      const cs = t.column(`${e}.${field}:chain`);
      if (ms === undefined && cs === undefined) continue;
      const plot = (col: readonly Value[]) => col.map((x) => (x === undefined ? 0 : plotValue(x, unit)));
      const same = ms !== undefined && cs !== undefined && ms.every((x, i) => x === cs[i]);
      const d = ctx.divergedAt.get(`${e}.${field}`);
      if (d !== undefined) divergedCount.set(e, (divergedCount.get(e) ?? 0) + d.length);
      series[field] = {
        ...(ms !== undefined ? { m: plot(ms) } : {}),
        ...(cs !== undefined && !same ? { c: plot(cs) } : {}),
        ...(d !== undefined ? { d } : {}),
      };
    }
    data[e] = series;
  }
  const order = [...ids].sort(
    (a, b) =>
      (divergedCount.get(b) ?? 0) - (divergedCount.get(a) ?? 0) ||
      roleOf(a).localeCompare(roleOf(b)) ||
      Number(a.match(/(\d+)$/)?.[1] ?? -1) - Number(b.match(/(\d+)$/)?.[1] ?? -1) ||
      a.localeCompare(b),
  );
  const templates: Chart[] = fields.map((field) =>
    comparisonChart({
      id: `explorer-${field}`,
      title: field,
      timesteps: t.timesteps,
      step: ctx.step,
      ...(t.hasModel ? { model: [] } : {}),
      ...(t.hasChain ? { chain: [] } : {}),
      diverged: [0],
      unit: unitOf(field),
      height: 240,
    }),
  );
  const explorer: ExplorerBlock = {
    kind: "explorer",
    id: "explorer",
    entities: order.map((id) => ({ id, role: roleOf(id) })),
    fields,
    templates,
    timesteps: t.timesteps,
    data,
    initial: order.find((e) => divergedCount.has(e)) ?? typical(ctx, order) ?? order[0]!,
  };
  const last = t.timesteps.length - 1;
  const table: TableBlock = {
    kind: "table",
    title: `Entities (${ids.length}), at the end of the run`,
    columns: [
      "entity",
      "role",
      ...fields.map((f) => (unitOf(f).label === "value" ? f : `${f} (${unitOf(f).label})`)),
      "diverged samples",
    ],
    numeric: [...fields.map((_, i) => i + 2), fields.length + 2],
    searchable: true,
    picks: "explorer",
    limit: 40,
    rows: order.map((e) => [
      e,
      roleOf(e),
      ...fields.map((f) => {
        const v = decisive(run, `${e}.${f}`)[last];
        const unit = unitOf(f);
        if (typeof v !== "bigint") return "–";
        return unit.decimals > 0
          ? {
              text: formatRounded(v, unit.decimals, 4),
              title: `${formatExact(v, unit.decimals)} (${v} ${smallestUnit(unit)})`,
            }
          : { text: formatExact(v, 0), title: String(v) };
      }),
      divergedCount.has(e) ? { text: String(divergedCount.get(e)), tone: "bad" } : 0,
    ]),
  };
  return {
    id: "entities",
    title: "Entities",
    intro: "Pick an entity (type its id, or click a row of the table) to see its variables on both sides over the run.",
    blocks: [explorer, table],
  };
}

/** The first account, in the table's order, of the role with the most accounts (the first such role among equals). */
function typical(ctx: RunContext, order: readonly string[]): string | undefined {
  let role: string | undefined;
  for (const [r, members] of ctx.accounts.byRole) {
    if (role === undefined || members.length > ctx.accounts.byRole.get(role)!.length) role = r;
  }
  return order.find((e) => roleOf(e) === role);
}
