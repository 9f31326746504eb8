import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simSweep, type SweepArgs } from "../experiment.js";

export default async function sweepAction(args: SweepArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = await simSweep(hre, args);
}
