/**
 * What every section of an experiment's report reads: the experiment's data, its parameter sets and swept
 * parameters, its KPIs in their declared units (recorded in experiment.json; see declarations.ts), and the
 * parameters' units.
 */
import { toPlotNumber } from "../../values.js";
import { stepLabel } from "../charts.js";
import { formatExact, plotValue } from "../format.js";
import type { ExperimentData, ExperimentRun } from "../readExperiment.js";
import { UnitTable, type Unit } from "../units.js";

export class ExperimentContext {
  readonly subsets: number[];
  readonly swept: string[];
  readonly kpis: string[];
  /** The units the experiment declares. */
  readonly units: UnitTable;
  /** What a step is, for axis names: "step (month)". */
  readonly step: string;
  private readonly scales = new Map<string, number>();

  constructor(readonly data: ExperimentData) {
    const d = data.declarations;
    this.units = new UnitTable(d.units ?? {}, d.flows);
    this.step = stepLabel(d.stepSeconds);
    this.subsets = [
      ...new Set([...data.runs.map((r) => r.subset), ...[...data.fans.values()].flatMap((m) => [...m.keys()])]),
    ].sort((a, b) => a - b);
    const flat = data.runs.map((r) => flatten(r.params));
    const paths = new Set(flat.flatMap((f) => [...f.keys()]));
    this.swept = [...paths].filter((p) => new Set(flat.map((f) => JSON.stringify(f.get(p) ?? null))).size > 1);
    const fromRuns = data.runs.flatMap((r) => Object.keys(r.kpis ?? {}));
    this.kpis = [...new Set([...data.stepKpis, ...fromRuns])];
  }

  /** A KPI's unit. */
  unit(kpi: string): Unit {
    return this.units.kpi(kpi);
  }

  /** Multiplier taking the `steps` table's DOUBLEs to plot units: checked against the runs' exact final KPIs. */
  doubleScale(kpi: string): number {
    let s = this.scales.get(kpi);
    if (s !== undefined) return s;
    const unit = this.unit(kpi);
    s = 1;
    if (unit.decimals > 0) {
      s = 10 ** -unit.decimals;
      const finals = this.data.finalDoubles.get(kpi);
      for (const r of this.data.runs) {
        const exact = r.kpis?.[kpi];
        const d = finals?.get(`${r.subset}/${r.run}`);
        if (typeof exact !== "string" || !/^-?\d+$/.test(exact) || d === undefined || d === 0) continue;
        const wei = toPlotNumber(BigInt(exact));
        if (close(d, wei)) s = 10 ** -unit.decimals;
        else if (close(d, wei * 10 ** -unit.decimals)) s = 1;
        break;
      }
    }
    this.scales.set(kpi, s);
    return s;
  }

  /** A run's final KPI in plot units: exact from `runs.kpis`, else the `steps` table's last DOUBLE. */
  final(r: ExperimentRun, kpi: string): number | undefined {
    const exact = r.kpis?.[kpi];
    const unit = this.unit(kpi);
    if (typeof exact === "number") return plotValue(exact, { label: unit.label, decimals: 0 });
    if (typeof exact === "string") return /^-?\d+$/.test(exact) ? plotValue(BigInt(exact), unit) : Number(exact);
    const d = this.data.finalDoubles.get(kpi)?.get(`${r.subset}/${r.run}`);
    return d === undefined ? undefined : d * this.doubleScale(kpi);
  }

  /** KPIs that differ across runs (the others are listed, not charted). */
  varying(): { varying: string[]; constant: string[] } {
    const varying: string[] = [];
    const constant: string[] = [];
    for (const k of this.kpis) {
      const values = new Set(this.data.runs.map((r) => this.final(r, k)).filter((v) => v !== undefined));
      const fan = this.data.fans.get(k);
      const fanVaries = fan !== undefined && [...fan.values()].some((rows) => rows.some((row) => row[1] !== row[5]));
      (values.size > 1 || fanVaries ? varying : constant).push(k);
    }
    return { varying, constant };
  }

  /** A parameter's declared unit: amounts (decimals > 0) are shown in whole tokens. */
  private parameterUnit(path: string): Unit | undefined {
    const units = this.data.declarations.parameterUnits;
    return Object.prototype.hasOwnProperty.call(units, path) ? units[path] : undefined;
  }

  /** A parameter value for axes: amounts in whole tokens. */
  paramNumber(path: string, v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string" && /^-?\d+$/.test(v))
      return toPlotNumber(BigInt(v), this.parameterUnit(path)?.decimals ?? 0);
    return undefined;
  }

  paramText(path: string, v: unknown): string {
    const decimals = this.parameterUnit(path)?.decimals ?? 0;
    if (typeof v === "string" && /^-?\d+$/.test(v) && decimals > 0) return formatExact(BigInt(v), decimals);
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  paramAxis(path: string): string {
    const unit = this.parameterUnit(path);
    if (unit === undefined) return path;
    return unit.decimals > 0 ? `${path} (whole tokens)` : `${path} (${unit.label})`;
  }

  /** How a subset differs from the others: its swept values, or its A/B arm name. */
  subsetName(subset: number): string {
    const arm = armNames(this.data.spec)[subset];
    if (arm !== undefined) return arm;
    const r = this.data.runs.find((x) => x.subset === subset);
    if (r === undefined || this.swept.length === 0) return `subset ${subset}`;
    const f = flatten(r.params);
    return this.swept.map((p) => `${p.split(".").pop()}=${this.paramText(p, f.get(p))}`).join(", ");
  }
}

export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

/** Leaf paths of a parameter tree: `fees.feeBps` -> 50. */
export function flatten(tree: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof tree !== "object" || tree === null || Array.isArray(tree)) {
    if (prefix !== "") out.set(prefix, tree);
    return out;
  }
  for (const [k, v] of Object.entries(tree)) flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
  return out;
}

/** A/B arms by subset, from experiment.json's `subsets: [{ subset, arm, assignments }]`: "A (fees.feeBps=50)". */
function armNames(spec: Readonly<Record<string, unknown>> | undefined): string[] {
  const subsets = spec?.["subsets"];
  if (!Array.isArray(subsets)) return [];
  const out: string[] = [];
  for (const s of subsets) {
    if (!isRecord(s) || typeof s["arm"] !== "string" || typeof s["subset"] !== "number") continue;
    const assignments = Array.isArray(s["assignments"]) ? s["assignments"].filter(isRecord) : [];
    const what = assignments.map((a) => `${String(a["path"])}=${String(a["value"])}`).join(" ");
    out[s["subset"]] = what === "" ? s["arm"] : `${s["arm"]} (${what})`;
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
