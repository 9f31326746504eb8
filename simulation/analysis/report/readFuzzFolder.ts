/**
 * A fuzz campaign folder read back for its report: `campaign.json` (what ran, the vocabulary, each side's coverage,
 * the failure if one was found) and, when there was a failure, `replay.json` (the shrunk sequence with both sides'
 * outcomes). Every mistake is one line naming the file and the field.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../engine/errors.js";
import { readReplayFile, type ReplayFile } from "../../fuzz/replayFile.js";

/** One side's coverage as campaign.json holds it: successes per `instance.function`, sightings per custom error. */
export interface CampaignSideCoverage {
  readonly functions: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  readonly functionsNeverReached: readonly string[];
  readonly errorsNeverReached: readonly string[];
}

export interface CampaignJson {
  readonly scenario: string;
  readonly seed: number;
  readonly depth: number;
  readonly steps: number;
  readonly sequences: number;
  readonly actions: number;
  readonly fuzzSeconds: number;
  readonly actionsPerSecond: number;
  readonly vocabulary: readonly { readonly kind: string; readonly source: string; readonly args: readonly string[] }[];
  readonly leftOut: readonly { readonly kind: string; readonly reason: string }[];
  readonly accounts: readonly string[];
  readonly coverage: { readonly chain: CampaignSideCoverage; readonly model: CampaignSideCoverage };
  readonly failure: {
    readonly sequence: number;
    readonly found: string;
    readonly foundAfterActions: number;
    readonly shrunkTo: number;
    readonly shrinkTries: number;
    readonly shrinkSeconds: number;
    readonly failure: string;
  } | null;
}

export interface FuzzFolder {
  readonly dir: string;
  readonly campaign: CampaignJson;
  /** The shrunk failing sequence, when the campaign found one. */
  readonly replay?: ReplayFile;
}

/** Whether `dir` is what `sim fuzz` writes: a campaign.json. */
export function isFuzzFolder(dir: string): boolean {
  return existsSync(join(dir, "campaign.json"));
}

const isCounts = (v: unknown): v is Record<string, number> =>
  typeof v === "object" && v !== null && Object.values(v).every((n) => typeof n === "number");
const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

function checkSide(v: unknown, where: string): CampaignSideCoverage {
  const s = v as Partial<CampaignSideCoverage> | null;
  if (typeof s !== "object" || s === null) throw new UserError(`${where}: expected an object.`);
  for (const k of ["functions", "errors"] as const)
    if (!isCounts(s[k])) throw new UserError(`${where}.${k}: expected counts by name.`);
  for (const k of ["functionsNeverReached", "errorsNeverReached"] as const)
    if (!isNames(s[k])) throw new UserError(`${where}.${k}: expected a list of names.`);
  return s as CampaignSideCoverage;
}

export function readFuzzFolder(dir: string): FuzzFolder {
  const file = join(dir, "campaign.json");
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(
      `${file}: ${e instanceof SyntaxError ? "not JSON" : "cannot be read"}: expected what sim fuzz writes (campaign.json).`,
    );
  }
  const c = value as Partial<CampaignJson> | null;
  if (typeof c !== "object" || c === null) throw new UserError(`${file}: expected an object.`);
  if (typeof c.scenario !== "string") throw new UserError(`${file}: scenario: expected a string.`);
  for (const k of ["seed", "depth", "steps", "sequences", "actions", "fuzzSeconds", "actionsPerSecond"] as const)
    if (typeof c[k] !== "number") throw new UserError(`${file}: ${k}: expected a number.`);
  if (!Array.isArray(c.vocabulary)) throw new UserError(`${file}: vocabulary: expected a list.`);
  if (!Array.isArray(c.leftOut)) throw new UserError(`${file}: leftOut: expected a list.`);
  if (!isNames(c.accounts)) throw new UserError(`${file}: accounts: expected a list of names.`);
  if (typeof c.coverage !== "object" || c.coverage === null)
    throw new UserError(`${file}: coverage: expected { chain, model }.`);
  checkSide(c.coverage.chain, `${file}: coverage.chain`);
  checkSide(c.coverage.model, `${file}: coverage.model`);
  if (c.failure === undefined) throw new UserError(`${file}: failure: expected null or the failure found.`);
  const campaign = c as CampaignJson;
  const replayPath = join(dir, "replay.json");
  if (campaign.failure !== null && !existsSync(replayPath)) {
    throw new UserError(`${file} records a failure, but ${replayPath} is missing: expected the shrunk sequence there.`);
  }
  return {
    dir,
    campaign,
    ...(campaign.failure !== null ? { replay: readReplayFile(replayPath) } : {}),
  };
}
