import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simRun, type RunArgs } from "../run.js";
import { build } from "../build.js";

export default async function runAction(args: RunArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simRun(hre, args);
}
