/**
 * A mechanism's invariants: properties of its compared state that must hold after every step
 * (the escrow holds what it owes, balances sum to the supply, ...). They are checked on each
 * side's sample: broken on the chain, the contracts break a property the mechanism claims;
 * broken on the model, the model does.
 */
import { UserError } from "./errors.js";
import type { VariableList, Variables } from "./types.js";

/** A property: true, or a sentence saying what broke. `value` reads a compared variable; `names` lists the sample's. */
export type InvariantCheck = (value: (variable: string) => bigint, names: readonly string[]) => true | string;

export interface InvariantViolation {
  readonly step: number;
  readonly side: "model" | "chain";
  readonly invariant: string;
  readonly message: string;
}

/**
 * A variable's value in a sample, a map or a list. A list is searched by name: invariants read
 * a few globals, which sample lists put first, so a search is shorter than indexing the list.
 */
export function sampleReader(vars: Variables | VariableList): (variable: string) => bigint | number | undefined {
  if (vars instanceof Map) return (v) => vars.get(v);
  return (v) => {
    const i = vars.names.indexOf(v);
    return i < 0 ? undefined : vars.values[i];
  };
}

/** The names of a sample's variables, a map's or a list's. */
export function sampleNames(vars: Variables | VariableList): readonly string[] {
  return vars instanceof Map ? [...vars.keys()] : vars.names;
}

/** The invariants broken in a sample, in declaration order. */
export function brokenInvariants(
  invariants: Readonly<Record<string, InvariantCheck>>,
  read: (variable: string) => bigint | number | undefined,
  side: "model" | "chain",
  step: number,
  names: readonly string[],
): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  for (const [name, check] of Object.entries(invariants)) {
    const value = (variable: string): bigint => {
      const v = read(variable);
      if (v === undefined) {
        throw new UserError(
          `Invariant "${name}" reads variable ${variable}, which the mechanism does not compare (declare it in variables).`,
        );
      }
      return BigInt(v);
    };
    const verdict = check(value, names);
    if (verdict !== true)
      out.push({ step, side, invariant: name, message: typeof verdict === "string" ? verdict : "false" });
  }
  return out;
}
