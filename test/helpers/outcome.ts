import { Interface, type BaseContract, type ErrorFragment } from "ethers";

import { ModelRevert, type ErrorArg } from "../../simulation/model/revert.js";

/** What one action did, in a form both backends produce and `expect(...).to.deep.equal` compares. */
export type Outcome =
  | { readonly ok: true; readonly value?: string }
  | { readonly ok: false; readonly error: string; readonly args: readonly string[] };

const PANIC_SELECTOR = "0x4e487b71";

function normaliseArg(value: unknown): string {
  if (typeof value === "bigint" || typeof value === "boolean" || typeof value === "number") return String(value);
  if (typeof value === "string") return /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : value;
  throw new TypeError(`Cannot normalise a revert argument of type ${typeof value}.`);
}

function modelArg(value: ErrorArg): string {
  return normaliseArg(value);
}

/**
 * Runs a model action; a ModelRevert becomes a failed Outcome, anything else is rethrown (a bug).
 * With `withValue`, a successful Outcome carries the returned value, normalised (for views).
 */
export function modelOutcome(action: () => unknown, withValue = false): Outcome {
  try {
    const value = action();
    return withValue ? { ok: true, value: normaliseArg(value) } : { ok: true };
  } catch (error) {
    if (error instanceof ModelRevert) return { ok: false, error: error.errorName, args: error.args.map(modelArg) };
    throw error;
  }
}

/** Decodes custom errors of the given contracts (and `Panic(uint256)`) from revert data. */
export class RevertDecoder {
  private readonly iface: Interface;

  constructor(contracts: readonly BaseContract[]) {
    const seen = new Set<string>();
    const fragments: ErrorFragment[] = [];
    for (const contract of contracts) {
      contract.interface.forEachError((fragment) => {
        if (seen.has(fragment.selector)) return;
        seen.add(fragment.selector);
        fragments.push(fragment);
      });
    }
    this.iface = new Interface(fragments);
  }

  /** Decodes revert data into an Outcome; unknown data is reported by its selector. */
  decode(data: string): Outcome {
    if (data.startsWith(PANIC_SELECTOR)) {
      const code = BigInt("0x" + data.slice(10));
      return { ok: false, error: "Panic", args: [String(code)] };
    }
    const parsed = this.iface.parseError(data);
    if (parsed === null) return { ok: false, error: `unknown(${data.slice(0, 10)})`, args: [] };
    return { ok: false, error: parsed.name, args: parsed.args.toArray().map(normaliseArg) };
  }

  /** Calls a view and returns its Outcome, carrying the normalised value, or the decoded revert. */
  async call(view: () => Promise<unknown>): Promise<Outcome> {
    try {
      return { ok: true, value: normaliseArg(await view()) };
    } catch (error) {
      return this.fromError(error);
    }
  }

  /**
   * Sends a transaction (with an explicit gas limit, so the node mines it even when it reverts)
   * and returns its Outcome, decoding the custom error of a revert.
   */
  async send(transaction: () => Promise<{ wait(): Promise<unknown> }>): Promise<Outcome> {
    try {
      const sent = await transaction();
      await sent.wait();
      return { ok: true };
    } catch (error) {
      return this.fromError(error);
    }
  }

  private fromError(error: unknown): Outcome {
    const data = (error as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x")) return this.decode(data);
    throw error;
  }
}
