/**
 * The model replaying what a chain recorded: each call into the mechanism, decoded back into
 * the scenario's Action, is applied to the model in chain order at its block's timestamp, and
 * its outcome (success, or the custom error and its arguments) is compared with the chain's;
 * after each block that held such a call, every compared variable is compared with the
 * chain's at that block. Unknown senders become observed agents, named by address; their
 * account variables are compared from the block they first appear in.
 *
 * Calls the mechanism does not declare (an ERC20 `transferFrom` straight to a token, an admin
 * function), calls it cannot decode, calls made from within its own calls and calls no trace
 * showed are not applied to the model. One that reverted changed nothing; one that succeeded
 * changed state the model does not know of, so a later divergence may be its doing: each is
 * counted, and the first wrong transaction names the first such call before it.
 */
import { describeOutcome, sameOutcome, withinTolerance } from "../analysis/parity.js";
import type { StepSample } from "../analysis/trace.js";
import { encodeValue, formatArgs } from "../analysis/values.js";
import { deterministic } from "../engine/determinism.js";
import { brokenInvariants, sampleNames, sampleReader, type InvariantViolation } from "../engine/invariants.js";
import { outcomeRecord, type ActionRecord, type Divergence } from "../engine/record.js";
import { createRng } from "../engine/rng.js";
import type { Account, Action, Comparison, ModelBackend, Outcome, Variables } from "../engine/types.js";
import type { LoadedScenario } from "../scenarios/index.js";
import type { Entry, ObservedBlock } from "./blocks.js";
import type { CallDecoder, DecodedCall } from "./decodeCall.js";
import {
  callRecord,
  type CallRecord,
  type ObserverCounters,
  type Unmodelled,
  type WrongTransaction,
} from "./records.js";

export type { CallRecord, ObserverCounters, Unmodelled, WrongTransaction } from "./records.js";
export { entryOf } from "./records.js";
import type { StateReader } from "./stateAt.js";

/** What a checkpoint keeps of an observer: the rest is rebuilt by replaying the recorded calls. */
export interface ObserverSnapshot {
  readonly counters: ObserverCounters;
  readonly rows: number;
  readonly firstDivergence?: Divergence;
  readonly firstWrong?: WrongTransaction;
  readonly firstViolation?: InvariantViolation;
  readonly firstUnmodelled?: Unmodelled;
  readonly lastUnmodelled?: Unmodelled;
  readonly accounts: readonly { readonly id: string; readonly address: string }[];
  readonly differed: readonly string[];
}

export interface BlockResult {
  readonly calls: CallRecord[];
  readonly actions: ActionRecord[];
  /** The block's row of the trace, when it held calls into the mechanism. */
  readonly sample?: StepSample;
}

export interface ObserverOptions {
  readonly scenario: LoadedScenario;
  /** The chain's parameters (the scenario's KPIs read them). */
  readonly params: Record<string, unknown>;
  readonly model: ModelBackend<unknown>;
  readonly decoder: CallDecoder;
  readonly state: StateReader;
  /** Errors of the mechanism's contracts, decoded. */
  readonly decodeError: (data: string | undefined) => { name: string; args: readonly string[] };
  /** Accounts compared from the start: those the deployment names. */
  readonly named: readonly Account[];
  /** The name of an address the deployment or the observed run gives it. */
  readonly nameOf: (address: string) => string | undefined;
  /** The mechanism's own addresses (never observed agents). */
  readonly mechanism: ReadonlySet<string>;
  /** The scenario's step in chain seconds, and where its clock starts: the step a block falls in, for the KPIs. */
  readonly stepSeconds: number;
  readonly startTime: bigint;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;
const ZERO = "0x0000000000000000000000000000000000000000";

export class Observer {
  readonly counters: ObserverCounters = {
    calls: 0,
    actions: 0,
    reverted: 0,
    byKind: {},
    undeclared: 0,
    undecodable: 0,
    rolledBack: 0,
    reentrant: 0,
    unobserved: 0,
    unmodelledChanges: 0,
    throughContracts: 0,
    divergences: 0,
    comparisons: 0,
    invariantViolations: 0,
    gasUsed: 0n,
  };
  firstDivergence: Divergence | undefined;
  firstWrong: WrongTransaction | undefined;
  firstViolation: InvariantViolation | undefined;
  firstUnmodelled: Unmodelled | undefined;
  lastUnmodelled: Unmodelled | undefined;
  /** Trace rows so far (the initial one included). */
  rows = 0;
  kpis: Record<string, number | bigint> = {};
  /** Every account compared, in the order they appeared; a new array whenever one is added. */
  accounts: readonly Account[];
  private readonly byAddress = new Map<string, Account>();
  private readonly state: unknown;
  private readonly where: string;
  private readonly comparisons = new Map<string, Comparison | false | undefined>();
  /** The variables that differed at the last row. */
  private differed = new Set<string>();

