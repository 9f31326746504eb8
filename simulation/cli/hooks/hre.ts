/**
 * The HRE hook of Lockstep's plugin: when this process is Hardhat's command line running one
 * of Lockstep's tasks, the command line is checked by Lockstep's rules (see ../argv.ts) before
 * Hardhat parses it, so a bad option gets one line and exit code 2.
 */
import { realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HardhatRuntimeEnvironmentHooks } from "hardhat/types/hooks";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { checkCommandLine, type TaskShape } from "../argv.js";

/** Lockstep's root tasks (`bench` where Lockstep's repository adds it). */
const ROOTS = ["sim", "bench"] as const;

function isHardhatCli(): boolean {
  const main = process.argv[1];
  if (main === undefined) return false;
  try {
    const cli = join(dirname(fileURLToPath(import.meta.resolve("hardhat/package.json"))), "dist", "src", "cli.js");
    return realpathSync(main) === realpathSync(cli);
  } catch {
    return false;
  }
}

export function checkArgv(hre: HardhatRuntimeEnvironment, args: readonly string[]): string | undefined {
  const roots = new Map<string, TaskShape>();
  for (const id of ROOTS) {
    const t = hre.tasks.rootTasks.get(id);
    if (t !== undefined) roots.set(id, t);
  }
  const globals = new Map(Object.entries(hre.globalOptions).map(([k, v]) => [k, typeof v !== "boolean"] as const));
  return checkCommandLine(args, roots, globals);
}

export default async (): Promise<Partial<HardhatRuntimeEnvironmentHooks>> => ({
  async created(_context, hre) {
    if (!isHardhatCli()) return;
    const error = checkArgv(hre, process.argv.slice(2));
    if (error === undefined) return;
    process.stderr.write(`error: ${error}\n`);
    process.exit(2);
  },
});
