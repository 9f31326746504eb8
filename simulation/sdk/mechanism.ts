/**
 * A mechanism, declared once: its contracts (by artifact name) and how to deploy them from
 * parameters; each Action kind, as the contract call it becomes and the model function that
 * mirrors it; the state variables to compare, each with the model function that gives its
 * value; and, optionally, invariants. Lockstep's own mechanisms are declared with this, as a
 * user's are. `defineMechanism` returns what it is given (as viem's `defineChain` does): the
 * literal's types flow into the editor, and nothing runs until a scenario is run.
 */
import type { ActionArg, Comparison } from "../engine/types.js";

export type Address = `0x${string}`;

/** An Action's arguments, as agents emit them. */
export type ActionArgs = Readonly<Record<string, ActionArg>>;

/** What a mechanism's configuration may depend on besides the parameters. */
export interface ConfigEnv {
  /** The run's first block timestamp, seconds. */
  readonly startTime: bigint;
}

/** What `deploy` may do. The same steps run on every chain, and are replayed without one to predict addresses. */
export interface DeployContext<C> {
  /** The mechanism's configuration (its `config` of the parameters, or the parameters). */
  readonly config: C;
  /** The account deploying, and sending setup transactions unless told otherwise. */
  readonly deployer: Address;
  /** The address of the run's account `id` (an agent, or a system account such as "deployer"). */
  account(id: string): Address;
  /**
   * Deploys a contract as instance `name`; its artifact is `artifact`, else the mechanism's
   * `contracts[name]`. Returns its address. Instance names are identifiers (letters, digits,
   * `_` and `-`): variables and actions refer to them.
   */
  deploy(
    name: string,
    args?: readonly unknown[],
    options?: { readonly artifact?: string; readonly from?: string },
  ): Promise<Address>;
  /** A setup transaction (a mint, an approval, a role): calls `fn` of instance `name`; it must succeed. */
  send(name: string, fn: string, args?: readonly unknown[], options?: { readonly from?: string }): Promise<void>;
  /** The address of instance `name`, deployed earlier in `deploy`. */
  address(name: string): Address;
}

/** A deployed mechanism, as the model and the calls see it. */
export interface Deployed<C> {
  readonly config: C;
  readonly addresses: Readonly<Record<string, Address>>;
  readonly deployer: Address;
  account(id: string): Address;
}

/** A value an event carries, as a model function emits it (compared with the chain's decoded log as a canonical string). */
export type EventArg = bigint | string | boolean | number;

/**
 * Who calls and when: what a model function mirrors of `msg.sender` and `block.timestamp`; and `emit`, what it mirrors
 * of Solidity's `emit`.
 */
export interface CallEnv {
  readonly sender: Address;
  readonly now: bigint;
  /**
   * Emits event `event` of instance `instance` (a name of `contracts`, or one `deploy` gave), its arguments in the
   * ABI's order, indexed ones included: `env.emit("vault", "Deposit", sender, owner, assets, shares)`. Emit every event
   * the contracts emit, in their order (a call into another contract emits its events where the call is). Only the
   * events the mechanism declares (`events`) are kept and compared; where events are not compared (no chain beside
   * the model, or none declared) it does nothing. A revert discards the events emitted before it.
   */
  emit(instance: string, event: string, ...args: EventArg[]): void;
}

/** A call to one of a mechanism's contracts as a chain recorded it, its arguments decoded from the ABI. */
export interface ObservedCall {
  /** The instance called: a name of `contracts`, or one `deploy` gave (`release-team`). */
  readonly instance: string;
  /**
   * The function's arguments, in order: integers as bigint, addresses in lower case, booleans, strings, bytes as
   * 0x hex; a struct as an object of its fields, an array as an array.
   */
  readonly args: readonly unknown[];
}

