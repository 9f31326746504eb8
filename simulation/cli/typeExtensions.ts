/** What Lockstep's plugin adds to Hardhat's config types. */
import "hardhat/types/config";

declare module "hardhat/types/config" {
  interface HardhatUserConfig {
    /** Lockstep's settings. */
    lockstep?: LockstepUserConfig;
  }
  interface HardhatConfig {
    lockstep: LockstepConfig;
  }
}

export interface LockstepUserConfig {
  /** Scenario files by name, relative to the project root: `{ vault: "./sim/vault.ts" }`. */
  readonly scenarios?: Readonly<Record<string, string>>;
}

export interface LockstepConfig {
  /** Scenario files by name, absolute paths. */
  readonly scenarios: Readonly<Record<string, string>>;
}
