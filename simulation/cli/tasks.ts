/**
 * Hardhat tasks of the `sim` scope. Their actions import the simulation lazily: it uses the
 * TypeChain bindings, which exist only once the contracts are compiled.
 */
import { scope } from "hardhat/config";

const sim = scope("sim", "Lockstep: run token-engineering simulations against the contracts and their model");

sim
  .task("run", "Run one scenario: agents drive the contracts and the model in lockstep, compared every step")
  .addOptionalParam("scenario", "Scenario name (boson-commerce, fees-and-rewards)", "boson-commerce")
  .addOptionalParam("steps", "Number of steps (default: the scenario's)")
  .addOptionalParam("seed", "Random seed, an integer (default 1)")
  .addOptionalParam("out", "Results folder (default results)")
  .addOptionalParam("mode", "lockstep (default), model, or chain")
  .addOptionalParam("set", 'Parameters for both sides, space-separated: "fees.feeBps=75 offers.priceMin=5e18"')
  .addOptionalParam("modelSet", "Parameters for the model only (a model assumption to check against the contracts)")
  .setAction(async (args: Record<string, string | undefined>, hre) => {
    await hre.run("compile", { quiet: true });
    const { simRun } = await import("./run");
    process.exitCode = await simRun(hre, args);
  });
