/** A value a custom error may carry, as the model compares it with the chain's decoded error. */
export type ErrorArg = bigint | string | boolean | number;

/**
 * A call the model rejects, named as the contract's custom error and carrying the
 * same arguments. Model functions check every condition before they write, so a
 * thrown ModelRevert leaves the state untouched, as a reverted transaction does.
 */
export class ModelRevert extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly ErrorArg[],
  ) {
    super(`${errorName}(${args.map(String).join(", ")})`);
    this.name = "ModelRevert";
  }

  /**
   * Recognises a ModelRevert by its brand, not its class: a user's model may import Lockstep
   * from another copy of the package than the engine's, and `instanceof` would miss it there.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

const BRAND = Symbol.for("lockstep.ModelRevert");
Object.defineProperty(ModelRevert.prototype, BRAND, { value: true });

/** Throws the named custom error, as Solidity's `revert Name(args)`. */
export function revert(errorName: string, ...args: ErrorArg[]): never {
  throw new ModelRevert(errorName, args);
}
