import type { Variables } from "../engine/types";
import { encodeValue } from "./values";

/** What a run's trace holds, fixed before its first sample. */
export interface TraceLayout {
  readonly simulation: number;
  readonly subset: number;
  readonly run: number;
  /** Variable names, in column order. */
  readonly variables: readonly string[];
  readonly kpis: readonly string[];
  /** Which sides have values: model, chain or both. */
  readonly model: boolean;
  readonly chain: boolean;
}

/** One sample of a run: after a step (or the initial state, timestep 0). */
export interface StepSample {
  readonly timestep: number;
  readonly substep: string;
  readonly model?: Variables;
  readonly chain?: Variables;
  readonly kpis: Readonly<Record<string, number | bigint>>;
  /** Variables outside their tolerance at this sample. */
  readonly diverged: readonly string[];
}

/** cadCAD's column order: `simulation, subset, run, timestep, substep`, each variable's model and chain value, the KPIs, the divergent variables. */
export function traceHeader(layout: TraceLayout): string[] {
  const out = ["simulation", "subset", "run", "timestep", "substep"];
  for (const v of layout.variables) {
    if (layout.model) out.push(`${v}:model`);
    if (layout.chain) out.push(`${v}:chain`);
  }
  for (const k of layout.kpis) out.push(`kpi:${k}`);
  out.push("diverged");
  return out;
}

/** One trace row, amounts as exact decimal strings. */
export function traceRow(layout: TraceLayout, s: StepSample): string[] {
  const out = [String(layout.simulation), String(layout.subset), String(layout.run), String(s.timestep), s.substep];
  for (const v of layout.variables) {
    if (layout.model) out.push(cell(s.model?.get(v)));
    if (layout.chain) out.push(cell(s.chain?.get(v)));
  }
  for (const k of layout.kpis) out.push(cell(s.kpis[k]));
  out.push(s.diverged.join(";"));
  return out;
}

function cell(v: bigint | number | undefined): string {
  return v === undefined ? "" : encodeValue(v);
}
