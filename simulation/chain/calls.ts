import { getAddress, type Interface, type ParamType } from "ethers";
import type { Action, ActionArg } from "../engine/types.js";
import type { SystemAddresses, SystemConfig } from "../model/system.js";
import { IFACE } from "./contracts.js";

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

type Leaf = { readonly kind: "uint"; readonly bits: number } | { readonly kind: "address" } | { readonly kind: "bool" };
export type StaticValue = bigint | string | boolean | number | { readonly [field: string]: StaticValue };

/** The leaves of a static ABI type, in encoding order; undefined if it is dynamic. */
function leavesOf(t: ParamType): Leaf[] | undefined {
  if (t.baseType === "tuple") {
    const out: Leaf[] = [];
    for (const c of t.components ?? []) {
      const leaves = leavesOf(c);
      if (leaves === undefined) return undefined;
      out.push(...leaves);
    }
    return out;
  }
  const uint = /^uint(\d*)$/.exec(t.type);
  if (uint !== null) return [{ kind: "uint", bits: uint[1] === "" ? 256 : Number(uint[1]) }];
  if (t.type === "address") return [{ kind: "address" }];
  if (t.type === "bool") return [{ kind: "bool" }];
  return undefined;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** One argument's 32-byte words, checked against its ABI type as ethers' encoder checks it. */
function words(t: ParamType, value: StaticValue, out: string[], where: string): void {
  if (t.baseType === "tuple") {
    const fields = value as { readonly [field: string]: StaticValue };
    for (const c of t.components!) words(c, fields[c.name]!, out, `${where}.${c.name}`);
    return;
  }
  const leaf = leavesOf(t)![0]!;
  if (leaf.kind === "address") {
    if (typeof value !== "string" || !ADDRESS.test(value))
      throw new TypeError(`${where} = ${String(value)}: not an address.`);
    // Mixed case is a checksum (EIP-55) and must hold, as ethers insists.
    if (/[a-f]/.test(value.slice(2)) && /[A-F]/.test(value.slice(2)) && getAddress(value) !== value) {
      throw new TypeError(`${where} = ${value}: bad address checksum.`);
    }
    out.push(value.slice(2).toLowerCase().padStart(64, "0"));
  } else if (leaf.kind === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`${where} = ${String(value)}: not a boolean.`);
    out.push(value ? "1".padStart(64, "0") : "0".repeat(64));
  } else {
    // As ethers: a bigint, a safe integer, or an integer in a string (decimal or 0x hex; records keep amounts so).
    const n =
      typeof value === "bigint"
        ? value
        : typeof value === "number" && Number.isSafeInteger(value)
          ? BigInt(value)
          : typeof value === "string" && /^(\d+|0x[0-9a-fA-F]+)$/.test(value)
            ? BigInt(value)
            : NaN;
    if (typeof n !== "bigint" || n < 0n || n >> BigInt(leaf.bits) !== 0n) {
      throw new TypeError(`${where} = ${String(value)}: not a uint${leaf.bits}.`);
    }
    out.push(n.toString(16).padStart(64, "0"));
  }
}

/**
 * `iface.encodeFunctionData(fn, args)` for functions whose parameters are all static (every
 * Action's are): the selector, then one word per leaf. ethers' general encoder took about
 * 0.1 ms per call, 6% of a transaction on the in-process chain; this takes a few microseconds.
 */
function staticEncoder(iface: Interface, fn: string): (args: readonly StaticValue[]) => string {
  const f = iface.getFunction(fn);
  if (f === null) throw new TypeError(`No function ${fn} in the ABI.`);
  for (const input of f.inputs) {
    if (leavesOf(input) === undefined) throw new TypeError(`${f.format()}: ${input.type} is not static.`);
  }
  return (args) => {
    if (args.length !== f.inputs.length)
      throw new TypeError(`${f.name}: ${args.length} arguments for ${f.inputs.length}.`);
    const out: string[] = [f.selector];
    f.inputs.forEach((input, i) => words(input, args[i]!, out, `${f.name}(${input.name || i})`));
    return out.join("");
  };
}

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
