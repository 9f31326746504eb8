/**
 * What an observation records of each call into the mechanism (calls.ndjson), and of the calls
 * the model did not apply, and the first transaction it got wrong (manifest.json).
 */
import type { Entry, ObservedBlock } from "./blocks.js";
import type { DecodedCall } from "./decodeCall.js";

/** One call into the mechanism as calls.ndjson records it: the entry as the chain had it, and what it became. */
export interface CallRecord {
  readonly block: string;
  readonly timestamp: string;
  readonly txHash: string;
  readonly txIndex: number;
  readonly from: string;
  readonly to: string;
  readonly instance: string | null;
  readonly input: string;
  readonly value: string;
  readonly status: "success" | "reverted";
  readonly revertData?: string;
  readonly gasUsed: string;
  readonly via: readonly string[];
  readonly rolledBack?: true;
  readonly reentrant?: true;
  readonly unobserved?: true;
  /** What the call became: an Action of `kind`, or why it was not applied. */
  readonly as: "action" | "undeclared" | "undecodable" | "rolled back" | "reentrant" | "unobserved";
  readonly kind?: string;
  readonly fn?: string;
  readonly reason?: string;
  readonly agent: string;
}

/** A call that changed state the model did not follow (or could not be seen). */
export interface Unmodelled {
  readonly block: string;
  readonly txHash: string;
  readonly as: CallRecord["as"];
  readonly call: string;
  readonly from: string;
}

/** The first transaction the model got wrong. */
export interface WrongTransaction {
  readonly block: string;
  readonly txHash: string;
  readonly txIndex: number;
  readonly agent: string;
  readonly call: string;
  readonly via: readonly string[];
  /** "outcome": its outcome differs; "state": the compared state after its block differs. */
  readonly what: "outcome" | "state";
  readonly variable: string;
  readonly model: string;
  readonly chain: string;
  /** Calls into the mechanism in that block (the state is read once per block). */
  readonly callsInBlock: number;
  /** State-changing calls the model did not apply before it, and the first of them. */
  readonly unmodelledBefore: number;
  readonly firstUnmodelled?: Unmodelled;
  readonly lastUnmodelled?: Unmodelled;
}

export interface ObserverCounters {
  calls: number;
  actions: number;
  reverted: number;
  byKind: Record<string, number>;
  undeclared: number;
  undecodable: number;
  rolledBack: number;
  reentrant: number;
  unobserved: number;
  /** Undeclared, undecodable and reentrant calls that succeeded, and unobserved transactions: state the model did not follow. */
  unmodelledChanges: number;
  throughContracts: number;
  divergences: number;
  comparisons: number;
  invariantViolations: number;
  gasUsed: bigint;
}

/** The record of an entry, and what it became. */
export function callRecord(
  b: ObservedBlock,
  e: Entry,
  decoded: DecodedCall | undefined,
  as: CallRecord["as"],
  agent: string,
): CallRecord {
  return {
    block: b.number.toString(),
    timestamp: b.timestamp.toString(),
    txHash: e.txHash,
    txIndex: e.txIndex,
    from: e.from,
    to: e.to,
    instance: decoded?.instance ?? null,
    input: e.input,
    value: e.value.toString(),
    status: e.ok ? "success" : "reverted",
    ...(e.revertData !== undefined ? { revertData: e.revertData } : {}),
    gasUsed: e.gasUsed.toString(),
    via: e.via,
    ...(e.rolledBack ? { rolledBack: true as const } : {}),
    ...(e.reentrant ? { reentrant: true as const } : {}),
    ...(e.unobserved ? { unobserved: true as const } : {}),
    as,
    ...(decoded?.kind === "action" ? { kind: decoded.action.kind } : {}),
    ...(decoded !== undefined ? { fn: decoded.fn } : {}),
    ...(decoded?.kind === "undecodable" ? { reason: decoded.reason } : {}),
    agent,
  };
}

/** An entry back from its record (a resumed observation replays its calls from calls.ndjson). */
export function entryOf(r: CallRecord): Entry {
  return {
    txHash: r.txHash,
    txIndex: r.txIndex,
    from: r.from,
    to: r.to,
    input: r.input,
    value: BigInt(r.value),
    ok: r.status === "success",
    ...(r.revertData !== undefined ? { revertData: r.revertData } : {}),
    gasUsed: BigInt(r.gasUsed),
    via: r.via,
    rolledBack: r.rolledBack === true,
    reentrant: r.reentrant === true,
    unobserved: r.unobserved === true,
  };
}
