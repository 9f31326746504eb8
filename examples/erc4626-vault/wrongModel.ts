/**
 * The same scenario with a wrong model: share math that ignores OpenZeppelin's virtual shares and
 * assets (the formula of vaults before the offset, Solmate's and OpenZeppelin 4.7's):
 *
 *   shares = totalSupply == 0 ? assets : assets * totalSupply / totalAssets
 *   assets = totalSupply == 0 ? shares : shares * totalAssets / totalSupply
 *
 * The contracts are unchanged; Lockstep must catch the model:
 *
 *   npx hardhat sim run --scenario ./examples/erc4626-vault/wrongModel.ts
 *
 * diverges, and names the first step and variable where the two part, with both values.
 */
import { defineScenario } from "lockstep";
import { mulDiv, totalAssets, type ShareMath } from "./model.js";
import { vaultScenario } from "./scenario.js";

/** Share math without the virtual offset: what the model wrongly assumes the vault does. */
export const NO_OFFSET_SHARE_MATH: ShareMath = {
  name: "no virtual offset (wrong)",
  _convertToShares: (v, assets, rounding) =>
    v.totalSupply === 0n ? assets : mulDiv(assets, v.totalSupply, totalAssets(v), rounding),
  _convertToAssets: (v, shares, rounding) =>
    v.totalSupply === 0n ? shares : mulDiv(shares, totalAssets(v), v.totalSupply, rounding),
};

export default defineScenario({ ...vaultScenario(NO_OFFSET_SHARE_MATH), name: "erc4626-vault-wrong-model" });
