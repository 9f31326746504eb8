/**
 * The comparable state of the system, named once for both backends, in one layout: the
 * globals, then each release wallet's fields, then each entity's. The model produces these
 * words from its world; the chain reads them by storage slot through the Lens and puts them
 * back in this layout (simulation/chain/storage.ts); `toVariables` names them.
 */
import { balanceOf } from "./erc20.js";
import * as rewards from "./rewards.js";
import { availableFunds } from "./vouchers.js";
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "./vouchers.js";
import type { World } from "./world.js";
import type { Address } from "./types.js";

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

/** The model's words, in the layout (the chain's come back in it from simulation/chain/storage.ts). */
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
  const { names, values } = toVariableList(words, releaseNames, entityIds);
  const out = new Map<string, bigint>();
  for (let i = 0; i < names.length; i++) out.set(names[i]!, values[i]!);
  return out;
}

/** `toVariables` as a list: the names, and the words themselves as the values. */
export function toVariableList(
  words: readonly bigint[],
  releaseNames: readonly string[],
  entityIds: readonly string[],
): { readonly names: readonly string[]; readonly values: readonly bigint[] } {
  const names = variableNames(releaseNames, entityIds);
  if (words.length !== names.length) {
    throw new Error(
      `Lens layout mismatch: ${words.length} words, expected ${names.length} (this is a bug in Lockstep).`,
    );
  }
  return { names, values: words };
}

// A run samples the same accounts step after step (backends keep the id list while it does not
// change), so the names are built once per list; and each name is the same string in every list,
// so a run's maps share keys from step to step (hashed once, compared by identity). The strings
// live as long as the backend's list of release names, which is the backend's own.
const namesByEntityIds = new WeakMap<readonly string[], { releaseNames: readonly string[]; names: string[] }>();
const namesByReleaseNames = new WeakMap<
  readonly string[],
  { readonly head: readonly string[]; readonly entities: Map<string, readonly string[]> }
>();

function variableNames(releaseNames: readonly string[], entityIds: readonly string[]): readonly string[] {
  const cached = namesByEntityIds.get(entityIds);
  if (cached !== undefined && cached.releaseNames === releaseNames) return cached.names;
  let known = namesByReleaseNames.get(releaseNames);
  if (known === undefined) {
    const releases = releaseNames.flatMap((wallet) => RELEASE_FIELDS.map((f) => `release.${wallet}.${f}`));
    known = { head: [...GLOBAL_VARIABLES, ...releases], entities: new Map() };
    namesByReleaseNames.set(releaseNames, known);
  }
  const { head, entities } = known;
  const names = new Array<string>(head.length + entityIds.length * ENTITY_FIELDS.length);
  let n = 0;
  for (let i = 0; i < head.length; i++) names[n++] = head[i]!;
  for (let i = 0; i < entityIds.length; i++) {
    const id = entityIds[i]!;
    let own = entities.get(id);
    if (own === undefined) {
      own = ENTITY_FIELDS.map((f) => `${id}.${f}`);
      entities.set(id, own);
    }
    for (let f = 0; f < own.length; f++) names[n++] = own[f]!;
  }
  namesByEntityIds.set(entityIds, { releaseNames, names });
  return names;
}
