/**
 * Lockstep's own benchmark, as a Hardhat plugin of Lockstep's repository only (its
 * hardhat.config.ts lists it beside Lockstep's plugin): it measures Lockstep's own scenarios,
 * so a user's project has no use for it, and the package does not ship it.
 */
import { task } from "hardhat/config";
import { definePlugin } from "hardhat/plugins";
import { withOptions } from "./tasks.js";

const bench = withOptions(
  task("bench", "Benchmark: Lockstep against raw EDR and a ganache + ethers peer; ratios in bench/results.json"),
  [
    ["memoryProbe", "(internal) run N lockstep steps and print the peak RSS"],
    ["scenario", "(internal) the memory probe's scenario (default fees-and-rewards)"],
  ],
)
  .addFlag({ name: "quick", description: "A short version (under a minute) that checks the benchmark works" })
  .setAction(() => import("./actions/bench.js"))
  .build();

export default definePlugin({ id: "lockstep-bench", tasks: [bench] });
