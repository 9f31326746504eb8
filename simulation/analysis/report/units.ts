/**
 * Units of the trace's columns, for axis labels and for showing integers as whole tokens: what the scenario and its
 * mechanism declare (recorded in the folder; see declarations.ts), else what its flows say of the columns they total.
 * A column declared nowhere is shown as the integer it is ("value"), never guessed to be wei.
 */
import type { Flow } from "../../engine/types.js";

export interface Unit {
  /** Axis label: a token symbol, "bps", or what is counted. */
  readonly label: string;
  /** 18 for token amounts in wei (shown in whole tokens), 0 for counts. */
  readonly decimals: number;
}

export const RAW: Unit = { label: "value", decimals: 0 };

/** The name of an amount's smallest unit, for exact values: "wei" for 18 decimals, "base units" for others. */
export function smallestUnit(unit: Unit): string {
  return unit.decimals === 18 ? "wei" : "base units";
}

/** Whether `name` matches `pattern`, where `*` stands for any characters (or none). */
export function matchesPattern(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const parts = pattern.split("*");
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  const end = name.length - parts[parts.length - 1]!.length;
  for (const part of parts.slice(1, -1)) {
    const i = name.indexOf(part, at);
    if (i < 0 || i + part.length > end) return false;
    at = i + part.length;
  }
  return at <= end;
}

/** The unit of each column, from the declared units (by name, then by account field, then by pattern) and the flows. */
export class UnitTable {
  private readonly patterns: readonly (readonly [string, Unit])[];
  private readonly cache = new Map<string, Unit>();

  constructor(
    private readonly units: Readonly<Record<string, Unit>>,
    private readonly flows: readonly Flow[],
  ) {
    this.patterns = Object.entries(units).filter(([k]) => k.includes("*"));
  }

  /** Whether any column may be an amount (a unit with decimals). */
  get hasAmounts(): boolean {
    return Object.values(this.units).some((u) => u.decimals > 0) || this.flows.some((f) => f.decimals > 0);
  }

  /** The decimals of the amounts, when they all have the same. */
  get amountDecimals(): number | undefined {
    const all = new Set([...Object.values(this.units).map((u) => u.decimals), ...this.flows.map((f) => f.decimals)]);
    all.delete(0);
    return all.size === 1 ? [...all][0] : undefined;
  }

  /** The unit of a trace column: a variable's name, or `kpi:<name>`; `field` is an account variable's field. */
  of(column: string, field?: string): Unit {
    const key = field === undefined ? column : `${column}\u0000${field}`;
    let unit = this.cache.get(key);
    if (unit === undefined) {
      unit = this.lookUp(column, field);
      this.cache.set(key, unit);
    }
    return unit;
  }

  /** A KPI's unit. */
  kpi(name: string): Unit {
    return this.of(`kpi:${name}`);
  }

  private lookUp(column: string, field: string | undefined): Unit {
    const name = column.startsWith("kpi:") ? column.slice(4) : column;
    const exact = Object.prototype.hasOwnProperty.call(this.units, name) ? this.units[name] : undefined;
    if (exact !== undefined) return exact;
    const byField =
      field !== undefined && Object.prototype.hasOwnProperty.call(this.units, field) ? this.units[field] : undefined;
    if (byField !== undefined) return byField;
    const pattern = this.patterns.find(([p]) => matchesPattern(p, name));
    if (pattern !== undefined) return pattern[1];
    const flow = this.flows.find((f) => f.total === column);
    if (flow !== undefined) return { label: flow.unit, decimals: flow.decimals };
    return RAW;
  }
}

/**
 * How a page says its amounts are shown, from what the folder declares (`recorded`: whether it records units at
 * all); `marked`: whether values in the smallest unit appear, marked as such.
 */
export function amountsNote(units: UnitTable, recorded: boolean, marked: boolean): string {
  if (!recorded) return "The folder records no units (an older Lockstep wrote it): values are shown as recorded.";
  if (!units.hasAmounts) return "No value is declared an amount: values are shown as recorded.";
  const wei = units.amountDecimals === 18;
  const how = wei ? "wei / 10^18" : "base units / 10^decimals of their unit";
  return `Amounts in whole tokens (${how})${marked ? ` unless marked ${wei ? "wei" : "base units"}` : ""}.`;
}
