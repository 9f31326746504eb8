/** The run report's per-role totals: each per-account field summed over the accounts of each role. */
import { comparisonChart, slug } from "../charts.js";
import { plotValue } from "../format.js";
import type { Block, Chart, Section } from "../page.js";
import { roleOf } from "./accounts.js";
import type { RunContext } from "./context.js";

export function roles(ctx: RunContext): Section {
  const { run, accounts } = ctx;
  const t = run.trace;
  const blocks: Block[] = [];
  const flat: string[] = [];
  // Accounts that are a role of their own (deployer, keeper, funds, holders) share one block.
  const singles: Chart[] = [];
  const singleNames: string[] = [];
  for (const [role, members] of accounts.byRole) {
    const charts: Chart[] = [];
    for (const field of accounts.fields) {
      const unit = ctx.unit(`${members[0]!}.${field}`);
      const sum = (side: "model" | "chain"): (bigint | undefined)[] | undefined => {
        const cols = members.map((e) => t.column(`${e}.${field}:${side}`));
        if (cols.every((c) => c === undefined)) return undefined;
        return t.timesteps.map((_, i) =>
          cols.reduce<bigint>((s, c) => s + (typeof c?.[i] === "bigint" ? (c[i] as bigint) : 0n), 0n),
        );
      };
      const ms = sum("model");
      const cs = sum("chain");
      if (ms === undefined && cs === undefined) continue;
      const diverged = new Set<number>();
      let divergedMembers = 0;
      for (const e of members) {
        const at = ctx.divergedAt.get(`${e}.${field}`);
        if (at === undefined) continue;
        divergedMembers++;
        for (const ts of at) diverged.add(ts);
      }
      const zero = (s: (bigint | undefined)[] | undefined) =>
        s === undefined || s.every((x) => x === undefined || x === 0n);
      if (zero(ms) && zero(cs) && diverged.size === 0) {
        flat.push(`${role}.${field}`);
        continue;
      }
      const plot = (s: (bigint | undefined)[]) => s.map((x) => (x === undefined ? null : plotValue(x, unit)));
      const n = members.length;
      charts.push(
        comparisonChart({
          id: `role-${slug(role)}-${field}`,
          title: n > 1 ? `Σ ${role}.${field}` : `${role}.${field}`,
          subtitle:
            (n > 1 ? `sum over ${n} ${role}s` : "one entity") +
            (divergedMembers > 0 ? `; ${divergedMembers} diverged` : ""),
          timesteps: t.timesteps,
          step: ctx.step,
          ...(ms !== undefined ? { model: plot(ms) } : {}),
          ...(cs !== undefined ? { chain: plot(cs) } : {}),
          diverged: [...diverged].sort((a, b) => a - b),
          unit,
        }),
      );
    }
    if (charts.length === 0) continue;
    if (members.length === 1) {
      singles.push(...charts);
      singleNames.push(role);
    } else blocks.push({ kind: "charts", title: `${role} (${members.length})`, columns: 3, charts });
  }
  if (singles.length > 0) {
    blocks.unshift({
      kind: "charts",
      title: `Single accounts: ${singleNames.join(", ")}`,
      columns: 3,
      charts: singles,
    });
  }
  if (flat.length > 0)
    blocks.push({
      kind: "note",
      tone: "info",
      text: `0 at every step on both sides for every member (not charted): ${flat.join(", ")}.`,
    });
  if (accounts.entities.length === 0)
    blocks.push({ kind: "note", tone: "info", text: "This run compares no variable per account." });
  const example = accounts.entities.find((e) => roleOf(e) !== e) ?? "seller-12";
  const fields = accounts.fields.map((f) => {
    const unit = accounts.entities[0] === undefined ? undefined : ctx.unit(`${accounts.entities[0]}.${f}`);
    return unit === undefined || unit.label === "value" ? f : `${f} (${unit.label})`;
  });
  return {
    id: "roles",
    title: "Per-role totals",
    intro:
      `Per-entity variables summed over each role (an entity's role is its id without the index: ${example} is a ${roleOf(example)}).` +
      (fields.length > 0 ? ` Fields: ${fields.join(", ")}.` : ""),
    blocks,
  };
}
