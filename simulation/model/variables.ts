/**
 * The comparable state of the system, named once for both backends. The Lens contract
 * returns these words in this order (contracts/lens/Lens.sol); the model produces the
 * same words from its world; `toVariables` names them.
 */
import { balanceOf } from "./erc20";
import * as rewards from "./rewards";
import { availableFunds } from "./vouchers";
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "./vouchers";
import type { World } from "./world";
import type { Address } from "./types";

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Global variables, in the Lens's order. */
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

/** The model's words, laid out exactly as Lens.sample returns them. */
export function modelWords(w: World, entities: readonly Address[]): bigint[] {
  const e = w.escrow;
  const r = w.rewards;
  const out: bigint[] = [e.offerCount, e.exchangeCount];
  for (let s = 1; s < EXCHANGE_STATE_NAMES.length; s++) out.push(e.exchangeCountByState[s]!);
  for (let s = 1; s < DISPUTE_STATE_NAMES.length; s++) out.push(e.disputeCountByState[s]!);
  out.push(
    e.totalEncumbered,
    e.totalAvailable,
    e.protocolFeesCollected,
    e.ecosystemFeesCredited,
    e.rewardsFeesCredited,
    balanceOf(w.exchangeToken, e.self),
    w.fees.feeBps,
    w.fees.ecoBps,
    r.nextEpochToClose,
    r.totalEmitted,
    r.totalRewardsClaimed,
    r.totalFeesClaimed,
    r.totalFeesReceived,
    r.carriedRewardDust,
    r.carriedFeeDust,
    r.rewardsOwed,
    r.feesOwed,
    balanceOf(w.governanceToken, r.address),
    balanceOf(w.exchangeToken, r.address),
    w.exchangeToken.totalSupply,
    w.governanceToken.totalSupply,
  );
  for (const wallet of w.releases.values()) out.push(balanceOf(w.governanceToken, wallet.address), wallet.released);
  for (const who of entities) {
    out.push(
      availableFunds(e, who),
      balanceOf(w.exchangeToken, who),
      balanceOf(w.governanceToken, who),
      rewards.claimableRewards(r, who),
      rewards.claimableFees(r, who),
    );
  }
  return out;
}

/** Names Lens-layout words: globals, then `release.<name>.<field>`, then `<entityId>.<field>`. */
export function toVariables(
  words: readonly bigint[],
  releaseNames: readonly string[],
  entityIds: readonly string[],
): Map<string, bigint> {
  const expected =
    GLOBAL_VARIABLES.length + releaseNames.length * RELEASE_FIELDS.length + entityIds.length * ENTITY_FIELDS.length;
  if (words.length !== expected) {
    throw new Error(`Lens layout mismatch: ${words.length} words, expected ${expected} (this is a bug in Lockstep).`);
  }
  const out = new Map<string, bigint>();
  let i = 0;
  for (const name of GLOBAL_VARIABLES) out.set(name, words[i++]!);
  for (const wallet of releaseNames) for (const f of RELEASE_FIELDS) out.set(`release.${wallet}.${f}`, words[i++]!);
  for (const id of entityIds) for (const f of ENTITY_FIELDS) out.set(`${id}.${f}`, words[i++]!);
  return out;
}
