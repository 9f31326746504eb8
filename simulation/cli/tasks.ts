/**
 * The tasks of Lockstep's Hardhat plugin: the `sim` scope. Each action is a
 * module loaded only when its task runs, so a project that loads the plugin pays nothing
 * for it until then.
 *
 * Every option is a string (or a flag): Lockstep validates values itself, so a bad value gets
 * Lockstep's one-line message (the field, the value, what was expected) and exit code 2.
 */
import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { TaskDefinition } from "hardhat/types/tasks";

export type Builder = ReturnType<typeof task>;

/** String options, in order: `[name, description]`, or `[name, description, default]`. */
export function withOptions<B extends Builder>(
  builder: B,
  options: readonly (readonly [string, string] | readonly [string, string, string])[],
): B {
  let b: Builder = builder;
  for (const [name, description, defaultValue] of options) {
    b =
      defaultValue === undefined
        ? b.addOption({ name, description, type: ArgumentType.STRING_WITHOUT_DEFAULT, defaultValue: undefined })
        : b.addOption({ name, description, type: ArgumentType.STRING, defaultValue });
  }
  return b as B;
}

const SCENARIO = [
  "scenario",
  "Scenario: a built-in name (boson-commerce, fees-and-rewards)",
  "boson-commerce",
] as const;
const EXPERIMENT_COMMON = [
  ["workers", "Worker processes, each with its own chain (default 2; 0 runs in this process)"],
  ["steps", "Steps per run (default: the scenario's)"],
  ["seed", "Base seed (default 1)"],
  ["out", "Results folder (default results)"],
  [
    "resume",
    "Resume an interrupted experiment from its folder: its settings are read back, its recorded runs kept, the others run",
  ],
  [
    "queue",
    "Run through this Redis (redis://host:port): runs go to the `sim worker` processes on any machine; this one records them",
  ],
] as const;
const ACTIONS_FLAG = {
  name: "actions",
  description: "Model mode: also store every action (about 7,000 rows per default run); lockstep runs always do",
} as const;

const run = withOptions(
  task(["sim", "run"], "Run one scenario: agents drive the contracts and the model in lockstep, compared every step"),
  [
    SCENARIO,
    ["steps", "Number of steps (default: the scenario's)"],
    ["seed", "Random seed, an integer (default 1)"],
    ["out", "Results folder (default results)"],
    ["mode", "lockstep (default), model, or chain"],
    ["set", 'Parameters for both sides, space-separated: "fees.feeBps=75 offers.priceMin=5e18"'],
    ["modelSet", "Parameters for the model only (a model assumption to check against the contracts)"],
    ["rpcUrl", "Run on this JSON-RPC endpoint (a Hardhat node, a testnet) instead of in-process"],
    ["confirmations", "Remote runs: blocks a transaction must be under before it counts (default 1)"],
    ["stepSeconds", "Remote runs: seconds per step, the scenario's clock scaled (needed in wall-clock mode)"],
    [
      "resume",
      "Resume an interrupted run from its folder: in-process runs start again from step 0, remote ones from their journal",
    ],
  ],
)
  .addFlag({ name: "report", description: "Also write the run's HTML report (report.html in the run folder)" })
  .setAction(() => import("./actions/run.js"))
  .build();

const sweep = withOptions(
  task(
    ["sim", "sweep"],
    "Parameter sweep: the cartesian product of the --grid axes, each parameter subset run with --runs Monte Carlo seeds",
  ),
  [
    SCENARIO,
    [
      "grid",
      'Swept parameters, space-separated path=v1,v2,...: "fees.feeBps=25,50,100 fees.ecoBps=3000,5000" (their cartesian product)',
    ],
    [
      "runs",
      "Monte Carlo runs per subset (default 10); run r of every subset uses the seed of (--seed, r): common random numbers",
    ],
    ["mode", "model (default) or lockstep"],
    ["set", "Base parameters for every subset, space-separated path=value"],
    ...EXPERIMENT_COMMON,
  ],
)
  .addFlag(ACTIONS_FLAG)
  .addFlag({
    name: "independentSeeds",
    description:
      "Give each subset its own seeds, from (--seed, subset, run), instead of the same seeds in every subset",
  })
  .setAction(() => import("./actions/sweep.js"))
  .build();

const ab = withOptions(
  task(
    ["sim", "ab"],
    "A/B test: both arms on the same seeds (common random numbers); paired differences with intervals",
  ),
  [
    SCENARIO,
    ["a", 'Arm A, space-separated path=value: "fees.feeBps=50"'],
    ["b", 'Arm B, space-separated path=value: "fees.feeBps=100"'],
    ["runs", "Paired runs (default 30)"],
    ["mode", "model (default) or lockstep"],
    ["set", "Parameters for both arms, space-separated path=value"],
    ...EXPERIMENT_COMMON,
  ],
)
  .addFlag(ACTIONS_FLAG)
  .setAction(() => import("./actions/ab.js"))
  .build();

const optimize = withOptions(
  task(
    ["sim", "optimize"],
    "Evolutionary search (CMA-ES) of parameters on model mode; the best candidates confirmed in lockstep on the contracts",
  ),
  [
    SCENARIO,
    ["objective", "The KPI to optimise, e.g. quality_redemptions"],
    ["param", 'Searched parameters, space-separated path=min..max: "fees.feeBps=0..300"'],
    ["constraint", 'Constraints on mean KPIs, space-separated: "complaint_rate<=0.05 commits>=100"'],
    ["budget", "Candidates to evaluate (default 200), rounded up to whole generations"],
    ["runsPerEval", "Seeds per candidate, shared by all candidates (default 5)"],
    ["confirm", "Best candidates re-run in lockstep mode (default 3)"],
    ["population", "Candidates per generation (default CMA-ES's 4 + 3 ln n)"],
    ["set", "Fixed parameters, space-separated path=value"],
    ...EXPERIMENT_COMMON,
  ],
)
  .addFlag({ name: "maximize", description: "Maximise the objective (the default)" })
  .addFlag({ name: "minimize", description: "Minimise the objective" })
  .setAction(() => import("./actions/optimize.js"))
  .build();