  constructor(private readonly o: ObserverOptions) {
    this.where = `Scenario ${o.scenario.name}`;
    this.accounts = [...o.named];
    for (const a of o.named) this.byAddress.set(a.address, a);
    this.state = deterministic(`${this.where} (its init)`, () =>
      o.scenario.init(o.params, (name) => createRng({ seed: 0, scenario: o.scenario.name, stream: `env/${name}` })),
    );
  }

  /** The variables' names in trace order: globals, then each account's. */
  variableNames(): string[] {
    return [...this.o.model.sample(this.accounts).keys()];
  }

  /** The model's compared variables now. */
  modelSample(): Variables {
    return this.o.model.sample(this.accounts);
  }

  /**
   * The first row: the state at `block` (before the first observed one), compared. What blocks
   * replayed before it (those before --from-block) counted is forgotten: the record starts here.
   */
  async initial(block: bigint, timestamp: bigint): Promise<StepSample> {
    this.rows = 0;
    const c = this.counters as unknown as Record<string, unknown>;
    for (const k of Object.keys(c)) c[k] = k === "byKind" ? {} : k === "gasUsed" ? 0n : 0;
    this.firstDivergence = this.firstWrong = this.firstViolation = undefined;
    this.firstUnmodelled = this.lastUnmodelled = undefined;
    return this.sampleRow(block, timestamp, []);
  }

