/**
 * The report of one run, drawn from its folder alone: parity first (the first divergence, every diverged variable),
 * then the KPIs, the value flows, the action mix and gas, the global variables, per-role totals, and a picker over
 * every account. What a section needs of the scenario (units, flows, account fields, groups) is what the run
 * recorded of its declarations (declarations.ts).
 */
import type { ReportPage } from "./page.js";
import type { RunData } from "./readRunFolder.js";
import { activity } from "./run/activity.js";
import { runContext } from "./run/context.js";
import { entities } from "./run/entities.js";
import { valueFlows } from "./run/flows.js";
import { kpis } from "./run/kpis.js";
import { overview } from "./run/overview.js";
import { parity } from "./run/parity.js";
import { roles } from "./run/roles.js";
import { systemVariables } from "./run/variables.js";
import { amountsNote } from "./units.js";

export function runReport(run: RunData): ReportPage {
  const m = run.manifest;
  const ctx = runContext(run);
  const diverged = (m.divergences ?? 0) > 0;
  return {
    kind: "run",
    title: `${m.scenario}, seed ${m.seed}`,
    subtitle: `${m.mode} run, ${m.steps} steps. ${amountsNote(ctx.units, ctx.declarations.units !== undefined, true)}`,
    status: {
      text: m.mode !== "lockstep" ? m.status : diverged ? `${m.divergences} divergences` : "parity",
      tone: m.status === "parity" ? "ok" : diverged || m.status === "stopped" ? "bad" : "muted",
    },
    sections: [
      overview(ctx),
      parity(ctx),
      kpis(ctx),
      valueFlows(ctx),
      activity(ctx),
      systemVariables(ctx),
      roles(ctx),
      entities(ctx),
    ],
    generator: "",
  };
}
