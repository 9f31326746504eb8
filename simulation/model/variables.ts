/**
 * The names of the commerce system's compared variables (simulation/mechanisms/commerce.ts
 * declares where each lives and its model function): the globals, the per-wallet fields
 * (`release.<name>.<field>`) and the per-account fields (`<agent id>.<field>`).
 */
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "./vouchers.js";

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Global variables, in the layout's order. */
export const GLOBAL_VARIABLES: readonly string[] = [
  "escrow.offerCount",
  "escrow.exchangeCount",
  ...EXCHANGE_STATE_NAMES.filter((n) => n !== "None").map((n) => `escrow.exchanges.${lower(n)}`),
  ...DISPUTE_STATE_NAMES.filter((n) => n !== "None").map((n) => `escrow.disputes.${lower(n)}`),
  "escrow.totalEncumbered",
  "escrow.totalAvailable",
  "escrow.protocolFeesCollected",
  "escrow.ecosystemFeesCredited",
  "escrow.rewardsFeesCredited",
  "escrow.tokenBalance",
  "fees.feeBps",
  "fees.ecoBps",
  "rewards.nextEpochToClose",
  "rewards.totalEmitted",
  "rewards.totalRewardsClaimed",
  "rewards.totalFeesClaimed",
  "rewards.totalFeesReceived",
  "rewards.carriedRewardDust",
  "rewards.carriedFeeDust",
  "rewards.rewardsOwed",
  "rewards.feesOwed",
  "rewards.governanceBalance",
  "rewards.exchangeBalance",
  "exchangeToken.totalSupply",
  "governanceToken.totalSupply",
];

/** Words per release wallet, after the globals. */
export const RELEASE_FIELDS: readonly string[] = ["balance", "released"];
/** Words per entity, after the wallets. */
export const ENTITY_FIELDS: readonly string[] = [
  "funds",
  "exchangeToken",
  "governanceToken",
  "claimableRewards",
  "claimableFees",
];
