/** Every run of an experiment: its parameter set, seed, status, swept values and first KPIs. */
import { formatNumber } from "../format.js";
import type { Section } from "../page.js";
import { flatten, type ExperimentContext } from "./context.js";

export function runsSection(ctx: ExperimentContext): Section {
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
