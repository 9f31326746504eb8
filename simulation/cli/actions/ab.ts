import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simAb, type AbArgs } from "../experiment.js";

export default async function abAction(args: AbArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = await simAb(hre, args);
}
