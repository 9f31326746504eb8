/**
 * The example's parameters (a zod schema, Lockstep's helpers), its agents' ids and the balances
 * the deployer mints to them: what the mechanism, the agents and the scenario share.
 */
import { amount, bool, int, num, z, type ParamsOf } from "lockstep";

const TOKEN = 10n ** 18n;

export const params = z.object({
  vault: z.object({
    /** decimals: the vault's `_decimalsOffset()`, 10^offset virtual shares */
    decimalsOffset: int(0, 36, 0, "decimals"),
  }),
  asset: z.object({
    /** wei per faucet call */
    faucetLimit: amount(100n * TOKEN, 0n, (1n << 255n) - 1n),
  }),
  depositors: z.object({
    count: int(0, 200, 5, "agents"),
    /** wei the deployer mints to each depositor */
    initialBalance: amount(1_000n * TOKEN, 0n, 1n << 200n),
    /** wei at most per deposit or mint (edge amounts aside) */
    maxDeposit: amount(50n * TOKEN),
    activity: num(0, 1, 0.8, "probability per depositor per step"),
    edgeProbability: num(0, 1, 0.15, "probability per action of 0, 1 wei or more than allowed"),
  }),
  donor: z.object({
    /** wei the deployer mints to the donor */
    budget: amount(100n * TOKEN, 0n, 1n << 200n),
    probability: num(0, 1, 0.1, "probability per step"),
    /** wei at most per donation */
    maxDonation: amount(5n * TOKEN),
  }),
  attack: z.object({
    enabled: bool(true),
    /** wei of the attacker's first deposit (1 wei in the classic attack) */
    seedDeposit: amount(1n, 0n, 1n << 200n),
    /** wei the attacker transfers straight to the vault after its first deposit */
    donation: amount(100n * TOKEN, 0n, 1n << 200n),
    /** the step at which the attacker redeems every share */
    exitStep: int(1, 100_000, 19, "step"),
  }),
});

export type VaultParams = ParamsOf<typeof params>;

export const ATTACKER_ID = "attacker";
export const DONOR_ID = "donor";
export const depositorId = (i: number): string => `depositor-${i}`;

/** What the deployer mints, in order: each agent's starting balance of the asset (wei). */
export function funding(p: VaultParams): readonly (readonly [string, bigint])[] {
  const out: [string, bigint][] = [];
  if (p.attack.enabled) out.push([ATTACKER_ID, p.attack.seedDeposit + p.attack.donation]);
  for (let i = 0; i < p.depositors.count; i++) out.push([depositorId(i), p.depositors.initialBalance]);
  out.push([DONOR_ID, p.donor.budget]);
  return out;
}
