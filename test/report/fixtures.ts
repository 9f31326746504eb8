/**
 * Run folders and experiment folders for the report tests, made once per test process: a short lockstep run that
 * agrees, one with a model assumption changed (so it diverges), and a small sweep fixture.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simFuzz, type FuzzArgs } from "../../simulation/cli/fuzz.js";
import { simRun, type RunArgs } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";
import { declarationsOf } from "../helpers/run.js";
import { buildExperimentFixture, SMALL_SWEEP } from "./experimentFixture.js";

export const ROOT = mkdtempSync(join(tmpdir(), "lockstep-report-"));
// A root hook: the folders are shared by every report test file, so they go when the whole run ends.
after(() => rmSync(ROOT, { recursive: true, force: true }));

export { capture } from "../helpers/capture.js";

export interface MadeRun {
  readonly dir: string;
  readonly code: number;
  readonly stdout: string;
  /** Whether the run folder held report.html right after `sim run`. */
  readonly reported: boolean;
}

const runs = new Map<string, Promise<MadeRun>>();

/** One run folder per distinct request, made on first use. */
export function runFolder(name: string, args: RunArgs): Promise<MadeRun> {
  let made = runs.get(name);
  if (made === undefined) {
    made = (async () => {
      const out = join(ROOT, name);
      const { value: code, stdout } = await capture(() => simRun(hre, { ...args, out }));
      const dirs = readdirSync(out).filter((d) => !d.startsWith("."));
      if (dirs.length !== 1) throw new Error(`expected one run folder in ${out}, found ${dirs.join(", ")}`);
      const dir = join(out, dirs[0]!);
      return { dir, code, stdout, reported: existsSync(join(dir, "report.html")) };
    })();
    runs.set(name, made);
  }
  return made;
}

/**
 * boson-commerce, 4 steps, the model assuming another aggregator share than the contracts: diverges at step 2.
 * Its sellers keep one voucher's deposit at a time, so buyers committing together meet reverts for the report to
 * show (agents who respond to the market make few of their own in 4 steps).
 */
export const divergedRun = (): Promise<MadeRun> =>
  runFolder("diverged", {
    scenario: "boson-commerce",
    steps: "4",
    set: "sellers.topUpUnits=1",
    modelSet: "rewards.aggregatorPointsBps=4000",
  });

/** fees-and-rewards, 4 steps, model and chain agreeing; its report written by `--report`. */
export const parityRun = (): Promise<MadeRun> =>
  runFolder("parity", { scenario: "fees-and-rewards", steps: "4", report: true });

/** The starter scenario, as a user's project has it: a scenario file, run by its path. */
export const STARTER = "./templates/starter/sim/starter/scenario.ts";

/** The starter, 30 daily steps of five savers, model and chain agreeing. */
export const starterRun = (): Promise<MadeRun> => runFolder("starter", { scenario: STARTER });

const fuzzes = new Map<string, Promise<MadeRun>>();

/** One fuzz campaign folder per distinct request (`sim fuzz` in this process), made on first use. */
export function fuzzFolder(name: string, args: FuzzArgs): Promise<MadeRun> {
  let made = fuzzes.get(name);
  if (made === undefined) {
    made = (async () => {
      const out = join(ROOT, name);
      const { value: code, stdout } = await capture(() => simFuzz(hre, { ...args, out }));
      const dirs = readdirSync(out).filter((d) => !d.startsWith("."));
      if (dirs.length !== 1) throw new Error(`expected one campaign folder in ${out}, found ${dirs.join(", ")}`);
      return { dir: join(out, dirs[0]!), code, stdout, reported: false };
    })();
    fuzzes.set(name, made);
  }
  return made;
}

/** A clean campaign on the starter: 3 sequences of 40 Actions. */
export const starterFuzz = (): Promise<MadeRun> =>
  fuzzFolder("fuzz-starter", { scenario: STARTER, runs: "3", depth: "40" });

/** A campaign on a starter whose model misses an overflow: found, and shrunk to the one deposit. */
export const failedFuzz = (): Promise<MadeRun> =>
  fuzzFolder("fuzz-overflow", { scenario: "./test/fixtures/scenarios/fuzzOverflow.ts", runs: "30", depth: "60" });

const experiments = new Map<string, Promise<{ dir: string; stdout: string }>>();

/** `sim sweep` of the starter over `feeBps=0,50`, two runs each, in this process; its folder and what it printed. */
export function starterSweep(): Promise<{ dir: string; stdout: string }> {
  let made = experiments.get("starter");
  if (made === undefined) {
    made = (async () => {
      const out = join(ROOT, "starter-sweep");
      const {
        value: code,
        stdout,
        stderr,
      } = await capture(() => simSweep(hre, { scenario: STARTER, grid: "feeBps=0,50", runs: "2", workers: "0", out }));
      if (code !== 0) throw new Error(`sim sweep of the starter exited ${code}: ${stderr}`);
      const dirs = readdirSync(out).filter((d) => !d.startsWith("."));
      if (dirs.length !== 1) throw new Error(`expected one experiment folder in ${out}, found ${dirs.join(", ")}`);
      return { dir: join(out, dirs[0]!), stdout };
    })();
    experiments.set("starter", made);
  }
  return made;
}

let sweep: Promise<string> | undefined;

/** The small sweep of experimentFixture, in an experiment folder recording boson-commerce's declarations. */
export function sweepFolder(): Promise<string> {
  sweep ??= (async () =>
    buildExperimentFixture(join(ROOT, "sweep"), {
      ...SMALL_SWEEP,
      declarations: await declarationsOf("boson-commerce"),
    }))();
  return sweep;
}

/** The JSON a report embeds for its script: chart options by id, explorers by id. */
export interface EmbeddedData {
  readonly charts: Record<string, { option: { series?: { name?: string; data?: unknown[] }[] } }>;
  readonly explorers: Record<string, unknown>;
}

export function embeddedData(html: string): EmbeddedData {
  const m = html.match(/<script id="lockstep-data" type="application\/json">([\s\S]*?)<\/script>/);
  if (m === null) throw new Error("no embedded data in the report");
  return JSON.parse(m[1]!) as EmbeddedData;
}

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}
