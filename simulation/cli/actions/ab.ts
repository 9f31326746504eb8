import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simAb, type AbArgs } from "../experiments/ab.js";

export default async function abAction(args: AbArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  process.exitCode = await simAb(hre, args);
}
