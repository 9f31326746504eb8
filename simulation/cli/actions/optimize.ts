import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simOptimize, type OptimizeArgs } from "../experiments/optimize.js";

export default async function optimizeAction(args: OptimizeArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = await simOptimize(hre, args);
}
