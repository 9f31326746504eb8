import type { Action, ActionArg } from "../engine/types.js";
import type { SystemAddresses, SystemConfig } from "../model/system.js";
import { IFACE } from "./contracts.js";
import { staticEncoder, type StaticValue } from "./encode.js";

type Args = Readonly<Record<string, ActionArg>>;

/** A transaction's destination and calldata. */
export interface TxCall {
  readonly to: string;
  readonly data: string;
}

/** What the chain side needs to turn an Action into a call. */
export interface CallContext {
  readonly addresses: SystemAddresses;
  readonly releaseAddress: (name: string) => string;
}

/** The call context of a deployed system: release wallets are found by their category name. */
export function callContextFor(config: SystemConfig, addresses: SystemAddresses): CallContext {
  const byName = new Map(config.releases.map((r, i) => [r.name, addresses.releases[i]!]));
  return {
    addresses,
    releaseAddress: (name) => {
      const a = byName.get(name);
      if (a === undefined) throw new TypeError(`Action argument wallet = ${name}: no such release wallet.`);
      return a;
    },
  };
}

type ChainCall = (ctx: CallContext, args: Args) => TxCall;

const encoders = new Map<string, (args: readonly StaticValue[]) => string>();
/** Calldata of `fn` on `contract`, through a static encoder built once per function (see `staticEncoder`). */
export function encodeStatic(contract: keyof typeof IFACE, fn: string, args: readonly StaticValue[]): string {
  const key = `${contract}.${fn}`;
  let encoder = encoders.get(key);
  if (encoder === undefined) {
    encoder = staticEncoder(IFACE[contract], fn);
    encoders.set(key, encoder);
  }
  return encoder(args);
}

const u = (args: Args, name: string): bigint => {
  const v = args[name];
  if (typeof v === "bigint") return v;
  if (typeof v === "number" || typeof v === "string") return BigInt(v);
  throw new TypeError(`Action argument ${name} = ${String(v)}: expected an unsigned integer.`);
};
const s = (args: Args, name: string): string => String(args[name]);

const tokenAddress = (ctx: CallContext, args: Args): string => {
  if (args["token"] === "exchange") return ctx.addresses.exchangeToken;
  if (args["token"] === "governance") return ctx.addresses.governanceToken;
  throw new TypeError(`Action argument token = ${String(args["token"])}: expected "exchange" or "governance".`);
};

const escrow =
  (fn: string, ...names: string[]): ChainCall =>
  (ctx, args) => ({
    to: ctx.addresses.escrow,
    data: encodeStatic("escrow", fn, names.map((n) => args[n]) as StaticValue[]),
  });

const byExchange = (fn: string): ChainCall => escrow(fn, "exchangeId");

/** Every Action kind and its transaction; the same keys as the model's MODEL_CALLS. */
export const CHAIN_CALLS: Readonly<Record<string, ChainCall>> = {
  mint: (ctx, a) => ({
    to: ctx.addresses.exchangeToken,
    data: encodeStatic("exchangeToken", "mint", [s(a, "to"), u(a, "amount")]),
  }),
  approve: (ctx, a) => ({
    to: tokenAddress(ctx, a),
    data: encodeStatic("exchangeToken", "approve", [s(a, "spender"), u(a, "amount")]),
  }),
  transfer: (ctx, a) => ({
    to: tokenAddress(ctx, a),
    data: encodeStatic("exchangeToken", "transfer", [s(a, "to"), u(a, "amount")]),
  }),
  setFeeBps: (ctx, a) => ({
    to: ctx.addresses.feeManager,
    data: encodeStatic("feeManager", "setFeeBps", [u(a, "bps")]),
  }),
  setEcoBps: (ctx, a) => ({
    to: ctx.addresses.feeManager,
    data: encodeStatic("feeManager", "setEcoBps", [u(a, "bps")]),
  }),
  registerSeller: escrow("registerSeller", "aggregator"),
  depositFunds: escrow("depositFunds", "amount"),
  withdrawFunds: escrow("withdrawFunds", "amount"),
  createOffer: (ctx, a) => ({
    to: ctx.addresses.escrow,
    data: encodeStatic("escrow", "createOffer", [
      {
        price: u(a, "price"),
        sellerDeposit: u(a, "sellerDeposit"),
        buyerCancelPenalty: u(a, "buyerCancelPenalty"),
        quantity: u(a, "quantity"),
        voucherValiditySeconds: u(a, "voucherValiditySeconds"),
        disputePeriodSeconds: u(a, "disputePeriodSeconds"),
        resolutionPeriodSeconds: u(a, "resolutionPeriodSeconds"),
        escalationResponsePeriodSeconds: u(a, "escalationResponsePeriodSeconds"),
        disputeResolver: s(a, "disputeResolver"),
        disputeResolverFee: u(a, "disputeResolverFee"),
      },
    ]),
  }),
  commitToOffer: escrow("commitToOffer", "offerId"),
  cancelVoucher: byExchange("cancelVoucher"),
  revokeVoucher: byExchange("revokeVoucher"),
  expireVoucher: byExchange("expireVoucher"),
  redeemVoucher: byExchange("redeemVoucher"),
  completeExchange: byExchange("completeExchange"),
  raiseDispute: byExchange("raiseDispute"),
  retractDispute: byExchange("retractDispute"),
  expireDispute: byExchange("expireDispute"),
  proposeResolution: escrow("proposeResolution", "exchangeId", "buyerPercentBps"),
  acceptResolution: byExchange("acceptResolution"),
  escalateDispute: byExchange("escalateDispute"),
  decideDispute: escrow("decideDispute", "exchangeId", "buyerPercentBps"),
  refuseEscalatedDispute: byExchange("refuseEscalatedDispute"),
  expireEscalatedDispute: byExchange("expireEscalatedDispute"),
  closeEpoch: (ctx) => ({ to: ctx.addresses.rewards, data: encodeStatic("rewards", "closeEpoch", []) }),
  claim: (ctx) => ({ to: ctx.addresses.rewards, data: encodeStatic("rewards", "claim", []) }),
  release: (ctx, a) => ({
    to: ctx.releaseAddress(s(a, "wallet")),
    data: encodeStatic("release", "release(address)", [ctx.addresses.governanceToken]),
  }),
};

export function encodeAction(ctx: CallContext, action: Action): TxCall {
  const call = CHAIN_CALLS[action.kind];
  if (call === undefined) throw new TypeError(`Unknown action kind ${JSON.stringify(action.kind)}.`);
  return call(ctx, action.args);
}
