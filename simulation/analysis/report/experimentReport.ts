/**
 * The report of an experiment (sweep, Monte Carlo, A/B, optimisation), drawn from its folder alone: KPI fans across
 * runs, KPIs against each swept parameter, both A/B arms and their paired difference, the optimiser's progress and
 * the chain's confirmation, and every run. Sections the experiment has no data for are skipped with a note. Units
 * and the parameters' units are what experiment.json records of the scenario's declarations.
 */
import { ab } from "./experiment/ab.js";
import { ExperimentContext } from "./experiment/context.js";
import { fans } from "./experiment/fans.js";
import { optimize } from "./experiment/optimize.js";
import { overview } from "./experiment/overview.js";
import { runsSection } from "./experiment/runs.js";
import { sweep } from "./experiment/sweep.js";
import type { ReportPage, Section } from "./page.js";
import { isExperimentFolder, readExperiment } from "./readExperiment.js";
import { amountsNote } from "./units.js";

export { isExperimentFolder };

/** The sections after the overview, the experiment's own kind first. */
const ORDER: Readonly<Record<string, readonly string[]>> = {
  montecarlo: ["fans", "sweep", "ab", "optimize"],
  sweep: ["sweep", "fans", "ab", "optimize"],
  ab: ["ab", "fans", "sweep", "optimize"],
  optimize: ["optimize", "fans", "sweep", "ab"],
};

const SECTIONS: Readonly<Record<string, (ctx: ExperimentContext) => Section>> = { fans, sweep, ab, optimize };

export async function experimentReport(dir: string): Promise<ReportPage> {
  const data = await readExperiment(dir);
  const ctx = new ExperimentContext(data);
  const order = ORDER[data.kind] ?? ORDER["montecarlo"]!;
  const sections = [overview(ctx), ...order.map((k) => SECTIONS[k]!(ctx)), runsSection(ctx)];
  const failed = data.runs.filter((r) => r.status === "failed" || r.error !== undefined).length;
  const diverged = data.runs.filter((r) => (r.divergences ?? 0) > 0).length;
  const note = amountsNote(ctx.units, data.declarations.units !== undefined, false);
  return {
    kind: "experiment",
    title: `${data.kind} of ${data.scenario ?? "an unknown scenario"}`,
    subtitle: `${data.runs.length} runs in ${ctx.subsets.length} parameter sets. ${note}`,
    status:
      failed > 0
        ? { text: `${failed} runs failed`, tone: "bad" }
        : diverged > 0
          ? { text: `${diverged} runs diverged`, tone: "bad" }
          : { text: `${data.runs.length} runs`, tone: "ok" },
    sections,
    generator: "",
  };
}
