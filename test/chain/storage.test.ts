import { expect } from "chai";
import { BrowserProvider, getAddress } from "ethers";
import hre from "hardhat";
import type { SolidityBuildInfoOutput } from "hardhat/types/solidity";
import { readFile } from "node:fs/promises";
import { createChainBackend, type SampleBy } from "../../simulation/chain/backend.js";
import { IFACE } from "../../simulation/chain/contracts.js";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { encodeSampleCall, samplePlan, STORAGE_SLOTS } from "../../simulation/chain/storage.js";
import { createInProcessSender } from "../../simulation/chain/sender.js";
import { executeRun } from "../../simulation/engine/execute.js";
import { defaults } from "../../simulation/engine/params.js";
import type { SystemAddresses, SystemConfig } from "../../simulation/model/system.js";
import { GLOBAL_VARIABLES } from "../../simulation/model/variables.js";
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "../../simulation/model/vouchers.js";
import { scenarioByName } from "../../simulation/scenarios/index.js";
import { Lens__factory } from "../../types/ethers-contracts/index.js";

interface LayoutEntry {
  readonly label: string;
  readonly slot: string;
  readonly offset: number;
  readonly type: string;
}
interface Layout {
  readonly storage: readonly LayoutEntry[];
  readonly types: Record<string, { readonly numberOfBytes: string }>;
}
type SlotTable = Record<string, Record<string, bigint>>;

const SOURCES: Record<keyof typeof STORAGE_SLOTS, string> = {
  ExchangeToken: "contracts/tokens/ExchangeToken.sol",
  GovernanceToken: "contracts/tokens/GovernanceToken.sol",
  FeeManager: "contracts/fees/FeeManager.sol",
  VoucherEscrow: "contracts/vouchers/VoucherEscrow.sol",
  RewardsDistributor: "contracts/rewards/RewardsDistributor.sol",
  ReleaseWallet: "contracts/rewards/ReleaseWallet.sol",
};

/** The compiler's output of the build that made `source:name`'s artifact; its sources go by their solc input names. */
async function compilerOutputOf(fqn: string): Promise<SolidityBuildInfoOutput["output"] | undefined> {
  const id = await hre.artifacts.getBuildInfoId(fqn);
  const path = id === undefined ? undefined : await hre.artifacts.getBuildInfoOutputPath(id);
  if (path === undefined) return undefined;
  return (JSON.parse(await readFile(path, "utf8")) as SolidityBuildInfoOutput).output;
}

async function compilerLayouts(): Promise<Record<string, Layout>> {
  const out: Record<string, Layout> = {};
  for (const [name, source] of Object.entries(SOURCES)) {
    const fqn = `${source}:${name}`;
    // Hardhat 3 names a project's sources "project/<path>" in the compiler's input and output.
    const { inputSourceName } = await hre.artifacts.readArtifact(fqn);
    const output = await compilerOutputOf(fqn);
    const contract = inputSourceName === undefined ? undefined : output?.contracts?.[inputSourceName]?.[name];
    const layout = (contract as { storageLayout?: Layout } | undefined)?.storageLayout;
    if (layout === undefined) throw new Error(`no storage layout for ${name} (is storageLayout in outputSelection?)`);
    out[name] = layout;
  }
  return out;
}

/**
 * Where `table` disagrees with the compiler: a variable missing, at another slot, packed with
 * another, or sharing its slots with another variable.
 */
