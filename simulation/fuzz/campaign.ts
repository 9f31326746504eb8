/**
 * A fuzz campaign: sequences generated one after another (each from the seed and its index),
 * every Action checked by the oracle as it runs; the first failing sequence is shrunk and made a
 * replay. What each side reached is counted over the whole campaign.
 */
import { ErrorFragment } from "ethers";
import type { AgentSpec, ChainTarget } from "../engine/types.js";
import type { LoadedScenario } from "../scenarios/load.js";
import { createRng } from "../engine/rng.js";
import { createCorpus } from "./corpus.js";
import { createGenerator } from "./generate.js";
import { REPLAY_FORMAT, REPLAY_VERSION, storeSteps, type ReplayFile } from "./replayFile.js";
import { openFuzzSession, OUTSIDERS, type FuzzSession } from "./session.js";
import { runSequence, shrink, SHRINK_BUDGET, type ShrinkResult } from "./shrink.js";
import { emptyCoverage, type Coverage, type Failure, type FuzzStep, type StepRecord } from "./types.js";
import { buildVocabulary, LEARN_STEPS, watchAgents, type Vocabulary } from "./vocabulary.js";

export interface CampaignSpec {
  readonly scenario: LoadedScenario;
  readonly params: object;
  /** The `--set` text the parameters came from (recorded in a replay). */
  readonly set: string;
  readonly seed: number;
  /** Sequences to run; or, with `seconds`, as many as fit. */
  readonly runs?: number;
  readonly seconds?: number;
  /** Actions per sequence. */
  readonly depth: number;
  /** Steps of the scenario's clock the agents act in (and whose population takes part). */
  readonly steps: number;
  readonly target: ChainTarget;
  readonly shrinkBudget?: number;
  readonly onSequence?: (done: number, actions: number) => void;
}

export interface CampaignFailure {
  readonly sequence: number;
  /** The sequence as generated, up to its failure. */
  readonly original: { readonly steps: readonly FuzzStep[]; readonly failure: Failure };
  readonly shrunk: ShrinkResult;
  /** The shrunk sequence as it ran (both sides' outcomes). */
  readonly records: readonly StepRecord[];
  readonly replay: ReplayFile;
  /** Addresses and their names (accounts, instances), for printing. */
  readonly names: ReadonlyMap<string, string>;
}

export interface CampaignResult {
  readonly sequences: number;
  readonly actions: number;
  /** Time spent running sequences (generation and the oracle included, shrinking excluded). */
  readonly fuzzMs: number;
  readonly shrinkMs: number;
  readonly vocabulary: Vocabulary;
  readonly accounts: readonly AgentSpec[];
  readonly coverage: Coverage;
  /** Every call the vocabulary can make (`instance.function`), and every custom error the deployed contracts declare. */
  readonly declared: { readonly functions: readonly string[]; readonly errors: readonly string[] };
  readonly failure?: CampaignFailure;
}

/** The campaign's accounts: every agent alive in its steps, then the outsiders. */
export function campaignAccounts(scenario: LoadedScenario, params: object, steps: number): AgentSpec[] {
  const out = new Map<string, AgentSpec>();
  for (let s = 0; s < steps; s++)
    for (const a of scenario.population(params as never, s)) if (!out.has(a.id)) out.set(a.id, a);
  for (const o of OUTSIDERS) if (!out.has(o.id)) out.set(o.id, o);
  return [...out.values()];
}

