/**
 * The options every experiment takes (`sweep`, `ab`, `optimize`), validated once into `Common`, and what an
 * experiment's folder records of them so that `--resume` parses them again.
 */
import { createHash } from "node:crypto";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../../analysis/files.js";
import { applyAssignments, defaults, type Assignment } from "../../engine/params.js";
import { MODES, type Mode } from "../../engine/types.js";
import { loadScenario, type LoadedScenario } from "../../scenarios/index.js";
import { parseQueueUrl } from "../../queue/protocol.js";
import { scenarioHost } from "../host.js";
import { checkParams, MAX_SEED, MAX_STEPS, optionError, parseAssignments, parseIntegerOption } from "../prepare.js";
import { checkOutDir } from "../run.js";

export interface ExperimentArgs {
  readonly scenario?: string | undefined;
  readonly steps?: string | undefined;
  readonly seed?: string | undefined;
  readonly mode?: string | undefined;
  readonly runs?: string | undefined;
  readonly workers?: string | undefined;
  /** `redis://host:port`: the runs go through this Redis's queue to `sim worker` processes. */
  readonly queue?: string | undefined;
  readonly set?: string | undefined;
  readonly out?: string | undefined;
  /** Model-mode runs: store every action too (lockstep runs always do). */
  readonly actions?: boolean | undefined;
  /** An interrupted experiment's folder: its runs not yet recorded are run, the rest is kept. */
  readonly resume?: string | undefined;
}

export interface Common {
  readonly scenario: LoadedScenario;
  readonly steps: number;
  readonly seed: number;
  readonly mode: Mode;
  readonly runs: number;
  readonly workers: number;
  readonly queue: string | undefined;
  readonly base: object;
  readonly set: readonly Assignment[];
  readonly outDir: string;
  readonly actions: boolean;
}

export async function parseCommon(
  hre: HardhatRuntimeEnvironment,
  args: ExperimentArgs,
  defaults_: { runs: number; mode: Mode },
): Promise<Common> {
  const scenario = await loadScenario(scenarioHost(hre), args.scenario ?? "");
  const steps =
    args.steps === undefined ? scenario.defaultSteps : parseIntegerOption("steps", args.steps, 1, MAX_STEPS);
  const seed = args.seed === undefined ? 1 : parseIntegerOption("seed", args.seed, 0, MAX_SEED);
  const runs = args.runs === undefined ? defaults_.runs : parseIntegerOption("runs", args.runs, 1, 1_000_000);
  const workers = args.workers === undefined ? 2 : parseIntegerOption("workers", args.workers, 0, 64);
  const modeText = (args.mode ?? defaults_.mode).trim();
  if (!(MODES as readonly string[]).includes(modeText) || modeText === "chain") {
    throw optionError("mode", modeText, "model or lockstep");
  }
  const set = parseAssignments(scenario, args.set, "--set");
  const base = applyAssignments(defaults(scenario.schema), set);
  checkParams(scenario, base, "");
  return {
    scenario,
    steps,
    seed,
    mode: modeText as Mode,
    runs,
    workers,
    queue: args.queue === undefined ? undefined : parseQueueUrl(args.queue),
    base,
    set,
    outDir: checkOutDir(args.out ?? "results"),
    actions: args.actions === true,
  };
}

/**
 * The options of the experiment as text, each resolved (a default made explicit): what experiment.json records as
 * `inputs`, and what `--resume` parses again, exactly as the command line was.
 */
export function commonInputs(common: Common, args: ExperimentArgs): Record<string, string | boolean> {
  return {
    scenario: common.scenario.file ?? common.scenario.name,
    steps: String(common.steps),
    seed: String(common.seed),
    mode: common.mode,
    runs: String(common.runs),
    ...(args.set !== undefined ? { set: args.set } : {}),
    actions: common.actions,
  };
}

/** `<kind>-<scenario>-<8 hex of the inputs' hash>`: the same inputs name the same folder. */
export function experimentName(kind: string, scenario: string, inputs: unknown): string {
  return `${kind}-${scenario}-${createHash("sha256").update(toJson(inputs)).digest("hex").slice(0, 8)}`;
}
