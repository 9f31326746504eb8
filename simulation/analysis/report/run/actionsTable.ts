/** A table of Actions as a token engineer reads them: who did what with which arguments, and each side's outcome. */
import { formatRounded } from "../format.js";
import type { Cell, TableBlock } from "../page.js";
import type { ActionRow, RunData } from "../readRunFolder.js";
import { instances } from "./context.js";

/** Addresses the run knows by name: every agent that sent an action, and the deployed contracts. */
export function namesOf(run: RunData): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, address] of Object.entries(instances(run))) names.set(address.toLowerCase(), name);
  for (const a of run.actions) if (a.sender !== undefined) names.set(a.sender.toLowerCase(), a.agent);
  return names;
}

export function actionsTable(
  actions: readonly ActionRow[],
  names: ReadonlyMap<string, string>,
  title: string,
): TableBlock {
  return {
    kind: "table",
    title: `${title}: ${actions.length}`,
    columns: ["step", "substep", "agent", "action", "arguments", "model", "chain", "gas"],
    numeric: [0, 7],
    wrap: [4],
    searchable: actions.length > 20,
    limit: 30,
    rows: actions.map((a) => [
      a.step + 1,
      a.substep,
      a.agent,
      a.diverged ? { text: a.kind, tone: "bad", title: "model and chain disagree on this action's outcome" } : a.kind,
      {
        text: shortArgs(a.args, names),
        title: Object.entries(a.args)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n"),
      },
      outcomeCell(a.model),
      outcomeCell(a.chain),
      a.chain?.gasUsed ?? "–",
    ]),
  };
}

/**
 * Arguments, short: addresses by the agent or contract they belong to, integers of 16 digits or more in the command
 * line's exponent notation (`5000e18`, rounded to 6 decimals; the cell's title has them exact), the uint256 maximum
 * as `max`.
 */
function shortArgs(
  args: Readonly<Record<string, string | number | boolean>>,
  names: ReadonlyMap<string, string>,
): string {
  return Object.entries(args)
    .map(([k, v]) => {
      const s = String(v);
      if (/^0x[0-9a-fA-F]{40}$/.test(s))
        return `${k}=${names.get(s.toLowerCase()) ?? `${s.slice(0, 8)}…${s.slice(-4)}`}`;
      if (/^\d{16,}$/.test(s)) {
        const x = BigInt(s);
        return `${k}=${x === MAX_UINT256 ? "max" : `${formatRounded(x, 18, 6).replace(/,/g, "")}e18`}`;
      }
      return `${k}=${s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-6)}` : s}`;
    })
    .join(", ");
}

const MAX_UINT256 = (1n << 256n) - 1n;

function outcomeCell(o: ActionRow["model"]): Cell {
  if (o === undefined) return "–";
  return o.status === "success" ? { text: "ok", tone: "ok" } : { text: o.error ?? o.status, tone: "warn" };
}
