/**
 * Contracts as the project compiled them: ABI, creation bytecode and storage layout, read
 * from Hardhat's artifacts (the user's project or Lockstep's own; nothing here knows which).
 * The storage layout is in the compiler's output, which Lockstep's plugin asks for (see
 * cli/hooks/config.ts).
 */
import { readFile } from "node:fs/promises";
import type { ArtifactManager } from "hardhat/types/artifacts";
import { UserError } from "../engine/errors.js";
import type { StorageLayout } from "./storageLayout.js";

export interface CompiledContract {
  /** The name it was asked for (bare or fully qualified). */
  readonly name: string;
  readonly abi: readonly unknown[];
  /** Creation bytecode, 0x-prefixed; "0x" for an interface or abstract contract. */
  readonly bytecode: string;
  /** Undefined where the compiler was not asked for it. */
  readonly layout: StorageLayout | undefined;
}

/** Where compiled contracts come from. */
export interface ContractSource {
  contract(name: string): Promise<CompiledContract>;
  /** Whether the project has a compiled contract of that name. */
  has(name: string): Promise<boolean>;
}

interface BuildOutput {
  readonly output?: {
    readonly contracts?: Readonly<Record<string, Readonly<Record<string, { readonly storageLayout?: StorageLayout }>>>>;
  };
}

/** Reads contracts through Hardhat's artifact manager, each artifact and build output once per source. */
export function contractSource(artifacts: ArtifactManager): ContractSource {
  const contracts = new Map<string, Promise<CompiledContract>>();
  const outputs = new Map<string, Promise<BuildOutput>>();
  const output = (id: string): Promise<BuildOutput> => {
    let p = outputs.get(id);
    if (p === undefined) {
      p = (async () => {
        const path = await artifacts.getBuildInfoOutputPath(id);
        return path === undefined ? {} : (JSON.parse(await readFile(path, "utf8")) as BuildOutput);
      })();
      outputs.set(id, p);
    }
    return p;
  };
  const load = async (name: string): Promise<CompiledContract> => {
    if (!(await artifacts.artifactExists(name))) {
      throw new UserError(
        `Unknown contract ${JSON.stringify(name)}: no artifact of that name in this project ` +
          `(is it compiled? names are as in the source, e.g. MyVault or contracts/MyVault.sol:MyVault).`,
      );
    }
    const artifact = await artifacts.readArtifact(name);
    const a = artifact as typeof artifact & { readonly inputSourceName?: string; readonly buildInfoId?: string };
    let layout: StorageLayout | undefined;
    if (a.buildInfoId !== undefined && a.inputSourceName !== undefined) {
      const built = await output(a.buildInfoId);
      layout = built.output?.contracts?.[a.inputSourceName]?.[artifact.contractName]?.storageLayout;
    }
    return { name, abi: artifact.abi, bytecode: artifact.bytecode, layout };
  };
  return {
    has: (name) => artifacts.artifactExists(name),
    contract(name) {
      let p = contracts.get(name);
      if (p === undefined) {
        p = load(name);
        contracts.set(name, p);
      }
      return p;
    },
  };
}
