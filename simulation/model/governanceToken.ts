import { mint, newErc20, type Erc20State } from "./erc20.js";
import type { Address } from "./types.js";

/** Mirrors GovernanceToken.TOTAL_SUPPLY: 200 million LSG, in wei (18 decimals). */
export const GOVERNANCE_TOKEN_TOTAL_SUPPLY = 200_000_000n * 10n ** 18n;

/**
 * Mirrors the GovernanceToken constructor: the whole supply minted once to `holder` (`ERC20InvalidReceiver` on zero).
 * `address` is the token's own, where its events come from.
 */
export function newGovernanceToken(holder: Address, address?: Address): Erc20State {
  const token = newErc20(address);
  mint(token, holder, GOVERNANCE_TOKEN_TOTAL_SUPPLY);
  return token;
}
