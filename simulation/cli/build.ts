import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

/**
 * What a task that runs simulations does first: compiles the project's contracts (quietly;
 * nothing when they are up to date), as `hardhat build` does.
 */
export async function build(hre: HardhatRuntimeEnvironment): Promise<void> {
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
}
