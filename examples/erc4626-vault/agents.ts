/**
 * The example's agents. Each policy reads the view (the model's state, which parity keeps equal
 * to the chain's, and what each agent was given) and returns Actions; randomness comes only from
 * ctx.rng, the agent's own seeded stream, so a seed reproduces a run.
 *
 * - depositors use the vault every way a user can (deposit, mint, withdraw, redeem, approvals,
 *   the faucet), now and then with an edge amount: zero, one wei, exactly what they are allowed
 *   or one wei more, so that reverts, and the errors they carry, are compared too;
 * - a donor transfers assets straight to the vault, which raises what every share is worth;
 * - an attacker tries the first-depositor inflation attack: deposit one wei, donate a large
 *   amount so the next deposits round down to few or no shares, and redeem at the end.
 */
import type { Action, AgentContext, Address, Rng } from "lockstep";
import {
  allowance,
  balanceOf,
  MAX_UINT256,
  maxRedeem,
  maxWithdraw,
  previewDeposit,
  previewMint,
  previewRedeem,
  ZERO_ADDRESS,
  type VaultWorld,
} from "./model.js";
import type { VaultParams } from "./params.js";

/** What each agent was given (wei): the deployer's mint, plus what it took from the faucet. */
export interface Ledger {
  readonly funded: Map<string, bigint>;
}

/** What agents and KPIs read. */
export interface VaultView {
  readonly world: VaultWorld;
  readonly ledger: Ledger;
}

type Ctx = AgentContext<VaultParams>;

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** One more than `x`, kept within uint256 (an amount above 2^256 - 1 cannot be sent). */
const oneMore = (x: bigint): bigint => (x < MAX_UINT256 ? x + 1n : x);

/** Uniform in [1, hi], or 0 when there is nothing to take. */
const upTo = (rng: Rng, hi: bigint): bigint => (hi > 0n ? rng.bigint(1n, hi) : 0n);

/** An edge amount: zero, one wei, exactly what is allowed (`most`), or one wei more. */
function edgeAmount(rng: Rng, most: bigint): bigint {
  const pick = rng.int(0, 3);
  return pick === 0 ? 0n : pick === 1 ? 1n : pick === 2 ? most : oneMore(most);
}

const DEPOSITOR_KINDS = ["deposit", "mint", "withdraw", "redeem", "approve", "approveShares", "faucet"] as const;
const DEPOSITOR_WEIGHTS = [35, 15, 15, 15, 6, 4, 10];

/** Another depositor than `self`, or undefined when there is none. */
function otherDepositor(ctx: Ctx): Address | undefined {
  const others = ctx.population.filter((a) => a.role === "depositor" && a.id !== ctx.self.id);
  if (others.length === 0) return undefined;
  return others[ctx.rng.int(0, others.length - 1)]!.address;
}

