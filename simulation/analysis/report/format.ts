/** Exact text of values for the report's tables: amounts keep every wei, grouped by thousands. */
import { toPlotNumber } from "../values.js";
import { smallestUnit, type Unit } from "./units.js";

/** A trace cell: integers (amounts, counts) as bigint, anything else as a number; "" is missing. */
export function parseValue(text: string): bigint | number | undefined {
  if (text === "") return undefined;
  if (/^-?\d+$/.test(text)) return BigInt(text);
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** `1234567.5` style with thousands separators: an exact decimal of `v / 10^decimals`, trailing zeros dropped. */
export function formatExact(v: bigint, decimals: number): string {
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = decimals === 0 ? "" : (abs % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac === "" ? "" : "." + frac}`;
}

/** `v / 10^decimals` rounded (half up) to at most `places` decimals, grouped. */
export function formatRounded(v: bigint, decimals: number, places = 6): string {
  if (decimals <= places) return formatExact(v, decimals);
  const step = 10n ** BigInt(decimals - places);
  const abs = v < 0n ? -v : v;
  const rounded = (abs + step / 2n) / step;
  return `${v < 0n && rounded > 0n ? "-" : ""}${formatExact(rounded, places)}`;
}

/**
 * A difference of two amounts, readable: in whole tokens, rounded, or in the smallest unit (wei) when it is dust
 * (under a millionth of a token), so a one-wei rounding difference reads as "1 wei" and a real one as "0.0459 xUSD".
 */
export function formatGap(v: bigint, unit: Unit): string {
  if (unit.decimals === 0) return formatExact(v, 0);
  const abs = v < 0n ? -v : v;
  return abs < 10n ** BigInt(Math.max(0, unit.decimals - 6))
    ? `${formatExact(v, 0)} ${smallestUnit(unit)}`
    : `${formatRounded(v, unit.decimals, 6)} ${unit.label}`;
}

/** A value in its unit: whole tokens for amounts, exact; the unit's label appended unless it is a plain count. */
export function formatInUnit(v: bigint | number | undefined, unit: Unit): string {
  if (v === undefined) return "–";
  const text = typeof v === "bigint" ? formatExact(v, unit.decimals) : formatNumber(v);
  return unit.decimals > 0 || unit.label === "bps" ? `${text} ${unit.label}` : text;
}

/** A float for display: up to 6 significant digits, grouped. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(3);
  return x.toLocaleString("en-US", { maximumSignificantDigits: 6 });
}

/** A value as plotted: whole tokens for amounts (via `toPlotNumber`), rounded to 12 significant digits. */
export function plotValue(v: bigint | number, unit: Unit): number {
  const x = typeof v === "bigint" ? toPlotNumber(v, unit.decimals) : unit.decimals > 0 ? v / 10 ** unit.decimals : v;
  return Number(x.toPrecision(12));
}
