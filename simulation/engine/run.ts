import { createHash } from "node:crypto";
import type { KeyRing } from "./accounts.js";
import { createClock } from "./clock.js";
import { deterministic } from "./determinism.js";
import { brokenInvariants, sampleNames, sampleReader, type InvariantViolation } from "./invariants.js";
import { InternalError } from "./errors.js";
import type { ParamsOf, ParamSchema } from "./params.js";
import { createRng, type Rng } from "./rng.js";
import { scaleAction, scaleClock, type TimeScale } from "./timeScale.js";
import type {
  Account,
  Action,
  AgentContext,
  AgentSpec,
  ChainBackend,
  Comparison,
  Mode,
  ModelBackend,
  Outcome,
  Policy,
  Scenario,
  Tick,
  Variables,
} from "./types.js";
import { outcomeDifference, withinTolerance } from "../analysis/parity.js";
import {
  executionOrder,
  outcomeRecord,
  type ActionRecord,
  type Divergence,
  type PinnedDivergence,
  type RunResult,
  type RunSink,
} from "./record.js";

export type { ActionRecord, Divergence, OutcomeRecord, PinnedDivergence, RunResult, RunSink } from "./record.js";
import { encodeValue, formatArgs } from "../analysis/values.js";
import { traceHeader, traceLineWriter, type StepSample, type TraceLayout } from "../analysis/trace.js";

export interface RunSpec<Schema extends ParamSchema, S, W, V> {
  readonly scenario: Scenario<Schema, S, W, V>;
  /** Parameters of the chain and of the agents. */
  readonly params: ParamsOf<Schema>;
  /** Parameters of the model: equal to `params` unless the user changed a model assumption. */
  readonly modelParams: ParamsOf<Schema>;
  readonly mode: Mode;
  readonly seed: number;
  readonly steps: number;
  readonly startTime: bigint;
  readonly keys: KeyRing;
  readonly model: ModelBackend<W>;
  readonly chain?: ChainBackend;
  /** Wall-clock runs: the scenario's clock and `…Seconds` durations in chain time (see timeScale.ts). */
  readonly timeScale?: TimeScale;
  readonly simulation?: number;
  readonly subset?: number;
  readonly run?: number;
  readonly sink?: RunSink;
  readonly onStep?: (step: number, steps: number) => void;
  /** Stop between steps when this says so (Ctrl-C); the rows written so far stay valid. */
  readonly shouldStop?: () => boolean;
  /**
   * Replay mode for pinning a divergence (see engine/pin.ts): in this step (0-based) every Action
   * goes to the chain alone and both sides are compared after each; the run ends after it.
   */
  readonly pinStep?: number;
}

/**
 * Runs one scenario with one parameter set and one seed: agents emit Actions, the model
 * and (unless mode is "model") the chain apply them, and after every step the two
 * states are sampled and compared variable by variable.
 */
