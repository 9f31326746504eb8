import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { contractSource } from "../chain/artifacts.js";
import type { ScenarioHost } from "../scenarios/index.js";
import "./typeExtensions.js";

const hosts = new WeakMap<HardhatRuntimeEnvironment, ScenarioHost>();

/** Where a task finds scenarios: the project's root, its registered names and its compiled contracts. */
export function scenarioHost(hre: HardhatRuntimeEnvironment): ScenarioHost {
  let host = hosts.get(hre);
  if (host === undefined) {
    host = {
      root: hre.config.paths.root,
      registered: hre.config.lockstep?.scenarios ?? {},
      contracts: contractSource(hre.artifacts),
    };
    hosts.set(hre, host);
  }
  return host;
}
