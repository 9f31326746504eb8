/**
 * A failing sequence on disk: the scenario, its parameters, the seed and sequence it came from, the
 * campaign's accounts, and every Action with its sender and time, plus the outcomes both sides gave
 * when it was written (and the chain's transaction hashes, which a replay must reproduce bit for
 * bit). Also: the sequence printed one line per Action, and as a mocha test for the user's project.
 */
import { readFileSync } from "node:fs";
import { UserError } from "../engine/errors.js";
import type { ActionArg, AgentSpec, Outcome } from "../engine/types.js";
import { describeOutcome, outcomeDifference } from "../analysis/parity.js";
import { toJson } from "../analysis/files.js";
import type { Failure, FuzzStep, StepRecord } from "./types.js";
import { describeFailure } from "./types.js";

export const REPLAY_FORMAT = "lockstep-fuzz-replay";
export const REPLAY_VERSION = 1;

/** An Action argument on disk: a bigint as `{ "bigint": "<decimal>" }`, everything else as itself. */
type StoredArg = string | number | boolean | { readonly bigint: string };

export interface StoredStep {
  readonly agent: string;
  readonly sender: string;
  readonly kind: string;
  readonly args: Readonly<Record<string, StoredArg>>;
  /** Block timestamp, decimal seconds. */
  readonly time: string;
  /** Each side's outcome when the file was written, as `describeOutcome` words it. */
  readonly model?: string;
  readonly chain?: string;
  readonly txHash?: string;
}

export interface ReplayFile {
  readonly format: typeof REPLAY_FORMAT;
  readonly version: number;
  /** How `--scenario` finds it: a name, or a path from the project's root. */
  readonly scenario: string;
  /** The `--set` assignments the campaign ran with (space-separated), and the parameters they gave. */
  readonly set: string;
  readonly params: unknown;
  readonly seed: number;
  readonly sequence: number;
  /** Every account of the campaign (agents and outsiders): their variables are compared. */
  readonly accounts: readonly AgentSpec[];
  readonly failure: Failure | null;
  readonly steps: readonly StoredStep[];
  readonly bytecodeHashes: Readonly<Record<string, string>>;
}

function storeArg(v: ActionArg): StoredArg {
  return typeof v === "bigint" ? { bigint: v.toString() } : v;
}

function loadArg(v: unknown, where: string): ActionArg {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "object" && v !== null && typeof (v as { bigint?: unknown }).bigint === "string") {
    const text = (v as { bigint: string }).bigint;
    if (/^-?\d+$/.test(text)) return BigInt(text);
  }
  throw new UserError(`${where}: expected a string, a number, a boolean or { "bigint": "<decimal>" }.`);
}

export function storeSteps(records: readonly StepRecord[]): StoredStep[] {
  return records.map(({ step, model, chain }) => ({
    ...storeStep(step),
    model: describeOutcome(model),
    chain: describeOutcome(chain),
    ...(chain.txHash !== undefined ? { txHash: chain.txHash } : {}),
  }));
}

function storeStep(s: FuzzStep): StoredStep {
  const args: Record<string, StoredArg> = {};
  for (const [k, v] of Object.entries(s.action.args)) args[k] = storeArg(v);
  return { agent: s.action.agent, sender: s.sender, kind: s.action.kind, args, time: s.time.toString() };
}

export function loadSteps(file: ReplayFile, shown: string): FuzzStep[] {
  return file.steps.map((s, i) => {
    const where = `Replay file ${shown}: steps[${i}]`;
    const args: Record<string, ActionArg> = {};
    for (const [k, v] of Object.entries(s.args ?? {})) args[k] = loadArg(v, `${where}.args.${k}`);
    if (typeof s.agent !== "string" || typeof s.kind !== "string") {
      throw new UserError(`${where}: expected agent and kind as strings.`);
    }
    if (typeof s.sender !== "string" || !/^0x[0-9a-f]{40}$/.test(s.sender)) {
      throw new UserError(`${where}.sender = ${JSON.stringify(s.sender)}: expected a lower-case address.`);
    }
    if (typeof s.time !== "string" || !/^\d+$/.test(s.time)) {
      throw new UserError(`${where}.time = ${JSON.stringify(s.time)}: expected decimal seconds as a string.`);
    }
    return {
      action: { agent: s.agent, kind: s.kind, args },
      sender: s.sender as `0x${string}`,
      time: BigInt(s.time),
    };
  });
}

