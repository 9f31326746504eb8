/**
 * Errors, after viem's and Hardhat's: one base, a subclass per failure. A `UserError`
 * is bad input (exit code 2, one line: the field, the value, what was expected); an
 * `InternalError` is a broken invariant and says it is a bug in Lockstep.
 */
export class LockstepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input from the user: a parameter, a flag, a scenario name. Exit code 2. */
export class UserError extends LockstepError {}

/** A parameter path or value the scenario's schema rejects. */
export class ParamError extends UserError {
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid parameter ${path} = ${formatValue(value)}: expected ${expected}.`);
  }
}

/** Something that cannot happen unless Lockstep itself is wrong. */
export class InternalError extends LockstepError {
  constructor(message: string) {
    super(`${message} (this is a bug in Lockstep; please report it with the run folder)`);
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return value.toString();
  if (value === undefined) return "(missing)";
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
