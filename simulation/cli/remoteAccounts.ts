/**
 * Whose keys a remote run signs with. Agents' keys derive from one master secret and the
 * agent id (see engine/accounts.ts); the master is, in order: `LOCKSTEP_MNEMONIC`; the
 * mnemonic (or private keys) configured for the Hardhat network given with `--network`; on a
 * local development chain only (chain id 31337 or 1337), Lockstep's public development key,
 * which makes a run on a local node use the very addresses of an in-process run. The funder,
 * who tops the agents up with gas ether, is `LOCKSTEP_FUNDER_KEY`, or else the network's
 * first configured account (for `--rpc-url`, Hardhat's own default accounts, which a local
 * `npx hardhat node` funds).
 */
import { HDNodeWallet, keccak256, toUtf8Bytes, Wallet } from "ethers";
import type { NetworkConfig } from "hardhat/types/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { selectedNetwork } from "./network.js";
import { createKeyRing, DEV_MASTER, type KeyRing } from "../engine/accounts.js";
import { UserError } from "../engine/errors.js";
import type { Secrets } from "./secrets.js";

/** Chain ids of local development chains (Hardhat, Anvil, Ganache): the only ones the public development key may touch. */
export const DEV_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

export interface RemoteAccounts {
  /** Agents' keys; it also remembers which id each address it handed out belongs to. */
  readonly keys: KeyRing;
  /** Where the agents' keys come from, for the manifest (never the secret). */
  readonly keySource: string;
  readonly funder: `0x${string}`;
  readonly funderSource: string;
  /** The private key of an address the run sends from (agents and the funder). */
  keyOf(address: string): string | undefined;
  /** The agent id of an address, for messages. */
  nameOf(address: string): string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function resolveAccounts(
  hre: HardhatRuntimeEnvironment,
  chainId: bigint,
  secrets: Secrets,
  env: Env = process.env,
): Promise<RemoteAccounts> {
  const selected = selectedNetwork(hre);
  const network = selected.name;
  const configured = selected.inProcess ? [] : await configuredKeys(selected.config, network);
  for (const k of configured) secrets.add(k.secret);

  let master: string;
  let keySource: string;
  const mnemonic = env["LOCKSTEP_MNEMONIC"]?.trim();
  if (mnemonic !== undefined && mnemonic !== "") {
    secrets.add(mnemonic);
    master = mnemonic;
    keySource = "LOCKSTEP_MNEMONIC";
  } else if (configured.length > 0) {
    master = configured[0]!.master;
    keySource = `the accounts of network ${network}`;
  } else if (DEV_CHAIN_IDS.includes(chainId)) {
    master = DEV_MASTER;
    keySource = "Lockstep's public development key (local chains only)";
  } else {
    throw new UserError(
      `Chain id ${chainId} is not a local development chain, so the agents' keys cannot come from Lockstep's public ` +
        `development key: set LOCKSTEP_MNEMONIC to a mnemonic that only this run's agents use.`,
    );
  }

  let funderKey: string;
  let funderSource: string;
  const funderEnv = env["LOCKSTEP_FUNDER_KEY"]?.trim();
  if (funderEnv !== undefined && funderEnv !== "") {
    secrets.add(funderEnv);
    funderKey = checkKey(funderEnv, "LOCKSTEP_FUNDER_KEY");
    funderSource = "LOCKSTEP_FUNDER_KEY";
  } else {
    const first = selected.inProcess ? await firstHardhatAccount(hre) : configured[0]?.first;
    if (first === undefined) {
      throw new UserError(
        `Network ${network} has no configured account to fund the agents from: set LOCKSTEP_FUNDER_KEY to the private ` +
          `key of an account holding test ether, or configure accounts for the network in hardhat.config.ts.`,
      );
    }
    secrets.add(first);
    funderKey = first;
    funderSource = selected.inProcess ? "Hardhat's first default account" : `the first account of network ${network}`;
  }
  const funderWallet = new Wallet(funderKey);
  const funder = funderWallet.address.toLowerCase() as `0x${string}`;

  const base = createKeyRing(master);
  const ids = new Map<string, string>();
  const keys: KeyRing = {
    privateKeyOf: (id) => base.privateKeyOf(id),
    addressOf(id) {
      const a = base.addressOf(id);
      ids.set(a, id);
      return a;
    },
  };
  return {
    keys,
    keySource,
    funder,
    funderSource,
    keyOf(address) {
      const a = address.toLowerCase();
      if (a === funder) return funderKey;
      const id = ids.get(a);
      return id === undefined ? undefined : base.privateKeyOf(id);
    },
    nameOf(address) {
      const a = address.toLowerCase();
      return a === funder ? "funder" : ids.get(a);
    },
  };
}

/** The configured accounts of an HTTP network: the master they imply and the first account's key. */
async function configuredKeys(
  config: NetworkConfig,
  network: string,
): Promise<{ master: string; first: string; secret: string }[]> {
  if (config.type !== "http") return [];
  const accounts = config.accounts;
  if (accounts === "remote") return [];
  if (Array.isArray(accounts)) {
    if (accounts.length === 0) return [];
    const raw = await Promise.all(accounts.map((k) => k.get()));
    const keys = raw.map((k, i) => checkKey(k, `networks.${network}.accounts[${i}]`));
    // Agents' master: a hash of the configured keys, so no configured account is itself an agent.
    return [{ master: keccak256(toUtf8Bytes(`lockstep agents/${keys.join(",")}`)), first: keys[0]!, secret: keys[0]! }];
  }
  const mnemonic = await accounts.mnemonic.get();
  const first = hdKey(mnemonic, await accounts.passphrase.get(), accounts.path, accounts.initialIndex, network);
  return [{ master: mnemonic, first, secret: mnemonic }];
}

/** The first account of Hardhat's simulated network, which `npx hardhat node` funds. */
async function firstHardhatAccount(hre: HardhatRuntimeEnvironment): Promise<string | undefined> {
  const config = hre.config.networks[selectedNetwork(hre).name];
  if (config?.type !== "edr-simulated") return undefined;
  const accounts = config.accounts;
  if (Array.isArray(accounts)) return accounts[0]?.privateKey.get();
  const mnemonic = await accounts.mnemonic.get();
  return hdKey(mnemonic, await accounts.passphrase.get(), accounts.path, accounts.initialIndex, "default");
}

function hdKey(mnemonic: string, passphrase: string, path: string, index: number, network: string): string {
  try {
    return HDNodeWallet.fromPhrase(mnemonic, passphrase, `${path}/${index}`).privateKey;
  } catch {
    // ethers' message is safe, but say it without echoing anything of the phrase.
    throw new UserError(`The mnemonic configured for network ${network} is not a valid BIP-39 phrase.`);
  }
}

function checkKey(key: string, where: string): string {
  const k = key.startsWith("0x") ? key : `0x${key}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(k)) {
    throw new UserError(`${where} is not a private key: expected 64 hex digits (value not shown).`);
  }
  return k;
}
