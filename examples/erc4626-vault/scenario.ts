/**
 * OpenZeppelin's ERC4626 vault over an ERC20, checked against a pure model of its share math,
 * with depositors, a donor and a first-depositor inflation attacker. Run it with
 *
 *   npx hardhat sim run --scenario ./examples/erc4626-vault/scenario.ts
 *
 * and see what the attacker gains at each decimals offset with
 *
 *   npx hardhat sim sweep --scenario ./examples/erc4626-vault/scenario.ts --grid "vault.decimalsOffset=0,1,2,3,6"
 */
import { defineScenario, type AgentSpec } from "lockstep";
import { attackerPolicy, depositorPolicy, donorPolicy, wealth, type Ledger, type VaultView } from "./agents.js";
import { EXA, SHARE_UNITS, vaultMechanism } from "./mechanism.js";
import { convertToAssets, decimals, OPENZEPPELIN_SHARE_MATH, totalAssets, type ShareMath } from "./model.js";
import { ATTACKER_ID, depositorId, DONOR_ID, funding, params, type VaultParams } from "./params.js";

/** The agents, the attacker first: at step 0 its Actions run ahead of the depositors' (a front-run). */
function population(p: VaultParams): AgentSpec[] {
  const agents: AgentSpec[] = [];
  if (p.attack.enabled) agents.push({ id: ATTACKER_ID, role: "attacker" });
  for (let i = 0; i < p.depositors.count; i++) agents.push({ id: depositorId(i), role: "depositor" });
  agents.push({ id: DONOR_ID, role: "donor" });
  return agents;
}

/** The scenario, its model built with `math` (OpenZeppelin's unless told otherwise: see wrongModel.ts). */
export function vaultScenario(math: ShareMath = OPENZEPPELIN_SHARE_MATH) {
  return defineScenario({
    name: "erc4626-vault",
    description:
      "OpenZeppelin's ERC4626 with a decimals offset: depositors, a donor, and a first-depositor inflation attacker.",
    params,
    mechanism: vaultMechanism(math),
    steps: 20,
    stepSeconds: 86_400,
    population: (p) => population(p),
    policies: { depositor: depositorPolicy, donor: donorPolicy, attacker: attackerPolicy },
    init: (p): Ledger => ({ funded: new Map(funding(p)) }),
    view: (world, ledger): VaultView => ({ world, ledger }),
    observe(view, action, outcome) {
      // What the faucet gave counts as given, as the deployer's mint does.
      if (action.kind === "faucet" && outcome.ok) {
        const funded = view.ledger.funded;
        funded.set(action.agent, (funded.get(action.agent) ?? 0n) + BigInt(action.args["amount"]!));
      }
    },
    kpis(view, ctx) {
      const { world, ledger } = view;
      const p = ctx.params;
      /** What an agent holds now (its assets, plus its shares at previewRedeem) less what it was given. */
      const gain = (id: string): bigint => wealth(world, ctx.addressOf(id)) - (ledger.funded.get(id) ?? 0n);
      let victimsLoss = 0n;
      for (let i = 0; i < p.depositors.count; i++) victimsLoss -= gain(depositorId(i));
      const oneShare = 10n ** decimals(world.vault);
      return {
        attacker_gain: p.attack.enabled ? gain(ATTACKER_ID) : 0n,
        victims_loss: victimsLoss,
        donated: -gain(DONOR_ID),
        total_assets: totalAssets(world.vault),
        total_shares: world.vault.totalSupply,
        assets_per_share: convertToAssets(world.vault, oneShare),
      };
    },
    headline: ["attacker_gain", "victims_loss", "total_assets"],
    units: {
      attacker_gain: EXA,
      victims_loss: EXA,
      donated: EXA,
      total_assets: EXA,
      total_shares: SHARE_UNITS,
      assets_per_share: EXA,
    },
  });
}

export default vaultScenario();
