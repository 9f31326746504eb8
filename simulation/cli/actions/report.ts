import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { simReport, type ReportArgs } from "../report.js";
import { build } from "../build.js";

export default async function reportAction(args: ReportArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  process.exitCode = await simReport(args, hre);
}
