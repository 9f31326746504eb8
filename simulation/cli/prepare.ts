/**
 * The command line's boundary: every flag and parameter is validated here, once, into a
 * typed PreparedRun. Past this point nothing is user input.
 */
import { ParamError, UserError } from "../engine/errors.js";
import { applyAssignments, defaults, parseAssignment, validate, type Assignment } from "../engine/params.js";
import { MODES, type Mode } from "../engine/types.js";
import { toJson } from "../analysis/files.js";
import { loadScenario, type LoadedScenario, type ScenarioHost } from "../scenarios/index.js";

export const MAX_STEPS = 100_000;
export const MAX_SEED = 2 ** 32 - 1;

export interface RunRequest {
  readonly scenario?: string | undefined;
  readonly steps?: string | undefined;
  readonly seed?: string | undefined;
  readonly mode?: string | undefined;
  /** Space-separated `path=value` assignments for both sides. */
  readonly set?: string | undefined;
  /** Space-separated `path=value` assignments for the model only. */
  readonly modelSet?: string | undefined;
}

export interface PreparedRun {
  readonly scenario: LoadedScenario;
  readonly params: object;
  readonly modelParams: object;
  readonly set: readonly Assignment[];
  readonly modelSet: readonly Assignment[];
  readonly steps: number;
  readonly seed: number;
  readonly mode: Mode;
}

export function optionError(flag: string, value: string, expected: string): UserError {
  return new UserError(`Invalid option --${flag} = ${JSON.stringify(value)}: expected ${expected}.`);
}

export function parseIntegerOption(flag: string, value: string, min: number, max: number): number {
  const t = value.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) {
    throw optionError(flag, value, min === 1 ? `a positive integer up to ${max}` : `an integer in ${min}..${max}`);
  }
  return Number(t);
}

/** Splits a flag's text into its assignments (space-separated; each is path=value). */
export function splitAssignments(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parseAssignments(
  scenario: { readonly schema: LoadedScenario["schema"] },
  text: string | undefined,
  flag: string,
): Assignment[] {
  const seen = new Set<string>();
  return splitAssignments(text).map((part) => {
    const a = parseAssignment(scenario.schema, part, flag);
    if (seen.has(a.path)) throw new UserError(`Parameter params.${a.path} is given twice in ${flag}: give it once.`);
    seen.add(a.path);
    return a;
  });
}

/** Validates parameters against the scenario's schema, its rules across fields included, naming the flag that set the offending side. */
export function checkParams(
  scenario: { readonly schema: LoadedScenario["schema"] },
  params: object,
  where: string,
): void {
  try {
    validate(scenario.schema, params);
  } catch (e) {
    if (e instanceof ParamError && where !== "") throw new UserError(`${e.message.slice(0, -1)} (${where}).`);
    throw e;
  }
}

export async function prepareRun(req: RunRequest, host: ScenarioHost): Promise<PreparedRun> {
  const scenario = await loadScenario(host, req.scenario ?? "");
  const steps = req.steps === undefined ? scenario.defaultSteps : parseIntegerOption("steps", req.steps, 1, MAX_STEPS);
  const seed = req.seed === undefined ? 1 : parseIntegerOption("seed", req.seed, 0, MAX_SEED);
  const modeText = (req.mode ?? "lockstep").trim();
  if (!(MODES as readonly string[]).includes(modeText))
    throw optionError("mode", modeText, `one of ${MODES.join(", ")}`);
  const mode = modeText as Mode;
  const set = parseAssignments(scenario, req.set, "--set");
  const modelSet = parseAssignments(scenario, req.modelSet, "--model-set");
  if (modelSet.length > 0 && mode !== "lockstep") {
    throw optionError(
      "model-set",
      req.modelSet ?? "",
      `no --model-set outside lockstep mode (mode is ${mode}): it changes the model against the chain`,
    );
  }
  const params = applyAssignments(defaults(scenario.schema), set);
  checkParams(scenario, params, "");
  const modelParams = applyAssignments(params, modelSet);
  if (modelSet.length > 0) {
    checkParams(scenario, modelParams, "in --model-set");
    const { config } = scenario.mechanisms;
    if (toJson(config(params, 0n)) === toJson(config(modelParams, 0n))) {
      throw optionError(
        "model-set",
        req.modelSet ?? "",
        "a change to a mechanism parameter (fees, rewards, releases, ...): agent parameters drive both sides alike",
      );
    }
  }
  return { scenario, params, modelParams, set, modelSet, steps, seed, mode };
}
