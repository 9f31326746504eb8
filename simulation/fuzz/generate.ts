/**
 * How `sim fuzz` makes a sequence: rounds of the scenario's own agents (their policies at the
 * scenario's next substep, which walk the mechanism into realistic states) mixed with Actions of
 * its own: pursuits (the kinds that have not succeeded yet in the sequence, on the ids of recent
 * successes, by the senders likeliest to be allowed; the first call the model accepts is sent),
 * follow-ups of a recent success, fresh Actions, echoes of an Action already sent (another sender,
 * one argument moved, the same again later), and strikes at a deadline the model knows (every kind
 * on what it concerns, at its second or one either side). Argument values come from values.ts.
 * Everything is drawn from one seeded stream per sequence: a seed and an index give the sequence.
 */
import { createClock, type Clock } from "../engine/clock.js";
import { deterministic } from "../engine/determinism.js";
import { createRng, type Rng } from "../engine/rng.js";
import type { Account, Action, ActionArg, AgentContext, Tick } from "../engine/types.js";
import type { FuzzRun, FuzzSession } from "./session.js";
import type { FuzzStep } from "./types.js";
import { createValues } from "./values.js";
import type { KindSpec, Vocabulary } from "./vocabulary.js";

/** Kinds called, at most, in one strike at a deadline. */
const STRIKE_KINDS = 16;
/** Fresh candidates tried on the model for one probed Action. */
const PROBES = 8;
/** Donors (argument sets) a pursuit tries per kind, and senders per donor. */
const PURSUE_DONORS = 4;
const PURSUE_SENDERS = 8;
/** Steps looked back for the accounts that acted on an id. */
const ACTOR_LOOKBACK = 64;
/** Deadlines further than this from now are not jumped to: a chain's clock cannot go to 2^255. */
const HORIZON_SECONDS = 10n * 365n * 86_400n;

export interface GeneratorSpec {
  readonly session: FuzzSession;
  readonly vocabulary: Vocabulary;
  readonly seed: number;
  /** The sequence's index in its campaign: with the seed, it picks the sequence's stream. */
  readonly index: number;
  /** Steps of the scenario whose substeps the agents act in (their population is the campaign's accounts). */
  readonly steps: number;
  /** How often each kind has succeeded on the model in the campaign's earlier sequences. */
  readonly campaignSuccesses?: ReadonlyMap<string, number>;
}

export interface Generator {
  /** The next Actions to send, given the state the sequence has reached: one, or an agents' round. */
  next(run: FuzzRun): FuzzStep[];
  /** Steps sent before the generator's own (a corpus entry's prefix, replayed): its donors and ids from now on. */
  adopt(steps: readonly FuzzStep[]): void;
}