function layoutProblems(table: SlotTable, layouts: Record<string, Layout>): string[] {
  const problems: string[] = [];
  for (const [contract, vars] of Object.entries(table)) {
    const layout = layouts[contract];
    if (layout === undefined) {
      problems.push(`${contract}: no layout`);
      continue;
    }
    const slotsOf = (e: LayoutEntry): [bigint, bigint] => {
      const bytes = BigInt(layout.types[e.type]!.numberOfBytes);
      return [BigInt(e.slot), BigInt(e.slot) + (bytes + 31n) / 32n];
    };
    for (const [label, slot] of Object.entries(vars)) {
      const entry = layout.storage.find((e) => e.label === label);
      if (entry === undefined) problems.push(`${contract}.${label}: not in the layout`);
      else if (BigInt(entry.slot) !== slot)
        problems.push(`${contract}.${label}: slot ${entry.slot}, table says ${slot}`);
      else if (entry.offset !== 0) problems.push(`${contract}.${label}: packed at offset ${entry.offset}`);
      else {
        const [from, to] = slotsOf(entry);
        for (const other of layout.storage) {
          if (other === entry) continue;
          const [a, b] = slotsOf(other);
          if (a < to && from < b) problems.push(`${contract}.${label}: shares slots with ${other.label}`);
        }
      }
    }
  }
  return problems;
}

/** A short chain-mode run of boson-commerce: a deployed system with state in it. */
async function chainRun(seed: number, steps: number) {
  const boson = scenarioByName("boson-commerce");
  const params = defaults(boson.schema);
  const target = inProcessTarget(hre);
  const run = await executeRun(
    { scenario: boson, params, modelParams: params, mode: "chain", seed, steps },
    { target },
  );
  // The chain the run left behind (Hardhat 3: each fresh() opens a new chain with its own provider).
  return { boson, params, run, provider: target.provider };
}

