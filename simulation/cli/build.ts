import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

/**
 * What a task that runs simulations does first: compiles the project's contracts (quietly;
 * nothing when they are up to date), as `hardhat build` does, and names the project's config
 * for the worker processes it may start (they load Hardhat as `import hre from "hardhat"`,
 * which reads HARDHAT_CONFIG).
 */
export async function build(hre: HardhatRuntimeEnvironment): Promise<void> {
  process.env["HARDHAT_CONFIG"] ??= hre.config.paths.config;
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
}
