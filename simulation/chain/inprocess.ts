import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { ChainTarget, Eip1193Provider } from "../engine/types.js";
import { InternalError } from "../engine/errors.js";
import { collectIfGrown, configureEdrEnvironment } from "./edrMemory.js";

/** The network whose in-process chains Lockstep runs on: Hardhat's simulated network of the project. */
export const IN_PROCESS_NETWORK = "default";

export type InProcessTarget = ChainTarget & { close(): Promise<void> };

const targets = new WeakMap<HardhatRuntimeEnvironment, InProcessTarget>();

/**
 * Hardhat's in-process network as a chain target: each `fresh()` opens a new chain (a new
 * network connection, its own EDR provider) and closes the previous one, which frees it.
 * One target per Hardhat runtime, so runs one after another never hold two chains.
 */
export function inProcessTarget(hre: HardhatRuntimeEnvironment): InProcessTarget {
  let target = targets.get(hre);
  if (target === undefined) {
    target = createInProcessTarget(hre);
    targets.set(hre, target);
  }
  return target;
}

/**
 * A target of its own, for runs that go side by side in one process (each with its own
 * chain); close it when done.
 */
export function createInProcessTarget(hre: HardhatRuntimeEnvironment): InProcessTarget {
  let connection: NetworkConnection | undefined;
  return {
    get provider(): Eip1193Provider {
      if (connection === undefined)
        throw new InternalError("inProcessTarget: the provider was asked for before fresh()");
      return connection.provider;
    },
    kind: "in-process",
    async fresh() {
      configureEdrEnvironment();
      const previous = connection;
      connection = undefined;
      await previous?.close();
      collectIfGrown();
      connection = await hre.network.create(IN_PROCESS_NETWORK);
    },
    async close() {
      const previous = connection;
      connection = undefined;
      await previous?.close();
    },
  };
}