describe("chain: the Lens reads state by storage slot", function () {
  this.timeout(120_000);

  it("every slot in STORAGE_SLOTS is where the compiler put that variable, alone in its slots", async function () {
    const layouts = await compilerLayouts();
    expect(layoutProblems(STORAGE_SLOTS, layouts)).to.deep.equal([]);
  });

  it("the layout check fails on a moved, a missing and a packed-neighbour variable", async function () {
    const layouts = await compilerLayouts();
    const wrong: SlotTable = {
      ...STORAGE_SLOTS,
      VoucherEscrow: { ...STORAGE_SLOTS.VoucherEscrow, _offerCount: 8n, _noSuchVariable: 3n },
    };
    expect(layoutProblems(wrong, layouts)).to.deep.equal([
      "VoucherEscrow._offerCount: slot 7, table says 8",
      "VoucherEscrow._noSuchVariable: not in the layout",
    ]);
    const packed: Layout = {
      storage: [
        { label: "_a", slot: "0", offset: 0, type: "t_uint128" },
        { label: "_b", slot: "0", offset: 16, type: "t_uint128" },
      ],
      types: { t_uint128: { numberOfBytes: "16" } },
    };
    expect(layoutProblems({ Packed: { _a: 0n, _b: 0n } }, { Packed: packed })).to.deep.equal([
      "Packed._a: shares slots with _b",
      "Packed._b: packed at offset 16",
    ]);
  });

  it("after a run, every sampled word equals its contract's getter", async function () {
    const { boson, params, run, provider } = await chainRun(3, 6);
    const a = run.deployment as SystemAddresses;
    const call = async (to: string, iface: keyof typeof IFACE, fn: string, args: unknown[] = []): Promise<bigint> => {
      const raw = await provider.request({
        method: "eth_call",
        params: [{ to, data: IFACE[iface].encodeFunctionData(fn, args) }, "latest"],
      });
      return BigInt(IFACE[iface].decodeFunctionResult(fn, raw as string)[0] as bigint);
    };
    const accounts = run.result.accounts;
    const config = boson.mechanisms.config(params, 0n) as SystemConfig;
    const releaseNames = config.releases.map((r) => r.name);
    // Both ways of sampling: the Lens's one eth_call, and the in-process batch of storage reads.
    const bySampler = new Map<SampleBy, Map<string, bigint>>();
    for (const by of ["lens", "storage"] as const) {
      const backend = createChainBackend(provider, createInProcessSender(provider), config, a, by);
      bySampler.set(by, (await backend.sample(accounts)) as Map<string, bigint>);
    }
    const sampled = bySampler.get("lens")!;
    expect(bySampler.get("storage")).to.deep.equal(sampled);

    const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
    const getters: Record<string, () => Promise<bigint>> = {
      "escrow.offerCount": () => call(a.escrow, "escrow", "offerCount"),
      "escrow.exchangeCount": () => call(a.escrow, "escrow", "exchangeCount"),
      "escrow.totalEncumbered": () => call(a.escrow, "escrow", "totalEncumbered"),
      "escrow.totalAvailable": () => call(a.escrow, "escrow", "totalAvailable"),
      "escrow.protocolFeesCollected": () => call(a.escrow, "escrow", "protocolFeesCollected"),
      "escrow.ecosystemFeesCredited": () => call(a.escrow, "escrow", "ecosystemFeesCredited"),
      "escrow.rewardsFeesCredited": () => call(a.escrow, "escrow", "rewardsFeesCredited"),
      "escrow.tokenBalance": () => call(a.exchangeToken, "exchangeToken", "balanceOf", [a.escrow]),
      "fees.feeBps": () => call(a.feeManager, "feeManager", "feeBps"),
      "fees.ecoBps": () => call(a.feeManager, "feeManager", "ecoBps"),
      "rewards.governanceBalance": () => call(a.governanceToken, "governanceToken", "balanceOf", [a.rewards]),
      "rewards.exchangeBalance": () => call(a.exchangeToken, "exchangeToken", "balanceOf", [a.rewards]),
      "exchangeToken.totalSupply": () => call(a.exchangeToken, "exchangeToken", "totalSupply"),
      "governanceToken.totalSupply": () => call(a.governanceToken, "governanceToken", "totalSupply"),
    };
    for (const f of [
      "nextEpochToClose",
      "totalEmitted",
      "totalRewardsClaimed",
      "totalFeesClaimed",
      "totalFeesReceived",
      "carriedRewardDust",
      "carriedFeeDust",
      "rewardsOwed",
      "feesOwed",
    ]) {
      getters[`rewards.${f}`] = () => call(a.rewards, "rewards", f);
    }
    EXCHANGE_STATE_NAMES.forEach((n, i) => {
      if (n === "None") return;
      getters[`escrow.exchanges.${lower(n)}`] = () => call(a.escrow, "escrow", "exchangeCountByState", [i]);
    });
    DISPUTE_STATE_NAMES.forEach((n, i) => {
      if (n === "None") return;
      getters[`escrow.disputes.${lower(n)}`] = () => call(a.escrow, "escrow", "disputeCountByState", [i]);
    });
    a.releases.forEach((wallet, i) => {
      getters[`release.${releaseNames[i]}.balance`] = () =>
        call(a.governanceToken, "governanceToken", "balanceOf", [wallet]);
      getters[`release.${releaseNames[i]}.released`] = () =>
        call(wallet, "release", "released(address)", [a.governanceToken]);
    });
    for (const who of accounts) {
      getters[`${who.id}.funds`] = () => call(a.escrow, "escrow", "availableFunds", [who.address]);
      getters[`${who.id}.exchangeToken`] = () => call(a.exchangeToken, "exchangeToken", "balanceOf", [who.address]);
      getters[`${who.id}.governanceToken`] = () =>
        call(a.governanceToken, "governanceToken", "balanceOf", [who.address]);
      getters[`${who.id}.claimableRewards`] = () => call(a.rewards, "rewards", "claimableRewards", [who.address]);
      getters[`${who.id}.claimableFees`] = () => call(a.rewards, "rewards", "claimableFees", [who.address]);
    }

    expect([...sampled.keys()].sort()).to.deep.equal(Object.keys(getters).sort());
    for (const name of GLOBAL_VARIABLES) expect(sampled.has(name), name).to.equal(true);
    let nonZero = 0;
    for (const [name, getter] of Object.entries(getters)) {
      const expected = await getter();
      expect(sampled.get(name), name).to.equal(expected);
      if (expected !== 0n) nonZero++;
    }
    // A run of six steps leaves most words non-zero: equal zeros would prove little.
    expect(nonZero).to.be.greaterThan(Object.keys(getters).length / 3);
  });

  it("extsload returns what eth_getStorageAt returns, for any slot and any number of slots", async function () {
    const { run, provider } = await chainRun(1, 2);
    const a = run.deployment as SystemAddresses;
    // Slots that hold words (the escrow's first ones), one that does not, and the last one.
    const pool = [
      "0x" + "00".repeat(32),
      ...Array.from({ length: 30 }, (_, i) => "0x" + i.toString(16).padStart(64, "0")),
      "0x" + "ff".repeat(32),
    ];
    const stored = new Map<string, bigint>();
    for (const slot of pool) {
      const word = await provider.request({
        method: "eth_getStorageAt",
        params: [a.escrow, slot, "latest"],
      });
      stored.set(slot, BigInt(word as string));
    }
    // extsload reads eight slots a turn, then the rest one by one: every length around those turns.
    for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33]) {
      // Rotated, so each length reads its words in another order.
      const slots = Array.from({ length }, (_, i) => pool[(i * 7 + length) % pool.length]!);
      const raw = await provider.request({
        method: "eth_call",
        params: [{ to: a.escrow, data: IFACE.escrow.encodeFunctionData("extsload", [slots]) }, "latest"],
      });
      const words = IFACE.escrow.decodeFunctionResult("extsload", raw as string)[0] as string[];
      expect(words, `length ${length}`).to.have.length(length);
      for (let i = 0; i < length; i++) {
        expect(BigInt(words[i]!), `length ${length}, slot ${slots[i]}`).to.equal(stored.get(slots[i]!));
      }
    }
    // Most of those words are not zero: equal zeros would prove little.
    expect([...stored.values()].filter((w) => w !== 0n).length).to.be.greaterThan(5);
  });

  it("the Lens refuses counts that do not cover the slots, and a target that is not a StorageReader", async function () {
    const { run, provider } = await chainRun(1, 1);
    const a = run.deployment as SystemAddresses;
    // Hardhat 3 has no hre.ethers: ethers belongs to a network connection, and the run's chain is the target's.
    const lens = Lens__factory.connect(a.lens, new BrowserProvider(provider));
    const slot = "0x" + "00".repeat(32);
    await expect(lens.sample([a.escrow], [2], [slot]))
      .to.be.revertedWithCustomError(lens, "LensBadReads")
      .withArgs(1, 1, 1);
    await expect(lens.sample([a.escrow], [0], [slot]))
      .to.be.revertedWithCustomError(lens, "LensBadReads")
      .withArgs(1, 1, 1);
    await expect(lens.sample([a.escrow, a.rewards], [1], [slot])).to.be.revertedWithCustomError(lens, "LensBadReads");
    await expect(lens.sample([a.deployer], [1], [slot]))
      .to.be.revertedWithCustomError(lens, "LensUnexpectedReturn")
      .withArgs(getAddress(a.deployer), 0);
    expect(await lens.sample([a.escrow, a.feeManager], [1, 1], [slot, slot])).to.have.length(2);
  });

  it("encodeSampleCall writes what ethers' ABI encoder writes", async function () {
    const addresses = {
      escrow: "0x" + "11".repeat(20),
      exchangeToken: "0x" + "22".repeat(20),
      governanceToken: "0x" + "33".repeat(20),
      feeManager: "0x" + "44".repeat(20),
      rewards: "0x" + "55".repeat(20),
      releases: ["0x" + "66".repeat(20), "0x" + "77".repeat(20)],
    } as unknown as SystemAddresses;
    const accounts = ["0x" + "aB".repeat(20), "0x" + "cd".repeat(20)].map((address, i) => ({
      id: `agent-${i}`,
      role: "buyer",
      address: address as `0x${string}`,
      attrs: {},
    }));
    const plan = samplePlan(addresses, accounts);
    expect(plan.slots).to.have.length(GLOBAL_VARIABLES.length + 2 * 2 + 2 * 5);
    expect(encodeSampleCall(plan)).to.equal(
      IFACE.lens.encodeFunctionData("sample", [plan.targets, plan.counts, plan.slots]),
    );
  });
});
