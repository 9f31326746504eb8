/**
 * Where the comparable state lives in the contracts' storage, and the Lens reads that fetch
 * it. The Lens reads slots, not getters (see contracts/lens/Lens.sol for why); this file is
 * the only place that knows the slots, and test/chain/storage.test.ts checks every one against
 * the compiler's storage layout, so a reordered state variable fails a test, not a run.
 */
import { keccak256 } from "ethers";
import type { Account } from "../engine/types";
import type { SystemAddresses } from "../model/system";
import type { Address } from "../model/types";
import { ENTITY_FIELDS, GLOBAL_VARIABLES, RELEASE_FIELDS } from "../model/variables";
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "../model/vouchers";
import { InternalError } from "../engine/errors";
import { IFACE } from "./contracts";
import type { SlotRead } from "./sender";

/**
 * Storage slots of the state variables the Lens reads, by contract and variable name as the
 * compiler's storage layout has them. Each is a whole uint256 word (or a mapping or fixed array
 * of them) alone in its slot.
 */
export const STORAGE_SLOTS = {
  ExchangeToken: { _balances: 0n, _totalSupply: 2n },
  GovernanceToken: { _balances: 0n, _totalSupply: 2n },
  FeeManager: { _feeBps: 1n, _ecoBps: 2n },
  VoucherEscrow: {
    _availableFunds: 4n,
    _offerCount: 7n,
    _exchangeCount: 8n,
    _totalEncumbered: 9n,
    _totalAvailable: 10n,
    _protocolFeesCollected: 11n,
    _ecosystemFeesCredited: 12n,
    _rewardsFeesCredited: 13n,
    _exchangeCountByState: 14n,
    _disputeCountByState: 21n,
  },
  RewardsDistributor: {
    _nextEpochToClose: 2n,
    _claimableRewards: 5n,
    _claimableFees: 6n,
    _totalEmitted: 7n,
    _totalRewardsClaimed: 8n,
    _totalFeesClaimed: 9n,
    _totalFeesReceived: 10n,
    _carriedRewardDust: 11n,
    _carriedFeeDust: 12n,
    _rewardsOwed: 13n,
    _feesOwed: 14n,
  },
  ReleaseWallet: { _erc20Released: 2n },
} as const;

const S = STORAGE_SLOTS;

const word = (n: bigint): string => "0x" + n.toString(16).padStart(64, "0");
const keyWord = (a: string): string => "0x" + a.slice(2).toLowerCase().padStart(64, "0");

/** Solidity's slot of `m[key]` for a mapping `m` at `slot`: keccak256(abi.encode(key, slot)). */
export function mappingSlot(key: string, slot: bigint): string {
  return keccak256(keyWord(key) + word(slot).slice(2));
}

/** The read behind each global variable (the names of model/variables.ts). */
function globalReads(a: SystemAddresses): Map<string, SlotRead> {
  const reads = new Map<string, SlotRead>();
  const plain = (name: string, at: Address, slot: bigint): void => void reads.set(name, { at, slot: word(slot) });
  const balance = (name: string, token: "ExchangeToken" | "GovernanceToken", who: Address): void => {
    const at = token === "ExchangeToken" ? a.exchangeToken : a.governanceToken;
    reads.set(name, { at, slot: mappingSlot(who, S[token]._balances) });
  };
  const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
  const e = S.VoucherEscrow;
  plain("escrow.offerCount", a.escrow, e._offerCount);
  plain("escrow.exchangeCount", a.escrow, e._exchangeCount);
  // uint256[STATE_COUNT] indexed by the enum: element i at base + i.
  EXCHANGE_STATE_NAMES.forEach((n, i) =>
    plain(`escrow.exchanges.${lower(n)}`, a.escrow, e._exchangeCountByState + BigInt(i)),
  );
  DISPUTE_STATE_NAMES.forEach((n, i) =>
    plain(`escrow.disputes.${lower(n)}`, a.escrow, e._disputeCountByState + BigInt(i)),
  );
  plain("escrow.totalEncumbered", a.escrow, e._totalEncumbered);
  plain("escrow.totalAvailable", a.escrow, e._totalAvailable);
  plain("escrow.protocolFeesCollected", a.escrow, e._protocolFeesCollected);
  plain("escrow.ecosystemFeesCredited", a.escrow, e._ecosystemFeesCredited);
  plain("escrow.rewardsFeesCredited", a.escrow, e._rewardsFeesCredited);
  balance("escrow.tokenBalance", "ExchangeToken", a.escrow);
  plain("fees.feeBps", a.feeManager, S.FeeManager._feeBps);
  plain("fees.ecoBps", a.feeManager, S.FeeManager._ecoBps);
  const r = S.RewardsDistributor;
  for (const v of [
    "nextEpochToClose",
    "totalEmitted",
    "totalRewardsClaimed",
    "totalFeesClaimed",
    "totalFeesReceived",
    "carriedRewardDust",
    "carriedFeeDust",
    "rewardsOwed",
    "feesOwed",
  ] as const) {
    plain(`rewards.${v}`, a.rewards, r[`_${v}`]);
  }
  balance("rewards.governanceBalance", "GovernanceToken", a.rewards);
  balance("rewards.exchangeBalance", "ExchangeToken", a.rewards);
  plain("exchangeToken.totalSupply", a.exchangeToken, S.ExchangeToken._totalSupply);
  plain("governanceToken.totalSupply", a.governanceToken, S.GovernanceToken._totalSupply);
  return reads;
}

