import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { build } from "../build.js";
import { simDeploy, type DeployArgs } from "../deploy.js";

export default async function deployAction(args: DeployArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simDeploy(hre, args);
}
