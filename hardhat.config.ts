import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";
import lockstep from "./simulation/cli/plugin.js";
import lockstepBench from "./simulation/cli/benchPlugin.js";

const require = createRequire(import.meta.url);

/** The solc-js release installed from npm; `solidity.version` must equal it. */
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, lockstep, lockstepBench],
  // Lockstep's own contracts, and those of the starter (`sim init`) and the examples, which its tests run.
  paths: { sources: { solidity: ["contracts", "templates/starter/contracts", "examples/erc4626-vault/contracts"] } },
  solidity: {
    version: SOLC_VERSION,
    // Hardhat downloads compilers from its own host, which is unreachable behind many
    // firewalls (and here): the npm `solc` package's soljson compiles offline.
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "prague",
      // (Lockstep's plugin asks the compiler for the storage layout too: it locates state variables by it.)
    },
  },
  networks: {
    // Same-second blocks let every transaction of a substep carry the substep's timestamp.
    default: { type: "edr-simulated", chainType: "l1", hardfork: "prague", allowBlocksWithSameTimestamp: true },
    // What `npx hardhat node` serves: the same chain, so a run against it reproduces the in-process run.
    node: { type: "edr-simulated", chainType: "l1", hardfork: "prague", allowBlocksWithSameTimestamp: true },
    // `--network sepolia`, only when its endpoint is set; the agents' keys and the funder come from the mnemonic.
    ...(process.env["SEPOLIA_RPC_URL"]
      ? {
          sepolia: {
            type: "http",
            chainType: "l1",
            url: process.env["SEPOLIA_RPC_URL"],
            ...(process.env["LOCKSTEP_MNEMONIC"] ? { accounts: { mnemonic: process.env["LOCKSTEP_MNEMONIC"] } } : {}),
          },
        }
      : {}),
  },
  test: { mocha: { timeout: 120_000 } },
});
