/** The run report's first section: what ran, how it ended, and the command that replays it. */
import { toJson } from "../../files.js";
import { formatExact } from "../format.js";
import type { Block, Section } from "../page.js";
import type { RunData } from "../readRunFolder.js";
import type { RunContext } from "./context.js";

export function overview({ run, declarations: d }: RunContext): Section {
  const m = run.manifest;
  const facts: { label: string; value: string; tone?: "ok" | "bad" | "muted" }[] = [
    { label: "scenario", value: m.scenarioFile !== undefined ? `${m.scenario} (${m.scenarioFile})` : m.scenario },
  ];
  if (d.mechanism !== undefined) facts.push({ label: "mechanism", value: d.mechanism });
  facts.push(
    { label: "mode", value: m.mode },
    { label: "steps", value: String(m.steps) },
    { label: "seed", value: String(m.seed) },
    {
      label: "status",
      value: m.status,
      tone: m.status === "parity" ? "ok" : m.status === "diverged" ? "bad" : "muted",
    },
  );
  if (m.comparisons !== undefined) {
    facts.push({
      label: "comparisons",
      value: `${m.variables ?? "?"} variables × ${run.trace.timesteps.length} samples = ${m.comparisons}`,
    });
  }
  if (m.divergences !== undefined)
    facts.push({ label: "divergences", value: String(m.divergences), tone: m.divergences > 0 ? "bad" : "ok" });
  if (m.actions !== undefined)
    facts.push({ label: "actions", value: `${m.actions.total} (${m.actions.reverted} reverted)` });
  if (m.gasUsed !== undefined) facts.push({ label: "gas used", value: formatExact(BigInt(m.gasUsed), 0) });
  if (m.wallSeconds !== undefined) facts.push({ label: "wall time", value: `${m.wallSeconds.toFixed(1)} s` });
  if (m.git !== undefined) facts.push({ label: "git commit", value: m.git });
  if (m.toolchain !== undefined) {
    facts.push({
      label: "toolchain",
      value: Object.entries(m.toolchain)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    });
  }
  if (m.chain !== undefined)
    facts.push({
      label: "chain",
      value: Object.entries(m.chain)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    });
  if (m.traceHash !== undefined) facts.push({ label: "trace hash", value: m.traceHash });
  const blocks: Block[] = [{ kind: "facts", facts }];
  const first = m.firstDivergence;
  if (first !== undefined) {
    blocks.push({
      kind: "note",
      tone: "bad",
      text: `First divergence: step ${first.step}, substep ${first.substep}, ${first.variable}: model ${first.model}, chain ${first.chain} (seed ${first.seed}). Details under Parity.`,
    });
  }
  if (m.set.length > 0 || m.modelSet.length > 0) {
    const text = [
      ...m.set.map((a) => `--set        ${a.path}=${a.value}   (model and chain)`),
      ...m.modelSet.map(
        (a) => `--model-set  ${a.path}=${a.value}   (model only: an assumption checked against the contracts)`,
      ),
    ].join("\n");
    blocks.push({ kind: "code", title: "Parameter changes", text });
  }
  blocks.push({ kind: "code", title: "Replay this run", text: replayCommand(run) });
  if (m.params !== undefined)
    blocks.push({ kind: "code", title: "Parameters (chain and agents)", text: toJson(m.params, 2), collapsed: true });
  if (m.modelParams !== undefined && m.modelSet.length > 0) {
    blocks.push({ kind: "code", title: "Parameters (model)", text: toJson(m.modelParams, 2), collapsed: true });
  }
  return { id: "overview", title: "Run", ...(d.description !== undefined ? { intro: d.description } : {}), blocks };
}

/** The command that runs it again: the scenario by its file when it has one, as the user gave it. */
function replayCommand(run: RunData): string {
  const m = run.manifest;
  const parts = [`npx hardhat sim run --scenario ${m.scenarioFile ?? m.scenario} --seed ${m.seed} --steps ${m.steps}`];
  if (m.mode !== "lockstep") parts.push(`--mode ${m.mode}`);
  if (m.set.length > 0) parts.push(`--set "${m.set.map((a) => `${a.path}=${a.value}`).join(" ")}"`);
  if (m.modelSet.length > 0) parts.push(`--model-set "${m.modelSet.map((a) => `${a.path}=${a.value}`).join(" ")}"`);
  return parts.join(" ");
}
