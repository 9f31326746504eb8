/**
 * The whole system (fee manager, voucher escrow, rewards distributor, tokens) on two sides that the spec
 * conformance suite drives with the same Actions: the contracts on Hardhat's chain, and the model's world
 * (simulation/model/world.ts) through `applyToWorld`. The suite compares what each side does with literals
 * derived from design.md, never one side with the other.
 */
import hre, { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { contractSource } from "../../simulation/chain/artifacts.js";
import { actionEncoder } from "../../simulation/chain/mechanismBackend.js";
import type { ActionArg } from "../../simulation/engine/types.js";
import { commerceMechanism } from "../../simulation/mechanisms/commerce.js";
import type { Deployed } from "../../simulation/sdk/mechanism.js";
import { resolveMechanism, type Deployment } from "../../simulation/sdk/resolve.js";
import {
  DEPLOYER_ID,
  ECOSYSTEM_FUND_ID,
  type SystemAddresses,
  type SystemConfig,
} from "../../simulation/model/system.js";
import { toAddress, type Address } from "../../simulation/model/types.js";
import * as rewards from "../../simulation/model/rewards.js";
import * as vouchers from "../../simulation/model/vouchers.js";
import { applyToWorld, createWorld, type World } from "../../simulation/model/world.js";
import { RevertDecoder, modelOutcome, type Outcome } from "../helpers/outcome.js";

/** The chain of the contract side: the fixtures deploy on it and the tests act on it (its own network.create()). */
const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/**
 * Lockstep's commerce mechanism, resolved against the project's artifacts: the contract side turns an Action into
 * the call its binding names (simulation/mechanisms/commerce.ts), as a simulation run does.
 */
const COMMERCE = await resolveMechanism(
  commerceMechanism((config: SystemConfig) => config),
  contractSource(hre.artifacts),
);

export const DAY = 24n * 3600n;
/** One rewards epoch. */
export const EPOCH = 30n * DAY;

/** Rates of the spec system, in basis points. */
export const FEE_BPS = 250n;
export const MAX_FEE_BPS = 1_000n;
export const ECO_BPS = 3_000n;
/** Aggregator points per seller point: a seller's 1,000 points give its aggregator floor(1000 * 3333 / 10000) = 333. */
export const AGGREGATOR_POINTS_BPS = 3_333n;

export interface Schedule {
  readonly emissionTotal: bigint;
  readonly cliffEpochs: bigint;
  readonly durationEpochs: bigint;
  readonly halvingEpochs: bigint;
}
/** The default schedule: 1,000,000 reward wei, linear over 3 epochs after a cliff of 1. */
export const LINEAR: Schedule = { emissionTotal: 1_000_000n, cliffEpochs: 1n, durationEpochs: 3n, halvingEpochs: 0n };
/** A halving schedule: 1,000 reward wei, halving every 2 epochs, no cliff. */
export const HALVING: Schedule = { emissionTotal: 1_000n, cliffEpochs: 0n, durationEpochs: 0n, halvingEpochs: 2n };

export const ROLES = [
  "deployer",
  "ecosystemFund",
  "sellerA",
  "sellerB",
  "aggregatorA",
  "aggregatorB",
  "buyer",
  "buyer2",
  "resolver",
  "stranger",
] as const;
export type Role = (typeof ROLES)[number];
/** Whose available funds or claimable balances a test reads: a role, or the distributor itself. */
export type Holder = Role | "rewards";

export type Args = Readonly<Record<string, ActionArg>>;

/** One side of the comparison: the chain or the model, deployed with the same configuration. */
export interface Side {
  readonly kind: "contract" | "model";
  /** Start of rewards epoch 0; the tests' clock is relative to it. */
  readonly t0: bigint;
  /** The voucher escrow's address (the spender of the tokens' approvals). */
  readonly escrow: Address;
  address(who: Holder): Address;
  /** Applies one Action as `who` at block time `now`: its outcome, with the custom error of a revert. */
  act(who: Role, kind: string, args: Args, now: bigint): Promise<Outcome>;
  /** A uint256 view of the escrow, the distributor or the fee manager, by its contract name. */
  view(contract: "escrow" | "rewards" | "feeManager", fn: ViewName, ...args: (bigint | Holder)[]): Promise<bigint>;
  /** The protocol fee fixed in offer `offerId`. */
  offerFee(offerId: bigint): Promise<bigint>;
}

export type ViewName =
  | "availableFunds"
  | "protocolFeesCollected"
  | "ecosystemFeesCredited"
  | "rewardsFeesCredited"
  | "totalEncumbered"
  | "claimableFees"
  | "claimableRewards"
  | "epochFees"
  | "epochEmission"
  | "nextEpochToClose"
  | "totalEmitted"
  | "totalFeesReceived"
  | "carriedFeeDust"
  | "carriedRewardDust"
  | "feeBps"
  | "ecoBps";

function configOf(schedule: Schedule, t0: bigint): SystemConfig {
  return {
    fees: { feeBps: FEE_BPS, maxFeeBps: MAX_FEE_BPS, ecoBps: ECO_BPS },
    escrow: { aggregatorPointsBps: AGGREGATOR_POINTS_BPS },
    rewards: { startTimestamp: t0, epochSeconds: EPOCH, ...schedule },
    releases: [],
  };
}

// ------------------------------------------------------------------------------------------------- chain

async function deployChain(schedule: Schedule) {
  const signers = await ethers.getSigners();
  const byRole = new Map<Role, HardhatEthersSigner>();
  ROLES.forEach((role, i) => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`Hardhat network has fewer than ${ROLES.length} accounts.`);
    byRole.set(role, signer);
  });
  const signer = (role: Role): HardhatEthersSigner => byRole.get(role)!;
  const deployer = signer("deployer").address;
  // Epoch 0 starts 40 days from now: room for the tests that act before the rewards start.
  const t0 = BigInt(await time.latest()) + 40n * DAY;
  const exchangeToken = await ethers.deployContract("ExchangeToken", [deployer]);
  const governanceToken = await ethers.deployContract("GovernanceToken", [deployer]);
  const feeManager = await ethers.deployContract("FeeManager", [deployer, FEE_BPS, MAX_FEE_BPS, ECO_BPS]);
  const distributor = await ethers.deployContract("RewardsDistributor", [
    deployer,
    governanceToken,
    exchangeToken,
    t0,
    EPOCH,
    schedule.emissionTotal,
    schedule.cliffEpochs,
    schedule.durationEpochs,
    schedule.halvingEpochs,
  ]);
  const escrow = await ethers.deployContract("VoucherEscrow", [
    exchangeToken,
    feeManager,
    distributor,
    signer("ecosystemFund").address,
    AGGREGATOR_POINTS_BPS,
  ]);
  await distributor.setPointsSource(escrow);
  await governanceToken.transfer(distributor, schedule.emissionTotal);
  const a = async (c: { getAddress(): Promise<string> }): Promise<Address> => toAddress(await c.getAddress());
  const addresses: SystemAddresses = {
    deployer: toAddress(deployer),
    ecosystemFund: toAddress(signer("ecosystemFund").address),
    exchangeToken: await a(exchangeToken),
    governanceToken: await a(governanceToken),
    feeManager: await a(feeManager),
    rewards: await a(distributor),
    escrow: await a(escrow),
    releases: [],
  };
  const decoder = new RevertDecoder([escrow, distributor, feeManager, exchangeToken, governanceToken]);
  return { t0, signer, addresses, decoder, escrow, config: configOf(schedule, t0) };
}

