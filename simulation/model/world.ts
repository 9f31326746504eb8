/**
 * The whole model: every mechanism's mirror wired together as the contracts are on chain
 * (the escrow credits points and tells fees to the distributor, the distributor withdraws
 * each closed epoch's fees from the escrow), plus the one table that applies an Action to it.
 */
import * as erc20 from "./erc20.js";
import * as fees from "./fees.js";
import { newGovernanceToken } from "./governanceToken.js";
import * as rewards from "./rewards.js";
import { ModelRevert, revert } from "./revert.js";
import type { SystemAddresses, SystemConfig } from "./system.js";
import { toAddress, ZERO_ADDRESS, type Address, type Env } from "./types.js";
import * as vesting from "./vesting.js";
import * as vouchers from "./vouchers.js";
import type { ActionArg } from "../engine/types.js";

export interface World {
  readonly config: SystemConfig;
  readonly addresses: SystemAddresses;
  /** The exchange token (payments), owned by the deployer. */
  readonly exchangeToken: erc20.Erc20State;
  readonly governanceToken: erc20.Erc20State;
  readonly fees: fees.FeeState;
  readonly rewards: rewards.RewardsState;
  readonly escrow: vouchers.VoucherState;
  readonly releases: ReadonlyMap<string, vesting.VestingState>;
}

/** Mirrors the deployment (simulation/chain/deploy.ts) step by step, in the same order. */
export function createWorld(
  config: SystemConfig,
  addresses: SystemAddresses,
  beneficiaryOf: (id: string) => Address,
): World {
  const deployer = addresses.deployer;
  const exchangeToken = erc20.newErc20(addresses.exchangeToken);
  const governanceToken = newGovernanceToken(deployer, addresses.governanceToken);
  const f = config.fees;
  const feeState = fees.newFeeState(deployer, f.feeBps, f.maxFeeBps, f.ecoBps, addresses.feeManager);
  const r = config.rewards;
  const rewardsState = rewards.newRewardsState({
    address: addresses.rewards,
    owner: deployer,
    rewardToken: governanceToken,
    rewardTokenAddress: addresses.governanceToken,
    feeToken: exchangeToken,
    feeTokenAddress: addresses.exchangeToken,
    startTimestamp: r.startTimestamp,
    epochSeconds: r.epochSeconds,
    emissionTotal: r.emissionTotal,
    cliffEpochs: r.cliffEpochs,
    durationEpochs: r.durationEpochs,
    halvingEpochs: r.halvingEpochs,
  });
  const escrow = vouchers.newVoucherState({
    token: exchangeToken,
    self: addresses.escrow,
    fees: feeState,
    pointsSink: addresses.rewards,
    ecosystemFund: addresses.ecosystemFund,
    aggregatorPointsBps: config.escrow.aggregatorPointsBps,
    accruePoints: (seller, points, aggregator, aggregatorPoints, now, emit) =>
      rewards.accruePoints(
        rewardsState,
        { sender: addresses.escrow, now, emit },
        seller,
        points,
        aggregator,
        aggregatorPoints,
      ),
    accrueFees: (amount, now, emit) =>
      rewards.accrueFees(rewardsState, { sender: addresses.escrow, now, emit }, amount),
  });
  // RewardsDistributor.closeEpoch: ledger.withdrawFunds(epochFees(epoch)) when nonzero.
  rewardsState.withdrawFees = (amount, now, emit) =>
    vouchers.withdrawFunds(escrow, { sender: addresses.rewards, now, emit }, amount);
  const atDeploy: Env = { sender: deployer, now: 0n };
  rewards.setPointsSource(rewardsState, atDeploy, addresses.escrow);
  erc20.transfer(governanceToken, deployer, addresses.rewards, r.emissionTotal);
  const releases = new Map<string, vesting.VestingState>();
  config.releases.forEach((rel, i) => {
    const address = addresses.releases[i]!;
    releases.set(
      rel.name,
      vesting.newVestingState({
        address,
        beneficiary: beneficiaryOf(rel.beneficiary),
        startTimestamp: rel.startTimestamp,
        durationSeconds: rel.durationSeconds,
        cliffSeconds: rel.cliffSeconds,
        token: governanceToken,
      }),
    );
    erc20.transfer(governanceToken, deployer, address, rel.amount);
  });
  return { config, addresses, exchangeToken, governanceToken, fees: feeState, rewards: rewardsState, escrow, releases };
}

type Args = Readonly<Record<string, ActionArg>>;

/** An Action argument as a uint256. */
export function uintArg(args: Args, name: string): bigint {
  const v = args[name];
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`Action argument ${name} = ${String(v)}: expected an unsigned integer.`);
}

export function addressArg(args: Args, name: string): Address {
  const v = args[name];
  if (typeof v !== "string") throw new TypeError(`Action argument ${name} = ${String(v)}: expected an address.`);
  return toAddress(v);
}

export function boolArg(args: Args, name: string): boolean {
  const v = args[name];
  if (typeof v !== "boolean") throw new TypeError(`Action argument ${name} = ${String(v)}: expected true or false.`);
  return v;
}

export function tokenOf(w: World, args: Args): erc20.Erc20State {
  const t = args["token"];
  if (t === "exchange") return w.exchangeToken;
  if (t === "governance") return w.governanceToken;
  throw new TypeError(`Action argument token = ${String(t)}: expected "exchange" or "governance".`);
}

export function releaseOf(w: World, args: Args): vesting.VestingState {
  const name = String(args["wallet"]);
  const wallet = w.releases.get(name);
  if (wallet === undefined) throw new TypeError(`Action argument wallet = ${name}: no such release wallet.`);
  return wallet;
}

