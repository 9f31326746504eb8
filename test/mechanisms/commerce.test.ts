import { expect } from "chai";
import hre from "hardhat";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { createMechanismChainBackend } from "../../simulation/chain/mechanismBackend.js";
import { createInProcessSender } from "../../simulation/chain/sender.js";
import { createKeyRing } from "../../simulation/engine/accounts.js";
import { DEFAULT_START_TIME, executeRun } from "../../simulation/engine/execute.js";
import { defaults } from "../../simulation/engine/params.js";
import { releaseInstance } from "../../simulation/mechanisms/commerce.js";
import type { SystemConfig } from "../../simulation/model/system.js";
import { DISPUTE_STATE_NAMES, EXCHANGE_STATE_NAMES } from "../../simulation/model/vouchers.js";
import { deployedOf, runConfig, type Deployment } from "../../simulation/sdk/resolve.js";
import { scenario } from "../helpers/run.js";

describe("mechanisms: Lockstep's commerce system, declared through the SDK", function () {
  this.timeout(120_000);

  it("after a run, every compared variable the chain side reads (by storage layout) equals its contract's getter", async function () {
    const boson = await scenario("boson-commerce");
    const params = defaults(boson.schema);
    const target = inProcessTarget(hre);
    const run = await executeRun(
      { scenario: boson, params, modelParams: params, mode: "chain", seed: 3, steps: 6 },
      { target },
    );
    const provider = target.provider;
    const deployment = run.deployment as Deployment;
    const r = boson.resolved;
    const keys = createKeyRing();
    const config = runConfig(r.definition, params, { startTime: DEFAULT_START_TIME, keys }) as SystemConfig;
    const backend = await createMechanismChainBackend(
      r,
      provider,
      createInProcessSender(provider),
      deployedOf(config, deployment, keys),
      deployment,
    );
    const accounts = run.result.accounts;
    const sampled = (await backend.sample(accounts)) as Map<string, bigint>;

    const a = deployment.addresses;
    const call = async (instance: string, fn: string, args: unknown[] = []): Promise<bigint> => {
      const iface = r.iface(deployment.artifacts[instance]!);
      const raw = await provider.request({
        method: "eth_call",
        params: [{ to: a[instance], data: iface.encodeFunctionData(fn, args) }, "latest"],
      });
      return BigInt(iface.decodeFunctionResult(fn, raw as string)[0] as bigint);
    };
    const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
    const getters: Record<string, () => Promise<bigint>> = {
      "escrow.offerCount": () => call("escrow", "offerCount"),
      "escrow.exchangeCount": () => call("escrow", "exchangeCount"),
      "escrow.totalEncumbered": () => call("escrow", "totalEncumbered"),
      "escrow.totalAvailable": () => call("escrow", "totalAvailable"),
      "escrow.protocolFeesCollected": () => call("escrow", "protocolFeesCollected"),
      "escrow.ecosystemFeesCredited": () => call("escrow", "ecosystemFeesCredited"),
      "escrow.rewardsFeesCredited": () => call("escrow", "rewardsFeesCredited"),
      "escrow.tokenBalance": () => call("exchangeToken", "balanceOf", [a["escrow"]]),
      "fees.feeBps": () => call("feeManager", "feeBps"),
      "fees.ecoBps": () => call("feeManager", "ecoBps"),
      "rewards.governanceBalance": () => call("governanceToken", "balanceOf", [a["rewards"]]),
      "rewards.exchangeBalance": () => call("exchangeToken", "balanceOf", [a["rewards"]]),
      "exchangeToken.totalSupply": () => call("exchangeToken", "totalSupply"),
      "governanceToken.totalSupply": () => call("governanceToken", "totalSupply"),
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
      getters[`rewards.${f}`] = () => call("rewards", f);
    }
    EXCHANGE_STATE_NAMES.forEach((n, i) => {
      if (n !== "None") getters[`escrow.exchanges.${lower(n)}`] = () => call("escrow", "exchangeCountByState", [i]);
    });
    DISPUTE_STATE_NAMES.forEach((n, i) => {
      getters[`escrow.disputes.${lower(n)}`] = () => call("escrow", "disputeCountByState", [i]);
    });
    for (const rel of config.releases) {
      const wallet = releaseInstance(rel.name);
      getters[`release.${rel.name}.balance`] = () => call("governanceToken", "balanceOf", [a[wallet]]);
      getters[`release.${rel.name}.released`] = () => call(wallet, "released(address)", [a["governanceToken"]]);
    }
    for (const [instance, address] of Object.entries(a)) {
      getters[`holdings.${instance}.exchangeToken`] = () => call("exchangeToken", "balanceOf", [address]);
      getters[`holdings.${instance}.governanceToken`] = () => call("governanceToken", "balanceOf", [address]);
      getters[`holdings.${instance}.funds`] = () => call("escrow", "availableFunds", [address]);
    }
    getters["rewards.emissionTotal"] = () => call("rewards", "emissionTotal");
    // The contract's counter against its ERC-1155 balances: every account's vouchers of every offer.
    getters["escrow.vouchersOutstanding"] = async () => {
      const iface = r.iface(deployment.artifacts["escrow"]!);
      const holders = [...accounts.map((x) => x.address), ...Object.values(a)];
      let total = 0n;
      for (let offerId = 1n; offerId <= (await call("escrow", "offerCount")); offerId++) {
        const args = [holders, holders.map(() => offerId)];
        const raw = await provider.request({
          method: "eth_call",
          params: [{ to: a["escrow"], data: iface.encodeFunctionData("balanceOfBatch", args) }, "latest"],
        });
        for (const n of iface.decodeFunctionResult("balanceOfBatch", raw as string)[0] as bigint[]) total += n;
      }
      return total;
    };
    for (const who of accounts) {
      getters[`${who.id}.funds`] = () => call("escrow", "availableFunds", [who.address]);
      getters[`${who.id}.exchangeToken`] = () => call("exchangeToken", "balanceOf", [who.address]);
      getters[`${who.id}.governanceToken`] = () => call("governanceToken", "balanceOf", [who.address]);
      getters[`${who.id}.claimableRewards`] = () => call("rewards", "claimableRewards", [who.address]);
      getters[`${who.id}.claimableFees`] = () => call("rewards", "claimableFees", [who.address]);
    }

    expect([...sampled.keys()].sort()).to.deep.equal(Object.keys(getters).sort());
    let nonZero = 0;
    for (const [name, getter] of Object.entries(getters)) {
      const expected = await getter();
      expect(sampled.get(name), name).to.equal(expected);
      if (expected !== 0n) nonZero++;
    }
    // A run of six steps leaves most words non-zero: equal zeros would prove little.
    expect(nonZero).to.be.greaterThan(Object.keys(getters).length / 3);
  });
});
