import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./simulation/cli/tasks";

/** The solc-js release installed from npm; `solidity.version` must equal it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SOLC_VERSION: string = require("solc/package.json").version;

// Hardhat downloads compilers from its own host, which is unreachable behind
// many firewalls (and here). Serve the npm `solc` package's soljson instead.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: SOLC_VERSION,
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "prague",
      // The Lens reads state by storage slot: test/chain/storage.test.ts checks simulation/chain/storage.ts against this.
      outputSelection: { "*": { "*": ["storageLayout"] } },
    },
  },
  networks: {
    // Same-second blocks let every transaction of a substep carry the substep's timestamp.
    hardhat: { hardfork: "prague", allowBlocksWithSameTimestamp: true },
    // `--network sepolia`, only when its endpoint is set; the agents' keys and the funder come from the mnemonic.
    ...(process.env.SEPOLIA_RPC_URL
      ? {
          sepolia: {
            url: process.env.SEPOLIA_RPC_URL,
            ...(process.env.LOCKSTEP_MNEMONIC ? { accounts: { mnemonic: process.env.LOCKSTEP_MNEMONIC } } : {}),
          },
        }
      : {}),
  },
  gasReporter: { enabled: process.env.REPORT_GAS === "1", currency: "USD", offline: true },
  mocha: { timeout: 120_000 },
};

export default config;