type ModelCall = (w: World, env: Env, args: Args) => void;

const byExchange =
  (fn: (s: vouchers.VoucherState, env: Env, exchangeId: bigint) => void): ModelCall =>
  (w, env, a) =>
    fn(w.escrow, env, uintArg(a, "exchangeId"));

/**
 * Every Action kind the system knows, and the model function that mirrors its contract
 * call. simulation/chain/calls.ts has the same keys, mapping each to its transaction.
 */
export const MODEL_CALLS: Readonly<Record<string, ModelCall>> = {
  // Tokens
  mint: (w, env, a) => {
    // ExchangeToken.mint is onlyOwner (the deployer).
    if (env.sender !== w.addresses.deployer) revert("OwnableUnauthorizedAccount", env.sender);
    const to = addressArg(a, "to");
    const amount = uintArg(a, "amount");
    // OpenZeppelin's _update: `_totalSupply += value` is checked (found by `sim fuzz`: a mint past 2^256 - 1).
    if (to !== ZERO_ADDRESS && w.exchangeToken.totalSupply + amount > erc20.MAX_UINT256) revert("Panic", 0x11n);
    erc20.mint(w.exchangeToken, to, amount, env.emit);
  },
  approve: (w, env, a) =>
    erc20.approve(tokenOf(w, a), env.sender, addressArg(a, "spender"), uintArg(a, "amount"), env.emit),
  transfer: (w, env, a) =>
    erc20.transfer(tokenOf(w, a), env.sender, addressArg(a, "to"), uintArg(a, "amount"), env.emit),
  // Fees (governance)
  setFeeBps: (w, env, a) => fees.setFeeBps(w.fees, env, uintArg(a, "bps")),
  setEcoBps: (w, env, a) => fees.setEcoBps(w.fees, env, uintArg(a, "bps")),
  // Vouchers
  registerSeller: (w, env, a) => vouchers.registerSeller(w.escrow, env, addressArg(a, "aggregator")),
  depositFunds: (w, env, a) => vouchers.depositFunds(w.escrow, env, uintArg(a, "amount")),
  withdrawFunds: (w, env, a) => vouchers.withdrawFunds(w.escrow, env, uintArg(a, "amount")),
  createOffer: (w, env, a) => {
    vouchers.createOffer(w.escrow, env, {
      price: uintArg(a, "price"),
      sellerDeposit: uintArg(a, "sellerDeposit"),
      buyerCancelPenalty: uintArg(a, "buyerCancelPenalty"),
      quantity: uintArg(a, "quantity"),
      voucherValiditySeconds: uintArg(a, "voucherValiditySeconds"),
      disputePeriodSeconds: uintArg(a, "disputePeriodSeconds"),
      resolutionPeriodSeconds: uintArg(a, "resolutionPeriodSeconds"),
      escalationResponsePeriodSeconds: uintArg(a, "escalationResponsePeriodSeconds"),
      disputeResolver: addressArg(a, "disputeResolver"),
      disputeResolverFee: uintArg(a, "disputeResolverFee"),
    });
  },
  commitToOffer: (w, env, a) => {
    vouchers.commitToOffer(w.escrow, env, uintArg(a, "offerId"));
  },
  cancelVoucher: byExchange(vouchers.cancelVoucher),
  revokeVoucher: byExchange(vouchers.revokeVoucher),
  expireVoucher: byExchange(vouchers.expireVoucher),
  redeemVoucher: byExchange(vouchers.redeemVoucher),
  completeExchange: byExchange(vouchers.completeExchange),
  raiseDispute: byExchange(vouchers.raiseDispute),
  retractDispute: byExchange(vouchers.retractDispute),
  expireDispute: byExchange(vouchers.expireDispute),
  proposeResolution: (w, env, a) =>
    vouchers.proposeResolution(w.escrow, env, uintArg(a, "exchangeId"), uintArg(a, "buyerPercentBps")),
  acceptResolution: byExchange(vouchers.acceptResolution),
  escalateDispute: byExchange(vouchers.escalateDispute),
  decideDispute: (w, env, a) =>
    vouchers.decideDispute(w.escrow, env, uintArg(a, "exchangeId"), uintArg(a, "buyerPercentBps")),
  refuseEscalatedDispute: byExchange(vouchers.refuseEscalatedDispute),
  expireEscalatedDispute: byExchange(vouchers.expireEscalatedDispute),
  // Rewards
  setPointsSource: (w, env, a) => rewards.setPointsSource(w.rewards, env, addressArg(a, "source")),
  closeEpoch: (w, env) => rewards.closeEpoch(w.rewards, env),
  claim: (w, env) => rewards.claim(w.rewards, env),
  // Releases
  release: (w, env, a) => {
    vesting.release(releaseOf(w, a), env);
  },
};

/** The result of one model call: success, or the custom error the contract would revert with. */
export type ModelResult = { readonly ok: true } | { readonly ok: false; readonly error: ModelRevert };

/** Applies one Action to the world; a revert leaves the world untouched and is returned, not thrown. */
export function applyToWorld(w: World, kind: string, args: Args, env: Env): ModelResult {
  const call = MODEL_CALLS[kind];
  if (call === undefined) throw new TypeError(`Unknown action kind ${JSON.stringify(kind)}.`);
  try {
    call(w, env, args);
    return { ok: true };
  } catch (e) {
    if (e instanceof ModelRevert) return { ok: false, error: e };
    throw e;
  }
}