export async function runCampaign(spec: CampaignSpec): Promise<CampaignResult> {
  const { scenario, params, seed } = spec;
  const emitted = await watchAgents(scenario, params, seed, LEARN_STEPS);
  const vocabulary = buildVocabulary(scenario, emitted);
  const accounts = campaignAccounts(scenario, params, spec.steps);
  const session = await openFuzzSession({ scenario, params, target: spec.target, agents: accounts });
  const coverage = emptyCoverage();
  const started = performance.now();
  const deadline = spec.seconds !== undefined ? started + spec.seconds * 1000 : Infinity;
  const runs = spec.runs ?? (spec.seconds !== undefined ? Infinity : 1);
  let sequences = 0;
  let actions = 0;
  let found: { sequence: number; steps: FuzzStep[]; failure: Failure } | undefined;
  const corpus = createCorpus(spec.depth);
  const campaignSuccesses = new Map<string, number>();
  while (sequences < runs && performance.now() < deadline && found === undefined) {
    const index = sequences;
    const generator = createGenerator({ session, vocabulary, seed, index, steps: spec.steps, campaignSuccesses });
    const run = await session.start(coverage);
    const steps: FuzzStep[] = [];
    const send = async (step: FuzzStep): Promise<boolean> => {
      steps.push(step);
      actions++;
      const failure = await run.apply(step);
      corpus.observe(session, run, steps);
      const r = run.records[run.records.length - 1];
      if (r?.model.ok === true)
        campaignSuccesses.set(step.action.kind, (campaignSuccesses.get(step.action.kind) ?? 0) + 1);
      if (failure !== undefined) found = { sequence: index, steps, failure };
      return failure === undefined;
    };
    // Half the sequences after the first go on from a state an earlier one reached first (its prefix, replayed).
    const prefix = corpus.pick(createRng({ seed, scenario: scenario.name, stream: `fuzz/${index}/corpus` }));
    for (const step of prefix) if (!(await send(step))) break;
    generator.adopt(steps);
    let idle = 0;
    while (found === undefined && steps.length < spec.depth && idle < 8) {
      const batch = generator.next(run);
      idle = batch.length === 0 ? idle + 1 : 0;
      for (const step of batch) {
        if (steps.length >= spec.depth || !(await send(step))) break;
      }
    }
    sequences++;
    spec.onSequence?.(sequences, actions);
  }
  const fuzzMs = performance.now() - started;
  const declared = declaredOf(session, vocabulary);
  if (found === undefined) {
    return { sequences, actions, fuzzMs, shrinkMs: 0, vocabulary, accounts, coverage, declared };
  }
  const t = performance.now();
  const shrunk = await shrink(session, found.steps, found.failure, spec.shrinkBudget ?? SHRINK_BUDGET);
  const rerun = await runSequence(session, shrunk.steps);
  const shrinkMs = performance.now() - t;
  const replay: ReplayFile = {
    format: REPLAY_FORMAT,
    version: REPLAY_VERSION,
    scenario: scenario.file ?? scenario.ref,
    set: spec.set,
    params: JSON.parse(JSON.stringify(params, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))),
    seed,
    sequence: found.sequence,
    accounts,
    failure: rerun.failure ?? shrunk.failure,
    steps: storeSteps(rerun.records),
    bytecodeHashes: scenario.bytecodeHashes(),
  };
  return {
    sequences,
    actions,
    fuzzMs,
    shrinkMs,
    vocabulary,
    accounts,
    coverage,
    declared,
    failure: {
      sequence: found.sequence,
      original: { steps: found.steps, failure: found.failure },
      shrunk,
      records: rerun.records,
      replay,
      names: session.names,
    },
  };
}

/** The calls the vocabulary makes and the custom errors the deployed contracts declare, sorted. */
function declaredOf(session: FuzzSession, vocabulary: Vocabulary) {
  const r = session.scenario.resolved;
  const definition = r.definition;
  const functions = new Set<string>();
  for (const k of vocabulary.kinds) {
    const b = definition.actions[k.kind]!;
    if (typeof b.contract === "string") functions.add(`${b.contract}.${b.function}`);
  }
  for (const [kind, list] of vocabulary.agentActions) {
    const b = definition.actions[kind];
    if (b === undefined || typeof b.contract === "string") continue;
    for (const a of list) functions.add(`${b.contract(a.args, session.deployed)}.${b.function}`);
  }
  const errors = new Set<string>();
  for (const artifact of new Set(Object.values(session.deployment.artifacts))) {
    for (const f of r.iface(artifact).fragments) if (f instanceof ErrorFragment) errors.add(f.name);
  }
  return { functions: [...functions].sort(), errors: [...errors].sort() };
}
