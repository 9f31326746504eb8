/** The experiment report's first section: what ran, how many runs in how many parameter sets, and how they ended. */
import { toJson } from "../../files.js";
import type { Block, Section } from "../page.js";
import type { ExperimentContext } from "./context.js";

export function overview(ctx: ExperimentContext): Section {
  const { data } = ctx;
  const statuses = new Map<string, number>();
  for (const r of data.runs) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  const divergences = data.runs.reduce((s, r) => s + (r.divergences ?? 0), 0);
  const wall = data.runs.reduce((s, r) => s + (r.wallSeconds ?? 0), 0);
  const perSubset = ctx.subsets.map((s) => data.runs.filter((r) => r.subset === s).length);
  const facts: { label: string; value: string; tone?: "ok" | "bad" | "muted" }[] = [
    { label: "kind", value: data.kind },
    { label: "scenario", value: data.scenario ?? "unknown" },
    ...(data.declarations.mechanism !== undefined ? [{ label: "mechanism", value: data.declarations.mechanism }] : []),
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
  if (data.spec !== undefined && data.declarations.units === undefined) {
    blocks.push({
      kind: "note",
      tone: "warn",
      text: "experiment.json records no units (an older Lockstep wrote it): KPIs are shown as recorded, amounts in wei.",
    });
  }
  if (data.spec !== undefined)
    blocks.push({ kind: "code", title: "experiment.json", text: toJson(data.spec, 2), collapsed: true });
  const description = data.declarations.description;
  return { id: "overview", title: "Experiment", ...(description !== undefined ? { intro: description } : {}), blocks };
}
