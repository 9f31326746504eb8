import {
  ExchangeToken__factory,
  FeeManager__factory,
  GovernanceToken__factory,
  Lens__factory,
  ReleaseWallet__factory,
  RewardsDistributor__factory,
  VoucherEscrow__factory,
} from "../../types/ethers-contracts/index.js";
import type { Interface } from "ethers";
import { createErrorDecoder } from "./errors.js";

/** The system's contracts as compiled: ABI interfaces and creation bytecode. */
export const CONTRACTS = {
  exchangeToken: ExchangeToken__factory,
  governanceToken: GovernanceToken__factory,
  feeManager: FeeManager__factory,
  rewards: RewardsDistributor__factory,
  escrow: VoucherEscrow__factory,
  release: ReleaseWallet__factory,
  lens: Lens__factory,
} as const;

/** Untyped interfaces: Actions are encoded by function name at run time. */
export const IFACE: Readonly<Record<keyof typeof CONTRACTS, Interface>> = {
  exchangeToken: ExchangeToken__factory.createInterface(),
  governanceToken: GovernanceToken__factory.createInterface(),
  feeManager: FeeManager__factory.createInterface(),
  rewards: RewardsDistributor__factory.createInterface(),
  escrow: VoucherEscrow__factory.createInterface(),
  release: ReleaseWallet__factory.createInterface(),
  lens: Lens__factory.createInterface(),
};

/** Decodes a revert from any of the system's contracts (OpenZeppelin's errors included). */
export const ERRORS = createErrorDecoder(Object.values(CONTRACTS).map((f) => f.abi));
