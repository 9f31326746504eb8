/**
 * An experiment's folder, `<out>/<kind>-<scenario>-<hash>`: `experiment.json` and `results.duckdb`, written in place
 * from the start. experiment.json says what the experiment is (its plan and the options it was given, as `inputs`),
 * its status (`running`, with the process writing it; `interrupted`; `complete`) and, once known, its results.
 *
 * A new experiment whose folder is unfinished is refused with the resume command (or, when a live process writes it,
 * with that process); one whose folder is complete replaces it. `--resume <folder>` takes the options from `inputs`.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { writeJsonAtomic } from "../../analysis/files.js";
import { readJsonObject, type JsonObject } from "../../analysis/jsonFields.js";
import { removeIfEmpty } from "../../analysis/runFolder.js";
import { UserError } from "../../engine/errors.js";
import { currentOwner, folderState, RUNNING, unfinished } from "../folderStatus.js";
import { optionError } from "../prepare.js";

export const EXPERIMENT_FILE = "experiment.json";

export type ExperimentKind = "sweep" | "ab" | "optimize";

export class ExperimentFolder {
  private spec: Record<string, unknown> = {};

  private constructor(
    readonly path: string,
    /** The first folder above it this experiment created: removed with it when the experiment is withdrawn. */
    private readonly createdOut: string | undefined,
    /** experiment.json of the experiment resumed. */
    readonly resumed: JsonObject | undefined,
  ) {}

  /**
   * A new experiment's folder `<outDir>/<name>`: refused when an unfinished one is there, replacing a finished one.
   */
  static create(outDir: string, name: string, kind: ExperimentKind): ExperimentFolder {
    const path = join(outDir, name);
    const state = folderState(path, EXPERIMENT_FILE);
    if (state !== undefined && unfinished(state)) {
      throw new UserError(
        state.status === RUNNING
          ? `${path} is being written by process ${state.owner?.pid ?? "?"}, a ${kind} with these inputs: wait for it to end, or stop it.`
          : `${path} holds an interrupted ${kind} with these inputs: resume it with npx hardhat sim ${kind} --resume ${path}, or remove the folder to start again.`,
      );
    }
    const createdOut = mkdirSync(outDir, { recursive: true });
    try {
      if (existsSync(path)) rmSync(path, { recursive: true, force: true });
      mkdirSync(path);
    } catch (e) {
      removeIfEmpty(createdOut);
      throw e;
    }
    return new ExperimentFolder(path, createdOut, undefined);
  }

  /** An interrupted experiment's folder, to resume: its experiment.json is of this kind and no process writes it. */
  static resume(given: string, kind: ExperimentKind): ExperimentFolder {
    const path = resolve(given);
    const file = join(path, EXPERIMENT_FILE);
    if (!existsSync(file)) throw optionError("resume", given, `an experiment folder (it has no ${EXPERIMENT_FILE})`);
    const spec = readJsonObject(file, `the ${EXPERIMENT_FILE} of an experiment`);
    if (spec["kind"] !== kind) {
      const other = typeof spec["kind"] === "string" ? spec["kind"] : "another kind";
      throw optionError(
        "resume",
        given,
        `a ${kind}'s folder (it holds ${other === "ab" ? "an" : "a"} ${other}: resume it with npx hardhat sim ${other} --resume ${path})`,
      );
    }
    const state = folderState(path, EXPERIMENT_FILE);
    if (state?.status === RUNNING)
      throw optionError("resume", given, `an experiment no process is writing (process ${state.owner?.pid ?? "?"} is)`);
    if (!unfinished(state))
      throw optionError("resume", given, `an unfinished ${kind} (its status is ${String(spec["status"])})`);
    return new ExperimentFolder(path, undefined, spec);
  }

  get name(): string {
    return basename(this.path);
  }

  /** How many times it was resumed, this time included. */
  get resumes(): number {
    const before = this.resumed?.["resumes"];
    return this.resumed === undefined ? 0 : (typeof before === "number" ? before : 0) + 1;
  }

  /** Seconds spent on it before this process. */
  get earlierSeconds(): number {
    const s = this.resumed?.["wallSeconds"];
    return typeof s === "number" && Number.isFinite(s) ? s : 0;
  }

  /** Writes experiment.json (atomically), `fields` over what it said before. */
  write(fields: Record<string, unknown>): void {
    this.spec = { ...this.spec, ...fields };
    writeJsonAtomic(join(this.path, EXPERIMENT_FILE), this.spec);
  }

  /** Whether this process has written its experiment.json. */
  get started(): boolean {
    return Object.keys(this.spec).length > 0;
  }

  /** Marks it `running`, by this process. */
  start(spec: Record<string, unknown>): void {
    this.spec = {};
    this.write({ ...spec, status: RUNNING, owner: currentOwner(), resumes: this.resumes });
  }

  /** Marks it ended: `complete` or `interrupted`, with its results; the owner goes. */
  end(status: "complete" | "interrupted", fields: Record<string, unknown>): void {
    const { owner: _owner, ...rest } = this.spec;
    this.spec = rest;
    this.write({ ...fields, status });
  }

  /** Removes the folder (a new experiment withdrawn: bad input, a disk that filled). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
    removeIfEmpty(this.createdOut);
  }
}

/**
 * Refuses, with --resume, any option but --workers (which does not change results): the experiment resumed is the
 * one its folder holds.
 */
export function refuseSettingsWithResume(args: object): void {
  for (const [key, value] of Object.entries(args) as [string, unknown][]) {
    // --scenario has a default on the command line; flags are false unless given.
    if (key === "resume" || key === "workers" || key === "scenario" || value === undefined || value === false) continue;
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw optionError(
      flag,
      String(value),
      `no --${flag} with --resume: a resumed experiment takes its settings from its ${EXPERIMENT_FILE}`,
    );
  }
}

/**
 * Options added after experiment folders were first written, with the value those folders ran with: a folder whose
 * `inputs` lack one resumes as it began. Sweeps drew seeds per subset before common random numbers became the default.
 */
const EARLIER_INPUTS: Record<ExperimentKind, Readonly<Record<string, string | boolean>>> = {
  sweep: { independentSeeds: true },
  ab: {},
  optimize: {},
};

/**
 * The options of a resumed experiment: those its experiment.json records as `inputs` (over `EARLIER_INPUTS`), and
 * `--workers` as given.
 */
export function resumedArgs<A extends object>(
  folder: ExperimentFolder,
  kind: ExperimentKind,
  workersGiven: string | undefined,
): A {
  const spec = folder.resumed!;
  const inputs = spec["inputs"];
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
    throw new UserError(
      `${join(folder.path, EXPERIMENT_FILE)}: field inputs = ${JSON.stringify(inputs ?? null)}; expected the experiment's options, an object (a folder written before experiments could be resumed cannot be).`,
    );
  }
  for (const [key, value] of Object.entries(inputs)) {
    if (typeof value !== "string" && typeof value !== "boolean")
      throw new UserError(
        `${join(folder.path, EXPERIMENT_FILE)}: field inputs.${key} = ${JSON.stringify(value)}; expected an option's text (a string) or a flag (true or false).`,
      );
  }
  const recordedWorkers = typeof spec["workers"] === "number" ? String(spec["workers"]) : undefined;
  const workers = workersGiven ?? recordedWorkers;
  return {
    ...EARLIER_INPUTS[kind],
    ...(inputs as Record<string, string | boolean>),
    ...(workers !== undefined ? { workers } : {}),
    out: resolve(folder.path, ".."),
  } as unknown as A;
}
