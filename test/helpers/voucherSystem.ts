import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ExchangeToken, FeeManager, PointsSinkMock, VoucherEscrow } from "../../types/ethers-contracts/index.js";
import * as erc20 from "../../simulation/model/erc20.js";
import { newFeeState, type FeeState } from "../../simulation/model/fees.js";
import { toAddress, type Address } from "../../simulation/model/types.js";
import { newVoucherState, type VoucherState } from "../../simulation/model/vouchers.js";

/**
 * The in-process chain the voucher tests share: deployVoucherSystem deploys on it, and the tests and helpers that
 * use its fixtures (loadFixture, time) must take `ethers` and `networkHelpers` from here, not from a
 * `network.create()` of their own (each is a separate chain).
 */
export const { ethers, networkHelpers } = await network.create();

/** Deployment parameters of the test system. Rates in basis points. */
export const FEE_BPS = 250n;
export const MAX_FEE_BPS = 1_000n;
export const ECO_BPS = 3_000n;
export const AGGREGATOR_POINTS_BPS = 5_000n;
/** Exchange-token wei minted to every funded agent, and to the deliberately poor buyer. */
export const RICH = 10n ** 12n;
export const POOR = 700n;
/** The poor buyer's finite allowance to the escrow, in wei. */
export const POOR_ALLOWANCE = 5_000n;

export interface Roles {
  readonly deployer: HardhatEthersSigner;
  readonly governance: HardhatEthersSigner;
  readonly ecosystemFund: HardhatEthersSigner;
  readonly aggregators: readonly [HardhatEthersSigner, HardhatEthersSigner];
  readonly resolvers: readonly [HardhatEthersSigner, HardhatEthersSigner];
  readonly sellers: readonly [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  /** The last buyer is poor (POOR wei, POOR_ALLOWANCE allowance). */
  readonly buyers: readonly [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  readonly stranger: HardhatEthersSigner;
}

export interface VoucherSystem {
  readonly token: ExchangeToken;
  readonly feeManager: FeeManager;
  readonly sink: PointsSinkMock;
  readonly escrow: VoucherEscrow;
  readonly roles: Roles;
  /** Every externally owned account of the system (signers), lower-case. */
  readonly accounts: readonly Address[];
}

function signer(signers: HardhatEthersSigner[], index: number): HardhatEthersSigner {
  const s = signers[index];
  if (s === undefined) throw new Error(`Hardhat signer ${index} missing: the test system needs 15 accounts.`);
  return s;
}

/** Deploys token, fee manager, points sink mock and escrow, and funds the agents. A loadFixture fixture. */
export async function deployVoucherSystem(): Promise<VoucherSystem> {
  const all = await ethers.getSigners();
  const at = (i: number): HardhatEthersSigner => signer(all, i);
  const roles: Roles = {
    deployer: at(0),
    governance: at(1),
    ecosystemFund: at(2),
    aggregators: [at(3), at(4)],
    resolvers: [at(5), at(6)],
    sellers: [at(7), at(8), at(9)],
    buyers: [at(10), at(11), at(12), at(13)],
    stranger: at(14),
  };
  const token = await ethers.deployContract("ExchangeToken", [roles.deployer.address]);
  const feeManager = await ethers.deployContract("FeeManager", [
    roles.governance.address,
    FEE_BPS,
    MAX_FEE_BPS,
    ECO_BPS,
  ]);
  const sink = await ethers.deployContract("PointsSinkMock");
  const escrow = await ethers.deployContract("VoucherEscrow", [
    await token.getAddress(),
    await feeManager.getAddress(),
    await sink.getAddress(),
    roles.ecosystemFund.address,
    AGGREGATOR_POINTS_BPS,
  ]);
  const escrowAddress = await escrow.getAddress();
  const funded = [...roles.sellers, ...roles.buyers.slice(0, 3), ...roles.resolvers, roles.stranger];
  for (const s of funded) {
    await token.mint(s.address, RICH);
    await token.connect(s).approve(escrowAddress, ethers.MaxUint256);
  }
  const poor = roles.buyers[3];
  await token.mint(poor.address, POOR);
  await token.connect(poor).approve(escrowAddress, POOR_ALLOWANCE);
  const accounts = [
    roles.governance,
    roles.ecosystemFund,
    ...roles.aggregators,
    ...roles.resolvers,
    ...roles.sellers,
    ...roles.buyers,
    roles.stranger,
  ].map((s) => toAddress(s.address));
  return { token, feeManager, sink, escrow, roles, accounts };
}

/** What the model records of the points sink's accruals, to compare with PointsSinkMock. */
export interface SinkRecord {
  count: bigint;
  totalPoints: bigint;
  readonly pointsOf: Map<Address, bigint>;
  /** The accrueFees calls: their number and the sum of their amounts. */
  feeCount: bigint;
  fees: bigint;
}

/** The model side of a deployed VoucherSystem. */
export interface ModelSystem {
  readonly token: erc20.Erc20State;
  readonly fees: FeeState;
  readonly vouchers: VoucherState;
  readonly sink: SinkRecord;
}

/**
 * Builds the model of a freshly deployed system: the same parameters, and the token balances and allowances read
 * from the chain (the model starts where the chain is).
 */
export async function modelOf(sys: VoucherSystem): Promise<ModelSystem> {
  const token = erc20.newErc20();
  const escrowAddress = toAddress(await sys.escrow.getAddress());
  for (const account of sys.accounts) {
    const balance = await sys.token.balanceOf(account);
    if (balance > 0n) erc20.mint(token, account, balance);
    const allowance = await sys.token.allowance(account, escrowAddress);
    if (allowance > 0n) erc20.approve(token, account, escrowAddress, allowance);
  }
  const fees = newFeeState(toAddress(sys.roles.governance.address), FEE_BPS, MAX_FEE_BPS, ECO_BPS);
  const sink: SinkRecord = { count: 0n, totalPoints: 0n, pointsOf: new Map(), feeCount: 0n, fees: 0n };
  const vouchers = newVoucherState({
    token,
    self: escrowAddress,
    fees,
    pointsSink: toAddress(await sys.sink.getAddress()),
    ecosystemFund: toAddress(sys.roles.ecosystemFund.address),
    aggregatorPointsBps: AGGREGATOR_POINTS_BPS,
    accruePoints: (seller, points, aggregator, aggregatorPoints) => {
      sink.count += 1n;
      sink.totalPoints += points + aggregatorPoints;
      sink.pointsOf.set(seller, (sink.pointsOf.get(seller) ?? 0n) + points);
      sink.pointsOf.set(aggregator, (sink.pointsOf.get(aggregator) ?? 0n) + aggregatorPoints);
    },
    accrueFees: (amount) => {
      sink.feeCount += 1n;
      sink.fees += amount;
    },
  });
  return { token, fees, vouchers, sink };
}
