import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ChainTarget } from "../engine/types";
import { collectIfGrown, configureEdrEnvironment } from "./edrMemory";

/** The in-process Hardhat network as a chain target: a reset gives each run a fresh chain. */
export function inProcessTarget(hre: HardhatRuntimeEnvironment): ChainTarget {
  return {
    provider: hre.network.provider,
    kind: "in-process",
    async fresh() {
      configureEdrEnvironment();
      const helpers = await import("@nomicfoundation/hardhat-network-helpers");
      await helpers.reset();
      collectIfGrown();
    },
  };
}
