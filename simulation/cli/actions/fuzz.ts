import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simFuzz, type FuzzArgs } from "../fuzz.js";
import { build } from "../build.js";

export default async function fuzzAction(args: FuzzArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simFuzz(hre, args);
}
