/**
 * An optimisation: whether the objective varies beyond its noise, the objective per generation, the best candidates,
 * and whether the chain confirms their ranking beyond the noise.
 */
import type { SeriesOption } from "echarts";
import { COLORS, frame, lineSeries, unitAxisName, valueAxis } from "../charts.js";
import { formatNumber } from "../format.js";
import type { Block, Cell, Section } from "../page.js";
import { isRecord, type ExperimentContext } from "./context.js";

export function optimize(ctx: ExperimentContext): Section {
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
  const flat = flatnessNote(opt["flatness"], objective);
  if (flat !== undefined) blocks.splice(0, 0, flat);
  const ranking = rankingNote(opt["ranking"], opt["rankingConfirmed"]);
  if (ranking !== undefined) blocks.push(ranking);
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

/** The flatness verdict (experiment.json `optimize.flatness`): a flat objective names no best. */
function flatnessNote(f: unknown, objective: string): Block | undefined {
  if (!isRecord(f) || typeof f["verdict"] !== "string") return undefined;
  const p =
    typeof f["pValue"] === "number" ? ` (${String(f["test"] ?? "F-test")}, p = ${f["pValue"].toPrecision(2)})` : "";
  if (f["verdict"] === "flat")
    return {
      kind: "note",
      tone: "warn",
      text: `Flat objective: ${objective} does not vary over the searched range beyond its noise${p}. The best candidates below are not a finding.`,
    };
  if (f["verdict"] === "varies")
    return { kind: "note", tone: "ok", text: `${objective} varies over the searched range beyond its noise${p}.` };
  return {
    kind: "note",
    tone: "info",
    text: `Not tested against the noise (too few candidates or seeds): whether ${objective} varies is not known.`,
  };
}

/** The chain's verdict on the ranking (experiment.json `optimize.ranking`; older folders: `rankingConfirmed`). */
function rankingNote(r: unknown, confirmed: unknown): Block | undefined {
  const verdict = isRecord(r)
    ? r["verdict"]
    : typeof confirmed === "boolean"
      ? confirmed
        ? "confirmed"
        : "not-confirmed"
      : undefined;
  const reason = isRecord(r) && typeof r["reason"] === "string" ? `: ${r["reason"]}` : "";
  switch (verdict) {
    case "confirmed":
      return {
        kind: "note",
        tone: "ok",
        text: "The chain confirms the model's ranking of the best candidates: every neighbouring difference exceeds the noise, with no divergence.",
      };
    case "partial":
      return {
        kind: "note",
        tone: "warn",
        text: "The chain confirms only part of the model's ranking: some neighbouring candidates tie (their difference is within the noise).",
      };
    case "tie":
      return {
        kind: "note",
        tone: "warn",
        text: "The ranking is a tie: no difference between the best candidates exceeds the noise.",
      };
    case "single":
      return { kind: "note", tone: "info", text: "One candidate confirmed: there is no ranking to confirm." };
    case "not-confirmed":
      return {
        kind: "note",
        tone: "bad",
        text: `The chain does NOT confirm the model's ranking of the best candidates${reason}: see the table.`,
      };
    default:
      return undefined;
  }
}
