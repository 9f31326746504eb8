/**
 * The config hook of Lockstep's plugin:
 * - every Solidity compiler of every build profile is asked for the storage layout, which
 *   is how Lockstep locates the state variables a mechanism compares (chain/storageLayout.ts);
 * - `lockstep.scenarios` in the user's config names scenario files (paths resolved against
 *   the project root), so `sim run --scenario vault` finds `./sim/vault.ts`.
 */
import { isAbsolute, resolve } from "node:path";
import type { ConfigHooks } from "hardhat/types/hooks";
import type { HardhatUserConfigValidationError } from "hardhat/types/hooks";
import "../typeExtensions.js";

interface Settings {
  outputSelection?: Record<string, Record<string, string[]>>;
}

function withStorageLayout(settings: Settings | undefined): Settings {
  const s: Settings = { ...(settings ?? {}) };
  const selection = { ...(s.outputSelection ?? {}) };
  const all = { ...(selection["*"] ?? {}) };
  const outputs = all["*"] ?? [];
  if (!outputs.includes("storageLayout")) all["*"] = [...outputs, "storageLayout"];
  selection["*"] = all;
  s.outputSelection = selection;
  return s;
}

export default async (): Promise<Partial<ConfigHooks>> => ({
  async validateUserConfig(config) {
    const errors: HardhatUserConfigValidationError[] = [];
    const lockstep: unknown = config.lockstep;
    if (lockstep === undefined) return errors;
    if (typeof lockstep !== "object" || lockstep === null) {
      errors.push({ path: ["lockstep"], message: "Expected an object: { scenarios: { name: path } }." });
      return errors;
    }
    const scenarios = (lockstep as { scenarios?: unknown }).scenarios;
    if (scenarios === undefined) return errors;
    if (typeof scenarios !== "object" || scenarios === null || Array.isArray(scenarios)) {
      errors.push({ path: ["lockstep", "scenarios"], message: "Expected an object mapping scenario names to files." });
      return errors;
    }
    for (const [name, path] of Object.entries(scenarios)) {
      if (typeof path !== "string" || path.trim() === "") {
        errors.push({ path: ["lockstep", "scenarios", name], message: "Expected the path of a scenario file." });
      }
    }
    return errors;
  },
  async resolveUserConfig(userConfig, resolveConfigurationVariable, next) {
    const resolved = await next(userConfig, resolveConfigurationVariable);
    for (const profile of Object.values(resolved.solidity.profiles)) {
      for (const compiler of profile.compilers) compiler.settings = withStorageLayout(compiler.settings as Settings);
      for (const override of Object.values(profile.overrides)) {
        override.settings = withStorageLayout(override.settings as Settings);
      }
    }
    const root = resolved.paths.root;
    const scenarios: Record<string, string> = {};
    for (const [name, path] of Object.entries(userConfig.lockstep?.scenarios ?? {})) {
      scenarios[name] = isAbsolute(path) ? path : resolve(root, path);
    }
    return { ...resolved, lockstep: { scenarios } };
  },
});
