/**
 * The report as data: a page of sections, each a list of blocks (chart grids, tables, notes). Builders (the run
 * report, the experiment report) produce a `ReportPage`; `renderHtml` turns it into one self-contained HTML file.
 * Charts are ECharts options, plain JSON; the page's script adds only number formatters to them.
 */
import type { EChartsOption } from "echarts";

/** How a chart's numbers are printed: on the value axis (compact) and in the tooltip (`unit` appended). */
export interface ChartFormat {
  readonly unit: string;
}

export interface Chart {
  /** Unique in the page; the container's id. */
  readonly id: string;
  readonly option: EChartsOption;
  /** Pixels. */
  readonly height: number;
  readonly format?: ChartFormat;
}

export type Cell = string | number | { readonly text: string; readonly title?: string; readonly tone?: Tone };
export type Tone = "ok" | "warn" | "bad" | "muted";

export interface ChartsBlock {
  readonly kind: "charts";
  readonly title?: string;
  readonly intro?: string;
  /** Charts per row on a wide screen. */
  readonly columns: 1 | 2 | 3;
  readonly charts: readonly Chart[];
}

export interface TableBlock {
  readonly kind: "table";
  readonly title?: string;
  readonly columns: readonly string[];
  /** Columns holding numbers (right-aligned). */
  readonly numeric?: readonly number[];
  /** Columns of long text, wrapped. */
  readonly wrap?: readonly number[];
  readonly rows: readonly (readonly Cell[])[];
  /** A search box filtering the rows. */
  readonly searchable?: boolean;
  /** Rows pick an entity of the explorer (their first cell is the entity id). */
  readonly picks?: string;
  /** Rows kept visible before "show all". */
  readonly limit?: number;
}

export interface NoteBlock {
  readonly kind: "note";
  readonly tone: "info" | "ok" | "warn" | "bad";
  readonly text: string;
}

export interface CodeBlock {
  readonly kind: "code";
  readonly title?: string;
  readonly text: string;
  /** Shown collapsed, under `title`. */
  readonly collapsed?: boolean;
}

/** Facts as a definition grid (scenario, seed, status, ...). */
export interface FactsBlock {
  readonly kind: "facts";
  readonly facts: readonly { readonly label: string; readonly value: string; readonly tone?: Tone }[];
}

/** Series of one entity field, as plotted: model and chain (omitted when equal to the model), diverged timesteps. */
export interface FieldSeries {
  readonly m?: readonly number[];
  readonly c?: readonly number[];
  readonly d?: readonly number[];
}

/**
 * A picker over many entities (agents): one chart per field, filled by the page's script from `data` with the
 * template charts' styling. `templates[i]` has series named "model", "chain", "diverged".
 */
export interface ExplorerBlock {
  readonly kind: "explorer";
  readonly id: string;
  readonly entities: readonly { readonly id: string; readonly role: string }[];
  readonly fields: readonly string[];
  readonly templates: readonly Chart[];
  readonly timesteps: readonly number[];
  /** entity id -> field -> series. */
  readonly data: Readonly<Record<string, Readonly<Record<string, FieldSeries>>>>;
  readonly initial: string;
}

export type Block = ChartsBlock | TableBlock | NoteBlock | CodeBlock | FactsBlock | ExplorerBlock;

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly intro?: string;
  readonly blocks: readonly Block[];
}

export interface ReportPage {
  readonly kind: "run" | "experiment" | "fuzz";
  readonly title: string;
  readonly subtitle: string;
  readonly status?: { readonly text: string; readonly tone: Tone };
  readonly sections: readonly Section[];
  /** What produced the report, printed in the footer. */
  readonly generator: string;
}