/** The reads of one release wallet's words, in RELEASE_FIELDS order. */
function walletReads(a: SystemAddresses, wallet: Address): Record<string, SlotRead> {
  return {
    balance: { at: a.governanceToken, slot: mappingSlot(wallet, S.GovernanceToken._balances) },
    released: { at: wallet, slot: mappingSlot(a.governanceToken, S.ReleaseWallet._erc20Released) },
  };
}

/** An account's slots never change: computed once per process, per account and contract set. */
const entityCache = new Map<string, Record<string, SlotRead>>();

/** The reads of one entity's words, in ENTITY_FIELDS order. */
function entityReads(a: SystemAddresses, who: string): Record<string, SlotRead> {
  const key = `${a.escrow}/${who}`;
  let reads = entityCache.get(key);
  if (reads === undefined) {
    reads = {
      funds: { at: a.escrow, slot: mappingSlot(who, S.VoucherEscrow._availableFunds) },
      exchangeToken: { at: a.exchangeToken, slot: mappingSlot(who, S.ExchangeToken._balances) },
      governanceToken: { at: a.governanceToken, slot: mappingSlot(who, S.GovernanceToken._balances) },
      claimableRewards: { at: a.rewards, slot: mappingSlot(who, S.RewardsDistributor._claimableRewards) },
      claimableFees: { at: a.rewards, slot: mappingSlot(who, S.RewardsDistributor._claimableFees) },
    };
    entityCache.set(key, reads);
  }
  return reads;
}

/**
 * A sample's reads in the model's layout (model/variables.ts: globals, then each wallet's
 * fields, then each entity's), and the Lens call that fetches them grouped by contract.
 */
export interface SamplePlan {
  /** Lens.sample's arguments. */
  readonly targets: readonly string[];
  readonly counts: readonly number[];
  readonly slots: readonly string[];
  /** `layout[k]`: where the Lens's k-th word goes in the model's layout. */
  readonly layout: Int32Array;
}

export function samplePlan(a: SystemAddresses, accounts: readonly Account[]): SamplePlan {
  const ordered: SlotRead[] = [];
  const globals = globalReads(a);
  for (const name of GLOBAL_VARIABLES) {
    const read = globals.get(name);
    if (read === undefined) throw new InternalError(`no storage read for the global variable ${name}`);
    ordered.push(read);
  }
  for (const wallet of a.releases) {
    const reads = walletReads(a, wallet);
    for (const f of RELEASE_FIELDS) ordered.push(reads[f]!);
  }
  for (const account of accounts) {
    const reads = entityReads(a, account.address);
    for (const f of ENTITY_FIELDS) ordered.push(reads[f]!);
  }
  // Group by contract (first appearance order), so the Lens makes one call per contract.
  const groups = new Map<string, number[]>();
  ordered.forEach((r, i) => {
    const g = groups.get(r.at);
    if (g === undefined) groups.set(r.at, [i]);
    else g.push(i);
  });
  const layout = new Int32Array(ordered.length);
  const slots: string[] = [];
  for (const indices of groups.values()) {
    for (const i of indices) {
      layout[slots.length] = i;
      slots.push(ordered[i]!.slot);
    }
  }
  return { targets: [...groups.keys()], counts: [...groups.values()].map((g) => g.length), slots, layout };
}

const SAMPLE_SELECTOR = IFACE.lens.getFunction("sample")!.selector;

/**
 * Lens.sample(targets, counts, slots) calldata. Written out because ethers' encoder takes
 * about 10 ms for a thousand slots, re-encoded whenever the population grows.
 */
export function encodeSampleCall(plan: SamplePlan): string {
  const { targets, counts, slots } = plan;
  const head = 3 * 32;
  const countsAt = head + 32 * (1 + targets.length);
  const slotsAt = countsAt + 32 * (1 + counts.length);
  const parts: string[] = [SAMPLE_SELECTOR, word(BigInt(head)), word(BigInt(countsAt)), word(BigInt(slotsAt))];
  parts.push(word(BigInt(targets.length)), ...targets.map(keyWord));
  parts.push(word(BigInt(counts.length)), ...counts.map((c) => word(BigInt(c))));
  parts.push(word(BigInt(slots.length)), ...slots);
  return parts.map((p, i) => (i === 0 ? p : p.slice(2))).join("");
}

/** The plan's reads, in the Lens's order: what a sender's `readSlots` fetches. */
export function slotReads(plan: SamplePlan): SlotRead[] {
  const reads: SlotRead[] = [];
  let k = 0;
  plan.targets.forEach((at, t) => {
    for (const end = k + plan.counts[t]!; k < end; k++) reads.push({ at, slot: plan.slots[k]! });
  });
  return reads;
}

/** Puts the Lens's (or the storage reads') words back into the model's layout. */
export function inLayout(plan: SamplePlan, words: readonly bigint[]): bigint[] {
  if (words.length !== plan.layout.length) {
    throw new InternalError(`Lens returned ${words.length} words for ${plan.layout.length} slots`);
  }
  const out = new Array<bigint>(words.length);
  for (let k = 0; k < words.length; k++) out[plan.layout[k]!] = words[k]!;
  return out;
}
