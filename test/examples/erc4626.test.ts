/**
 * The ERC4626 example (examples/erc4626-vault): OpenZeppelin's vault, a model of it written from
 * its source, and a scenario with depositors, a donor and an inflation attacker. These tests run
 * the scenario file as a user runs it, by path, through Lockstep's loader.
 */
import { expect } from "chai";
import hre, { network } from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { scenarioHost } from "../../simulation/cli/host.js";
import { prepareRun, type RunRequest } from "../../simulation/cli/prepare.js";
import { executeRun, type Executed } from "../../simulation/engine/execute.js";
import type { ActionRecord, RunSink } from "../../simulation/engine/run.js";
import { ModelRevert } from "../../simulation/model/revert.js";
import * as M from "../../examples/erc4626-vault/model.js";

const SCENARIO = "./examples/erc4626-vault/scenario.ts";
const WRONG_MODEL = "./examples/erc4626-vault/wrongModel.ts";
const TOKEN = 10n ** 18n;
const DONATION = 100n * TOKEN;

/** Runs a scenario file as `sim run` would, on the in-process chain, keeping every action record. */
async function runFile(req: RunRequest): Promise<{ executed: Executed; actions: ActionRecord[] }> {
  const prepared = await prepareRun(req, scenarioHost(hre));
  const actions: ActionRecord[] = [];
  const sink: RunSink = {
    begin: () => undefined,
    sample: () => undefined,
    action: (r) => {
      actions.push(r);
    },
    keeps: { variables: false, actions: true },
  };
  const executed = await executeRun(prepared, { target: inProcessTarget(hre), sink });
  return { executed, actions };
}

/** The first divergence, as a failing parity test prints it: step, variable, both values, the seed. */
function describeDivergence(e: Executed): string {
  const d = e.result.firstDivergence;
  if (d === undefined) return "no divergence";
  return (
    `first divergence at step ${d.step}, substep ${d.substep}: ${d.variable}: model ${d.model}, chain ${d.chain} ` +
    `(seed ${d.seed})`
  );
}

/** The custom error's name in an outcome record's text ("ERC20InsufficientBalance(0x.., 1, 2)"). */
const errorName = (text: string | undefined): string => (text ?? "").split("(")[0]!;