const worker = withOptions(
  task(
    ["sim", "worker"],
    "Queue worker: runs the runs of experiments started with --queue (same checkout), one at a time, until Ctrl-C",
  ),
  [["queue", "The Redis the experiments' coordinators use: redis://host:port"]],
)
  .setAction(() => import("./actions/worker.js"))
  .build();

const exportTask = withOptions(
  task(
    ["sim", "export"],
    "Export a run's or an experiment's results as Parquet or CSV (runs, steps, variables, actions)",
  ),
  [
    ["in", "The run, experiment or fuzz campaign folder"],
    ["format", "parquet (default) or csv"],
  ],
)
  .setAction(() => import("./actions/export.js"))
  .build();

const report = withOptions(
  task(
    ["sim", "report"],
    "Write the HTML report of a run, experiment or fuzz campaign folder: one self-contained file, charts included",
  ),
  [
    ["in", "The run, experiment or fuzz campaign folder"],
    ["out", "The HTML file to write (default <folder>/report.html)"],
  ],
)
  .setAction(() => import("./actions/report.js"))
  .build();

const fuzz = withOptions(
  task(
    ["sim", "fuzz"],
    "Fuzz: random and adversarial action sequences against the mechanism, the model as the oracle after every action",
  ),
  [
    SCENARIO,
    ["runs", "Sequences to run (default 20)"],
    ["seconds", "Run sequences for this many seconds instead of --runs"],
    ["seed", "Base seed (default 1): the seed and a sequence's index give the sequence"],
    ["depth", "Actions per sequence (default 100)"],
    ["steps", "Steps of the scenario's clock its agents act in (default 3)"],
    ["set", "Parameters, space-separated path=value"],
    ["out", "Results folder (default results)"],
    ["replay", "Replay a failing sequence from its replay.json, bit for bit"],
    ["exportTest", "With --replay: write the sequence as a mocha test to this file"],
  ],
)
  .setAction(() => import("./actions/fuzz.js"))
  .build();

const deploy = withOptions(
  task(
    ["sim", "deploy"],
    "Deploy a scenario's mechanism to a network, with no agents, for real users; sim observe replays what they do",
  ),
  [
    SCENARIO,
    ["set", 'Parameters, space-separated path=value: "fees.feeBps=75"'],
    ["rpcUrl", "The JSON-RPC endpoint to deploy to (or give --network)"],
    [
      "stepSeconds",
      "Seconds per scenario step on this chain: the mechanism's durations (epochs, vesting) scaled to it",
    ],
    ["out", "Results folder (default results)"],
  ],
)
  .setAction(() => import("./actions/deploy.js"))
  .build();

const observeTask = withOptions(
  task(
    ["sim", "observe"],
    "Replay what real users did with a deployed mechanism through its model, call by call, compared at every block",
  ),
  [
    ["deployment", "The folder of sim deploy, or of a remote sim run"],
    ["fromBlock", "First block compared (default: the first after the deployment)"],
    ["toBlock", "Last block read (default: the latest)"],
    ["modelSet", "Parameters for the model only (a model assumption to check against what users did)"],
    ["rpcUrl", "The JSON-RPC endpoint (default: the one the deployment recorded)"],
    ["confirmations", "Blocks a block must be under before it is read (default 1; more on a public network)"],
    ["resume", "Continue an observation from its folder's checkpoint"],
    ["out", "Results folder (default results)"],
  ],
)
  .addFlag({ name: "follow", description: "Keep going as new blocks arrive, until Ctrl-C" })
  .setAction(() => import("./actions/observe.js"))
  .build();

const fitTask = withOptions(
  task(
    ["sim", "fit"],
    "Fit a scenario's behavioural parameters so simulated runs reproduce an observation (counts, amounts, delays)",
  ),
  [
    ["observed", "The folder of sim observe (or of any run) to fit to"],
    ["param", 'Fitted parameters, space-separated path=min..max: "buyers.commitProbability=0..1"'],
    ["runsPerEval", "Seeds per candidate, shared by all candidates (default 4)"],
    ["budget", "Candidates to evaluate (default 60), rounded up to whole generations"],
    ["population", "Candidates per generation (default CMA-ES's 4 + 3 ln n)"],
    ["steps", "Steps of the simulated runs (default: what the observation spans)"],
    ["seed", "Base seed (default 1)"],
    ["set", "Fixed parameters on top of the observation's, space-separated path=value"],
    ["out", "Results folder (default results)"],
  ],
)
  .setAction(() => import("./actions/fit.js"))
  .build();

const init = task(
  ["sim", "init"],
  "Write a starter into this project: a contract, its pure model, agents and a scenario that runs with parity",
)
  .addFlag({ name: "force", description: "Overwrite the starter's files where they exist" })
  .setAction(() => import("./actions/init.js"))
  .build();

export const TASKS: TaskDefinition[] = [
  emptyTask("sim", "Lockstep: run token-engineering simulations against the contracts and their model").build(),
  init,
  run,
  sweep,
  ab,
  optimize,
  worker,
  fuzz,
  exportTask,
  report,
  deploy,
  observeTask,
  fitTask,
];
