import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simInit, type InitArgs } from "../init.js";

export default async function initAction(args: InitArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = simInit(hre.config.paths.root, args);
}
