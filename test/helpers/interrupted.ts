/**
 * For the interruption tests: `npx hardhat sim ...` as a real subprocess (this Node, Hardhat's CLI, the project's
 * root), stopped by a real signal at a point it names through LOCKSTEP_TEST_SIGNAL; and the checks of what it left.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { HARDHAT_CLI, PROJECT_ROOT } from "../remote/node.js";

export interface Exited {
  /** The exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether a process of its group (a worker) was still there when the command's output ended. */
  readonly leftBehind: boolean;
}

/**
 * Runs `npx hardhat sim <args>` in its own process group, with `signals` (`point=SIGNAL;...`) planned; waits for it
 * to end, then kills whatever of its group is left (a worker orphaned by a SIGKILL of its parent exits by itself).
 */
export function sim(args: readonly string[], signals?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Exited> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  delete env["LOCKSTEP_TEST_SIGNAL"];
  delete env["HARDHAT_CONFIG"];
  if (signals !== undefined) env["LOCKSTEP_TEST_SIGNAL"] = signals;
  const child = spawn(process.execPath, [HARDHAT_CLI, "sim", ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", async (code, signal) => {
      // A process whose output has closed may still be exiting: wait for the group to empty, up to a bound far
      // beyond any exit (a worker left behind never exits).
      let leftBehind = liveMembers(child.pid!) > 0;
      for (let waited = 0; leftBehind && waited < 10_000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
        leftBehind = liveMembers(child.pid!) > 0;
      }
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // the group is gone
      }
      resolve({ code, signal, stdout, stderr, leftBehind });
    });
  });
}

/**
 * Processes of process group `pgid` that are alive: not zombies (a worker that exited after its parent was killed
 * stays one until the system reaps it), read from /proc.
 */
function liveMembers(pgid: number): number {
  let n = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") n++;
  }
  return n;
}

/** The one folder (not hidden) in `out`. */
export function onlyFolder(out: string): string {
  const entries = readdirSync(out).filter((e) => !e.startsWith("."));
  expect(entries, `folders in ${out}`).to.have.length(1);
  return join(out, entries[0]!);
}

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

export type Rows = Record<string, unknown>[];

/** Every table of a results.duckdb, rows in a fixed order, values as JSON gives them; `wall_seconds` left out. */
export async function tablesOf(folder: string): Promise<Record<string, Rows>> {
  const instance = await DuckDBInstance.create(join(folder, "results.duckdb"), { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const names = (await connection.runAndReadAll("SELECT table_name FROM information_schema.tables ORDER BY 1"))
      .getRowObjectsJson()
      .map((r) => String(r["table_name"]));
    const out: Record<string, Rows> = {};
    for (const table of names) {
      const reader = await connection.runAndReadAll(`SELECT * FROM ${table} ORDER BY ALL`);
      out[table] = (reader.getRowObjectsJson() as Rows).map(({ wall_seconds: _w, ...rest }) => rest);
    }
    return out;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The runs table with wall_seconds: a run not redone keeps its own. */
export async function runTimes(folder: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(join(folder, "results.duckdb"), { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  try {
    const rows = (
      await connection.runAndReadAll("SELECT simulation, subset, run, wall_seconds FROM runs")
    ).getRowObjectsJson();
    return new Map(rows.map((r) => [`${r["simulation"]}/${r["subset"]}/${r["run"]}`, Number(r["wall_seconds"])]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * No run is half-recorded: every run with rows in steps, variables or actions has its runs row, a recorded run that
 * completed has every step (steps + 1 samples) and as many actions as its row counts when it stores them (lockstep
 * runs always do; model runs with `modelActions`), and a failed run has no rows but its own. Returns the keys of the
 * runs recorded.
 */
export function expectWhole(tables: Record<string, Rows>, modelActions: boolean, storesVariables: boolean): string[] {
  const key = (r: Record<string, unknown>) => `${r["simulation"]}/${r["subset"]}/${r["run"]}`;
  const runs = new Map(tables["runs"]!.map((r) => [key(r), r]));
  const count = (table: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of tables[table]!) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
    return m;
  };
  const steps = count("steps");
  const variables = count("variables");
  const actions = count("actions");
  for (const table of [steps, variables, actions])
    for (const k of table.keys()) expect(runs.has(k), `rows of run ${k} without its runs row`).to.equal(true);
  for (const [k, r] of runs) {
    if (r["status"] === "failed") {
      expect([steps.get(k), variables.get(k), actions.get(k)], `rows of failed run ${k}`).to.deep.equal([
        undefined,
        undefined,
        undefined,
      ]);
      continue;
    }
    expect(steps.get(k), `steps of run ${k}`).to.equal(Number(r["steps"]) + 1);
    if (modelActions || r["mode"] === "lockstep")
      expect(actions.get(k) ?? 0, `actions of run ${k}`).to.equal(Number(r["actions"]));
    if (storesVariables) expect(variables.get(k) ?? 0, `variables of run ${k}`).to.be.greaterThan(0);
  }
  return [...runs.keys()].sort();
}