/** A depositor: one action most steps, its size from its own stream. */
export function depositorPolicy(view: VaultView, ctx: Ctx): Action[] {
  const p = ctx.params.depositors;
  const rng = ctx.rng;
  if (!rng.chance(p.activity)) return [];
  const { asset, vault } = view.world;
  const me = ctx.self.address;
  const balance = balanceOf(asset, me);
  const allowed = allowance(asset, me, vault.address);
  const edge = rng.chance(p.edgeProbability);
  const out: Action[] = [];
  const act = (kind: string, args: Action["args"]): void => {
    out.push({ agent: ctx.self.id, kind, args });
  };
  /** Approves the vault for `needed` first where the allowance falls short: the exact amount, or without limit. */
  const approveFor = (needed: bigint): void => {
    if (allowed < needed) act("approve", { spender: vault.address, value: rng.chance(0.3) ? MAX_UINT256 : needed });
  };
  switch (DEPOSITOR_KINDS[rng.weighted(DEPOSITOR_WEIGHTS)]) {
    case "deposit": {
      if (edge) {
        // At or past the allowance, or at or past the balance with the allowance to cover it.
        const byAllowance = rng.chance(0.5) && allowed < MAX_UINT256;
        const assets = edgeAmount(rng, byAllowance ? allowed : balance);
        if (!byAllowance) approveFor(assets);
        // Now and then to the zero address: the assets move, then minting reverts, and all is undone.
        act("deposit", { assets, receiver: rng.chance(0.2) ? ZERO_ADDRESS : me });
      } else {
        const assets = upTo(rng, min(balance, p.maxDeposit));
        approveFor(assets);
        act("deposit", { assets, receiver: me });
      }
      break;
    }
    case "mint": {
      if (edge) {
        // The shares the balance buys, or one more: the price rounds up, so one more may be too dear.
        const shares = edgeAmount(rng, previewDeposit(vault, balance));
        approveFor(previewMint(vault, shares));
        act("mint", { shares, receiver: me });
      } else {
        const shares = upTo(rng, previewDeposit(vault, min(balance, p.maxDeposit)));
        approveFor(previewMint(vault, shares));
        act("mint", { shares, receiver: me });
      }
      break;
    }
    case "withdraw": {
      // Usually one's own; one time in ten another depositor's, which needs their share allowance.
      const owner = (rng.chance(0.1) ? otherDepositor(ctx) : undefined) ?? me;
      const most = maxWithdraw(vault, owner);
      const assets = edge ? edgeAmount(rng, most) : upTo(rng, most);
      act("withdraw", { assets, receiver: me, owner });
      break;
    }
    case "redeem": {
      const owner = (rng.chance(0.1) ? otherDepositor(ctx) : undefined) ?? me;
      const most = maxRedeem(vault, owner);
      const shares = edge ? edgeAmount(rng, most) : upTo(rng, most);
      act("redeem", { shares, receiver: me, owner });
      break;
    }
    case "approve": {
      const value = edge ? edgeAmount(rng, MAX_UINT256) : upTo(rng, balance);
      act("approve", { spender: vault.address, value });
      break;
    }
    case "approveShares": {
      const spender = otherDepositor(ctx);
      if (spender === undefined) break;
      const held = balanceOf(vault, me);
      act("approveShares", { spender, value: edge ? edgeAmount(rng, MAX_UINT256) : upTo(rng, held) });
      break;
    }
    case "faucet": {
      const limit = view.world.asset.faucetLimit;
      act("faucet", { amount: edge ? edgeAmount(rng, limit) : upTo(rng, limit) });
      break;
    }
    default:
      break;
  }
  return out;
}

/** The donor: now and then, a transfer straight to the vault. */
export function donorPolicy(view: VaultView, ctx: Ctx): Action[] {
  const p = ctx.params.donor;
  if (!ctx.rng.chance(p.probability)) return [];
  const value = upTo(ctx.rng, min(balanceOf(view.world.asset, ctx.self.address), p.maxDonation));
  if (value === 0n) return [];
  return [{ agent: ctx.self.id, kind: "transfer", args: { to: view.world.vault.address, value } }];
}

/**
 * The inflation attacker. At step 0, ahead of everyone (it comes first in the population, so its
 * Actions execute first in the step's batch): approve and deposit `seedDeposit` (1 wei), then
 * transfer `donation` straight to the vault. Deposits that follow are priced at the inflated
 * share price and round down. At `exitStep` it redeems every share.
 */
export function attackerPolicy(view: VaultView, ctx: Ctx): Action[] {
  const p = ctx.params.attack;
  const { vault } = view.world;
  const me = ctx.self.address;
  const act = (kind: string, args: Action["args"]): Action => ({ agent: ctx.self.id, kind, args });
  if (ctx.step === 0) {
    return [
      act("approve", { spender: vault.address, value: p.seedDeposit }),
      act("deposit", { assets: p.seedDeposit, receiver: me }),
      act("transfer", { to: vault.address, value: p.donation }),
    ];
  }
  if (ctx.step === p.exitStep) {
    const shares = maxRedeem(vault, me);
    if (shares > 0n) return [act("redeem", { shares, receiver: me, owner: me })];
  }
  return [];
}

/** What an account holds, valued as the vault would pay it out now: its assets plus previewRedeem of its shares. */
export function wealth(w: VaultWorld, account: Address): bigint {
  return balanceOf(w.asset, account) + previewRedeem(w.vault, balanceOf(w.vault, account));
}
