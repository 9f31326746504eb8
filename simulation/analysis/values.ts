import type { ActionArg } from "../engine/types.js";

/** Amounts are written as exact decimal strings; numbers as JavaScript prints them. */
export function encodeValue(v: bigint | number): string {
  return typeof v === "bigint" ? v.toString() : Number.isInteger(v) ? v.toString() : v.toPrecision(12);
}

/** The one place an amount becomes a float: for plots only, in whole tokens when `decimals` is given. */
export function toPlotNumber(v: bigint, decimals = 0): number {
  if (decimals === 0) return Number(v);
  const scale = 10n ** BigInt(decimals);
  return Number(v / scale) + Number(v % scale) / Number(scale);
}

export function formatArgs(args: Readonly<Record<string, ActionArg>>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(args)) out[k] = typeof v === "bigint" ? v.toString() : v;
  return out;
}

/** Canonical text of one custom-error argument, shared by the chain's decoder and the model. */
export function canonicalArg(v: unknown): string {
  if (typeof v === "string") return v.toLowerCase();
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}
