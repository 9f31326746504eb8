/**
 * Lockstep's Hardhat 3 plugin: the `sim` tasks and `bench`; a network hook that lets the
 * in-process chain take a batch of JSON-RPC calls in one crossing into EDR (see rpcBatch.ts);
 * an HRE hook that checks a Lockstep command line before Hardhat parses it (see argv.ts).
 * Declared, not registered: a project lists it in its config's `plugins`.
 */
import { definePlugin } from "hardhat/plugins";
import { TASKS } from "./tasks.js";
import "./typeExtensions.js";

export default definePlugin({
  id: "lockstep",
  tasks: TASKS,
  hookHandlers: {
    network: () => import("./hooks/network.js"),
    hre: () => import("./hooks/hre.js"),
    config: () => import("./hooks/config.js"),
  },
});
