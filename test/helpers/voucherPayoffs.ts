/**
 * design.md's payoff table as a function, shared by the contract and the model tests. Amounts are what the
 * exchange's end credits to each ledger entity (relative to just after the commit): the table's values plus the
 * dispute resolver's fee, which returns to the seller except after an escalated dispute ends Retracted, Resolved
 * or Decided, when the resolver earns it.
 */

/** An offer's amounts, in exchange-token wei. */
export interface Terms {
  readonly price: bigint;
  readonly sellerDeposit: bigint;
  readonly buyerCancelPenalty: bigint;
  readonly disputeResolverFee: bigint;
}

export type Terminal = "Completed" | "Revoked" | "Canceled" | "Retracted" | "Refused" | "Resolved" | "Decided";

export interface Ending {
  readonly terminal: Terminal;
  /** Whether the dispute was escalated (the buyer paid E = drFee * 1_000 / 10_000). */
  readonly escalated: boolean;
  /** The buyer's share for Resolved / Decided, in basis points. */
  readonly buyerPercentBps?: bigint;
}

export interface Payoff {
  readonly seller: bigint;
  readonly buyer: bigint;
  readonly resolver: bigint;
  /** The protocol fee collected (split between the ecosystem fund and the points sink). */
  readonly fee: bigint;
}

export function escalationDeposit(t: Terms): bigint {
  return (t.disputeResolverFee * 1_000n) / 10_000n;
}

/** The table row for `end`, given the offer's terms and its protocol fee f. */
export function expectedPayoff(end: Ending, t: Terms, f: bigint): Payoff {
  const { price: p, sellerDeposit: d, buyerCancelPenalty: pen, disputeResolverFee: dr } = t;
  const e = end.escalated ? escalationDeposit(t) : 0n;
  const toResolver = end.escalated && ["Retracted", "Resolved", "Decided"].includes(end.terminal);
  const drBack = toResolver ? 0n : dr;
  const resolver = toResolver ? dr : 0n;
  switch (end.terminal) {
    case "Completed":
      return { seller: p + d - f + drBack, buyer: 0n, resolver, fee: f };
    case "Revoked":
      return { seller: drBack, buyer: p + d, resolver, fee: 0n };
    case "Canceled":
      return { seller: d + pen + drBack, buyer: p - pen, resolver, fee: 0n };
    case "Retracted":
      return { seller: p + d - f + e + drBack, buyer: 0n, resolver, fee: f };
    case "Refused":
      return { seller: d + drBack, buyer: p + e, resolver, fee: 0n };
    case "Resolved":
    case "Decided": {
      const bp = end.buyerPercentBps ?? 0n;
      const buyer = ((d + e) * bp) / 10_000n + (p * bp) / 10_000n;
      return { seller: d + e + p - buyer + drBack, buyer, resolver, fee: 0n };
    }
  }
}

/** The ecosystem fund's part of a fee at `ecoBps` (rounded down); the points sink gets the rest. */
export function ecoPart(fee: bigint, ecoBps: bigint): bigint {
  return (fee * ecoBps) / 10_000n;
}
