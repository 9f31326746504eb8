/**
 * The network a task was given (`--network`), as Lockstep sees it: Hardhat's in-process
 * simulated network (the default), or a JSON-RPC endpoint configured in the project.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConfig } from "hardhat/types/config";
import { UserError } from "../engine/errors.js";

/** Hardhat 3's name for the network used when none is given. */
export const DEFAULT_NETWORK = "default";

export interface SelectedNetwork {
  readonly name: string;
  readonly config: NetworkConfig;
  /** A simulated chain in this process (EDR), rather than an HTTP endpoint. */
  readonly inProcess: boolean;
}

export function selectedNetwork(hre: HardhatRuntimeEnvironment): SelectedNetwork {
  const name = hre.globalOptions.network ?? DEFAULT_NETWORK;
  const config = hre.config.networks[name];
  if (config === undefined) {
    const known = Object.keys(hre.config.networks).join(", ");
    throw new UserError(`Invalid option --network = "${name}": expected a network of hardhat.config.ts (${known}).`);
  }
  return { name, config, inProcess: config.type === "edr-simulated" };
}

/** The URL of an HTTP network, resolved from its configuration variable. */
export async function networkUrl(network: SelectedNetwork): Promise<string | undefined> {
  return network.config.type === "http" ? network.config.url.getUrl() : undefined;
}
