/**
 * Hardhat tasks of the `sim` scope. Their actions import the simulation lazily: it uses the
 * TypeChain bindings, which exist only once the contracts are compiled.
 */
import { scope, task } from "hardhat/config";

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
  .addFlag("report", "Also write the run's HTML report (report.html in the run folder)")
  .addOptionalParam("rpcUrl", "Run on this JSON-RPC endpoint (a Hardhat node, a testnet) instead of in-process")
  .addOptionalParam("confirmations", "Remote runs: blocks a transaction must be under before it counts (default 1)")
  .addOptionalParam(
    "stepSeconds",
    "Remote runs: seconds per step, the scenario's clock scaled (needed in wall-clock mode)",
  )
  .addOptionalParam("resume", "Resume an interrupted remote run from its folder (its journal.ndjson)")
  .setAction(async (args: Record<string, string | boolean | undefined>, hre) => {
    await hre.run("compile", { quiet: true });
    const { simRun } = await import("./run");
    const { report, ...rest } = args;
    process.exitCode = await simRun(hre, { ...(rest as Record<string, string | undefined>), report: report === true });
  });

sim
  .task(
    "sweep",
    "Parameter sweep: the cartesian product of the --grid axes, each parameter subset run with --runs Monte Carlo seeds",
  )
  .addOptionalParam("scenario", "Scenario name", "boson-commerce")
  .addOptionalParam(
    "grid",
    'Swept parameters, space-separated path=v1,v2,...: "fees.feeBps=25,50,100 fees.ecoBps=3000,5000" (their cartesian product)',
  )
  .addOptionalParam("runs", "Monte Carlo runs per subset (default 10); seeds derive from --seed, subset and run")
  .addOptionalParam("workers", "Worker processes, each with its own chain (default 2; 0 runs in this process)")
  .addOptionalParam("mode", "model (default) or lockstep")
  .addOptionalParam("steps", "Steps per run (default: the scenario's)")
  .addOptionalParam("seed", "Base seed (default 1)")
  .addOptionalParam("set", "Base parameters for every subset, space-separated path=value")
  .addFlag("actions", "Model mode: also store every action (about 7,000 rows per default run); lockstep runs always do")
  .addOptionalParam("out", "Results folder (default results)")
  .setAction(async (args: Record<string, string | boolean | undefined>, hre) => {
    const { simSweep } = await import("./experiment");
    process.exitCode = await simSweep(hre, args);
  });

sim
  .task("ab", "A/B test: both arms on the same seeds (common random numbers); paired differences with intervals")
  .addOptionalParam("scenario", "Scenario name", "boson-commerce")
  .addOptionalParam("a", 'Arm A, space-separated path=value: "fees.feeBps=50"')
  .addOptionalParam("b", 'Arm B, space-separated path=value: "fees.feeBps=100"')
  .addOptionalParam("runs", "Paired runs (default 30)")
  .addOptionalParam("workers", "Worker processes (default 2; 0 runs in this process)")
  .addOptionalParam("mode", "model (default) or lockstep")
  .addOptionalParam("steps", "Steps per run (default: the scenario's)")
  .addOptionalParam("seed", "Base seed (default 1)")
  .addOptionalParam("set", "Parameters for both arms, space-separated path=value")
  .addOptionalParam("out", "Results folder (default results)")
  .addFlag("actions", "Model mode: also store every action (about 7,000 rows per default run); lockstep runs always do")
  .setAction(async (args: Record<string, string | boolean | undefined>, hre) => {
    const { simAb } = await import("./experiment");
    process.exitCode = await simAb(hre, args);
  });

sim
  .task(
    "optimize",
    "Evolutionary search (CMA-ES) of parameters on model mode; the best candidates confirmed in lockstep on the contracts",
  )
  .addOptionalParam("scenario", "Scenario name", "boson-commerce")
  .addOptionalParam("objective", "The KPI to optimise, e.g. quality_redemptions")
  .addFlag("maximize", "Maximise the objective (the default)")
  .addFlag("minimize", "Minimise the objective")
  .addOptionalParam("param", 'Searched parameters, space-separated path=min..max: "fees.feeBps=0..300"')
  .addOptionalParam("constraint", 'Constraints on mean KPIs, space-separated: "complaint_rate<=0.05 commits>=100"')
  .addOptionalParam("budget", "Candidates to evaluate (default 200), rounded up to whole generations")
  .addOptionalParam("runsPerEval", "Seeds per candidate, shared by all candidates (default 5)")
  .addOptionalParam("confirm", "Best candidates re-run in lockstep mode (default 3)")
  .addOptionalParam("population", "Candidates per generation (default CMA-ES's 4 + 3 ln n)")
  .addOptionalParam("workers", "Worker processes (default 2; 0 runs in this process)")
  .addOptionalParam("steps", "Steps per run (default: the scenario's)")
  .addOptionalParam("seed", "Seed of the search and of the runs (default 1)")
  .addOptionalParam("set", "Fixed parameters, space-separated path=value")
  .addOptionalParam("out", "Results folder (default results)")
  .setAction(async (args: Record<string, string | boolean | undefined>, hre) => {
    const { simOptimize } = await import("./experiment");
    process.exitCode = await simOptimize(hre, args);
  });

sim
  .task(
    "export",
    "Export a run's or an experiment's results.duckdb as Parquet or CSV (runs, steps, variables, actions)",
  )
  .addOptionalParam("in", "The run or experiment folder")
  .addOptionalParam("format", "parquet (default) or csv")
  .setAction(async (args: Record<string, string | undefined>) => {
    const { simExport } = await import("./experiment");
    process.exitCode = await simExport(args);
  });

sim
  .task("report", "Write the HTML report of a run or experiment folder: one self-contained file, charts included")
  .addOptionalParam("in", "The run or experiment folder")
  .addOptionalParam("out", "The HTML file to write (default <folder>/report.html)")
  .setAction(async (args: Record<string, string | undefined>, hre) => {
    await hre.run("compile", { quiet: true });
    const { simReport } = await import("./report");
    process.exitCode = await simReport(args);
  });

task("bench", "Benchmark: Lockstep against raw EDR and a ganache + ethers peer; ratios in bench/results.json")
  .addFlag("quick", "A short version (under a minute) that checks the benchmark works")
  .addOptionalParam("memoryProbe", "(internal) run N lockstep steps and print the peak RSS")
  .addOptionalParam("scenario", "(internal) the memory probe's scenario", "fees-and-rewards")
  .setAction(async (args: { quick: boolean; memoryProbe?: string; scenario: string }, hre) => {
    await hre.run("compile", { quiet: true });
    const { bench, memoryProbe } = await import("./bench");
    if (args.memoryProbe !== undefined) await memoryProbe(hre, args.scenario, Number(args.memoryProbe));
    else await bench(hre, args.quick);
  });
