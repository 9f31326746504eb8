import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simSweep, type SweepArgs } from "../experiments/sweep.js";

export default async function sweepAction(args: SweepArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = await simSweep(hre, args);
}
