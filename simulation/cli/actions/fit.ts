import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { build } from "../build.js";
import { simFit, type FitArgs } from "../fit.js";

export default async function fitAction(args: FitArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simFit(hre, args);
}
