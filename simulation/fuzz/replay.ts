/**
 * Replaying a sequence from its file on a fresh in-process chain: the same scenario, parameters,
 * accounts, Actions, senders and times, checked by the same oracle. A replay is bit for bit: each
 * Action's outcome on both sides and each transaction's hash must be those the file recorded.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { describeOutcome } from "../analysis/parity.js";
import { toJson } from "../analysis/files.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { scenarioHost } from "../cli/host.js";
import { prepareRun } from "../cli/prepare.js";
import { UserError } from "../engine/errors.js";
import { checkReplay, formatSequence, loadSteps, type ReplayFile } from "./replayFile.js";
import { openFuzzSession } from "./session.js";
import { runSequence } from "./shrink.js";
import { describeFailure, type Failure, type StepRecord } from "./types.js";

export interface ReplayResult {
  readonly failure?: Failure;
  readonly records: readonly StepRecord[];
  /** Where the replay differs from what the file recorded (an outcome, a transaction hash); empty when bit for bit. */
  readonly differences: readonly string[];
  /** The sequence printed one line per Action, then the failure or "no failure": for a failing test's message. */
  readonly report: string;
}

/** Replays a sequence (the parsed contents of a replay file) in this Hardhat project. */
export async function replayFuzzSequence(
  hre: HardhatRuntimeEnvironment,
  replay: unknown,
  shown = "(replay)",
): Promise<ReplayResult> {
  const file = checkReplay(replay, shown);
  const prepared = await prepareRun({ scenario: file.scenario, set: file.set }, scenarioHost(hre));
  if (toJson(prepared.params) !== toJson(file.params)) {
    throw new UserError(
      `Replay file ${shown}: scenario ${file.scenario} with --set "${file.set}" no longer gives the parameters the ` +
        `file recorded (its defaults changed): a replay needs the same parameters; run sim fuzz again.`,
    );
  }
  const steps = loadSteps(file, shown);
  const session = await openFuzzSession({
    scenario: prepared.scenario,
    params: prepared.params,
    target: inProcessTarget(hre),
    agents: file.accounts,
  });
  const result = await runSequence(session, steps);
  const differences = compareWithFile(file, result.records);
  const lines = formatSequence(result.records, session.startTime, session.names);
  lines.push(result.failure === undefined ? "No failure." : `Failure: ${describeFailure(result.failure)}.`);
  return {
    ...(result.failure !== undefined ? { failure: result.failure } : {}),
    records: result.records,
    differences,
    report: lines.join("\n"),
  };
}

function compareWithFile(file: ReplayFile, records: readonly StepRecord[]): string[] {
  const out: string[] = [];
  if (records.length !== file.steps.length) {
    out.push(`${records.length} actions ran (to the first failure), the file recorded ${file.steps.length}`);
  }
  records.forEach((r, i) => {
    const s = file.steps[i];
    if (s === undefined) return;
    const model = describeOutcome(r.model);
    const chain = describeOutcome(r.chain);
    if (s.model !== undefined && s.model !== model)
      out.push(`action ${i + 1}: the model now gives ${model}, the file ${s.model}`);
    if (s.chain !== undefined && s.chain !== chain)
      out.push(`action ${i + 1}: the chain now gives ${chain}, the file ${s.chain}`);
    if (s.txHash !== undefined && s.txHash !== r.chain.txHash) {
      out.push(`action ${i + 1}: transaction ${r.chain.txHash ?? "(none)"}, the file recorded ${s.txHash}`);
    }
  });
  return out;
}
