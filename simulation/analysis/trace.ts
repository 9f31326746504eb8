import type { VariableList, Variables } from "../engine/types";
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

/**
 * `traceRow` for the successive samples of one run: a cell is encoded again only when its value
 * changed since the previous row, as most of a run's variables do not change in a given step.
 * `modelList`, when given, stands for `s.model` (see ModelBackend.sampleList).
 */
export function traceRowWriter(layout: TraceLayout): (s: StepSample, modelList?: VariableList) => string[] {
  const model = layout.model ? new ColumnCache(layout.variables) : undefined;
  const chain = layout.chain ? new ColumnCache(layout.variables) : undefined;
  const variables = layout.variables.length * ((model !== undefined ? 1 : 0) + (chain !== undefined ? 1 : 0));
  return (s, modelList) => {
    if (modelList !== undefined) model?.updateFromList(modelList);
    else model?.update(s.model);
    chain?.update(s.chain);
    // The row's length is known: filled in place rather than grown cell by cell.
    const out = new Array<string>(5 + variables + layout.kpis.length + 1);
    let n = 0;
    out[n++] = String(layout.simulation);
    out[n++] = String(layout.subset);
    out[n++] = String(layout.run);
    out[n++] = String(s.timestep);
    out[n++] = s.substep;
    for (let i = 0; i < layout.variables.length; i++) {
      if (model !== undefined) out[n++] = model.cells[i]!;
      if (chain !== undefined) out[n++] = chain.cells[i]!;
    }
    for (const k of layout.kpis) out[n++] = cell(s.kpis[k]);
    out[n++] = s.diverged.join(";");
    return out;
  };
}

/** One side's cells of the latest row, with the values they encode. */
class ColumnCache {
  private readonly values: (bigint | number | undefined)[];
  readonly cells: string[];

  constructor(private readonly names: readonly string[]) {
    this.values = new Array<undefined>(names.length).fill(undefined);
    this.cells = new Array<string>(names.length).fill("");
  }

  update(vars: Variables | undefined): void {
    for (let i = 0; i < this.names.length; i++) this.set(i, vars?.get(this.names[i]!));
  }

  /**
   * The same from a list whose names come in the layout's order (a sample of the accounts alive,
   * in the order of all the run's accounts), read in one pass; from its Map when they do not.
   */
  updateFromList(list: VariableList): void {
    const { names, values } = list;
    let j = 0;
    for (let i = 0; i < this.names.length; i++) {
      this.set(i, j < names.length && names[j] === this.names[i] ? values[j++] : undefined);
    }
    if (j === names.length) return;
    const vars: Variables = new Map();
    for (let k = 0; k < names.length; k++) vars.set(names[k]!, values[k]!);
    this.update(vars);
  }

  private set(i: number, v: bigint | number | undefined): void {
    if (v !== this.values[i]) {
      this.values[i] = v;
      this.cells[i] = cell(v);
    }
  }
}

function cell(v: bigint | number | undefined): string {
  return v === undefined ? "" : encodeValue(v);
}