describe("examples/erc4626-vault", function () {
  this.timeout(300_000);

  describe("parity", () => {
    it("erc4626-vault: the model and the contracts agree at every step, reverts included, when run in lockstep with seed 2", async () => {
      const { executed, actions } = await runFile({
        scenario: SCENARIO,
        seed: "2",
        steps: "30",
        mode: "lockstep",
        set: "depositors.edgeProbability=0.4 attack.exitStep=25",
      });
      const r = executed.result;
      expect(r.divergences, describeDivergence(executed)).to.equal(0);
      expect(r.status).to.equal("parity");
      expect(r.stepsRun).to.equal(30);
      // Every kind of call ran, and the reverts compared cover OpenZeppelin's errors on both contracts.
      expect(Object.keys(r.actions.byKind)).to.have.members([
        "approve",
        "approveShares",
        "deposit",
        "faucet",
        "mint",
        "redeem",
        "transfer",
        "withdraw",
      ]);
      const reverted = new Set(
        actions.filter((a) => a.chain?.status === "reverted").map((a) => errorName(a.chain!.error)),
      );
      expect([...reverted]).to.include.members([
        "ERC4626ExceededMaxWithdraw",
        "ERC4626ExceededMaxRedeem",
        "ERC20InsufficientAllowance",
        "ERC20InsufficientBalance",
        "ERC20InvalidReceiver",
        "ExampleAssetFaucetLimitExceeded",
      ]);
      // Both sides reverted alike on every one of them (a different error would be a divergence).
      for (const a of actions)
        expect(a.model?.error, `${a.kind} by ${a.agent} at step ${a.step}`).to.equal(a.chain?.error);
    });

    it("erc4626-vault: the model and the contracts agree when the decimals offset is 6", async () => {
      const { executed } = await runFile({
        scenario: SCENARIO,
        seed: "3",
        mode: "lockstep",
        set: "vault.decimalsOffset=6",
      });
      expect(executed.result.divergences, describeDivergence(executed)).to.equal(0);
      expect(executed.result.comparisons).to.be.greaterThan(500);
    });
  });

  describe("a wrong model", () => {
    // Only the attacker acts: deposit 1 wei, donate 100 tokens. By hand, after step 0 (sampled as
    // step 1), with offset 0: OpenZeppelin's convertToAssets(1e18) = 1e18 * (D + 1 + 1) / (1 + 1),
    // the model without the offset says 1e18 * (D + 1) / 1. The supply (1 share) and the assets
    // (D + 1) agree, so the first variable to part is vault.assetsPerShare.
    const attackerOnly = "depositors.count=0 donor.probability=0";

    it("erc4626-vault wrongModel: caught at step 1 on vault.assetsPerShare with both values when the offset is 0", async () => {
      const { executed } = await runFile({ scenario: WRONG_MODEL, seed: "1", mode: "lockstep", set: attackerOnly });
      const d = executed.result.firstDivergence;
      expect(d, "the wrong model must diverge").to.not.equal(undefined);
      expect({ step: d!.step, variable: d!.variable, model: d!.model, chain: d!.chain }).to.deep.equal({
        step: 1,
        variable: "vault.assetsPerShare",
        model: String(TOKEN * (DONATION + 1n)), // 100000000000000000001000000000000000000
        chain: String((TOKEN * (DONATION + 2n)) / 2n), // 50000000000000000001000000000000000000
      });
    });

    it("erc4626-vault wrongModel: caught before any action on vault.assetsPerShare when the offset is 3", async () => {
      // An empty vault: OpenZeppelin prices 1e21 shares (one whole share at 21 decimals) at
      // 1e21 * 1 / 10^3 = 1e18 assets; without the offset, shares and assets are one to one.
      const { executed } = await runFile({
        scenario: WRONG_MODEL,
        seed: "1",
        mode: "lockstep",
        set: `${attackerOnly} vault.decimalsOffset=3`,
      });
      const d = executed.result.firstDivergence;
      expect(d, "the wrong model must diverge").to.not.equal(undefined);
      expect({ step: d!.step, variable: d!.variable, model: d!.model, chain: d!.chain }).to.deep.equal({
        step: 0,
        variable: "vault.assetsPerShare",
        model: String(10n ** 21n),
        chain: String(TOKEN),
      });
    });

    it("erc4626-vault wrongModel: diverges with the default parameters, the first divergence naming both values", async () => {
      const { executed } = await runFile({ scenario: WRONG_MODEL, seed: "1", mode: "lockstep" });
      const r = executed.result;
      expect(r.status).to.equal("diverged");
      expect(r.firstDivergence!.step).to.equal(1);
      expect(r.firstDivergence!.model).to.not.equal(r.firstDivergence!.chain);
    });
  });

  describe("the inflation attack", () => {
    /** The attacker's gain at the end of a model-mode run, per seed. */
    async function attackerGains(offset: number, seeds: readonly number[]): Promise<bigint[]> {
      const out: bigint[] = [];
      for (const seed of seeds) {
        const { executed } = await runFile({
          scenario: SCENARIO,
          seed: String(seed),
          mode: "model",
          set: `vault.decimalsOffset=${offset}`,
        });
        out.push(executed.result.kpis["attacker_gain"] as bigint);
      }
      return out;
    }

    it("erc4626-vault: the attacker gains less as the decimals offset grows, and loses when it is 3 or more", async () => {
      const seeds = [1, 2, 3, 4, 5];
      const offsets = [0, 1, 2, 3, 6];
      const mean = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length);
      const gains: bigint[] = [];
      for (const offset of offsets) gains.push(mean(await attackerGains(offset, seeds)));
      const shown = offsets.map((o, i) => `offset ${o}: ${gains[i]}`).join(", ");
      expect(gains[0]! > 0n, `the attack pays without an offset (${shown})`).to.equal(true);
      for (let i = 1; i < gains.length; i++) {
        expect(
          gains[i]! < gains[i - 1]!,
          `gain falls from offset ${offsets[i - 1]} to ${offsets[i]} (${shown})`,
        ).to.equal(true);
      }
      // From offset 3 the virtual shares take about half the donation: the attack loses money.
      for (let i = 3; i < gains.length; i++) {
        expect(
          gains[i]! < -(DONATION * 4n) / 10n,
          `offset ${offsets[i]} loses over 40% of the donation (${shown})`,
        ).to.equal(true);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The model's rounding, table-tested against the contract's previews
// ---------------------------------------------------------------------------------------------

const { ethers, networkHelpers } = await network.create();

/** What a call gave: a value, or a custom error (a panic included) with its arguments. */
type Result = { value: bigint } | { error: string; args: string[] };

/** Decodes revert data with the vault's custom errors and Solidity's Panic(uint256). */
const ERRORS = new ethers.Interface(["error Panic(uint256 code)"]);

async function onChain(f: () => Promise<bigint>): Promise<Result> {
  try {
    return { value: await f() };
  } catch (e) {
    const data = (e as { data?: unknown }).data;
    const parsed = typeof data === "string" ? ERRORS.parseError(data) : null;
    if (parsed === null) throw e;
    return { error: parsed.name, args: parsed.args.toArray().map((a) => String(a)) };
  }
}

function inModel(f: () => bigint): Result {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof ModelRevert) return { error: e.errorName, args: e.args.map((a) => String(a)) };
    throw e;
  }
}

const PANIC_OVERFLOW: Result = { error: "Panic", args: ["17"] };

/**
 * A vault on chain and its model side by side, in one of three states: empty; inflated (1 wei
 * deposited, 100 tokens donated); or ordinary (1,000 tokens deposited, 7 wei donated, so that
 * the exchange rate is not a round number).
 */
type VaultState = "empty" | "inflated" | "ordinary";

async function deployAt(offset: number, state: VaultState) {
  const [deployer, alice] = await ethers.getSigners();
  const asset = await ethers.deployContract("ExampleAsset", ["Example Asset", "EXA", 100n * TOKEN], deployer!);
  const vault = await ethers.deployContract("ExampleVault", [await asset.getAddress(), offset], deployer!);
  const a = alice!.address.toLowerCase() as M.Address;
  const world = M.newWorld({
    asset: (await asset.getAddress()).toLowerCase() as M.Address,
    vault: (await vault.getAddress()).toLowerCase() as M.Address,
    deployer: deployer!.address.toLowerCase() as M.Address,
    faucetLimit: 100n * TOKEN,
    decimalsOffset: BigInt(offset),
    mints: [[a, 10_000n * TOKEN]],
  });
  await asset.mint(alice!.address, 10_000n * TOKEN);
  const deposit = state === "inflated" ? 1n : state === "ordinary" ? 1_000n * TOKEN : 0n;
  const donation = state === "inflated" ? DONATION : state === "ordinary" ? 7n : 0n;
  if (deposit > 0n) {
    await asset.connect(alice!).approve(await vault.getAddress(), deposit);
    await vault.connect(alice!).deposit(deposit, alice!.address);
    M.call(world, () => M.approve(world.asset, a, world.vault.address, deposit));
    M.call(world, () => M.deposit(world.vault, a, deposit, a));
  }
  if (donation > 0n) {
    await asset.connect(alice!).transfer(await vault.getAddress(), donation);
    M.call(world, () => M.transfer(world.asset, a, world.vault.address, donation));
  }
  return { vault, world, alice: a };
}

/** A fixture per (offset, state): deployed once, then restored by snapshot. */
const fixtures = new Map<string, () => ReturnType<typeof deployAt>>();
function fixture(offset: number, state: VaultState) {
  const key = `${offset}/${state}`;
  let f = fixtures.get(key);
  if (f === undefined) {
    f = () => deployAt(offset, state);
    Object.defineProperty(f, "name", { value: `vault_${offset}_${state}` });
    fixtures.set(key, f);
  }
  return networkHelpers.loadFixture(f);
}

type Preview =
  "convertToShares" | "convertToAssets" | "previewDeposit" | "previewMint" | "previewWithdraw" | "previewRedeem";

const PREVIEWS: readonly Preview[] = [
  "convertToShares",
  "convertToAssets",
  "previewDeposit",
  "previewMint",
  "previewWithdraw",
  "previewRedeem",
];

/**
 * Hand-worked cells: [offset, state, function, input, expected]. In the inflated state with
 * offset 0, supply 1 and assets D + 1 (D = 1e20): shares for x assets = x * 2 / (D + 2), assets
 * for s shares = s * (D + 2) / 2; the rounding boundary of a deposit is at x = (D + 2) / 2.
 */
const HAND: readonly [number, VaultState, Preview, bigint, Result][] = [
  // Empty, offset 0: one to one.
  [0, "empty", "previewDeposit", 0n, { value: 0n }],
  [0, "empty", "previewDeposit", 1n, { value: 1n }],
  [0, "empty", "previewMint", 1n, { value: 1n }],
  // Empty, offset 3: a wei buys 1000 shares; a share's price rounds up to a wei, its worth down to 0.
  [3, "empty", "previewDeposit", 1n, { value: 1000n }],
  [3, "empty", "previewMint", 1n, { value: 1n }],
  [3, "empty", "previewRedeem", 999n, { value: 0n }],
  [3, "empty", "previewRedeem", 1000n, { value: 1n }],
  [3, "empty", "previewWithdraw", 1n, { value: 1000n }],
  // Inflated, offset 0: just under the boundary a deposit gets nothing; at it, one share.
  [0, "inflated", "previewDeposit", DONATION / 2n, { value: 0n }],
  [0, "inflated", "previewDeposit", DONATION / 2n + 1n, { value: 1n }],
  [0, "inflated", "convertToShares", DONATION / 2n + 1n, { value: 1n }],
  [0, "inflated", "previewWithdraw", 1n, { value: 1n }],
  [0, "inflated", "previewWithdraw", DONATION / 2n + 1n, { value: 1n }],
  [0, "inflated", "previewWithdraw", DONATION / 2n + 2n, { value: 2n }],
  [0, "inflated", "previewMint", 1n, { value: DONATION / 2n + 1n }],
  [0, "inflated", "previewRedeem", 1n, { value: DONATION / 2n + 1n }],
  [0, "inflated", "convertToAssets", 1n, { value: DONATION / 2n + 1n }],
  // The maximum: MAX * 2 / (D + 2) fits, MAX * (D + 2) / 2 does not (Math.mulDiv panics 0x11).
  [0, "inflated", "previewDeposit", M.MAX_UINT256, { value: (M.MAX_UINT256 * 2n) / (DONATION + 2n) }],
  [0, "inflated", "previewMint", M.MAX_UINT256, PANIC_OVERFLOW],
  [0, "inflated", "previewRedeem", M.MAX_UINT256, PANIC_OVERFLOW],
  // Empty at the maximum: one to one, and 10^3 times the maximum overflows.
  [0, "empty", "previewDeposit", M.MAX_UINT256, { value: M.MAX_UINT256 }],
  [3, "empty", "previewDeposit", M.MAX_UINT256, PANIC_OVERFLOW],
];

/** Inputs every preview is compared on, per state: zero, one wei, the maximum, and around each rounding boundary. */
function inputs(world: M.VaultWorld): bigint[] {
  const v = world.vault;
  const supply = v.totalSupply + 10n ** v.decimalsOffset;
  const assets = M.totalAssets(v) + 1n;
  const out = [0n, 1n, 2n, TOKEN, M.MAX_UINT256 - 1n, M.MAX_UINT256];
  // Where x * supply / assets and x * assets / supply cross an integer: one below, at, one above.
  for (const k of [1n, 2n, 7n, 1000n]) {
    for (const [num, den] of [
      [supply, assets],
      [assets, supply],
    ] as const) {
      const at = (k * den + num - 1n) / num; // the least x with x * num >= k * den
      out.push(at - 1n, at, at + 1n);
    }
  }
  return [...new Set(out.filter((x) => x >= 0n && x <= M.MAX_UINT256))];
}

describe("examples/erc4626-vault model", function () {
  this.timeout(300_000);

  for (const [offset, state, fn, x, expected] of HAND) {
    it(`erc4626-vault model: ${fn}(${x}) is ${"value" in expected ? expected.value : `${expected.error}(${expected.args.join(", ")})`} when the vault is ${state} with offset ${offset}, as the contract says`, async () => {
      const { vault, world } = await fixture(offset, state);
      expect(
        inModel(() => M[fn](world.vault, x)),
        "model",
      ).to.deep.equal(expected);
      expect(await onChain(() => vault[fn](x) as Promise<bigint>), "contract").to.deep.equal(expected);
    });
  }

  for (const offset of [0, 1, 3, 18]) {
    for (const state of ["empty", "inflated", "ordinary"] as const) {
      it(`erc4626-vault model: every preview and conversion equals the contract's at zero, one wei, the maximum and the rounding boundaries when the vault is ${state} with offset ${offset}`, async () => {
        const { vault, world, alice } = await fixture(offset, state);
        const xs = inputs(world);
        const mismatches: string[] = [];
        for (const fn of PREVIEWS) {
          for (const x of xs) {
            const m = inModel(() => M[fn](world.vault, x));
            const c = await onChain(() => vault[fn](x) as Promise<bigint>);
            if (JSON.stringify(m, big) !== JSON.stringify(c, big)) {
              mismatches.push(`${fn}(${x}): model ${JSON.stringify(m, big)}, contract ${JSON.stringify(c, big)}`);
            }
          }
        }
        for (const fn of ["maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"] as const) {
          const m = inModel(() => M[fn](world.vault, alice));
          const c = await onChain(() => vault[fn](alice) as Promise<bigint>);
          if (JSON.stringify(m, big) !== JSON.stringify(c, big))
            mismatches.push(`${fn}(alice): model ${m}, contract ${c}`);
        }
        expect(mismatches).to.deep.equal([]);
      });
    }
  }

  it("erc4626-vault model: Math.mulDiv rounds up only Ceil and Expand, and only with a remainder", () => {
    const cases: readonly [bigint, bigint, bigint, M.Rounding, bigint][] = [
      [7n, 3n, 2n, "Floor", 10n],
      [7n, 3n, 2n, "Trunc", 10n],
      [7n, 3n, 2n, "Ceil", 11n],
      [7n, 3n, 2n, "Expand", 11n],
      [8n, 3n, 2n, "Ceil", 12n],
      [0n, 5n, 3n, "Ceil", 0n],
      [M.MAX_UINT256, M.MAX_UINT256, M.MAX_UINT256, "Ceil", M.MAX_UINT256],
      [M.MAX_UINT256, 2n, 3n, "Floor", (M.MAX_UINT256 * 2n) / 3n],
    ];
    for (const [x, y, d, r, want] of cases)
      expect(M.mulDiv(x, y, d, r), `mulDiv(${x}, ${y}, ${d}, ${r})`).to.equal(want);
    expect(inModel(() => M.mulDiv(1n, 1n, 0n, "Floor"))).to.deep.equal({ error: "Panic", args: ["18"] });
    expect(inModel(() => M.mulDiv(M.MAX_UINT256, 2n, 1n, "Floor"))).to.deep.equal(PANIC_OVERFLOW);
    // MAX * 2 / 2 fits exactly; MAX * 3 / 2 does not.
    expect(inModel(() => M.mulDiv(M.MAX_UINT256, 3n, 2n, "Floor"))).to.deep.equal(PANIC_OVERFLOW);
  });

  it("erc4626-vault model: a deposit that reverts after moving the assets leaves the state as it was, as the EVM does", () => {
    // deposit to the zero address: the allowance is spent and the assets move in, then minting to address(0) reverts.
    const alice = "0x00000000000000000000000000000000000a11ce" as M.Address;
    const world = M.newWorld({
      asset: "0x00000000000000000000000000000000000a55e7",
      vault: "0x000000000000000000000000000000000000ba17",
      deployer: "0x00000000000000000000000000000000000de910",
      faucetLimit: 0n,
      decimalsOffset: 0n,
      mints: [[alice, 10n]],
    });
    M.call(world, () => M.approve(world.asset, alice, world.vault.address, 5n));
    const snapshot = (): string =>
      JSON.stringify(
        [[...world.asset.balances], [...world.vault.balances], world.asset.totalSupply, world.vault.totalSupply],
        big,
      );
    const before = snapshot();
    const r = inModel(() => M.call(world, () => M.deposit(world.vault, alice, 5n, M.ZERO_ADDRESS)));
    expect(r).to.deep.equal({ error: "ERC20InvalidReceiver", args: [M.ZERO_ADDRESS] });
    expect(snapshot()).to.equal(before);
    expect(M.allowance(world.asset, alice, world.vault.address)).to.equal(5n);
    // The same deposit to alice goes through and spends the allowance.
    expect(M.call(world, () => M.deposit(world.vault, alice, 5n, alice))).to.equal(5n);
    expect(M.allowance(world.asset, alice, world.vault.address)).to.equal(0n);
  });
});

/** JSON.stringify's replacer for bigints. */
function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
