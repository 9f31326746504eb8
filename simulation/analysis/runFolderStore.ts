/**
 * A run folder (manifest.json, trace.csv, actions.ndjson), already read strictly by readRunFolder, loaded into an
 * in-memory results store through the same calls an experiment's run makes (beginRun, appendSample, appendAction,
 * recordRun): its tables then have the rows, columns and types an experiment holding the same run would have, and
 * `sim export` exports it as it exports an experiment.
 *
 * What the folder cannot give back: trace.csv writes a number that is not an integer (a rate, a share) to 12
 * significant digits, so such a value is that rounding of the run's double (exact text and DOUBLE alike), where an
 * experiment's store keeps the double itself. Integers and amounts are exact. The variables table holds every
 * variable of the trace, whatever the mode (an experiment stores them for lockstep runs only).
 */
import { join } from "node:path";
import type { Divergence, ActionRecord, OutcomeRecord } from "../engine/run.js";
import type { ParamTree } from "../engine/params.js";
import type { JsonObject } from "./jsonFields.js";
import { JsonFields } from "./jsonFields.js";
import type { ActionRow, OutcomeRow, RunData } from "./report/readRunFolder.js";
import { openStore, type RunRow, type RunStatus, type Store } from "./store.js";
import type { StepSample, TraceLayout } from "./trace.js";

export type RunFolderStoreParameters = [run: RunData];
export type RunFolderStoreReturnType = Promise<Store>;

export async function runFolderStore(run: RunData): Promise<Store> {
  const row = runRow(run);
  const store = await openStore(":memory:");
  try {
    const { trace } = run;
    const ids = trace.ids;
    const layout: TraceLayout = {
      ...ids,
      variables: trace.variables,
      kpis: trace.kpis,
      model: trace.hasModel,
      chain: trace.hasChain,
    };
    await store.beginRun(ids, layout, { variables: true });
    const side = (suffix: string) => trace.variables.map((v) => trace.cells(`${v}:${suffix}`));
    const model = trace.hasModel ? side("model") : undefined;
    const chain = trace.hasChain ? side("chain") : undefined;
    const kpis = trace.kpis.map((k) => trace.cells(`kpi:${k}`));
    const values = (columns: readonly (readonly string[] | undefined)[], i: number): Map<string, bigint | number> => {
      const out = new Map<string, bigint | number>();
      columns.forEach((cells, j) => {
        const v = cellValue(cells?.[i] ?? "");
        if (v !== undefined) out.set(trace.variables[j]!, v);
      });
      return out;
    };
    for (let i = 0; i < trace.timesteps.length; i++) {
      const kpiValues: Record<string, bigint | number> = {};
      kpis.forEach((cells, j) => {
        const v = cellValue(cells?.[i] ?? "");
        if (v !== undefined) kpiValues[trace.kpis[j]!] = v;
      });
      const sample: StepSample = {
        timestep: trace.timesteps[i]!,
        substep: trace.substeps[i]!,
        ...(model !== undefined ? { model: values(model, i) } : {}),
        ...(chain !== undefined ? { chain: values(chain, i) } : {}),
        kpis: kpiValues,
        diverged: trace.diverged[i]!,
      };
      await store.appendSample(ids, sample);
    }
    for (const a of run.actions) await store.appendAction(ids, actionRecord(a));
    await store.recordRun({ ...ids, ...row });
    await store.flush();
    return store;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** A trace cell as the run had it: integers exact (bigint), other numbers (NaN and infinities too) as numbers. */
function cellValue(text: string): bigint | number | undefined {
  if (text === "") return undefined;
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/** The runs row, from the manifest: what the export needs must be there (parameters, a finished run's outcome). */
function runRow(run: RunData): Omit<RunRow, "simulation" | "subset" | "run"> {
  const m = run.manifest;
  const f = new JsonFields(join(run.dir, "manifest.json"), run.manifestJson);
  const tree = (v: JsonObject | undefined, name: string): ParamTree => {
    if (v === undefined) throw f.error(name, v, `the ${name === "params" ? "run's" : "model's"} parameters, an object`);
    return v as unknown as ParamTree;
  };
  const first = run.manifestJson["firstDivergence"];
  const kpis: Record<string, number | bigint> = {};
  for (const [k, v] of Object.entries(m.kpis)) kpis[k] = typeof v === "string" ? BigInt(v) : v;
  return {
    scenario: m.scenario,
    mode: m.mode,
    seed: m.seed,
    steps: m.steps,
    params: tree(m.params, "params"),
    modelParams: tree(m.modelParams, "modelParams"),
    status: m.status as RunStatus,
    ...(m.error !== undefined ? { error: m.error } : {}),
    ...(m.divergences !== undefined ? { divergences: m.divergences } : {}),
    // Verbatim: checked by readRunFolder, carried whole (every field of its actions).
    ...(m.firstDivergence !== undefined ? { firstDivergence: first as Divergence } : {}),
    ...(m.traceHash !== undefined ? { traceHash: m.traceHash } : {}),
    kpis,
    ...(m.actions !== undefined ? { actions: m.actions.total, reverted: m.actions.reverted } : {}),
    ...(m.gasUsed !== undefined ? { gasUsed: BigInt(m.gasUsed) } : {}),
    ...(m.wallSeconds !== undefined ? { wallSeconds: m.wallSeconds } : {}),
  };
}

/** An action as the store takes it; what the store does not keep (timestamps, meta) is not needed. */
function actionRecord(a: ActionRow): ActionRecord {
  return {
    step: a.step,
    substep: a.substep,
    agent: a.agent,
    sender: a.sender ?? "",
    kind: a.kind,
    args: { ...a.args },
    ...(a.model !== undefined ? { model: outcomeRecord(a.model) } : {}),
    ...(a.chain !== undefined ? { chain: outcomeRecord(a.chain) } : {}),
    diverged: a.diverged,
  };
}

function outcomeRecord(o: OutcomeRow): OutcomeRecord {
  return {
    status: o.status,
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(o.txHash !== undefined ? { txHash: o.txHash } : {}),
    ...(o.gasUsed !== undefined ? { gasUsed: o.gasUsed } : {}),
    timestamp: o.timestamp ?? "",
  };
}