// loadFixture keys its snapshots by the fixture function: one named function per schedule.
async function linearSystem(): ReturnType<typeof deployChain> {
  return deployChain(LINEAR);
}
async function halvingSystem(): ReturnType<typeof deployChain> {
  return deployChain(HALVING);
}
const chainFixtures = new Map<Schedule, () => ReturnType<typeof deployChain>>([
  [LINEAR, linearSystem],
  [HALVING, halvingSystem],
]);

async function chainSide(schedule: Schedule): Promise<Side> {
  const fixture = chainFixtures.get(schedule);
  if (fixture === undefined) throw new Error("Unknown schedule: add it to chainFixtures.");
  const { t0, signer, addresses, decoder, escrow, config } = await loadFixture(fixture);
  // The deployment as a run records it: each instance of the commerce mechanism, its address and its artifact.
  const deployment: Deployment = {
    addresses: {
      exchangeToken: addresses.exchangeToken,
      governanceToken: addresses.governanceToken,
      feeManager: addresses.feeManager,
      rewards: addresses.rewards,
      escrow: addresses.escrow,
    },
    artifacts: COMMERCE.definition.contracts,
    deployer: addresses.deployer,
  };
  const deployed: Deployed<SystemConfig> = {
    config,
    addresses: deployment.addresses,
    deployer: addresses.deployer,
    account: (id) => {
      if (id === ECOSYSTEM_FUND_ID) return addresses.ecosystemFund;
      if (id === DEPLOYER_ID) return addresses.deployer;
      throw new Error(`The spec system has no account ${JSON.stringify(id)}.`);
    },
  };
  const encodeAction = actionEncoder(COMMERCE, deployed, deployment);
  const ifaces = {
    escrow: COMMERCE.iface("VoucherEscrow"),
    rewards: COMMERCE.iface("RewardsDistributor"),
    feeManager: COMMERCE.iface("FeeManager"),
  };
  const address = (who: Holder): Address => (who === "rewards" ? addresses.rewards : toAddress(signer(who).address));
  const targets = { escrow: addresses.escrow, rewards: addresses.rewards, feeManager: addresses.feeManager };
  return {
    kind: "contract",
    t0,
    escrow: addresses.escrow,
    address,
    async act(who, kind, args, now) {
      const call = encodeAction({ agent: who, kind, args });
      await time.setNextBlockTimestamp(now);
      return decoder.send(() => signer(who).sendTransaction({ ...call, gasLimit: 3_000_000 }));
    },
    async view(contract, fn, ...args) {
      const iface = ifaces[contract];
      const encoded = args.map((x) => (typeof x === "bigint" ? x : address(x)));
      const raw = await ethers.provider.call({ to: targets[contract], data: iface.encodeFunctionData(fn, encoded) });
      return BigInt(iface.decodeFunctionResult(fn, raw)[0] as bigint);
    },
    async offerFee(offerId) {
      return (await escrow.getOffer(offerId)).protocolFee;
    },
  };
}

