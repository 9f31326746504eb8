/**
 * Units of the trace's columns, for axis labels and for turning wei into whole tokens. A scenario's flows declare
 * the unit of the columns they total; the rest is named here, once: the system's variables (the Lens layout of
 * simulation/model/variables.ts) and the commerce KPIs. A column not named anywhere is plotted as a raw number
 * ("value"), never guessed to be wei: add it here when you add an amount.
 */
import type { Flow } from "../../engine/types.js";

export interface Unit {
  /** Axis label: a token symbol, "bps", or what is counted. */
  readonly label: string;
  /** 18 for token amounts in wei (plotted in whole tokens), 0 otherwise. */
  readonly decimals: number;
}

export const XUSD: Unit = { label: "xUSD", decimals: 18 };
export const LSG: Unit = { label: "LSG", decimals: 18 };
export const BPS: Unit = { label: "bps", decimals: 0 };
export const RAW: Unit = { label: "value", decimals: 0 };
const count = (label: string): Unit => ({ label, decimals: 0 });

/** Fields of each entity (`<entity>.<field>`): its escrow ledger funds, wallet balances, claimable rewards. */
export const ENTITY_FIELD_UNITS: Readonly<Record<string, Unit>> = {
  funds: XUSD,
  exchangeToken: XUSD,
  governanceToken: LSG,
  claimableRewards: LSG,
  claimableFees: XUSD,
};

const VARIABLE_UNITS: Readonly<Record<string, Unit>> = {
  "escrow.offerCount": count("offers"),
  "escrow.exchangeCount": count("exchanges"),
  "escrow.totalEncumbered": XUSD,
  "escrow.totalAvailable": XUSD,
  "escrow.protocolFeesCollected": XUSD,
  "escrow.ecosystemFeesCredited": XUSD,
  "escrow.rewardsFeesCredited": XUSD,
  "escrow.tokenBalance": XUSD,
  "fees.feeBps": BPS,
  "fees.ecoBps": BPS,
  "rewards.nextEpochToClose": count("epoch"),
  "rewards.totalEmitted": LSG,
  "rewards.totalRewardsClaimed": LSG,
  "rewards.totalFeesClaimed": XUSD,
  "rewards.totalFeesReceived": XUSD,
  "rewards.carriedRewardDust": LSG,
  "rewards.carriedFeeDust": XUSD,
  "rewards.rewardsOwed": LSG,
  "rewards.feesOwed": XUSD,
  "rewards.governanceBalance": LSG,
  "rewards.exchangeBalance": XUSD,
  "exchangeToken.totalSupply": XUSD,
  "governanceToken.totalSupply": LSG,
};

const KPI_UNITS: Readonly<Record<string, Unit>> = {
  quality_redemptions: count("redemptions"),
  commits: count("commits"),
  redemptions: count("redemptions"),
  complaints: count("complaints"),
  faults: count("faults"),
  complaint_rate: count("complaints per redemption"),
  escalations: count("escalations"),
  cancellations: count("cancellations"),
  revocations: count("revocations"),
  reverts: count("reverted actions"),
  protocol_revenue: XUSD,
  ecosystem_fund: XUSD,
  rewards_pool: XUSD,
  rewards_paid: LSG,
  circulating_supply: LSG,
  aggregators: count("aggregators"),
  sellers: count("sellers"),
  buyers: count("buyers"),
  fee_bps: BPS,
};

/** The unit of a trace column: a variable name, or `kpi:<name>`. */
export function unitOf(column: string, flows: readonly Flow[] = []): Unit {
  const flow = flows.find((f) => f.total === column);
  if (flow !== undefined) return { label: flow.unit, decimals: flow.decimals };
  if (column.startsWith("kpi:")) return KPI_UNITS[column.slice(4)] ?? RAW;
  const known = VARIABLE_UNITS[column];
  if (known !== undefined) return known;
  if (column.startsWith("escrow.exchanges.")) return count("exchanges");
  if (column.startsWith("escrow.disputes.")) return count("disputes");
  if (column.startsWith("release.")) return LSG;
  const field = column.slice(column.lastIndexOf(".") + 1);
  return ENTITY_FIELD_UNITS[field] ?? RAW;
}
