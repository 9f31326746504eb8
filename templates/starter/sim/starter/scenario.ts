/**
 * The starter scenario: savers use contracts/StarterVault.sol for 30 daily steps. Run it with
 *
 *   npx hardhat sim run --scenario ./sim/starter/scenario.ts
 *
 * The mechanism says how Lockstep deploys the contract, which call each Action kind becomes and
 * which model function mirrors it, and which state to compare after every step: by state
 * variable (named as in the source, found through the compiler's storage layout) or by view call.
 */
import { amount, bps, defineMechanism, defineScenario, int, num, z } from "lockstep";
import { saverPolicy, type StarterParams } from "./agents.js";
import { balanceOf, deposit, newVault, withdraw, type VaultState } from "./model.js";

const params = z.object({
  savers: int(1, 1_000, 5, "savers"),
  feeBps: bps(50, 1_000),
  maxDeposit: amount(10n ** 18n),
  withdrawProbability: num(0, 1, 0.3, "per saver per step"),
});

/** What the vault keeps, in wei of a token with 18 decimals: reports show it in whole tokens. */
const TOKEN = { unit: "TOK", decimals: 18 };

const vault = defineMechanism<StarterParams, StarterParams, VaultState>({
  name: "starter-vault",
  contracts: { vault: "StarterVault" },
  async deploy(ctx) {
    await ctx.deploy("vault", [ctx.config.feeBps]);
  },
  model: (d) => newVault(BigInt(d.config.feeBps)),
  actions: {
    deposit: { contract: "vault", function: "deposit", model: (s, env, a) => deposit(s, env, BigInt(a["amount"]!)) },
    withdraw: { contract: "vault", function: "withdraw", model: (s, env, a) => withdraw(s, env, BigInt(a["amount"]!)) },
  },
  variables: {
    totalDeposits: { chain: "vault._totalDeposits", model: (s) => s.totalDeposits },
    feesCollected: { chain: "vault.feesCollected()", model: (s) => s.feesCollected },
  },
  accountVariables: {
    balance: { chain: "vault._balances[$account]", model: (s, account) => balanceOf(s, account) },
  },
  // Units for reports and summaries: a variable's by its name, an account variable's by its field.
  units: { totalDeposits: TOKEN, feesCollected: TOKEN, balance: TOKEN },
});

export default defineScenario({
  name: "starter",
  description: "Savers deposit into and withdraw from a vault that charges a fee on deposits.",
  params,
  mechanism: vault,
  steps: 30,
  stepSeconds: 86_400,
  population: (p) => Array.from({ length: p.savers }, (_, i) => ({ id: `saver-${i}`, role: "saver" })),
  policies: { saver: saverPolicy },
  kpis: (s: VaultState) => ({ total_deposits: s.totalDeposits, fees_collected: s.feesCollected }),
  units: { total_deposits: TOKEN, fees_collected: TOKEN },
});