export interface ActionBinding<C, M> {
  /** The instance called, or a function of the Action's arguments choosing one. */
  readonly contract: string | ((args: ActionArgs, d: Deployed<C>) => string);
  /** The function: a name, or a signature where the name is overloaded (`"release(address)"`). */
  readonly function: string;
  /**
   * The call's arguments, in order. Default: the Action's arguments named as the function's
   * parameters in the ABI. A struct parameter takes an object of its fields.
   */
  readonly args?: (args: ActionArgs, d: Deployed<C>) => readonly unknown[];
  /**
   * The inverse of `args` (and of a `contract` function): the Action's arguments from an observed call to this
   * binding's function, for `sim observe`, which decodes what real users sent back into Actions. Without it, the
   * call's arguments are taken by their ABI parameter names, which is the inverse of the default `args`. Give it
   * where `args` renames, reshapes (a struct) or adds arguments, or where `contract` chooses the instance from an
   * argument. A decoded Action must encode back to the very call it came from (Lockstep checks), so a wrong inverse
   * is reported as such, never replayed.
   */
  readonly fromCall?: (call: ObservedCall, d: Deployed<C>) => ActionArgs;
  /**
   * The model function mirroring the call: updates `state` in place, or reverts with
   * `revert("ErrorName", ...args)` before it writes anything, exactly when the contract does.
   */
  readonly model: (state: M, env: CallEnv, args: ActionArgs, d: Deployed<C>) => void;
  /**
   * What `sim fuzz` needs to know where the ABI cannot say it: the kind of each Action argument,
   * for a binding with an `args` function (a binding without one takes its kinds from the ABI).
   * Left out, the fuzzer learns the names and kinds from the Actions the scenario's own agents emit.
   */
  readonly fuzz?: FuzzDeclaration;
}

/**
 * The kind of an Action argument, for the fuzzer: an unsigned integer, an address (an account of
 * the run, a deployed instance, or zero), a boolean, or one of a list of values.
 */
export type FuzzArgKind = "uint" | "address" | "bool" | readonly (string | number | bigint | boolean)[];

export interface FuzzDeclaration {
  /** Each argument the Action carries, by name, and its kind. */
  readonly args?: Readonly<Record<string, FuzzArgKind>>;
  /** Leave this kind out of fuzz campaigns (say why in a comment): a call no sequence should make. */
  readonly skip?: boolean;
}

/**
 * A compared variable. `chain` says where the contracts keep it, as text:
 * - a state variable, named as in the source: `"vault._totalSupply"`,
 *   `"token._balances[$escrow]"`, `"escrow._offers[1].price"` (instance, then the variable,
 *   located through the compiler's storage layout; `$name` is a deployed instance's address);
 * - or a view call: `"vault.totalAssets()"`, `"feeManager.feeBps()"`.
 */
export interface VariableBinding<M> {
  readonly chain: string;
  readonly model: (state: M) => bigint;
  /** Exact unless stated, with the reason. */
  readonly compare?: Comparison;
}

/**
 * A variable compared for every account of the run (named `<agent id>.<name>`): `$account`
 * in `chain` is the account's address (`"token._balances[$account]"`, `"vault.balanceOf($account)"`).
 * The model function gets that address in lower case, as every address Lockstep hands out is.
 */
export interface AccountVariableBinding<M> {
  readonly chain: string;
  readonly model: (state: M, account: Address) => bigint;
  readonly compare?: Comparison;
}

/**
 * How a report and a summary show a value: its unit, and the decimals of the integer it is kept
 * as (`{ unit: "USDC", decimals: 6 }`: 1500000 is shown as 1.5 USDC; `{ unit: "offers" }` counts).
 * Values stay exact integers; they are divided by 10^decimals only to be shown.
 */
export interface UnitDeclaration {
  /** A token symbol, or what is counted. */
  readonly unit: string;
  /** 0 (the default) for counts; 18 for an amount kept in wei. */
  readonly decimals?: number;
}

/**
 * Units by name. A name is a compared variable (`"vault.totalAssets"`), an account variable's
 * field (`"balance"`: every account's), or a KPI (`"total_deposits"`); a `*` stands for any
 * characters (`"release.*.balance"`). A value without a unit is shown as the integer it is.
 */
export type Units = Readonly<Record<string, UnitDeclaration>>;

