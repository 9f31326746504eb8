/**
 * `sim fuzz`: a campaign of random and adversarial Action sequences against a scenario's
 * mechanism, the model as the oracle after every Action; the first failure shrunk, printed, and
 * written as a replay file and a mocha test. `--replay <file>` runs a replay file again.
 * Exit code: 0 clean, 1 a failure found (or reproduced), 2 bad input.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../analysis/files.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { UserError } from "../engine/errors.js";
import { DEFAULT_START_TIME } from "../engine/execute.js";
import { runCampaign, type CampaignResult } from "../fuzz/campaign.js";
import { replayFuzzSequence } from "../fuzz/replay.js";
import { formatSequence, mochaTest, readReplayFile, replayJson } from "../fuzz/replayFile.js";
import { describeFailure, type SideCoverage } from "../fuzz/types.js";
import { scenarioHost } from "./host.js";
import { selectedNetwork } from "./network.js";
import { optionError, parseIntegerOption, prepareRun } from "./prepare.js";
import { checkOutDir, outputError } from "./run.js";

export interface FuzzArgs {
  readonly scenario?: string | undefined;
  readonly runs?: string | undefined;
  readonly seconds?: string | undefined;
  readonly seed?: string | undefined;
  readonly depth?: string | undefined;
  readonly steps?: string | undefined;
  readonly set?: string | undefined;
  readonly out?: string | undefined;
  readonly replay?: string | undefined;
  readonly exportTest?: string | undefined;
}

export const DEFAULT_RUNS = 20;
export const DEFAULT_DEPTH = 100;
/** Steps of the scenario's clock the agents act in, unless --steps says otherwise (at most the scenario's). */
export const DEFAULT_FUZZ_STEPS = 3;

