import type { Address } from "./types.js";

/** One token release category (team, investors, network, ecosystem products): a ReleaseWallet. */
export interface ReleaseConfig {
  /** Category name, used in variable names: `release.<name>.balance`. */
  readonly name: string;
  /** Account id of the beneficiary. */
  readonly beneficiary: string;
  /** Governance-token wei put in the wallet at deployment. */
  readonly amount: bigint;
  readonly startTimestamp: bigint;
  readonly durationSeconds: bigint;
  readonly cliffSeconds: bigint;
}

/**
 * Everything the mechanism contracts are constructed with: the same object builds the
 * model world and the on-chain deployment. Amounts in wei, rates in basis points.
 */
export interface SystemConfig {
  readonly fees: { readonly feeBps: bigint; readonly maxFeeBps: bigint; readonly ecoBps: bigint };
  readonly escrow: { readonly aggregatorPointsBps: bigint };
  readonly rewards: {
    readonly startTimestamp: bigint;
    readonly epochSeconds: bigint;
    readonly emissionTotal: bigint;
    readonly cliffEpochs: bigint;
    /** Linear schedule length; 0 when `halvingEpochs` is set. */
    readonly durationEpochs: bigint;
    /** Halving period; 0 for the linear schedule. */
    readonly halvingEpochs: bigint;
  };
  readonly releases: readonly ReleaseConfig[];
}

/** Account ids the system itself uses; scenarios give them roles like any agent. */
export const DEPLOYER_ID = "deployer";
export const ECOSYSTEM_FUND_ID = "ecosystem-fund";

/** Where the system lives; the chain deployment reports it, the model is built on it. */
export interface SystemAddresses {
  readonly deployer: Address;
  readonly ecosystemFund: Address;
  readonly exchangeToken: Address;
  readonly governanceToken: Address;
  readonly feeManager: Address;
  readonly rewards: Address;
  readonly escrow: Address;
  readonly releases: readonly Address[];
}
