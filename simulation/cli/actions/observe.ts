import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { build } from "../build.js";
import { simObserve, type ObserveArgs } from "../observe.js";

export default async function observeAction(args: ObserveArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simObserve(hre, args);
}