  /**
   * Applies a block's calls. `record` false replays them into the model only (a resumed
   * observation rebuilding its model, or blocks before --from-block): nothing compared or kept.
   */
  async block(b: ObservedBlock, record: boolean): Promise<BlockResult> {
    const calls: CallRecord[] = [];
    const actions: ActionRecord[] = [];
    const step = this.rows; // the row this block gets is `rows`; its actions are recorded in step rows - 1
    let last: { entry: Entry; call: string; agent: string } | undefined;
    const view = deterministic(`${this.where} (its view)`, () => this.o.scenario.view(this.o.model.world, this.state));
    const ctx = {
      params: this.o.params,
      step: this.scenarioStep(b.timestamp),
      addressOf: (id: string) => this.addressOf(id),
    };
    for (const entry of b.entries) {
      const c = this.counters;
      c.calls++;
      if (entry.via.length > 0) c.throughContracts++;
      const decoded: DecodedCall | undefined = entry.unobserved
        ? undefined
        : this.o.decoder.decode(entry.to, entry.input, entry.value);
      const as: CallRecord["as"] = entry.unobserved
        ? "unobserved"
        : entry.reentrant
          ? "reentrant"
          : entry.rolledBack && entry.ok
            ? "rolled back"
            : decoded!.kind;
      const callName =
        decoded === undefined
          ? "(unobserved)"
          : decoded.kind === "action"
            ? decoded.action.kind
            : `${decoded.instance}.${decoded.fn}`;
      const agent = entry.unobserved ? this.nameOf(entry.from) : this.observe(entry.from);
      if (record) calls.push(callRecord(b, entry, decoded, as, agent));
      last = { entry, call: callName, agent };
      if (as !== "action") {
        if (as === "undeclared") c.undeclared++;
        else if (as === "undecodable") c.undecodable++;
        else if (as === "rolled back") c.rolledBack++;
        else if (as === "reentrant") c.reentrant++;
        else c.unobserved++;
        // State the model does not follow: a call that succeeded (a rolled-back one changed nothing).
        if ((entry.ok && as !== "rolled back") || as === "unobserved") {
          c.unmodelledChanges++;
          this.lastUnmodelled = {
            block: b.number.toString(),
            txHash: entry.txHash,
            as,
            call: callName,
            from: entry.from,
          };
          this.firstUnmodelled ??= this.lastUnmodelled;
        }
        continue;
      }
      const d = decoded as Extract<DecodedCall, { kind: "action" }>;
      const action: Action = { agent, kind: d.action.kind, args: d.action.args };
      for (const v of Object.values(d.action.args)) if (typeof v === "string") this.observeAddress(v);
      const m = deterministic(`${this.where}: the model of action ${action.kind}`, () =>
        this.o.model.apply(action, entry.from as `0x${string}`, b.timestamp),
      );
      if (this.o.scenario.observe !== undefined) {
        deterministic(`${this.where}: its observation of action ${action.kind}`, () =>
          this.o.scenario.observe!(view, action, m, ctx),
        );
      }
      c.actions++;
      c.byKind[action.kind] = (c.byKind[action.kind] ?? 0) + 1;
      if (!entry.ok) c.reverted++;
      c.gasUsed += entry.gasUsed;
      if (!record) continue;
      const chain: Outcome = {
        ok: entry.ok,
        ...(entry.ok ? {} : { error: this.o.decodeError(entry.revertData) }),
        timestamp: b.timestamp,
        txHash: entry.txHash,
        gasUsed: entry.gasUsed,
      };
      const diverged = !sameOutcome(m, chain);
      const rec: ActionRecord & { block: string; txIndex: number; via?: readonly string[] } = {
        step: step - 1,
        substep: `block ${b.number}`,
        agent,
        sender: entry.from,
        kind: action.kind,
        args: formatArgs(action.args),
        model: outcomeRecord(m),
        chain: outcomeRecord(chain),
        diverged,
        block: b.number.toString(),
        txIndex: entry.txIndex,
        ...(entry.via.length > 0 ? { via: entry.via } : {}),
      };
      actions.push(rec);
      if (diverged) {
        c.divergences++;
        this.firstDivergence ??= {
          step,
          substep: rec.substep,
          variable: `outcome of ${action.kind} by ${agent}`,
          model: describeOutcome(m),
          chain: describeOutcome(chain),
          seed: 0,
          actions: [...actions],
        };
        if (this.firstWrong === undefined) {
          this.firstWrong = this.wrong(
            b,
            entry,
            action.kind,
            agent,
            "outcome",
            `outcome of ${action.kind}`,
            describeOutcome(m),
            describeOutcome(chain),
          );
        }
      }
    }
    if (!record || b.entries.length === 0) return { calls, actions };
    const differed = this.differed;
    const sample = await this.sampleRow(b.number, b.timestamp, actions);
    // A variable that already differed before this block is not this block's doing.
    const newly = sample.diverged.filter((v) => !differed.has(v));
    if (newly.length > 0 && this.firstWrong === undefined) {
      const v = newly[0]!;
      const m = sample.model!.get(v);
      const ch = sample.chain!.get(v);
      this.firstWrong = this.wrong(
        b,
        last!.entry,
        last!.call,
        last!.agent,
        "state",
        v,
        m === undefined ? "(missing)" : encodeValue(m),
        ch === undefined ? "(missing)" : encodeValue(ch),
      );
    }
    return { calls, actions, sample };
  }

  private wrong(
    b: ObservedBlock,
    entry: Entry,
    call: string,
    agent: string,
    what: "outcome" | "state",
    variable: string,
    model: string,
    chain: string,
  ): WrongTransaction {
    return {
      block: b.number.toString(),
      txHash: entry.txHash,
      txIndex: entry.txIndex,
      agent,
      call,
      via: entry.via,
      what,
      variable,
      model,
      chain,
      callsInBlock: b.entries.length,
      unmodelledBefore: this.counters.unmodelledChanges,
      ...(this.firstUnmodelled !== undefined ? { firstUnmodelled: this.firstUnmodelled } : {}),
      ...(this.lastUnmodelled !== undefined ? { lastUnmodelled: this.lastUnmodelled } : {}),
    };
  }

