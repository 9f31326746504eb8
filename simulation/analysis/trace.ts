import type { VariableList, Variables } from "../engine/types.js";
import { encodeValue } from "./values.js";

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
 * A run's trace lines, sample after sample: `traceRow(layout, s).join(",")` (the line of
 * trace.csv that the run's hash covers, without its newline), built for the steady state of a
 * run. Most of a run's variables do not change in a given step, so a cell is encoded again only
 * when its value changed, and the variable cells are kept joined in blocks of `blockCells`: a
 * line re-joins only the blocks with a changed cell. (A model-mode run spent a sixth of its time
 * building and joining whole rows of 500 cells.) `modelList`, when given, stands for `s.model`
 * (see ModelBackend.sampleList).
 */
export function traceLineWriter(
  layout: TraceLayout,
  blockCells = 64,
): (s: StepSample, modelList?: VariableList) => string {
  const sides = (layout.model ? 1 : 0) + (layout.chain ? 1 : 0);
  const cells = new BlockedCells(layout.variables.length * sides, blockCells);
  const model = layout.model ? new ColumnCache(layout.variables, cells, sides, 0) : undefined;
  const chain = layout.chain ? new ColumnCache(layout.variables, cells, sides, layout.model ? 1 : 0) : undefined;
  const head = `${layout.simulation},${layout.subset},${layout.run},`;
  return (s, modelList) => {
    if (modelList !== undefined) model?.updateFromList(modelList);
    else model?.update(s.model);
    chain?.update(s.chain);
    let line = head + String(s.timestep) + "," + s.substep;
    if (cells.size > 0) line += "," + cells.joined();
    for (const k of layout.kpis) line += "," + cell(s.kpis[k]);
    return line + "," + s.diverged.join(";");
  };
}

/** A row's variable cells, with each block of them kept joined until one of its cells changes. */
class BlockedCells {
  private readonly cells: string[];
  private readonly blocks: string[];
  private readonly stale: boolean[];

  constructor(
    readonly size: number,
    private readonly blockCells: number,
  ) {
    this.cells = new Array<string>(size).fill("");
    const blocks = Math.ceil(size / blockCells);
    this.blocks = new Array<string>(blocks).fill("");
    this.stale = new Array<boolean>(blocks).fill(true);
  }

  set(k: number, cell: string): void {
    this.cells[k] = cell;
    this.stale[Math.floor(k / this.blockCells)] = true;
  }

  joined(): string {
    for (let b = 0; b < this.blocks.length; b++) {
      if (!this.stale[b]) continue;
      this.blocks[b] = this.cells.slice(b * this.blockCells, (b + 1) * this.blockCells).join(",");
      this.stale[b] = false;
    }
    return this.blocks.join(",");
  }
}

/** One side's values of the latest row, whose cells it writes at `offset`, then every `stride`. */
class ColumnCache {
  private readonly values: (bigint | number | undefined)[];

  constructor(
    private readonly names: readonly string[],
    private readonly cells: BlockedCells,
    private readonly stride: number,
    private readonly offset: number,
  ) {
    this.values = new Array<undefined>(names.length).fill(undefined);
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
      this.cells.set(i * this.stride + this.offset, cell(v));
    }
  }
}

function cell(v: bigint | number | undefined): string {
  return v === undefined ? "" : encodeValue(v);
}