// ------------------------------------------------------------------------------------------------- model

const MODEL_T0 = 2_000_000_000n;

function modelSide(schedule: Schedule): Side {
  const fake = (n: number): Address => toAddress("0x" + (0x5000 + n).toString(16).padStart(40, "0"));
  const roleAddress = new Map<Role, Address>(ROLES.map((role, i) => [role, fake(i)]));
  const addresses: SystemAddresses = {
    deployer: roleAddress.get("deployer")!,
    ecosystemFund: roleAddress.get("ecosystemFund")!,
    exchangeToken: fake(100),
    governanceToken: fake(101),
    feeManager: fake(102),
    rewards: fake(103),
    escrow: fake(104),
    releases: [],
  };
  const w: World = createWorld(configOf(schedule, MODEL_T0), addresses, () => {
    throw new Error("The spec system has no release wallets.");
  });
  const address = (who: Holder): Address => (who === "rewards" ? addresses.rewards : roleAddress.get(who)!);
  const arg = (x: bigint | Holder): bigint | Address => (typeof x === "bigint" ? x : address(x));
  const views: Record<ViewName, (...args: (bigint | Address)[]) => bigint> = {
    availableFunds: (who) => vouchers.availableFunds(w.escrow, who as Address),
    protocolFeesCollected: () => w.escrow.protocolFeesCollected,
    ecosystemFeesCredited: () => w.escrow.ecosystemFeesCredited,
    rewardsFeesCredited: () => w.escrow.rewardsFeesCredited,
    totalEncumbered: () => w.escrow.totalEncumbered,
    claimableFees: (who) => rewards.claimableFees(w.rewards, who as Address),
    claimableRewards: (who) => rewards.claimableRewards(w.rewards, who as Address),
    epochFees: (epoch) => rewards.epochFees(w.rewards, epoch as bigint),
    epochEmission: (epoch) => rewards.epochEmission(w.rewards, epoch as bigint),
    nextEpochToClose: () => w.rewards.nextEpochToClose,
    totalEmitted: () => w.rewards.totalEmitted,
    totalFeesReceived: () => w.rewards.totalFeesReceived,
    carriedFeeDust: () => w.rewards.carriedFeeDust,
    carriedRewardDust: () => w.rewards.carriedRewardDust,
    feeBps: () => w.fees.feeBps,
    ecoBps: () => w.fees.ecoBps,
  };
  return {
    kind: "model",
    t0: MODEL_T0,
    escrow: addresses.escrow,
    address,
    act(who, kind, args, now) {
      return Promise.resolve(
        modelOutcome(() => {
          const result = applyToWorld(w, kind, args, { sender: address(who), now });
          if (!result.ok) throw result.error;
        }),
      );
    },
    view(_contract, fn, ...args) {
      return Promise.resolve(views[fn](...args.map(arg)));
    },
    offerFee(offerId) {
      return Promise.resolve(vouchers.getOffer(w.escrow, offerId).protocolFee);
    },
  };
}

// ------------------------------------------------------------------------------------------------- both

export type SideKind = Side["kind"];
export const SIDES: readonly SideKind[] = ["contract", "model"];

/** A freshly deployed system on `kind`'s side. */
export function deploy(kind: SideKind, schedule: Schedule = LINEAR): Promise<Side> {
  return kind === "contract" ? chainSide(schedule) : Promise.resolve(modelSide(schedule));
}

/** The unit a side's test is named after: the contract, or its model. */
export function unitOf(kind: SideKind, contract: "VoucherEscrow" | "RewardsDistributor" | "FeeManager"): string {
  if (kind === "contract") return contract;
  return { VoucherEscrow: "model/vouchers", RewardsDistributor: "model/rewards", FeeManager: "model/fees" }[contract];
}