export async function runScenario<Schema extends ParamSchema, S, W, V>(
  spec: RunSpec<Schema, S, W, V>,
): Promise<RunResult> {
  const started = performance.now();
  const { scenario, params, mode, seed, steps, model, chain } = spec;
  const simulation = spec.simulation ?? 0;
  const subset = spec.subset ?? 0;
  const runIndex = spec.run ?? 0;
  if ((mode === "model") !== (chain === undefined)) {
    throw new InternalError(`mode ${mode} with ${chain === undefined ? "no" : "a"} chain backend`);
  }
  const useModel = mode !== "chain";
  const useChain = mode !== "model";
  const clock = scaleClock(
    createClock(spec.startTime, scenario.stepSeconds(params), scenario.substeps),
    spec.timeScale,
  );
  const where = `Scenario ${scenario.name}`;
  const state = deterministic(`${where} (its init)`, () =>
    scenario.init(params, (name) => createRng({ seed, scenario: scenario.name, stream: `env/${name}` })),
  );
  const stepCtx = (step: number) => ({ params, step, addressOf });

  // Accounts: every agent the horizon will see, so the trace's columns are fixed from the start.
  const accountsById = new Map<string, Account>();
  const accountOf = (agent: AgentSpec): Account => {
    let a = accountsById.get(agent.id);
    if (a === undefined) {
      a = { id: agent.id, role: agent.role, address: spec.keys.addressOf(agent.id), attrs: agent.attrs ?? {} };
      accountsById.set(agent.id, a);
    }
    return a;
  };
  for (let step = 0; step < steps; step++) for (const a of scenario.population(params, step)) accountOf(a);
  const allAccounts = [...accountsById.values()];
  // The initial sample reads every account (it fixes the trace's columns); later ones read the
  // accounts alive so far: an agent not yet born has nothing to compare, and sampling cost
  // follows the population, not the horizon's.
  let sampled: readonly Account[] = allAccounts;
  const addressOf = (id: string): `0x${string}` => accountsById.get(id)?.address ?? spec.keys.addressOf(id);
  const rngs = new Map<string, Rng>();
  const rngOf = (id: string): Rng => {
    let r = rngs.get(id);
    if (r === undefined) {
      r = createRng({ seed, scenario: scenario.name, stream: id });
      rngs.set(id, r);
    }
    return r;
  };

  const hash = createHash("sha256");
  let layout: TraceLayout | undefined;
  let traceLine: ReturnType<typeof traceLineWriter> | undefined;
  let variableNames: readonly string[] = [];
  const comparisons = new Map<string, Comparison | false | undefined>();
  let comparisonsDone = 0;
  let divergences = 0;
  let firstDivergence: Divergence | undefined;
  let invariantViolations = 0;
  let firstViolation: InvariantViolation | undefined;
  const byKind = new Map<string, number>();
  let total = 0;
  let reverted = 0;
  let gasUsed = 0n;
  let kpis: Record<string, number | bigint> = {};
  let stepActions: ActionRecord[] = [];
  const timing = { chainExecuteMs: 0, chainSampleMs: 0, modelApplyMs: 0, modelSampleMs: 0 };
  const sinkVariables = spec.sink !== undefined && (spec.sink.keeps?.variables ?? true);
  const sinkActions = spec.sink !== undefined && (spec.sink.keeps?.actions ?? true);

  const sampleAndCompare = async (timestep: number, substep: string): Promise<void> => {
    let t = performance.now();
    const chainVars: Variables | undefined = useChain ? await chain!.sample(sampled) : undefined;
    timing.chainSampleMs += performance.now() - t;
    t = performance.now();
    // Where the model's variables go only to the trace (no chain to compare, no sink to store them),
    // a list will do once the layout is fixed: building a Map of every variable every step is the
    // dearest part of sampling.
    const modelList =
      useModel && !useChain && !sinkVariables && layout !== undefined ? model.sampleList?.(sampled) : undefined;
    const modelVars: Variables | undefined = useModel && modelList === undefined ? model.sample(sampled) : undefined;
    timing.modelSampleMs += performance.now() - t;
    kpis = deterministic(`${where} (its KPIs)`, () =>
      scenario.kpis(scenario.view(model.world, state), stepCtx(timestep)),
    );
    if (layout === undefined) {
      variableNames = [...new Set<string>([...(modelVars?.keys() ?? []), ...(chainVars?.keys() ?? [])])];
      if (useModel && useChain) for (const v of variableNames) comparisons.set(v, scenario.compare?.(v));
      layout = {
        simulation,
        subset,
        run: runIndex,
        variables: variableNames,
        kpis: Object.keys(kpis),
        model: useModel,
        chain: useChain,
      };
      hash.update(traceHeader(layout).join(",") + "\n");
      traceLine = traceLineWriter(layout);
      await spec.sink?.begin(layout);
    }
    const invariants = scenario.mechanisms.invariants;
    if (invariants !== undefined) {
      for (const [side, vars] of [
        ["model", modelVars ?? modelList],
        ["chain", chainVars],
      ] as const) {
        if (vars === undefined) continue;
        const broken = brokenInvariants(invariants, sampleReader(vars), side, timestep, sampleNames(vars));
        invariantViolations += broken.length;
        firstViolation ??= broken[0];
      }
    }
    const diverged: string[] = [];
    if (useModel && useChain) {
      for (const v of variableNames) {
        const cmp = comparisons.get(v);
        if (cmp === false) continue;
        const m = modelVars!.get(v);
        const c = chainVars!.get(v);
        if (m === undefined && c === undefined) continue; // not sampled: an agent not yet alive
        comparisonsDone++;
        if (m !== undefined && c !== undefined && withinTolerance(m, c, cmp)) continue;
        diverged.push(v);
        divergences++;
        firstDivergence ??= {
          step: timestep,
          substep,
          variable: v,
          model: m === undefined ? "(missing)" : encodeValue(m),
          chain: c === undefined ? "(missing)" : encodeValue(c),
          seed,
          actions: stepActions,
        };
      }
    }
    const sample: StepSample = {
      timestep,
      substep,
      ...(modelVars !== undefined ? { model: modelVars } : {}),
      ...(chainVars !== undefined ? { chain: chainVars } : {}),
      kpis,
      diverged,
    };
    hash.update(traceLine!(sample, modelList) + "\n");
    await spec.sink?.sample(sample);
  };

  // An agent's policy, the substeps it acts in and its context, resolved once: a step calls policies
  // population × substeps times, most with nothing to do, so a call must cost next to nothing
  // beyond the policy itself. The context is the agent's own object, brought up to date before
  // each call rather than built anew (see AgentContext).
  type Context = { -readonly [K in keyof AgentContext<ParamsOf<Schema>>]: AgentContext<ParamsOf<Schema>>[K] };
  interface Actor {
    readonly policy: Policy<ParamsOf<Schema>, V>;
    /** By substep index: whether the policy acts in it. */
    readonly acts: readonly boolean[];
    readonly ctx: Context;
  }
  const actsByRole = new Map<string, readonly boolean[]>();
  const actors = new Map<string, Actor>();
  const actorOf = (account: Account): Actor => {
    let actor = actors.get(account.id);
    if (actor === undefined) {
      const policy = scenario.policies[account.role];
      if (policy === undefined) {
        throw new InternalError(`scenario ${scenario.name} has no policy for role ${account.role}`);
      }
      let acts = actsByRole.get(account.role);
      if (acts === undefined) {
        acts = scenario.substeps.map((s) => policy.substeps === undefined || policy.substeps.includes(s.name));
        actsByRole.set(account.role, acts);
      }
      const ctx: Context = {
        step: -1,
        substep: "",
        substepIndex: -1,
        time: 0n,
        params,
        rng: rngOf(account.id),
        self: account,
        addressOf,
        population: [],
        newcomers: [],
      };
      actor = { policy, acts, ctx };
      actors.set(account.id, actor);
    }
    return actor;
  };
  type Batch = { action: Action; sender: `0x${string}` }[];

  /** The agent whose policy runs now, for a refusal's message (see determinism.ts). */
  let deciding: Context | undefined;
  const whoDecides = (): string =>
    deciding === undefined ? where : `${where}: the policy of ${deciding.self.id} (role ${deciding.self.role})`;

  /** A substep's decisions: every agent acting in it reads the same view, and none sees another's Actions. */
  const decide = (
    stepActors: readonly Actor[],
    tick: Tick,
    view: V,
    population: readonly Account[],
    newcomers: readonly Account[],
  ): Batch => {
    const batch: Batch = [];
    for (let k = 0; k < stepActors.length; k++) {
      const { policy, acts, ctx } = stepActors[k]!;
      if (!acts[tick.substepIndex]) continue;
      ctx.step = tick.step;
      ctx.substep = tick.substep;
      ctx.substepIndex = tick.substepIndex;
      ctx.time = tick.time;
      ctx.population = population;
      ctx.newcomers = newcomers;
      deciding = ctx;
      const actions = policy(view, ctx);
      for (let a = 0; a < actions.length; a++) {
        const action = actions[a]!;
        batch.push({ action: scaleAction(action, spec.timeScale), sender: addressOf(action.agent) });
      }
    }
    return batch;
  };

  // Records are built only for someone who reads them: a sink that keeps them, or a divergence report (lockstep).
  const recording = sinkActions || (useModel && useChain);

  /** Applies a substep's batch to the model in the chain's order, and observes, counts and records each Action. */
  const applyBatch = async (
    step: number,
    tick: Tick,
    view: V,
    batch: Batch,
    chainOutcomes: readonly Outcome[] | undefined,
  ): Promise<void> => {
    const observeCtx = stepCtx(step + 1);
    const order = executionOrder(batch.length, chainOutcomes);
    // Model time is the model's updates and the scenario's observation of them, read off the clock
    // around the batch rather than around each Action (a clock read costs as much as an update);
    // building records and handing them to the sink is left out of it.
    let since = performance.now();
    // The model and the observer first, all of the batch, with the guard up once (they are
    // synchronous); then the counts, records and sink writes, which may wait.
    const modelOutcomes = new Array<Outcome>(order.length);
    let current: Action | undefined;
    let observing = false;
    const running = (): string =>
      `${where}: ${observing ? "its observation" : "the model"} of action ${current?.kind ?? "?"}`;
    deterministic(running, () => {
      for (let k = 0; k < order.length; k++) {
        const i = order[k]!;
        const { action, sender } = batch[i]!;
        const c = chainOutcomes?.[i];
        current = action;
        observing = false;
        const m = model.apply(action, sender, c?.timestamp ?? tick.time);
        modelOutcomes[k] = m;
        if (scenario.observe !== undefined) {
          observing = true;
          scenario.observe(view, action, useChain ? c! : m, observeCtx);
        }
      }
    });
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const { action, sender } = batch[i]!;
      const c = chainOutcomes?.[i];
      const m = modelOutcomes[k]!;
      const decisive = useChain ? c! : m;
      const difference = useModel && useChain ? outcomeDifference(m, c!) : undefined;
      const diverged = difference !== undefined;
      total++;
      byKind.set(action.kind, (byKind.get(action.kind) ?? 0) + 1);
      if (!decisive.ok) reverted++;
      if (c?.gasUsed !== undefined) gasUsed += c.gasUsed;
      if (recording) {
        timing.modelApplyMs += performance.now() - since;
        const record: ActionRecord = {
          step,
          substep: tick.substep,
          agent: action.agent,
          sender,
          kind: action.kind,
          args: formatArgs(action.args),
          ...(action.meta !== undefined ? { meta: formatArgs(action.meta) } : {}),
          ...(useModel ? { model: outcomeRecord(m) } : {}),
          ...(c !== undefined ? { chain: outcomeRecord(c) } : {}),
          diverged,
        };
        stepActions.push(record);
        if (sinkActions) await spec.sink!.action(record);
        since = performance.now();
      }
      if (diverged) {
        divergences++;
        firstDivergence ??= {
          step: step + 1,
          substep: tick.substep,
          variable:
            difference!.at === undefined
              ? `outcome of ${action.kind} by ${action.agent}`
              : `events of ${action.kind} by ${action.agent} differ at ${difference!.at}`,
          model: difference!.model,
          chain: difference!.chain,
          seed,
          actions: stepActions.filter((r) => r.substep === tick.substep),
        };
      }
    }
    timing.modelApplyMs += performance.now() - since;
  };

  /** The first variable on which the two sides differ now, by its comparison; undefined where they agree. */
  const firstDifference = async (): Promise<{ variable: string; model: string; chain: string } | undefined> => {
    const chainVars = await chain!.sample(sampled);
    const modelVars = model.sample(sampled);
    for (const v of new Set([...modelVars.keys(), ...chainVars.keys()])) {
      const cmp = comparisons.has(v) ? comparisons.get(v) : scenario.compare?.(v);
      if (cmp === false) continue;
      const m = modelVars.get(v);
      const c = chainVars.get(v);
      if (m !== undefined && c !== undefined && withinTolerance(m, c, cmp)) continue;
      return {
        variable: v,
        model: m === undefined ? "(missing)" : encodeValue(m),
        chain: c === undefined ? "(missing)" : encodeValue(c),
      };
    }
    return undefined;
  };
  let pinned: PinnedDivergence | undefined;
  /** The pinned step's substep: each Action alone on the chain, then both sides compared. */
  const pinSubstep = async (step: number, tick: Tick, view: V, batch: Batch): Promise<void> => {
    for (const one of batch) {
      const outcomes = await chain!.execute([one], tick.time, tick);
      await applyBatch(step, tick, view, [one], outcomes);
      const d = await firstDifference();
      if (d !== undefined) {
        pinned = {
          step: step + 1,
          substep: tick.substep,
          after: stepActions[stepActions.length - 1],
          actionNumber: stepActions.length,
          ...d,
          actions: [...stepActions],
        };
        return;
      }
    }
  };

  const live = new Set<string>();
  const lastSubstep = scenario.substeps[scenario.substeps.length - 1]?.name ?? "";
  await sampleAndCompare(0, "init");
  let stepsRun = 0;
  let stopped = false;
  for (let step = 0; step < steps; step++) {
    if (spec.shouldStop?.() === true) {
      stopped = true;
      break;
    }
    const population = scenario.population(params, step).map(accountOf);
    const newcomers = population.filter((a) => !live.has(a.id));
    for (const a of newcomers) live.add(a.id);
    if (newcomers.length > 0 || step === 0) sampled = allAccounts.filter((a) => live.has(a.id));
    if (useChain && newcomers.length > 0) await chain!.prepare(newcomers);
    const stepActors = population.map(actorOf);
    stepActions = [];
    const pinning = spec.pinStep === step && useChain && useModel;
    if (pinning) {
      const d = await firstDifference();
      if (d !== undefined) {
        pinned = { step: step + 1, substep: "(before the step)", after: undefined, actionNumber: 0, ...d, actions: [] };
      }
    }
    for (let j = 0; j < scenario.substeps.length && pinned === undefined; j++) {
      const tick: Tick = clock.at(step, j);
      const view = deterministic(`${where} (its view)`, () => scenario.view(model.world, state));
      const batch = deterministic(whoDecides, () => decide(stepActors, tick, view, population, newcomers));
      if (batch.length === 0) continue;
      if (pinning) {
        await pinSubstep(step, tick, view, batch);
        continue;
      }
      const tExec = performance.now();
      const chainOutcomes = useChain ? await chain!.execute(batch, tick.time, tick) : undefined;
      timing.chainExecuteMs += performance.now() - tExec;
      await applyBatch(step, tick, view, batch, chainOutcomes);
    }
    if (pinning) {
      stepsRun = step + 1;
      break;
    }
    await sampleAndCompare(step + 1, lastSubstep);
    stepsRun = step + 1;
    spec.onStep?.(step + 1, steps);
  }

  const status: RunResult["status"] = stopped
    ? "stopped"
    : mode === "model"
      ? "model-only"
      : mode === "chain"
        ? "chain-only"
        : divergences > 0
          ? "diverged"
          : "parity";
  return {
    status,
    stepsRun,
    variables: variableNames.length,
    comparisons: comparisonsDone,
    divergences,
    ...(firstDivergence !== undefined ? { firstDivergence } : {}),
    ...(pinned !== undefined ? { pinned } : {}),
    invariantViolations,
    ...(firstViolation !== undefined ? { firstViolation } : {}),
    traceHash: hash.digest("hex"),
    kpis,
    actions: { total, reverted, byKind: Object.fromEntries(byKind) },
    gasUsed,
    wallMs: performance.now() - started,
    timing,
    accounts: allAccounts,
  };
}