export async function simFuzz(hre: HardhatRuntimeEnvironment, args: FuzzArgs): Promise<number> {
  try {
    if (!selectedNetwork(hre).inProcess) {
      throw new UserError("sim fuzz runs on the in-process chain only: leave out --network (and --rpc-url).");
    }
    if (args.replay !== undefined) return await replayCommand(hre, args);
    if (args.exportTest !== undefined) throw optionError("export-test", args.exportTest, "--replay <file> with it");
    return await campaignCommand(hre, args);
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function campaignCommand(hre: HardhatRuntimeEnvironment, args: FuzzArgs): Promise<number> {
  if (args.runs !== undefined && args.seconds !== undefined) {
    throw optionError("seconds", args.seconds, "either --runs or --seconds, not both");
  }
  const prepared = await prepareRun(
    { scenario: args.scenario ?? "", seed: args.seed, set: args.set },
    scenarioHost(hre),
  );
  const runs = args.runs !== undefined ? parseIntegerOption("runs", args.runs, 1, 1_000_000) : undefined;
  const seconds = args.seconds !== undefined ? parseIntegerOption("seconds", args.seconds, 1, 86_400) : undefined;
  const depth = args.depth !== undefined ? parseIntegerOption("depth", args.depth, 1, 100_000) : DEFAULT_DEPTH;
  const scenario = prepared.scenario;
  const steps =
    args.steps !== undefined
      ? parseIntegerOption("steps", args.steps, 1, scenario.defaultSteps)
      : Math.min(DEFAULT_FUZZ_STEPS, scenario.defaultSteps);
  const outDir = checkOutDir(args.out ?? "results");
  const inputs = toJson({ params: prepared.params, depth, steps, runs: runs ?? null, seconds: seconds ?? null });
  const name = `fuzz-${scenario.name}-${prepared.seed}-${createHash("sha256").update(inputs).digest("hex").slice(0, 8)}`;
  const result = await runCampaign({
    scenario,
    params: prepared.params,
    set: args.set ?? "",
    seed: prepared.seed,
    ...(runs !== undefined ? { runs } : seconds !== undefined ? { seconds } : { runs: DEFAULT_RUNS }),
    depth,
    steps,
    target: inProcessTarget(hre),
    onSequence: (done, actions) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\rsim fuzz ${scenario.name}: ${done} sequences, ${actions} actions`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  const folder = join(outDir, name);
  try {
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "campaign.json"),
      toJson(campaignJson(scenario.name, prepared.seed, depth, steps, result), 2) + "\n",
    );
    if (result.failure !== undefined) {
      writeFileSync(join(folder, "replay.json"), replayJson(result.failure.replay));
      writeFileSync(join(folder, "replay.test.ts"), mochaTest(result.failure.replay));
    }
  } catch (e) {
    const error = outputError(e, outDir);
    if (error === undefined) throw e;
    throw error;
  }
  process.stdout.write(
    summary(scenario.name, prepared.seed, result, folder, prepared.scenario.resolved.definition.name).join("\n") + "\n",
  );
  return result.failure === undefined ? 0 : 1;
}

async function replayCommand(hre: HardhatRuntimeEnvironment, args: FuzzArgs): Promise<number> {
  for (const [flag, value] of [
    ["scenario", args.scenario],
    ["runs", args.runs],
    ["seconds", args.seconds],
    ["seed", args.seed],
    ["depth", args.depth],
    ["steps", args.steps],
    ["set", args.set],
  ] as const) {
    if (value !== undefined)
      throw optionError(
        flag,
        value,
        `nothing with --replay, which brings its own ${flag === "set" ? "parameters" : flag}`,
      );
  }
  const path = resolve(args.replay!);
  const file = readReplayFile(path, args.replay!);
  const result = await replayFuzzSequence(hre, file, args.replay!);
  const lines = [
    `Replay of ${args.replay}: ${file.scenario}, seed ${file.seed}, sequence ${file.sequence}, ${file.steps.length} actions:`,
  ];
  lines.push(...result.report.split("\n"));
  lines.push(
    result.differences.length === 0
      ? "Bit for bit: every outcome on both sides and every transaction hash as the file recorded."
      : `Not as recorded (${result.differences.length}): ${result.differences.slice(0, 5).join("; ")}.`,
  );
  if (args.exportTest !== undefined) {
    const out = resolve(args.exportTest);
    try {
      writeFileSync(out, mochaTest(file));
    } catch (e) {
      throw optionError(
        "export-test",
        args.exportTest,
        `a file Lockstep can write (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    lines.push(`Test written: ${args.exportTest}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  return result.failure === undefined ? 0 : 1;
}

function coverageJson(side: SideCoverage, declared: CampaignResult["declared"]) {
  return {
    functions: Object.fromEntries([...side.functions].sort()),
    errors: Object.fromEntries([...side.errors].sort()),
    functionsNeverReached: declared.functions.filter((f) => !side.functions.has(f)),
    errorsNeverReached: declared.errors.filter((e) => !side.errors.has(e)),
  };
}

function campaignJson(scenario: string, seed: number, depth: number, steps: number, r: CampaignResult) {
  return {
    scenario,
    seed,
    depth,
    steps,
    sequences: r.sequences,
    actions: r.actions,
    fuzzSeconds: r.fuzzMs / 1000,
    actionsPerSecond: r.actions / (r.fuzzMs / 1000),
    vocabulary: r.vocabulary.kinds.map((k) => ({
      kind: k.kind,
      source: k.source,
      args: k.args.map(([n, a]) => `${n}:${a.type}`),
    })),
    leftOut: r.vocabulary.left,
    accounts: r.accounts.map((a) => a.id),
    coverage: { chain: coverageJson(r.coverage.chain, r.declared), model: coverageJson(r.coverage.model, r.declared) },
    failure:
      r.failure === undefined
        ? null
        : {
            sequence: r.failure.sequence,
            found: describeFailure(r.failure.original.failure),
            foundAfterActions: r.failure.original.steps.length,
            shrunkTo: r.failure.shrunk.steps.length,
            shrinkTries: r.failure.shrunk.tries,
            shrinkSeconds: r.shrinkMs / 1000,
            failure: describeFailure(r.failure.replay.failure ?? r.failure.shrunk.failure),
          },
  };
}

const list = (xs: readonly string[], max = 12): string =>
  xs.length === 0
    ? "none"
    : xs.length <= max
      ? xs.join(", ")
      : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;

export function summary(
  scenario: string,
  seed: number,
  r: CampaignResult,
  folder: string,
  mechanism: string,
): string[] {
  const lines: string[] = [];
  const rate = r.actions / (r.fuzzMs / 1000);
  lines.push(
    `sim fuzz ${scenario} (mechanism ${mechanism}), seed ${seed}: ${r.sequences} sequences, ${r.actions} actions in ` +
      `${(r.fuzzMs / 1000).toFixed(1)}s (${rate.toFixed(0)} actions/s, each checked on both sides), ` +
      `${r.failure === undefined ? "no failure" : "1 failure"}.`,
  );
  const sources = new Map<string, number>();
  for (const k of r.vocabulary.kinds) sources.set(k.source, (sources.get(k.source) ?? 0) + 1);
  lines.push(
    `Vocabulary: ${r.vocabulary.kinds.length} kinds (${[...sources].map(([s, n]) => `${n} ${s === "abi" ? "from the ABI" : s === "agents" ? "learned from the agents" : "declared"}`).join(", ")}); left out: ${r.vocabulary.left.length === 0 ? "none" : r.vocabulary.left.map((l) => `${l.kind} (${l.reason})`).join("; ")}.`,
  );
  for (const side of ["chain", "model"] as const) {
    const c = r.coverage[side];
    const fnsNever = r.declared.functions.filter((f) => !c.functions.has(f));
    const errs = r.declared.errors.filter((e) => c.errors.has(e));
    const other = [...c.errors.keys()].filter((e) => !r.declared.errors.includes(e));
    lines.push(
      `Coverage on the ${side}: functions succeeded ${r.declared.functions.length - fnsNever.length}/${r.declared.functions.length} ` +
        `(never: ${list(fnsNever)}); custom errors ${errs.length}/${r.declared.errors.length} ` +
        `(never: ${list(r.declared.errors.filter((e) => !c.errors.has(e)))})${other.length > 0 ? `; also ${other.join(", ")}` : ""}.`,
    );
  }
  const f = r.failure;
  if (f !== undefined) {
    lines.push(`Failure in sequence ${f.sequence}: ${describeFailure(f.original.failure)}.`);
    lines.push(
      `Shrunk from ${f.original.steps.length} to ${f.shrunk.steps.length} actions (${f.shrunk.tries} replays, ` +
        `${(r.shrinkMs / 1000).toFixed(1)}s): ${describeFailure(f.replay.failure ?? f.shrunk.failure)}.`,
    );
    lines.push(...formatSequence(f.records, DEFAULT_START_TIME, f.names));
    lines.push(`Replay: npx hardhat sim fuzz --replay ${join(folder, "replay.json")}`);
    lines.push(`Test for your project: ${join(folder, "replay.test.ts")}`);
  }
  lines.push(`Campaign folder: ${folder}`);
  return lines;
}
