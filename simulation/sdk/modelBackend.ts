/**
 * The model side of a declared mechanism: the user's pure model state, an Action applied by
 * its binding's model function (a `revert(...)` becomes the Outcome the chain's custom error
 * is compared with), and the compared variables read off the state by their model functions.
 */
import { canonicalArg } from "../analysis/values.js";
import { UserError } from "../engine/errors.js";
import type { Account, Action, EmittedEvent, ModelBackend, Outcome, VariableList, Variables } from "../engine/types.js";
import { ModelRevert } from "../model/revert.js";
import type { DeclaredEvents } from "./events.js";
import type { AccountVariableBinding, Address, CallEnv, Deployed, EventArg, VariableBinding } from "./mechanism.js";
import type { ResolvedMechanism } from "./resolve.js";

/** The variables of a deployed mechanism, in the order a sample lists them: globals, then per account. */
export interface VariableSet<M> {
  readonly globals: readonly (readonly [string, VariableBinding<M>])[];
  readonly perAccount: readonly (readonly [string, AccountVariableBinding<M>])[];
}

export function variableSet<P, C, M>(r: ResolvedMechanism<P, C, M>, d: Deployed<C>): VariableSet<M> {
  const v = r.definition.variables;
  const globals = typeof v === "function" ? v(d) : (v ?? {});
  return {
    globals: Object.entries(globals),
    perAccount: Object.entries(r.definition.accountVariables ?? {}),
  };
}

/** The names of a sample for these accounts, built once per account list (a run keeps its list while it does not change). */
export function variableNamer<M>(set: VariableSet<M>): (accounts: readonly Account[]) => readonly string[] {
  let cached: { accounts: readonly Account[]; names: string[] } | undefined;
  return (accounts) => {
    if (cached?.accounts === accounts) return cached.names;
    const names = set.globals.map(([name]) => name);
    for (const a of accounts) for (const [name] of set.perAccount) names.push(`${a.id}.${name}`);
    cached = { accounts, names };
    return names;
  };
}

/**
 * The model side of a mechanism. With `events` (a mechanism that declares events, run beside a chain), each Action's
 * Outcome carries the declared events its model function emitted; without, `emit` does nothing and costs nothing.
 */
export function createMechanismModelBackend<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  d: Deployed<C>,
  events?: DeclaredEvents,
): ModelBackend<M> {
  const definition = r.definition;
  let emitted: EmittedEvent[] = [];
  const emit: CallEnv["emit"] =
    events === undefined
      ? () => {}
      : (instance: string, event: string, ...args: EventArg[]) => {
          const e = events.model(instance, event, args);
          if (e !== undefined) emitted.push(e);
        };
  const state = definition.model(d);
  const set = variableSet(r, d);
  const names = variableNamer(set);
  const values = (accounts: readonly Account[]): bigint[] => {
    const out: bigint[] = [];
    for (const [name, v] of set.globals) out.push(checkValue(v.model(state), name, definition.name));
    for (const a of accounts) {
      for (const [name, v] of set.perAccount) {
        out.push(checkValue(v.model(state, a.address as Address), `${a.id}.${name}`, definition.name));
      }
    }
    return out;
  };
  return {
    world: state,
    apply(action: Action, sender: `0x${string}`, now: bigint): Outcome {
      const binding = definition.actions[action.kind];
      if (binding === undefined) throw unknownKind(action, Object.keys(definition.actions), definition.name);
      if (events !== undefined) emitted = [];
      try {
        binding.model(state, { sender, now, emit }, action.args, d);
        return events === undefined ? { ok: true, timestamp: now } : { ok: true, timestamp: now, events: emitted };
      } catch (e) {
        if (e instanceof ModelRevert) {
          return { ok: false, error: { name: e.errorName, args: e.args.map(canonicalArg) }, timestamp: now };
        }
        // An event the model emitted that its contracts do not have: said as it is.
        if (e instanceof UserError) throw e;
        throw new UserError(
          `The model of action ${action.kind} (mechanism ${definition.name}, agent ${action.agent}) threw ` +
            `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}; a model function reverts only with ` +
            `revert("ErrorName", ...args).`,
        );
      }
    },
    sample(accounts): Variables {
      const list = names(accounts);
      const vs = values(accounts);
      const out: Variables = new Map();
      for (let i = 0; i < list.length; i++) out.set(list[i]!, vs[i]!);
      return out;
    },
    sampleList(accounts): VariableList {
      return { names: names(accounts), values: values(accounts) };
    },
  };
}

function checkValue(value: unknown, name: string, mechanism: string): bigint {
  if (typeof value === "bigint") return value;
  throw new UserError(
    `The model of variable ${name} (mechanism ${mechanism}) returned ${typeof value} ${String(value)}: expected a bigint.`,
  );
}

export function unknownKind(action: Action, kinds: readonly string[], mechanism: string): UserError {
  return new UserError(
    `Agent ${action.agent} emitted an Action of kind ${JSON.stringify(action.kind)}, which mechanism ${mechanism} ` +
      `does not declare (it has ${kinds.join(", ")}).`,
  );
}