/** Reads and checks a replay file; every mistake is one line naming the file and the field. */
export function readReplayFile(path: string, shown = path): ReplayFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UserError(`Replay file ${shown} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`Replay file ${shown} is not JSON: expected what sim fuzz writes (replay.json).`);
  }
  return checkReplay(value, shown);
}

export function checkReplay(value: unknown, shown: string): ReplayFile {
  const f = value as Partial<ReplayFile> | null;
  if (typeof f !== "object" || f === null || f.format !== REPLAY_FORMAT) {
    throw new UserError(`Replay file ${shown}: format is not "${REPLAY_FORMAT}": expected what sim fuzz writes.`);
  }
  if (f.version !== REPLAY_VERSION) {
    throw new UserError(`Replay file ${shown}: version ${String(f.version)}: expected ${REPLAY_VERSION}.`);
  }
  if (typeof f.scenario !== "string") throw new UserError(`Replay file ${shown}: scenario: expected a string.`);
  if (typeof f.set !== "string") throw new UserError(`Replay file ${shown}: set: expected a string.`);
  if (!Array.isArray(f.accounts) || f.accounts.some((a) => typeof a?.id !== "string" || typeof a.role !== "string")) {
    throw new UserError(`Replay file ${shown}: accounts: expected a list of { id, role }.`);
  }
  if (!Array.isArray(f.steps)) throw new UserError(`Replay file ${shown}: steps: expected a list.`);
  return f as ReplayFile;
}

export function replayJson(file: ReplayFile): string {
  return toJson(file, 2) + "\n";
}

/** Seconds after `start` as `+<days>d <hh:mm:ss>`. */
function offset(time: bigint, start: bigint): string {
  const s = time - start;
  const days = s / 86_400n;
  const rest = Number(s % 86_400n);
  const hms = [Math.floor(rest / 3600), Math.floor(rest / 60) % 60, rest % 60]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  return `+${days}d ${hms}`;
}

/** The sequence, one line per Action with both sides' outcomes; addresses by the name `names` gives them. */
export function formatSequence(
  records: readonly { step: FuzzStep; model: Outcome; chain: Outcome }[],
  start: bigint,
  names: ReadonlyMap<string, string> = new Map(),
): string[] {
  const argText = (v: ActionArg): string =>
    typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? (names.get(v.toLowerCase()) ?? v) : String(v);
  return records.map(({ step, model, chain }, i) => {
    const args = Object.entries(step.action.args)
      .map(([k, v]) => `${k}=${argText(v)}`)
      .join(", ");
    const d = outcomeDifference(model, chain);
    const sides =
      d === undefined
        ? `both: ${describeOutcome(chain)}`
        : d.at !== undefined
          ? `both: ${describeOutcome(chain)}, events differ at ${d.at}: model ${d.model} | chain ${d.chain}`
          : `model: ${describeOutcome(model)} | chain: ${describeOutcome(chain)}`;
    return `${String(i + 1).padStart(4)}. ${offset(step.time, start)}  ${step.action.agent} ${step.action.kind}(${args})  ${sides}`;
  });
}

/** The replay as a mocha test for the user's project: it fails while the contracts and the model part on it. */
export function mochaTest(file: ReplayFile): string {
  const title = `${file.scenario} seed ${file.seed}, sequence ${file.sequence}`;
  const what = file.failure === null ? "" : ` (found: ${describeFailure(file.failure)})`;
  return `/**
 * A sequence \`npx hardhat sim fuzz\` found and shrunk${what.replace(/\*\//g, "* /")}.
 * It passes once the contracts and the model agree on every action of it. Written by Lockstep.
 */
import { expect } from "chai";
import hre from "hardhat";
import { replayFuzzSequence } from "lockstep";

const replay = ${replayJson(file).trim()};

describe("fuzz: ${title}", function () {
  this.timeout(300_000);

  it("${file.scenario}: the contracts and the model agree after every action of the shrunk sequence", async function () {
    const result = await replayFuzzSequence(hre, replay);
    expect(result.failure, result.report).to.equal(undefined);
  });
});
`;
}
