/**
 * The vault as Lockstep sees it: which contracts to deploy and how, which call each Action kind
 * becomes and which model function mirrors it, and the state compared after every step, read
 * both by state variable (OpenZeppelin's private `_totalSupply`, `_balances`, `_allowances`,
 * located through the compiler's storage layout) and by view call (`totalAssets()`,
 * `convertToAssets(...)`, `previewMint(...)`, `maxWithdraw(account)`).
 */
import { defineMechanism, type ActionArgs, type Address, type VariableBinding } from "lockstep";
import {
  allowance,
  approve,
  balanceOf,
  call,
  convertToAssets,
  convertToShares,
  decimals,
  deposit,
  faucet,
  maxWithdraw,
  mintShares,
  newWorld,
  OPENZEPPELIN_SHARE_MATH,
  previewMint,
  previewWithdraw,
  redeem,
  totalAssets,
  transfer,
  withdraw,
  type ShareMath,
  type VaultWorld,
} from "./model.js";
import { funding, type VaultParams } from "./params.js";

/** An Action's amount argument (a bigint, or its decimal text). */
function amountArg(a: ActionArgs, name: string): bigint {
  const v = a[name];
  if (typeof v === "bigint") return v;
  if (typeof v === "number" || typeof v === "string") return BigInt(v);
  throw new TypeError(`Action argument ${name} = ${String(v)}: expected an amount in wei.`);
}

/** An Action's address argument, lower-cased as the model keys accounts. */
function addressArg(a: ActionArgs, name: string): Address {
  const v = a[name];
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) {
    throw new TypeError(`Action argument ${name} = ${String(v)}: expected an address.`);
  }
  return v.toLowerCase() as Address;
}

const ONE_TOKEN = 10n ** 18n;

/** The asset, ExampleAsset (EXA, 18 decimals): its amounts are shown in whole tokens. */
export const EXA = { unit: "EXA", decimals: 18 } as const;
/**
 * The vault's shares have 18 + decimalsOffset decimals, and a sweep varies the offset: they are
 * shown as the integers they are, not as whole shares.
 */
export const SHARE_UNITS = { unit: "share units" } as const;

