import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { selectedNetwork } from "./network.js";
import { toJson } from "../analysis/files.js";
import { encodeValue } from "../analysis/values.js";
import { UserError } from "../engine/errors.js";
import {
  duckdbWriteReason,
  expectedDir,
  fsReason,
  isFsError,
  OutputError,
  unwritableDir,
} from "../analysis/fileErrors.js";
import type { ActionRecord, RunResult } from "../engine/run.js";
import { optionError, type PreparedRun, type RunRequest } from "./prepare.js";
import { isActionDivergence } from "../engine/record.js";

export interface RunArgs extends RunRequest {
  readonly out?: string | undefined;
  /** Write the run's HTML report into its folder too. */
  readonly report?: boolean | undefined;
  /** Remote networks (remoteRun.ts): a JSON-RPC endpoint, confirmations, wall-clock step length, a run to resume. */
  readonly rpcUrl?: string | undefined;
  readonly confirmations?: string | undefined;
  readonly stepSeconds?: string | undefined;
  readonly resume?: string | undefined;
}

/** `<scenario>-<seed>-<8 hex of the inputs' hash>`: the same inputs name the same folder. */
export function runName(p: PreparedRun): string {
  const inputs = toJson({ params: p.params, modelParams: p.modelParams, mode: p.mode, steps: p.steps });
  const digest = createHash("sha256").update(inputs).digest("hex").slice(0, 8);
  return `${p.scenario.name}-${p.seed}-${digest}`;
}

/** The results folder of --out, when it is one or can be made one (nothing is created here). */
export function checkOutDir(out: string): string {
  const dir = resolve(out);
  const unwritable = unwritableDir(dir);
  if (unwritable !== undefined) throw optionError("out", out, expectedDir(unwritable, dir));
  return dir;
}

/**
 * A file-system error while the results are written into `outDir` (the folder made read-only meanwhile, the disk
 * full; DuckDB's own words when it was writing results.duckdb) as one line naming the folder; undefined for any
 * other error.
 */
export function outputError(e: unknown, outDir: string): OutputError | undefined {
  const reason = isFsError(e) ? fsReason(e) : duckdbWriteReason(e);
  if (reason === undefined) return undefined;
  return new OutputError(`${outDir}: cannot be written: ${reason}; give --out a folder Lockstep can write in.`);
}

/**
 * `sim run`: one run, written to its folder; returns the exit code (0 parity, 1 divergence, 2 bad input, 130 or 143
 * stopped by Ctrl-C or SIGTERM, 3 a remote run's chain failed). On a remote network, or resuming a remote run's
 * folder, remoteRun.ts runs it; otherwise inProcessRun.ts.
 */
export async function simRun(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<number> {
  let inProcess: boolean;
  try {
    inProcess = selectedNetwork(hre).inProcess;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  const remote =
    args.resume !== undefined ? isRemoteRunFolder(resolve(args.resume)) : args.rpcUrl !== undefined || !inProcess;
  if (remote) {
    const { simRunRemote } = await import("./remoteRun.js");
    return simRunRemote(hre, args);
  }
  if (args.resume === undefined && (args.confirmations !== undefined || args.stepSeconds !== undefined)) {
    process.stderr.write(
      `error: ${optionError(args.confirmations !== undefined ? "confirmations" : "step-seconds", args.confirmations ?? args.stepSeconds ?? "", "a remote network: give --rpc-url or --network too").message}\n`,
    );
    return 2;
  }
  const { simRunInProcess } = await import("./inProcessRun.js");
  return simRunInProcess(hre, args);
}

/**
 * Whether a folder given to --resume is a remote run's: it has a journal, or its manifest has remote settings (a
 * folder without a readable manifest goes the remote way too, whose checks name what is wrong with it).
 */
function isRemoteRunFolder(folder: string): boolean {
  if (existsSync(join(folder, "journal.ndjson"))) return true;
  try {
    const m = JSON.parse(readFileSync(join(folder, "manifest.json"), "utf8")) as unknown;
    return typeof m !== "object" || m === null || "remote" in m;
  } catch {
    return true;
  }
}

function describeAction(a: ActionRecord): string {
  return `${a.agent} ${a.kind}(${Object.entries(a.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ")})`;
}

function outcomes(a: ActionRecord): string {
  const side = (o: ActionRecord["model"]) => (o === undefined ? "-" : `${o.status}${o.error ? " " + o.error : ""}`);
  return ` model=${side(a.model)} chain=${side(a.chain)}`;
}

export function printSummary(p: PreparedRun, r: RunResult, path: string): void {
  const lines: string[] = [];
  const rate = r.actions.total / (r.wallMs / 1000);
  lines.push(
    `${p.scenario.name}, seed ${p.seed}, ${p.mode} mode: ${r.stepsRun} steps, ${r.actions.total} actions ` +
      `(${r.actions.reverted} reverted), ${(r.wallMs / 1000).toFixed(1)}s, ${rate.toFixed(0)} actions/s`,
  );
  lines.push("KPIs at the end:");
  const width = Math.max(...Object.keys(r.kpis).map((k) => k.length));
  for (const [k, v] of Object.entries(r.kpis)) lines.push(`  ${k.padEnd(width)}  ${encodeValue(v)}`);
  if (p.mode === "lockstep") {
    lines.push(
      `Parity: ${r.comparisons} comparisons of ${r.variables} variables over ${r.stepsRun + 1} samples (an agent's from the step it joins), ${r.divergences} divergences.`,
    );
  }
  if (r.invariantViolations > 0 && r.firstViolation !== undefined) {
    const v = r.firstViolation;
    lines.push(
      `Invariants: broken in ${r.invariantViolations} samples; first at step ${v.step} on the ${v.side}: "${v.invariant}": ${v.message}.`,
    );
  }
  const d = r.firstDivergence;
  if (d !== undefined) {
    lines.push(
      `First divergence: step ${d.step}, substep ${d.substep}, ${d.variable}: model ${d.model}, chain ${d.chain} (seed ${d.seed}).`,
    );
    const pin = r.pinned;
    if (pin !== undefined) {
      lines.push(
        pin.after === undefined
          ? `Pinned (a replay comparing after every action of step ${pin.step}): the sides differ before its first action: ${pin.variable}: model ${pin.model}, chain ${pin.chain}.`
          : `Pinned (a replay comparing after every action of step ${pin.step}): they part in substep ${pin.substep}, after action ${pin.actionNumber} of the step, ${describeAction(pin.after)}: ${pin.variable}: model ${pin.model}, chain ${pin.chain}.`,
      );
      if (pin.actions.length > 0) lines.push(`The step's actions up to there (${pin.actions.length}):`);
      for (const a of pin.actions) lines.push(`  ${a.substep} ${describeAction(a)}${outcomes(a)}`);
    } else {
      const kind = isActionDivergence(d.variable) ? "substep" : "step";
      if (d.actions.length > 0) lines.push(`Actions of that ${kind} (${d.actions.length}):`);
      for (const a of d.actions) lines.push(`  ${a.substep} ${describeAction(a)}${outcomes(a)}`);
    }
  }
  lines.push(`Run folder: ${path}`);
  process.stdout.write(lines.join("\n") + "\n");
}
