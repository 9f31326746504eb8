/**
 * The run report's parity section: whether model and chain agreed; if not, the first divergence with both exact
 * values and the actions before it, every diverged variable, and a chart of each with chain − model.
 */
import { slug } from "../charts.js";
import { formatExact, formatGap, formatInUnit } from "../format.js";
import type { Block, Cell, Section, TableBlock } from "../page.js";
import type { RunData } from "../readRunFolder.js";
import { smallestUnit, type Unit } from "../units.js";
import { actionsTable, namesOf } from "./actionsTable.js";
import type { RunContext } from "./context.js";
import { variableChart } from "./variableChart.js";
import { isActionDivergence } from "../../../engine/record.js";

export function parity(ctx: RunContext): Section {
  const { run, divergedAt } = ctx;
  const m = run.manifest;
  const blocks: Block[] = [];
  const d = m.firstDivergence;
  if (m.mode !== "lockstep") {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `A ${m.mode}-mode run compares nothing: only the ${m.mode === "model" ? "model" : "chain"} ran.`,
    });
    return { id: "parity", title: "Parity", blocks };
  }
  if (d === undefined) {
    blocks.push({
      kind: "note",
      tone: "ok",
      text: `Model and chain agreed: ${m.comparisons ?? "all"} comparisons, every action's outcome the same on both sides.`,
    });
    return { id: "parity", title: "Parity", blocks };
  }
  const unit = ctx.unit(d.variable);
  const mv = /^-?\d+$/.test(d.model) ? BigInt(d.model) : undefined;
  const cv = /^-?\d+$/.test(d.chain) ? BigInt(d.chain) : undefined;
  blocks.push({
    kind: "table",
    title: "First divergence",
    columns: ["step", "substep", "variable", "model", "chain", "chain − model", "seed"],
    numeric: [0, 5, 6],
    rows: [
      [
        d.step,
        d.substep,
        { text: d.variable, tone: "bad" },
        exactCell(d.model, mv, unit),
        exactCell(d.chain, cv, unit),
        mv !== undefined && cv !== undefined ? gapCell(cv - mv, unit) : "–",
        d.seed,
      ],
    ],
  });
  const sampled = !isActionDivergence(d.variable);
  blocks.push(
    actionsTable(
      d.actions,
      namesOf(run),
      sampled
        ? `Actions of step ${d.step} (the state is sampled after the step)`
        : `Actions of substep ${d.substep} of step ${d.step}`,
    ),
  );
  const isAccount = (v: string) => Number(ctx.accounts.of(v) !== undefined);
  const rows = [...divergedAt.entries()]
    .map(([v, ts]) => ({ v, ts, first: ts[0] ?? 0 }))
    .sort((a, b) => a.first - b.first || isAccount(a.v) - isAccount(b.v) || a.v.localeCompare(b.v));
  const table: TableBlock = {
    kind: "table",
    title: `Diverged variables (${rows.length})`,
    columns: ["variable", "first step", "samples diverged", "largest |chain − model|"],
    numeric: [1, 2, 3],
    searchable: rows.length > 15,
    limit: 25,
    rows: rows.map(({ v, ts }) => [v, ts[0] ?? "–", ts.length, maxGap(run, v, ctx.unit(v))]),
  };
  blocks.push(table);
  if (rows.length > 0) {
    blocks.push({
      kind: "charts",
      title: "Every diverged variable",
      intro:
        "Chain solid, model dashed, red triangles where the two differ beyond tolerance; the violet steps (right axis) are chain − model in the raw unit, so a one-wei difference shows.",
      columns: 2,
      charts: rows.map(({ v }) => variableChart(ctx, v, `div-${slug(v)}`, true)),
    });
  }
  return { id: "parity", title: "Parity", blocks };
}

/** An exact value in its unit, with the integer as recorded in the cell's title. */
function exactCell(text: string, v: bigint | undefined, unit: Unit): Cell {
  if (v === undefined) return text;
  return { text: formatInUnit(v, unit), title: `${text}${unit.decimals > 0 ? ` ${smallestUnit(unit)}` : ""}` };
}

function gapCell(gap: bigint, unit: Unit): Cell {
  return {
    text: formatGap(gap, unit),
    title: `${formatExact(gap, 0)}${unit.decimals > 0 ? ` ${smallestUnit(unit)}` : ""}`,
  };
}

function maxGap(run: RunData, v: string, unit: Unit): Cell {
  const ms = run.trace.column(`${v}:model`) ?? [];
  const cs = run.trace.column(`${v}:chain`) ?? [];
  let best: bigint | undefined;
  ms.forEach((mv, i) => {
    const cv = cs[i];
    if (typeof mv !== "bigint" || typeof cv !== "bigint") return;
    const gap = cv > mv ? cv - mv : mv - cv;
    if (best === undefined || gap > best) best = gap;
  });
  return best === undefined ? "–" : gapCell(best, unit);
}
