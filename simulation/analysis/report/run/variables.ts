/**
 * The run report's global variables: every compared variable that is no account's, chain solid and model dashed, in
 * the mechanism's `variableGroups`, else grouped by the name's first segment.
 */
import { slug } from "../charts.js";
import type { Block, Section } from "../page.js";
import { matchesPattern } from "../units.js";
import { isFlatZero, type RunContext } from "./context.js";
import { variableChart } from "./variableChart.js";

/** A global variable's chart group: the first declared group with a matching name, else its first segment. */
export function variableGroupOf(
  declared: Readonly<Record<string, readonly string[]>>,
  variable: string,
  fallback: string,
): string {
  for (const [group, names] of Object.entries(declared)) {
    if (names.some((n) => matchesPattern(n, variable))) return group;
  }
  const dot = variable.indexOf(".");
  return dot > 0 ? variable.slice(0, dot) : fallback;
}

export function systemVariables(ctx: RunContext): Section {
  const { run } = ctx;
  const globals = run.trace.variables.filter((v) => ctx.accounts.of(v) === undefined);
  const groups = new Map<string, string[]>();
  const flat: string[] = [];
  const fallback = ctx.declarations.mechanism ?? "variables";
  for (const v of globals) {
    if (isFlatZero(run, v) && !ctx.divergedAt.has(v)) {
      flat.push(v);
      continue;
    }
    const g = variableGroupOf(ctx.declarations.variableGroups, v, fallback);
    const list = groups.get(g) ?? [];
    list.push(v);
    groups.set(g, list);
  }
  const blocks: Block[] = [...groups.entries()].map(([g, vars]) => ({
    kind: "charts" as const,
    title: g,
    columns: 3 as const,
    charts: vars.map((v) => variableChart(ctx, v, `var-${slug(v)}`)),
  }));
  if (flat.length > 0)
    blocks.push({
      kind: "note",
      tone: "info",
      text: `0 at every step on both sides (not charted): ${flat.join(", ")}.`,
    });
  if (globals.length === 0) blocks.push({ kind: "note", tone: "info", text: "This run compares no global variable." });
  return {
    id: "system",
    title: "System variables",
    intro:
      "Every global variable the mechanism compares, chain solid and model dashed (they coincide where the two agree).",
    blocks,
  };
}
