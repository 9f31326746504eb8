import type { Rng } from "./rng.js";
import type { ParamsOf, ParamSchema } from "./params.js";

/** `lockstep`: model and chain, compared every step. `model`: the model alone. `chain`: the chain, with the model only as the agents' view. */
export type Mode = "lockstep" | "model" | "chain";
export const MODES: readonly Mode[] = ["lockstep", "model", "chain"];

/** A value an Action carries: plain and serialisable (bigint is written as a decimal string). */
export type ActionArg = bigint | number | string | boolean;

/**
 * What an agent wants done: who (`agent`, an agent id), what (`kind`) and with which
 * arguments. Both backends apply the same Actions.
 */
export interface Action {
  readonly agent: string;
  readonly kind: string;
  readonly args: Readonly<Record<string, ActionArg>>;
  /** What the agent knows and the contracts do not (a complaint's cause, say): recorded, read by the scenario, never sent. */
  readonly meta?: Readonly<Record<string, ActionArg>>;
}

/** A decoded custom error: the name and its arguments as canonical strings. */
export interface DecodedError {
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * An event one Action emitted: the emitting instance (a name of the mechanism's `contracts`, or one `deploy` gave),
 * the event's name, and its arguments in the ABI's order as canonical strings (decimal numbers, lower-case
 * addresses and strings), the form a custom error's arguments are compared in.
 */
export interface EmittedEvent {
  readonly instance: string;
  readonly name: string;
  readonly args: readonly string[];
}

/** What became of one Action on one backend. */
export interface Outcome {
  readonly ok: boolean;
  readonly error?: DecodedError;
  /**
   * The events the Action emitted that its mechanism declares (`events`), in emission order; none for a revert.
   * Absent where events are not compared: a mechanism that declares none, or a model with no chain beside it.
   */
  readonly events?: readonly EmittedEvent[];
  /** The block timestamp it executed at, seconds. */
  readonly timestamp: bigint;
  readonly txHash?: string;
  readonly gasUsed?: bigint;
  /** Execution order on the chain (block number, then index), for backends that may reorder a batch. */
  readonly order?: bigint;
}

/** A comparable state: named variables, exact amounts as bigint. */
export type Variables = Map<string, bigint | number>;

/** The same state as a list: each variable's value at its name's index. */
export interface VariableList {
  readonly names: readonly string[];
  readonly values: readonly (bigint | number)[];
}

/** An account the run acts from. */
export interface Account {
  readonly id: string;
  readonly role: string;
  readonly address: `0x${string}`;
  /** Scenario facts about the agent (a seller's recruiting aggregator, ...). */
  readonly attrs: Readonly<Record<string, string | number>>;
}

/** The clock's position. */
export interface Tick {
  readonly step: number;
  readonly substep: string;
  readonly substepIndex: number;
  /** Block timestamp of this substep, seconds. */
  readonly time: bigint;
}

/**
 * The one typed context an agent's policy receives (no positional arguments). Each agent has one
 * context object for the whole run, brought up to date before every call (calls are many, most
 * with nothing to do): read it during the call, do not keep it past its return.
 */
export interface AgentContext<P> extends Tick {
  readonly params: P;
  readonly rng: Rng;
  readonly self: Account;
  /** Address of any agent of the run by id (including system accounts). */
  readonly addressOf: (id: string) => `0x${string}`;
  /** Agents alive this step, and those who joined at its start: the run's Account objects, `self` among them. */
  readonly population: readonly Account[];
  readonly newcomers: readonly Account[];
}

/** An agent is a policy: a view and a context in, Actions out. */
export type Policy<P, V> = ((view: V, ctx: AgentContext<P>) => readonly Action[]) & {
  /** The substeps in which the policy can act; the engine does not call it in others. All when absent. */
  readonly substeps?: readonly string[];
};

/** A policy that acts only in the named substeps. */
export function actsIn<P, V>(
  substeps: readonly string[],
  policy: (view: V, ctx: AgentContext<P>) => readonly Action[],
): Policy<P, V> {
  return Object.assign(policy, { substeps });
}

/**
 * The model side of a run: pure updates on an in-memory world. `apply` mirrors one
 * contract call; it throws nothing for a revert but reports it as an Outcome.
 */
export interface ModelBackend<W> {
  readonly world: W;
  apply(action: Action, sender: `0x${string}`, now: bigint): Outcome;
  sample(accounts: readonly Account[]): Variables;
  /**
   * What `sample` returns, as a list: for a run that only writes the variables to its trace (model
   * mode, no sink), which then builds no Map of them every step. Optional: `sample` serves instead.
   */
  sampleList?(accounts: readonly Account[]): VariableList;
}

/**
 * The chain side of a run. Nothing here assumes an in-process chain: a remote JSON-RPC
 * network implements the same (nonces, confirmations, time it cannot warp).
 */
export interface ChainBackend {
  /** Makes accounts ready to send (gas, unlocking); called once per new account. */
  prepare(accounts: readonly Account[]): Promise<void>;
  /**
   * Executes a substep's Actions at (or, on a network that cannot warp, after) `time`; one Outcome per Action, same
   * order. `tick` says where in the run the batch belongs (a remote backend journals it).
   */
  execute(batch: readonly { action: Action; sender: `0x${string}` }[], time: bigint, tick?: Tick): Promise<Outcome[]>;
  /** Samples the comparable state in one call. */
  sample(accounts: readonly Account[]): Promise<Variables>;
  /** Chain facts for the manifest. */
  describe(): Promise<Record<string, string | number>>;
  close(): Promise<void>;
}

/** How a variable is compared. Exact unless a tolerance is stated, with its reason. */
export interface Comparison {
  readonly abs?: number | bigint;
  readonly rel?: number;
  readonly reason: string;
}

/** One named phase of a step, at a fixed offset into it. */
export interface Substep {
  readonly name: string;
  readonly offsetSeconds: number;
}

/** An agent the scenario wants alive at a step. */
export interface AgentSpec {
  readonly id: string;
  readonly role: string;
  readonly attrs?: Readonly<Record<string, string | number>>;
}

/** What a scenario reads of a run while it goes. */
export interface StepContext<P> {
  readonly params: P;
  readonly step: number;
  /** Address of any agent of the run by id (including system accounts): what a KPI needs to value an agent's holdings. */
  readonly addressOf: (id: string) => `0x${string}`;
}

/**
 * A scenario: parameters (a schema), agents (a population and their policies),
 * substeps, the variables it compares and the KPIs it reports. Everything else is the
 * engine's. `S` is the scenario's off-chain state (popularity, hidden quality, ...);
 * `W` the model world; `V` the view agents read.
 */
export interface Scenario<Schema extends ParamSchema, S, W, V> {
  readonly name: string;
  readonly description: string;
  /** The parameters: a zod object schema, rules across fields as its refinements (see engine/params.ts). */
  readonly schema: Schema;
  readonly defaultSteps: number;
  readonly stepSeconds: (params: ParamsOf<Schema>) => number;
  readonly substeps: readonly Substep[];
  /** Every agent alive at `step`, in a stable order; ids never reused. */
  population(params: ParamsOf<Schema>, step: number): readonly AgentSpec[];
  readonly policies: Readonly<Record<string, Policy<ParamsOf<Schema>, V>>>;
  /** The contracts and their model. */
  readonly mechanisms: Mechanisms<ParamsOf<Schema>, W>;
  /** The off-chain state at the start; `stream` gives seeded streams that belong to no agent (hidden qualities, ...). */
  init(params: ParamsOf<Schema>, stream: (name: string) => Rng): S;
  /**
   * The view agents read: the model world and the off-chain state. Built once per substep, and
   * every policy of the substep reads it before any of the substep's Actions apply: what a policy
   * derives from the view holds for all the substep's policies (and may be computed once for them).
   */
  view(world: W, state: S): V;
  /** Off-chain consequences of an Action's outcome (popularity after a complaint, ...), right after it applied. */
  observe?(view: V, action: Action, outcome: Outcome, ctx: StepContext<ParamsOf<Schema>>): void;
  /** Which variables to compare and how; the rest are compared exactly. Return false to skip one. */
  compare?(variable: string): Comparison | false | undefined;
  /** The value flows of the stock-and-flow diagram, each totalled from the trace. */
  readonly flows?: readonly Flow[];
  /** KPIs at the end of a step. */
  kpis(view: V, ctx: StepContext<ParamsOf<Schema>>): Record<string, number | bigint>;
  /** The KPIs a summary on the terminal shows (default: the first three). */
  readonly headline?: readonly string[];
}

/** An EIP-1193 provider: Hardhat's in-process one, or a JSON-RPC client. */
export interface Eip1193Provider {
  request(args: { readonly method: string; readonly params?: readonly unknown[] }): Promise<unknown>;
}

/** Where the chain side of a run lives. */
export interface ChainTarget {
  readonly provider: Eip1193Provider;
  /** In-process chains warp time and unlock any account; remote ones sign and wait. */
  readonly kind: "in-process" | "remote";
  /** Gives the run a fresh chain (in-process: a reset). */
  fresh(): Promise<void>;
}

/** What every run's backends are built from besides parameters. */
export interface SystemEnv {
  readonly startTime: bigint;
  readonly keys: import("./accounts.js").KeyRing;
  /** Wall-clock runs compress the scenario's clock: every `…Seconds` duration of the system config scales by it. */
  readonly timeScale?: import("./timeScale.js").TimeScale;
}

/**
 * The mechanisms a scenario runs on: how to deploy them on a chain and how to build
 * their model. The engine treats a deployment as opaque.
 */
export interface Mechanisms<P, W> {
  /** What the contracts are constructed with, for these parameters: equal configs build equal systems. */
  config(params: P, startTime: bigint): unknown;
  chain(params: P, env: SystemEnv, target: ChainTarget): Promise<{ backend: ChainBackend; deployment: unknown }>;
  model(params: P, env: SystemEnv, deployment: unknown): ModelBackend<W> | Promise<ModelBackend<W>>;
  /** Properties of the compared state that must hold after every step, on both sides. */
  readonly invariants?: Readonly<Record<string, import("./invariants.js").InvariantCheck>>;
}

/**
 * One arrow of a scenario's stock-and-flow diagram: value moving from one stock to
 * another. `total` names the cumulative trace column (a variable, or `kpi:<name>`)
 * whose final value is what flowed during the run, in `unit`.
 */
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly total: string;
  readonly unit: string;
  /** Decimals of `unit`: 18 for tokens in wei, 0 for counts. */
  readonly decimals: number;
}
