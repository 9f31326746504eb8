import { getCreateAddress } from "ethers";
import type { KeyRing } from "../engine/accounts.js";
import { DEPLOYER_ID, ECOSYSTEM_FUND_ID, type SystemAddresses, type SystemConfig } from "../model/system.js";
import { toAddress, type Address } from "../model/types.js";
import { CONTRACTS, IFACE } from "./contracts.js";
import type { TxSender } from "./sender.js";

/**
 * Deploys the system as design.md lays it out, from the deployer account, in the order
 * the model's createWorld mirrors. Any failed step is fatal: a half-deployed system is
 * no starting point.
 */
export async function deploySystem(sender: TxSender, config: SystemConfig, keys: KeyRing): Promise<SystemAddresses> {
  const deployer = keys.addressOf(DEPLOYER_ID);
  const ecosystemFund = keys.addressOf(ECOSYSTEM_FUND_ID);
  await sender.prepare([deployer]);

  const create = async (name: string, data: string): Promise<Address> => {
    const tx = await sender.send(deployer, { data });
    if (!tx.ok || tx.contractAddress === undefined) throw new Error(`Deployment of ${name} failed (tx ${tx.hash}).`);
    return toAddress(tx.contractAddress);
  };
  const call = async (name: string, to: string, data: string): Promise<void> => {
    const tx = await sender.send(deployer, { to, data });
    if (!tx.ok) throw new Error(`Deployment step ${name} failed (tx ${tx.hash}).`);
  };
  const deployData = (
    factory: { bytecode: string },
    iface: { encodeDeploy(args: readonly unknown[]): string },
    args: unknown[],
  ) => factory.bytecode + iface.encodeDeploy(args).slice(2);

  const exchangeToken = await create(
    "ExchangeToken",
    deployData(CONTRACTS.exchangeToken, IFACE.exchangeToken, [deployer]),
  );
  const governanceToken = await create(
    "GovernanceToken",
    deployData(CONTRACTS.governanceToken, IFACE.governanceToken, [deployer]),
  );
  const f = config.fees;
  const feeManager = await create(
    "FeeManager",
    deployData(CONTRACTS.feeManager, IFACE.feeManager, [deployer, f.feeBps, f.maxFeeBps, f.ecoBps]),
  );
  const r = config.rewards;
  const rewards = await create(
    "RewardsDistributor",
    deployData(CONTRACTS.rewards, IFACE.rewards, [
      deployer,
      governanceToken,
      exchangeToken,
      r.startTimestamp,
      r.epochSeconds,
      r.emissionTotal,
      r.cliffEpochs,
      r.durationEpochs,
      r.halvingEpochs,
    ]),
  );
  const escrow = await create(
    "VoucherEscrow",
    deployData(CONTRACTS.escrow, IFACE.escrow, [
      exchangeToken,
      feeManager,
      rewards,
      ecosystemFund,
      config.escrow.aggregatorPointsBps,
    ]),
  );
  await call("setPointsSource", rewards, IFACE.rewards.encodeFunctionData("setPointsSource", [escrow]));
  await call(
    "fund rewards",
    governanceToken,
    IFACE.governanceToken.encodeFunctionData("transfer", [rewards, r.emissionTotal]),
  );
  const releases: Address[] = [];
  for (const rel of config.releases) {
    const wallet = await create(
      `ReleaseWallet ${rel.name}`,
      deployData(CONTRACTS.release, IFACE.release, [
        keys.addressOf(rel.beneficiary),
        rel.startTimestamp,
        rel.durationSeconds,
        rel.cliffSeconds,
      ]),
    );
    await call(
      `fund ${rel.name}`,
      governanceToken,
      IFACE.governanceToken.encodeFunctionData("transfer", [wallet, rel.amount]),
    );
    releases.push(wallet);
  }
  const lens = await create("Lens", deployData(CONTRACTS.lens, IFACE.lens, []));
  return {
    deployer,
    ecosystemFund,
    exchangeToken,
    governanceToken,
    feeManager,
    rewards,
    escrow,
    releases,
    lens,
  };
}

/** Contract addresses by deployer and release count: a Monte Carlo's model runs all ask for the same. */
const predicted = new Map<string, Omit<SystemAddresses, "ecosystemFund">>();

/**
 * Where deploySystem puts each contract when the deployer starts at nonce 0 (a fresh
 * chain): what model-only runs use, so that addresses in errors match a lockstep run's.
 * They depend on the deployer and the number of release wallets only (CREATE addresses
 * follow the deployer's nonce), and cost a model run a tenth of its time to derive, so
 * they are derived once per process.
 */
export function predictAddresses(config: SystemConfig, keys: KeyRing): SystemAddresses {
  const deployer = keys.addressOf(DEPLOYER_ID);
  const key = `${deployer}/${config.releases.length}`;
  let contracts = predicted.get(key);
  if (contracts === undefined) {
    let nonce = 0;
    const next = (): Address => toAddress(getCreateAddress({ from: deployer, nonce: nonce++ }));
    const exchangeToken = next();
    const governanceToken = next();
    const feeManager = next();
    const rewards = next();
    const escrow = next();
    nonce += 2; // setPointsSource, fund rewards
    const releases: Address[] = [];
    for (let i = 0; i < config.releases.length; i++) {
      releases.push(next());
      nonce += 1; // fund the wallet
    }
    const lens = next();
    contracts = { deployer, exchangeToken, governanceToken, feeManager, rewards, escrow, releases, lens };
    predicted.set(key, contracts);
  }
  return { ...contracts, ecosystemFund: keys.addressOf(ECOSYSTEM_FUND_ID) };
}
