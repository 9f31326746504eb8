/**
 * What every section of a run's report reads: the run, what it recorded of its scenario, the unit of each column,
 * which variables are an account's, and the steps at which each variable diverged.
 */
import type { Declarations } from "../declarations.js";
import type { RunData } from "../readRunFolder.js";
import { stepLabel } from "../charts.js";
import { UnitTable, type Unit } from "../units.js";
import { indexAccounts, type AccountIndex } from "./accounts.js";

export type Value = bigint | number | undefined;

export interface RunContext {
  readonly run: RunData;
  readonly declarations: Declarations;
  readonly accounts: AccountIndex;
  /** Variable -> the timesteps at which it was outside its tolerance. */
  readonly divergedAt: ReadonlyMap<string, readonly number[]>;
  /** What a step is, for axis names: "step (month)". */
  readonly step: string;
  /** The units the run declares. */
  readonly units: UnitTable;
  /** The unit of a trace column (a variable, or `kpi:<name>`). */
  unit(column: string): Unit;
}

export function runContext(run: RunData): RunContext {
  const { trace } = run;
  const declarations = run.manifest.declarations;
  const divergedAt = new Map<string, number[]>();
  trace.diverged.forEach((vars, i) => {
    for (const v of vars) {
      const list = divergedAt.get(v) ?? [];
      list.push(trace.timesteps[i]!);
      divergedAt.set(v, list);
    }
  });
  const accounts = indexAccounts(trace.variables, declarations.accountFields ?? [], Object.keys(instances(run)));
  const units = new UnitTable(declarations.units ?? {}, declarations.flows);
  return {
    run,
    declarations,
    accounts,
    divergedAt,
    step: stepLabel(declarations.stepSeconds),
    units,
    unit: (column) => units.of(column, accounts.of(column)?.field),
  };
}

/**
 * The deployed contracts' addresses by instance name: the manifest's `contracts.addresses` (a deployment: addresses,
 * artifacts, deployer), or `contracts` itself when it is a plain map of names and addresses.
 */
export function instances(run: RunData): Readonly<Record<string, string>> {
  const contracts = run.manifest.contracts ?? {};
  const nested = contracts["addresses"];
  const map = typeof nested === "object" && nested !== null ? (nested as Record<string, unknown>) : contracts;
  const out: Record<string, string> = {};
  for (const [name, address] of Object.entries(map)) if (typeof address === "string") out[name] = address;
  return out;
}

/** The column that holds what happened: the chain's when the run has one, else the model's. */
export function decisive(run: RunData, variable: string): readonly Value[] {
  const t = run.trace;
  return (t.hasChain ? t.column(`${variable}:chain`) : t.column(`${variable}:model`)) ?? [];
}

/** Whether a variable is 0 (or absent) at every step on both sides. */
export function isFlatZero(run: RunData, v: string): boolean {
  const zero = (col: readonly Value[] | undefined) =>
    col === undefined || col.every((x) => x === undefined || x === 0n || x === 0);
  return zero(run.trace.column(`${v}:model`)) && zero(run.trace.column(`${v}:chain`));
}