  /** Samples both sides at `block`, compares them, and builds the row. */
  private async sampleRow(block: bigint, timestamp: bigint, actions: readonly ActionRecord[]): Promise<StepSample> {
    const timestep = this.rows++;
    const substep = `block ${block}`;
    const chainVars: Variables = await this.o.state.at(block, this.accounts);
    const modelVars = this.o.model.sample(this.accounts);
    const view = deterministic(`${this.where} (its view)`, () => this.o.scenario.view(this.o.model.world, this.state));
    this.kpis = deterministic(`${this.where} (its KPIs)`, () =>
      this.o.scenario.kpis(view, {
        params: this.o.params,
        step: this.scenarioStep(timestamp),
        addressOf: (id) => this.addressOf(id),
      }),
    );
    const invariants = this.o.scenario.mechanisms.invariants;
    if (invariants !== undefined) {
      for (const [side, vars] of [
        ["model", modelVars],
        ["chain", chainVars],
      ] as const) {
        const broken = brokenInvariants(invariants, sampleReader(vars), side, timestep, sampleNames(vars));
        this.counters.invariantViolations += broken.length;
        this.firstViolation ??= broken[0];
      }
    }
    const diverged: string[] = [];
    for (const [v, m] of modelVars) {
      if (!this.comparisons.has(v)) this.comparisons.set(v, this.o.scenario.compare?.(v));
      const cmp = this.comparisons.get(v);
      if (cmp === false) continue;
      const c = chainVars.get(v);
      this.counters.comparisons++;
      if (c !== undefined && withinTolerance(m, c, cmp)) continue;
      diverged.push(v);
      this.counters.divergences++;
      this.firstDivergence ??= {
        step: timestep,
        substep,
        variable: v,
        model: encodeValue(m),
        chain: c === undefined ? "(missing)" : encodeValue(c),
        seed: 0,
        actions: [...actions],
      };
    }
    this.differed = new Set(diverged);
    return { timestep, substep, model: modelVars, chain: chainVars, kpis: this.kpis, diverged };
  }

  /** The scenario step (from 0) a block's time falls in, on the deployment's clock. */
  private scenarioStep(timestamp: bigint): number {
    const elapsed = Number(timestamp - this.o.startTime);
    return Math.max(0, Math.floor(elapsed / this.o.stepSeconds) + 1);
  }

  private addressOf(id: string): `0x${string}` {
    for (const a of this.accounts) if (a.id === id) return a.address;
    return (ADDRESS.test(id) ? id : ZERO) as `0x${string}`;
  }

  private nameOf(address: string): string {
    const a = address.toLowerCase();
    return this.byAddress.get(a)?.id ?? this.o.nameOf(a) ?? a;
  }

  /** Registers a sender as an observed agent (compared from now on); returns its name. */
  private observe(address: string): string {
    this.observeAddress(address);
    return this.nameOf(address);
  }

  /** An address an observed call names: compared from now on, unless it is one of the mechanism's contracts. */
  private observeAddress(value: string): void {
    const a = value.toLowerCase();
    if (!ADDRESS.test(a) || a === ZERO || this.o.mechanism.has(a) || this.byAddress.has(a)) return;
    const account: Account = { id: this.o.nameOf(a) ?? a, role: "observed", address: a as `0x${string}`, attrs: {} };
    this.byAddress.set(a, account);
    this.accounts = [...this.accounts, account];
  }

  snapshot(): ObserverSnapshot {
    return {
      counters: this.counters,
      rows: this.rows,
      ...(this.firstDivergence !== undefined ? { firstDivergence: this.firstDivergence } : {}),
      ...(this.firstWrong !== undefined ? { firstWrong: this.firstWrong } : {}),
      ...(this.firstViolation !== undefined ? { firstViolation: this.firstViolation } : {}),
      ...(this.firstUnmodelled !== undefined ? { firstUnmodelled: this.firstUnmodelled } : {}),
      ...(this.lastUnmodelled !== undefined ? { lastUnmodelled: this.lastUnmodelled } : {}),
      accounts: this.accounts.map((a) => ({ id: a.id, address: a.address })),
      differed: [...this.differed],
    };
  }

  /** Takes back a checkpoint's counters after the model was rebuilt by replaying the recorded calls. */
  restore(s: ObserverSnapshot): void {
    Object.assign(this.counters, s.counters, { gasUsed: BigInt(s.counters.gasUsed) });
    this.rows = s.rows;
    this.firstDivergence = s.firstDivergence;
    this.firstWrong = s.firstWrong;
    this.firstViolation = s.firstViolation;
    this.firstUnmodelled = s.firstUnmodelled;
    this.lastUnmodelled = s.lastUnmodelled;
    this.differed = new Set(s.differed);
  }
}
