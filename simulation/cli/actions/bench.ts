import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { build } from "../build.js";

interface BenchArgs {
  readonly quick: boolean;
  readonly memoryProbe?: string | undefined;
  readonly scenario?: string | undefined;
}

export default async function benchAction(args: BenchArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  await build(hre);
  const { bench, memoryProbe } = await import("../bench.js");
  if (args.memoryProbe !== undefined)
    await memoryProbe(hre, args.scenario ?? "fees-and-rewards", Number(args.memoryProbe));
  else await bench(hre, args.quick);
}
