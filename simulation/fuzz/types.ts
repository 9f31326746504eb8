/**
 * What `sim fuzz` works with: a sequence of Actions, each with its sender and the block time it is
 * sent at; what the oracle finds when the chain and the model part after one of them; and what a
 * campaign reached on each side.
 */
import type { Action, Outcome } from "../engine/types.js";

/** One Action of a sequence, as sent: by whom and at which block timestamp (never earlier than the one before). */
export interface FuzzStep {
  readonly action: Action;
  readonly sender: `0x${string}`;
  readonly time: bigint;
}

/**
 * Where the oracle first saw the two sides part, after step `index` (0-based) of the sequence:
 * the outcomes differ (success against a revert, two custom errors, or the events), a compared variable
 * differs beyond its tolerance, or a declared invariant is broken on one side.
 */
export type Failure =
  | {
      readonly kind: "outcome";
      readonly index: number;
      readonly action: string;
      /** Where only the events differ: the first differing event (1-based); `model` and `chain` are that event. */
      readonly at?: number;
      readonly model: string;
      readonly chain: string;
    }
  | {
      readonly kind: "variable";
      readonly index: number;
      readonly variable: string;
      readonly model: string;
      readonly chain: string;
    }
  | {
      readonly kind: "invariant";
      readonly index: number;
      readonly side: "model" | "chain";
      readonly invariant: string;
      readonly message: string;
    };

/** What must stay the same while a failing sequence shrinks: the kind of failure and what it is about. */
export function failureSignature(f: Failure): string {
  switch (f.kind) {
    case "outcome":
      return `outcome:${f.action}`;
    case "variable":
      return `variable:${f.variable}`;
    case "invariant":
      return `invariant:${f.side}:${f.invariant}`;
  }
}

/** A failure in one line. */
export function describeFailure(f: Failure): string {
  switch (f.kind) {
    case "outcome":
      return f.at === undefined
        ? `after action ${f.index + 1}, the outcome of ${f.action}: model ${f.model}, chain ${f.chain}`
        : `after action ${f.index + 1}, the events of ${f.action} differ at ${f.at}: model ${f.model}, chain ${f.chain}`;
    case "variable":
      return `after action ${f.index + 1}, ${f.variable}: model ${f.model}, chain ${f.chain}`;
    case "invariant":
      return `after action ${f.index + 1}, invariant "${f.invariant}" is broken on the ${f.side}: ${f.message}`;
  }
}

/** One step as it ran: both sides' outcomes. */
export interface StepRecord {
  readonly step: FuzzStep;
  readonly model: Outcome;
  readonly chain: Outcome;
}

/** What a sequence, or a campaign, reached on one side: the calls that succeeded and the custom errors seen. */
export interface SideCoverage {
  /** `instance.function` of every call that succeeded at least once, with how often. */
  readonly functions: Map<string, number>;
  /** Every custom error seen, by name, with how often. */
  readonly errors: Map<string, number>;
}

export interface Coverage {
  readonly model: SideCoverage;
  readonly chain: SideCoverage;
}

export function emptyCoverage(): Coverage {
  return {
    model: { functions: new Map(), errors: new Map() },
    chain: { functions: new Map(), errors: new Map() },
  };
}

const bump = (m: Map<string, number>, key: string): void => {
  m.set(key, (m.get(key) ?? 0) + 1);
};

/** Counts one outcome of the call `fn` on a side. */
export function cover(side: SideCoverage, fn: string, outcome: Outcome): void {
  if (outcome.ok) bump(side.functions, fn);
  else bump(side.errors, outcome.error?.name ?? "(no revert data)");
}