/**
 * A property of the compared state that must hold after every step (and, under `sim fuzz`, after
 * every action): true, or a sentence saying what broke. `value` reads a compared variable; `names`
 * lists every variable of the sample (to sum a field over all accounts, say).
 */
export type Invariant = (value: (variable: string) => bigint, names: readonly string[]) => true | string;

export interface MechanismDefinition<P, C, M> {
  /** A name for messages and manifests. */
  readonly name: string;
  /** Instances deployed under a fixed name, and their artifacts: `{ vault: "MyVault" }`. */
  readonly contracts: Readonly<Record<string, string>>;
  /**
   * What the contracts are built from, for these parameters: pure, a plain object. Default:
   * the parameters themselves. On a public network whose clock Lockstep cannot set, the
   * scenario's clock runs compressed (`--step-seconds`): every field named `…Seconds` in it is
   * then scaled as a duration, for the contracts and the model alike; name durations so.
   */
  readonly config?: (params: P, env: ConfigEnv) => C;
  /** Deploys the contracts (and any setup transactions), in a fixed order. */
  readonly deploy: (ctx: DeployContext<C>) => Promise<void>;
  /** The model's state right after `deploy`, mirroring it (constructor arguments, setup transactions). */
  readonly model: (d: Deployed<C>) => M;
  /** Every Action kind agents may emit. */
  readonly actions: Readonly<Record<string, ActionBinding<C, M>>>;
  /** Compared variables; a function where they depend on what was deployed (one per wallet, say). */
  readonly variables?:
    Readonly<Record<string, VariableBinding<M>>> | ((d: Deployed<C>) => Readonly<Record<string, VariableBinding<M>>>);
  /** Compared for every account of the run. */
  readonly accountVariables?: Readonly<Record<string, AccountVariableBinding<M>>>;
  /** Properties checked on the compared state of each side after every step. */
  readonly invariants?: Readonly<Record<string, Invariant>>;
  /**
   * The events compared after every Action, as `instance.Event` patterns, `*` standing for any characters:
   * `["vault.*"]`, `["escrow.*", "token.Transfer"]`, `["*"]`. The chain's are decoded from the transaction's logs
   * (by the emitting address's instance and its artifact's ABI), the model's are what its functions `emit`; both
   * lists, in order and with every argument, must be equal, or the Action's outcome diverges. None by default.
   */
  readonly events?: readonly string[];
  /** Units of the compared variables (and account variables, by field), for reports and summaries. */
  readonly units?: Units;
  /**
   * How a report groups Action kinds in its action mix, in the legend's order:
   * `{ trades: ["buy", "sell"], liquidity: ["addLiquidity", "removeLiquidity"] }`. A kind in no group is its own.
   */
  readonly actionGroups?: Readonly<Record<string, readonly string[]>>;
  /**
   * How a report groups the global variables into chart grids: each group's names, `*` standing for any
   * characters (`{ tokens: ["asset.*", "vault.totalSupply"] }`). A variable in no group goes with the others
   * of its first name segment (`vault.totalAssets` in `vault`).
   */
  readonly variableGroups?: Readonly<Record<string, readonly string[]>>;
  /**
   * The times the model knows to matter now (a voucher's expiry, a dispute's timeout, an epoch's
   * end), in seconds: `sim fuzz` sends actions exactly at each, and one second on either side. A
   * deadline may name what it concerns (`{ at, args: { exchangeId } }`): at that time the fuzzer
   * then calls every kind that takes those arguments.
   */
  readonly deadlines?: (state: M, d: Deployed<C>) => readonly (bigint | Deadline)[];
}

/** A time the model knows to matter, and the Action arguments it concerns. */
export interface Deadline {
  readonly at: bigint;
  readonly args?: ActionArgs;
}

/** Declares a mechanism; returns it unchanged, typed. */
export function defineMechanism<P, C = P, M = unknown>(
  definition: MechanismDefinition<P, C, M>,
): MechanismDefinition<P, C, M> {
  return definition;
}