/** The mechanism, with OpenZeppelin's share math in its model, or another one (wrongModel.ts). */
export function vaultMechanism(math: ShareMath = OPENZEPPELIN_SHARE_MATH) {
  return defineMechanism<VaultParams, VaultParams, VaultWorld>({
    name: "erc4626-vault",
    contracts: { asset: "ExampleAsset", vault: "ExampleVault" },
    async deploy(ctx) {
      const p = ctx.config;
      await ctx.deploy("asset", ["Example Asset", "EXA", p.asset.faucetLimit]);
      await ctx.deploy("vault", [ctx.address("asset"), p.vault.decimalsOffset]);
      for (const [id, amount] of funding(p)) await ctx.send("asset", "mint", [ctx.account(id), amount]);
    },
    model: (d) =>
      newWorld({
        asset: d.addresses["asset"]!,
        vault: d.addresses["vault"]!,
        deployer: d.deployer,
        faucetLimit: d.config.asset.faucetLimit,
        decimalsOffset: BigInt(d.config.vault.decimalsOffset),
        mints: funding(d.config).map(([id, amount]) => [d.account(id), amount] as const),
        math,
      }),
    actions: {
      // The asset. Argument names are the ABI's, so no `args` function is needed.
      faucet: {
        contract: "asset",
        function: "faucet",
        model: (w, env, a) => call(w, () => faucet(w.asset, env.sender, amountArg(a, "amount"))),
      },
      approve: {
        contract: "asset",
        function: "approve",
        model: (w, env, a) =>
          call(w, () => approve(w.asset, env.sender, addressArg(a, "spender"), amountArg(a, "value"))),
      },
      transfer: {
        contract: "asset",
        function: "transfer",
        model: (w, env, a) => call(w, () => transfer(w.asset, env.sender, addressArg(a, "to"), amountArg(a, "value"))),
      },
      // The vault.
      deposit: {
        contract: "vault",
        function: "deposit",
        model: (w, env, a) =>
          call(w, () => deposit(w.vault, env.sender, amountArg(a, "assets"), addressArg(a, "receiver"))),
      },
      mint: {
        contract: "vault",
        function: "mint",
        model: (w, env, a) =>
          call(w, () => mintShares(w.vault, env.sender, amountArg(a, "shares"), addressArg(a, "receiver"))),
      },
      withdraw: {
        contract: "vault",
        function: "withdraw",
        model: (w, env, a) =>
          call(w, () =>
            withdraw(w.vault, env.sender, amountArg(a, "assets"), addressArg(a, "receiver"), addressArg(a, "owner")),
          ),
      },
      redeem: {
        contract: "vault",
        function: "redeem",
        model: (w, env, a) =>
          call(w, () =>
            redeem(w.vault, env.sender, amountArg(a, "shares"), addressArg(a, "receiver"), addressArg(a, "owner")),
          ),
      },
      approveShares: {
        contract: "vault",
        function: "approve",
        model: (w, env, a) =>
          call(w, () => approve(w.vault, env.sender, addressArg(a, "spender"), amountArg(a, "value"))),
      },
    },
    variables: (d) => {
      const oneShare = 10n ** (18n + BigInt(d.config.vault.decimalsOffset));
      const vars: Record<string, VariableBinding<VaultWorld>> = {
        // By state variable (OpenZeppelin's ERC20 storage, private, found through the storage layout).
        "vault.totalSupply": { chain: "vault._totalSupply", model: (w) => w.vault.totalSupply },
        "asset.totalSupply": { chain: "asset._totalSupply", model: (w) => w.asset.totalSupply },
        "asset.vaultBalance": { chain: "asset._balances[$vault]", model: (w) => balanceOf(w.asset, w.vault.address) },
        // By view call.
        "vault.totalAssets": { chain: "vault.totalAssets()", model: (w) => totalAssets(w.vault) },
        "vault.decimals": { chain: "vault.decimals()", model: (w) => decimals(w.vault) },
        // What one whole share is worth and what one whole token buys (floor), and the
        // rounding at one wei: previewMint(1) and previewWithdraw(1) round up.
        "vault.assetsPerShare": {
          chain: `vault.convertToAssets(${oneShare})`,
          model: (w) => convertToAssets(w.vault, oneShare),
        },
        "vault.sharesPerToken": {
          chain: `vault.convertToShares(${ONE_TOKEN})`,
          model: (w) => convertToShares(w.vault, ONE_TOKEN),
        },
        "vault.sharesPerWei": { chain: "vault.convertToShares(1)", model: (w) => convertToShares(w.vault, 1n) },
        "vault.previewMint1": { chain: "vault.previewMint(1)", model: (w) => previewMint(w.vault, 1n) },
        "vault.previewWithdraw1": { chain: "vault.previewWithdraw(1)", model: (w) => previewWithdraw(w.vault, 1n) },
      };
      return vars;
    },
    units: {
      "asset.*": EXA,
      "vault.totalAssets": EXA,
      "vault.assetsPerShare": EXA,
      "vault.previewMint1": EXA,
      "vault.totalSupply": SHARE_UNITS,
      "vault.sharesPerToken": SHARE_UNITS,
      "vault.sharesPerWei": SHARE_UNITS,
      "vault.previewWithdraw1": SHARE_UNITS,
      "vault.decimals": { unit: "decimals" },
      // Every account's.
      assetBalance: EXA,
      assetAllowance: EXA,
      shares: SHARE_UNITS,
      maxWithdraw: EXA,
    },
    accountVariables: {
      assetBalance: { chain: "asset._balances[$account]", model: (w, a) => balanceOf(w.asset, a) },
      assetAllowance: {
        chain: "asset._allowances[$account][$vault]",
        model: (w, a) => allowance(w.asset, a, w.vault.address),
      },
      shares: { chain: "vault._balances[$account]", model: (w, a) => balanceOf(w.vault, a) },
      maxWithdraw: { chain: "vault.maxWithdraw($account)", model: (w, a) => maxWithdraw(w.vault, a) },
    },
  });
}