export function createGenerator(spec: GeneratorSpec): Generator {
  const { session, vocabulary } = spec;
  const { scenario, params, keys, deployed } = session;
  const definition = scenario.resolved.definition;
  const rng = createRng({ seed: spec.seed, scenario: scenario.name, stream: `fuzz/${spec.index}` });
  const clock: Clock = createClock(session.startTime, scenario.stepSeconds(params as never), scenario.substeps);
  const stepSeconds = BigInt(clock.stepSeconds);
  /** What counts as near for a deadline: a substep of the scenario's clock (a step where it has one substep). */
  const nearSeconds = clock.stepSeconds / Math.max(1, clock.substeps.length);
  const byId = new Map(session.accounts.map((a) => [a.id, a]));
  const history: FuzzStep[] = [];
  const agentRngs = new Map<string, Rng>();
  const live = new Set<string>();
  let tick = { step: 0, substep: 0 };
  const where = `Scenario ${scenario.name}`;

  /** The next substep of the scenario's clock at or after `now`, within the campaign's steps. */
  const nextTick = (now: bigint): Tick | undefined => {
    while (tick.step < spec.steps) {
      const t = clock.at(tick.step, tick.substep);
      if (t.time >= now) return t;
      advanceTick();
    }
    return undefined;
  };
  const advanceTick = (): void => {
    tick =
      tick.substep + 1 < clock.substeps.length
        ? { ...tick, substep: tick.substep + 1 }
        : { step: tick.step + 1, substep: 0 };
  };

  /** The agents' round at `t`: every agent alive at its step that acts in its substep, on one view. */
  const agentRound = (run: FuzzRun, t: Tick): FuzzStep[] => {
    advanceTick();
    const population = scenario
      .population(params as never, t.step)
      .map((a) => byId.get(a.id))
      .filter((a): a is Account => a !== undefined);
    const newcomers = population.filter((a) => !live.has(a.id));
    for (const a of newcomers) live.add(a.id);
    const view = deterministic(`${where} (its view)`, () => scenario.view(run.world as never, run.offChain as never));
    const out: FuzzStep[] = [];
    for (const self of population) {
      const policy = scenario.policies[self.role];
      if (policy === undefined || (policy.substeps !== undefined && !policy.substeps.includes(t.substep))) continue;
      let agentRng = agentRngs.get(self.id);
      if (agentRng === undefined) {
        agentRng = createRng({ seed: spec.seed, scenario: scenario.name, stream: `fuzz/${spec.index}/${self.id}` });
        agentRngs.set(self.id, agentRng);
      }
      const ctx: AgentContext<never> = {
        ...t,
        params: params as never,
        rng: agentRng,
        self,
        addressOf: (id) => byId.get(id)?.address ?? keys.addressOf(id),
        population,
        newcomers,
      };
      const actions = deterministic(`${where}: the policy of ${self.id}`, () => policy(view as never, ctx));
      for (const action of actions) out.push({ action, sender: keys.addressOf(action.agent), time: t.time });
    }
    return out;
  };

  /** The deadlines the model knows now, in the future and within reach, nearest first, each with what it concerns. */
  const deadlinesOf = (run: FuzzRun): { at: bigint; args: Action["args"]; weight: number }[] => {
    if (definition.deadlines === undefined) return [];
    const now = run.time;
    const known = deterministic(`${where}: its deadlines`, () => definition.deadlines!(run.world as never, deployed));
    const out: { at: bigint; args: Action["args"]; weight: number }[] = [];
    for (const d of known) {
      const at = typeof d === "bigint" ? d : d.at;
      const args = typeof d === "bigint" ? {} : (d.args ?? {});
      // The second itself as often as the two either side of it together.
      for (const [t, weight] of [
        [at - 1n, 1],
        [at, 2],
        [at + 1n, 1],
      ] as const)
        if (t >= now && t <= now + HORIZON_SECONDS) out.push({ at: t, args, weight });
    }
    return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  };
  /**
   * One of them, weighted by nearness (1 / (1 + substeps away)^2): a far one (a vesting's end, years on) skips
   * everything before it and ends every voucher in flight, so it is jumped to now and then, not as often as the
   * end of a dispute period a few days on. Undefined (no jump) as often as a deadline due now would be picked.
   */
  const pickDeadline = (run: FuzzRun) => {
    const near = deadlinesOf(run);
    if (near.length === 0) return undefined;
    const now = run.time;
    // The last weight is none at all (as a deadline now would weigh): a far one alone is seldom jumped to.
    const i = rng.weighted([...near.map((d) => d.weight / (1 + Number(d.at - now) / nearSeconds) ** 2), 2]);
    return near[i];
  };

  const pickTime = (run: FuzzRun): bigint => {
    const now = run.time;
    const x = rng.next();
    if (x < 0.65) return now;
    if (x < 0.85) {
      const d = pickDeadline(run);
      if (d !== undefined) return d.at;
    }
    // Log-uniform up to a step: mostly seconds to hours, now and then days.
    const bits = rng.int(0, stepSeconds.toString(2).length - 1);
    return now + rng.bigint(1n, 1n << BigInt(bits));
  };

  /**
   * A strike at a deadline: at its second (or one either side), every kind that takes what it concerns (every call
   * on that exchange), in a random order, one call a step: planned here, each sent by `strikeStep` on the state the
   * calls before it left.
   */
  let plan: { readonly kind: KindSpec; readonly args: Action["args"]; readonly time: bigint }[] = [];
  const strike = (run: FuzzRun): boolean => {
    const d = pickDeadline(run);
    if (d === undefined) return false;
    const names = Object.keys(d.args);
    // The kinds that take what it concerns; at a deadline that names nothing (an epoch's end), those that take nothing.
    const kinds = vocabulary.kinds.filter((k) =>
      names.length === 0 ? k.args.length === 0 : names.every((n) => k.args.some(([a]) => a === n)),
    );
    const order = kinds.map((k) => ({ k, key: rng.next() })).sort((a, b) => a.key - b.key);
    plan = order.slice(0, STRIKE_KINDS).map(({ k }) => ({ kind: k, args: d.args, time: d.at }));
    return plan.length > 0;
  };
  /**
   * The next call of a strike. Its sender: the first the model accepts at that second, among those who acted on what
   * it concerns, who created it, and anyone (a boundary a contract gets wrong by refusing is caught so); but a
   * refused one now and then, and when none is accepted (a boundary it gets wrong by accepting is caught so).
   */
  const strikeStep = (run: FuzzRun): FuzzStep => {
    const { kind, args, time } = plan.shift()!;
    const owners = [...run.created]
      .filter(([, ids]) => Object.values(args).some((v) => typeof v === "bigint" && ids.includes(v)))
      .map(([id]) => byId.get(id))
      .filter((a): a is Account => a !== undefined);
    const senders: Account[] = [];
    for (const a of [
      ...actorsOn(run, args).slice(0, 2),
      ...owners.slice(0, 2),
      pickSender(kind.kind, run),
      pickSender(),
    ])
      if (!senders.includes(a)) senders.push(a);
    const order = senders.map((a) => ({ a, key: rng.next() })).sort((x, y) => x.key - y.key);
    const at = time < run.time ? run.time : time;
    for (const { a } of order) {
      const candidate = step(kind.kind, a, argsFor(kind, run, a, args), at);
      // A refusal is sent as it is four times in ten: the chain may accept what the model refuses at that second.
      if (probe(run, candidate) || rng.chance(0.4)) return candidate;
    }
    const a = order[rng.int(0, order.length - 1)]!.a;
    return step(kind.kind, a, argsFor(kind, run, a, args), at);
  };

  // Senders: the agents whose role emits a kind (learned), accounts named in the sequence's arguments (a
  // resolver named by an offer, a spender), outsiders (who own nothing), or anyone.
  const outsiders = session.accounts.filter((a) => a.role === "outsider");
  const rolesOf = new Map<string, Set<string>>();
  for (const [kind, actions] of vocabulary.agentActions) {
    rolesOf.set(kind, new Set(actions.map((a) => byId.get(a.agent)?.role).filter((r): r is string => r !== undefined)));
  }
  const byAddress = new Map(session.accounts.map((a) => [a.address.toLowerCase(), a]));
  const deployer = byAddress.get(session.deployment.deployer.toLowerCase());
  const named: Account[] = [];
  const pickSender = (kind?: string, run?: FuzzRun): Account => {
    const accounts = session.accounts;
    const x = rng.next();
    if (run !== undefined && run.created.size > 0 && rng.chance(0.3)) {
      // An account that created something: its ids are what its next calls are about.
      const creators = [...run.created.keys()].map((id) => byId.get(id)).filter((a): a is Account => a !== undefined);
      if (creators.length > 0) return creators[rng.int(0, creators.length - 1)]!;
    }
    if (x < 0.15 && outsiders.length > 0) return outsiders[rng.int(0, outsiders.length - 1)]!;
    if (x < 0.45 && named.length > 0) return named[rng.int(0, named.length - 1)]!;
    const roles = kind === undefined ? undefined : rolesOf.get(kind);
    if (x < 0.75 && roles !== undefined && roles.size > 0) {
      const fit = accounts.filter((a) => roles.has(a.role));
      if (fit.length > 0) return fit[rng.int(0, fit.length - 1)]!;
    }
    return accounts[rng.int(0, accounts.length - 1)]!;
  };

  const { argValue, learn: learnNumbers } = createValues({ rng, session, vocabulary });
  /** Whether the model accepts `candidate` now (it then holds it applied); a refusal's numbers are learned. */
  const probe = (run: FuzzRun, candidate: FuzzStep): boolean => {
    const outcome = run.probe(candidate);
    if (!outcome.ok) learnNumbers(candidate.action.kind, outcome);
    return outcome.ok;
  };

  const argsFor = (spec: KindSpec, run: FuzzRun, sender: Account, given: Action["args"] = {}): Action["args"] => {
    const out: Record<string, ActionArg> = {};
    for (const [name, kind] of spec.args) out[name] = given[name] ?? argValue(kind, name, run, sender, spec.kind);
    return out;
  };

  const step = (kind: string, sender: Account, args: Action["args"], time: bigint): FuzzStep => ({
    action: { agent: sender.id, kind, args },
    sender: sender.address,
    time,
  });

  // Kinds that have succeeded less in this sequence come first: a dispute's later calls get tried once it is open.
  const succeeded = new Map<string, number>();
  let counted = 0;
  const countSuccesses = (run: FuzzRun): void => {
    for (; counted < run.records.length; counted++) {
      const r = run.records[counted]!;
      if (r.model.ok) succeeded.set(r.step.action.kind, (succeeded.get(r.step.action.kind) ?? 0) + 1);
    }
  };
  const rarest = (run: FuzzRun, among: readonly KindSpec[]): KindSpec => {
    countSuccesses(run);
    return among[rng.weighted(among.map((k) => 1 / (1 + (succeeded.get(k.kind) ?? 0))))]!;
  };

  /**
   * A fresh Action: the kind that has succeeded least (weighted), its arguments taken where it can from a
   * recent Action that has arguments of the same names (an exchange a buyer just redeemed: its dispute, by
   * the same buyer, is the next thing to try), the rest drawn.
   */
  const fresh = (run: FuzzRun, time: bigint, kind?: KindSpec): FuzzStep => {
    const spec = kind ?? rarest(run, vocabulary.kinds);
    const names = spec.args.map(([n]) => n);
    let donor: FuzzStep | undefined;
    if (names.length > 0 && rng.chance(0.65)) {
      const donors: FuzzStep[] = [];
      // Donors that succeeded (their ids exist), most of the time; a record i is history's step i.
      const okOnly = rng.chance(0.85);
      for (let i = history.length - 1; i >= 0 && donors.length < 16; i--) {
        const h = history[i]!;
        if (okOnly && run.records[i]?.model.ok !== true) continue;
        if (names.some((n) => h.action.args[n] !== undefined)) donors.push(h);
      }
      if (donors.length > 0) donor = donors[Math.floor(donors.length * rng.next() ** 2)];
    }
    const donorSender = donor === undefined ? undefined : byId.get(donor.action.agent);
    const sender = donorSender !== undefined && rng.chance(0.6) ? donorSender : pickSender(spec.kind, run);
    return step(spec.kind, sender, argsFor(spec, run, sender, donor?.action.args), time);
  };

  /** A recent Action that succeeded (recent ones most often), or undefined. */
  const recentSuccess = (run: FuzzRun): FuzzStep | undefined => {
    const ok: FuzzStep[] = [];
    for (let i = history.length - 1; i >= 0 && ok.length < 24; i--)
      if (run.records[i]?.model.ok === true) ok.push(history[i]!);
    return ok.length === 0 ? undefined : ok[Math.floor(ok.length * rng.next() ** 2)];
  };

  /**
   * The accounts that last acted, successfully, on one of `args`' values (the buyer who redeemed exchange 7 is the
   * one who may dispute it), most recent first.
   */
  const actorsOn = (run: FuzzRun, args: Action["args"]): Account[] => {
    const out: Account[] = [];
    const ids = Object.entries(args).filter(([, v]) => typeof v === "bigint");
    if (ids.length === 0) return out;
    for (let i = history.length - 1; i >= 0 && i >= history.length - ACTOR_LOOKBACK; i--) {
      const h = history[i]!;
      if (run.records[i]?.model.ok !== true) continue;
      if (!ids.some(([n, v]) => h.action.args[n] === v)) continue;
      const a = byId.get(h.action.agent);
      if (a !== undefined && !out.includes(a)) out.push(a);
    }
    return out;
  };

  /**
   * Senders to try for a call on `args`, likeliest first: who acted on them, the donor's, the deployer (an owner),
   * accounts named, anyone.
   */
  const sendersFor = (run: FuzzRun, args: Action["args"], donor: FuzzStep | undefined): Account[] => {
    const out: Account[] = [];
    const add = (a: Account | undefined): void => {
      if (a !== undefined && !out.includes(a)) out.push(a);
    };
    for (const a of actorsOn(run, args)) add(a);
    if (donor !== undefined) add(byId.get(donor.action.agent));
    // The deployer: what an owner-only function takes.
    add(deployer);
    for (const v of Object.values(args)) if (typeof v === "string") add(byAddress.get(v.toLowerCase()));
    for (const a of named) if (out.length < PURSUE_SENDERS) add(a);
    while (out.length < PURSUE_SENDERS && out.length < session.accounts.length) add(pickSender());
    return out.slice(0, PURSUE_SENDERS);
  };

  /**
   * Coverage pursued on the model: the kinds that have succeeded least in this sequence (never first), each tried
   * on the arguments of recent successes that share its argument names (each a different donor: another exchange),
   * the rest drawn, by the senders likeliest to be allowed; the first call the model accepts is sent (it then holds
   * it applied). Escalated disputes and their endings lie several accepted calls deep: a uniform draw seldom walks
   * there, a search on the model (which costs microseconds a call) does, and the chain then checks every step.
   */
  const pursue = (run: FuzzRun, time: bigint): FuzzStep | undefined => {
    countSuccesses(run);
    // Only kinds that have succeeded at most once in this sequence: when none of them can go, nothing is pursued
    // (an easy call that always goes is no coverage). Those the whole campaign has never seen succeed come first.
    const weights = vocabulary.kinds.map((k) => {
      const mine = succeeded.get(k.kind) ?? 0;
      if (mine > 1) return 0;
      return (1 / (1 + mine) ** 3) * ((spec.campaignSuccesses?.get(k.kind) ?? 0) === 0 ? 4 : 1);
    });
    for (;;) {
      const i = rng.weighted(weights);
      if (i < 0) break;
      weights[i] = 0;
      const kind = vocabulary.kinds[i]!;
      const names = kind.args.map(([a]) => a);
      const donors: FuzzStep[] = [];
      const keys = new Set<string>();
      for (let h = history.length - 1; h >= 0 && donors.length < PURSUE_DONORS; h--) {
        const d = history[h]!;
        if (run.records[h]?.model.ok !== true || !names.some((a) => d.action.args[a] !== undefined)) continue;
        const key = names.map((a) => String(d.action.args[a])).join(",");
        if (keys.has(key)) continue;
        keys.add(key);
        donors.push(d);
      }
      for (let attempt = 0; attempt < Math.max(1, donors.length); attempt++) {
        const donor = donors[attempt];
        const given: Record<string, ActionArg> = {};
        if (donor !== undefined)
          for (const a of names) if (donor.action.args[a] !== undefined) given[a] = donor.action.args[a];
        // Now and then one of the donor's arguments is drawn afresh (an offer like another, one wei dearer).
        const givenNames = Object.keys(given);
        if (givenNames.length > 1 && rng.chance(0.3)) delete given[givenNames[rng.int(0, givenNames.length - 1)]!];
        for (const sender of sendersFor(run, given, donor)) {
          const candidate = step(kind.kind, sender, argsFor(kind, run, sender, given), time);
          if (probe(run, candidate)) return candidate;
        }
      }
    }
    return undefined;
  };

  /** A kind that shares an argument name with `base`, on `base`'s values, by `base`'s sender mostly. */
  const followUp = (run: FuzzRun, time: bigint, base: FuzzStep): FuzzStep => {
    const names = Object.keys(base.action.args);
    const related = vocabulary.kinds.filter((k) => k.args.some(([n]) => names.includes(n)));
    if (related.length === 0) return fresh(run, time);
    const kind = rarest(run, related);
    const own = byId.get(base.action.agent);
    const sender = own !== undefined && rng.chance(0.7) ? own : pickSender(kind.kind);
    return step(kind.kind, sender, argsFor(kind, run, sender, base.action.args), time);
  };

  /** An Action already in the sequence again: by another sender, with one argument moved, or as it was (later). */
  const echo = (run: FuzzRun, time: bigint): FuzzStep => {
    // Recent Actions most often: what the agents just did is what the next call can build on.
    const base = history[history.length - 1 - Math.floor(history.length * rng.next() ** 2)]!;
    const baseSender = byId.get(base.action.agent) ?? pickSender();
    const spec = vocabulary.kinds.find((k) => k.kind === base.action.kind);
    switch (rng.int(0, 2)) {
      case 0:
        return step(base.action.kind, pickSender(base.action.kind), base.action.args, time);
      case 1: {
        if (spec === undefined || spec.args.length === 0)
          return step(base.action.kind, baseSender, base.action.args, time);
        const [name, kind] = spec.args[rng.int(0, spec.args.length - 1)]!;
        return step(
          base.action.kind,
          baseSender,
          { ...base.action.args, [name]: argValue(kind, name, run, baseSender, base.action.kind) },
          time,
        );
      }
      default:
        return step(base.action.kind, baseSender, base.action.args, time);
    }
  };

  /** Steps about to be sent: the history donors come from, and the accounts their arguments name. */
  function remember(steps: readonly FuzzStep[]): void {
    for (const s of steps) {
      history.push(s);
      for (const v of Object.values(s.action.args)) {
        const a = typeof v === "string" ? byAddress.get(v.toLowerCase()) : undefined;
        if (a !== undefined && !named.includes(a)) named.push(a);
      }
    }
  }

  return {
    next(run) {
      // A strike under way goes on first: its calls are all at its second.
      const t = plan.length > 0 ? undefined : nextTick(run.time);
      let out: FuzzStep[];
      if (plan.length > 0) out = [strikeStep(run)];
      else if (t !== undefined && (rng.chance(0.3) || vocabulary.kinds.length === 0)) out = agentRound(run, t);
      else if (vocabulary.kinds.length === 0) out = [];
      else if (rng.chance(0.2) && strike(run)) out = [strikeStep(run)];
      else {
        const time = pickTime(run);
        const x = rng.next();
        let pursued: FuzzStep | undefined;
        if (history.length > 0 && x < 0.15) out = [echo(run, time)];
        else if (x < 0.6 && (pursued = pursue(run, time)) !== undefined) out = [pursued];
        else if (x < 0.85) {
          // Probed: of a few candidates, the first the model accepts (it then holds it applied), else the last.
          // Either follow-ups of one recent success (every kind on its ids, by its sender mostly), or fresh
          // Actions of one kind (other donors, other senders).
          const base = x < 0.72 ? recentSuccess(run) : undefined;
          const kind = base === undefined ? rarest(run, vocabulary.kinds) : undefined;
          const next = (): FuzzStep => (base !== undefined ? followUp(run, time, base) : fresh(run, time, kind));
          let candidate = next();
          // A candidate the model refuses is sent now and then all the same: the chain may not refuse it.
          for (let k = 0; k < PROBES && !rng.chance(0.1) && !probe(run, candidate); k++) candidate = next();
          out = [candidate];
        } else out = [fresh(run, time)];
      }
      remember(out);
      return out;
    },
    adopt: remember,
  };
}
