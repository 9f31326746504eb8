/**
 * `npm run bench`: how fast Lockstep is, as ratios measured side by side in one process
 * run (so they hold on a noisy machine). Not a test: nothing here asserts a timing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../analysis/files.js";
import { actionEncoder } from "../chain/mechanismBackend.js";
import { createTraceReleaser } from "../chain/edrMemory.js";
import { createInProcessTarget, inProcessTarget } from "../chain/inprocess.js";
import { rpc, toQuantity } from "../chain/rpc.js";
import { createInProcessSender, TX_GAS_LIMIT, type TxSender } from "../chain/sender.js";
import { createKeyRing } from "../engine/accounts.js";
import { InternalError } from "../engine/errors.js";
import { DEFAULT_START_TIME, executeRun, type Executed } from "../engine/execute.js";
import { applyAssignments, defaults } from "../engine/params.js";
import type { RunTask } from "../engine/plan.js";
import type { ActionRecord } from "../engine/run.js";
import { WorkerPool } from "../engine/pool.js";
import type { Eip1193Provider, Mode } from "../engine/types.js";
import { loadScenario, type AnyScenario, type LoadedScenario } from "../scenarios/index.js";
import { deployedOf, deployOnChain, runConfig, type Deployment } from "../sdk/resolve.js";
import { scenarioHost } from "./host.js";

interface Recorded {
  readonly from: string;
  readonly to: string;
  readonly data: string;
  readonly at: bigint;
  /** Gas it used in the recorded run. */
  readonly gas: bigint;
}

const GAS = toQuantity(TX_GAS_LIMIT);
const FEES = { maxFeePerGas: toQuantity(100n * 10n ** 9n), maxPriorityFeePerGas: "0x0" };

function paramsWith(scenario: AnyScenario, set: Record<string, number>): object {
  return applyAssignments(
    defaults(scenario.schema),
    Object.entries(set).map(([path, value]) => ({ path, value })),
  );
}

async function timedRun(
  hre: HardhatRuntimeEnvironment,
  scenario: AnyScenario,
  params: object,
  mode: Mode,
  steps: number,
  record?: ActionRecord[],
): Promise<Executed> {
  return executeRun(
    { scenario, params, modelParams: params, mode, seed: 1, steps },
    {
      target: inProcessTarget(hre),
      ...(record !== undefined
        ? { sink: { begin: () => {}, sample: () => {}, action: (r: ActionRecord) => void record.push(r) } }
        : {}),
    },
  );
}

const perSecond = (n: number, ms: number): number => n / (ms / 1000);
/** A run's actions and wall time, for `perSecond`. */
const rateOf = (run: Executed): [number, number] => [run.result.actions.total, run.result.wallMs];

/** The run's transactions, re-encoded against its deployment, with their block times. */
function txStream(
  scenario: LoadedScenario,
  params: object,
  records: readonly ActionRecord[],
  deployment: Deployment,
): Recorded[] {
  const keys = createKeyRing();
  const config = runConfig(scenario.resolved.definition, params, { startTime: DEFAULT_START_TIME, keys });
  const encode = actionEncoder(scenario.resolved, deployedOf(config, deployment, keys), deployment);
  return records.map((r) => {
    const call = encode({ agent: r.agent, kind: r.kind, args: r.args });
    return {
      from: r.sender,
      to: call.to,
      data: call.data,
      at: BigInt(r.chain!.timestamp),
      gas: BigInt(r.chain!.gasUsed ?? 0),
    };
  });
}

/**
 * The floor: the same transactions straight to the in-process provider, automine, pre-encoded.
 * EDR's traces of them are released as Lockstep's sender releases its own (see edrMemory.ts):
 * left to pile up, they took this process to 800 MB and made every later run slower (chain mode
 * 1,130 -> 560 actions/s after three replays), which would measure the replay, not the runs.
 */
async function rawReplay(provider: Eip1193Provider, stream: readonly Recorded[]): Promise<number> {
  const traces = createTraceReleaser();
  let lastAt = -1n;
  const started = performance.now();
  for (const tx of stream) {
    if (tx.at !== lastAt) {
      await rpc(provider, "evm_setNextBlockTimestamp", [toQuantity(tx.at)]);
      lastAt = tx.at;
    }
    try {
      await rpc(provider, "eth_sendTransaction", [{ from: tx.from, to: tx.to, data: tx.data, gas: GAS, ...FEES }]);
    } catch {
      // a revert: mined all the same
    }
    traces.executed(tx.gas);
  }
  return perSecond(stream.length, performance.now() - started);
}

/** The peer: the same stream through ethers (send, then wait for the receipt) against ganache 7 in-process. */
async function ganacheReplay(
  scenario: LoadedScenario,
  params: object,
  stream: readonly Recorded[],
  senders: readonly string[],
): Promise<number> {
  const ganache = (await import("ganache")).default;
  const { BrowserProvider } = await import("ethers");
  const keys = createKeyRing();
  const provider = ganache.provider({
    logging: { quiet: true },
    chain: { hardfork: "shanghai", allowUnlimitedContractSize: true },
    miner: { blockGasLimit: "0x5F5E100" },
    wallet: { unlockedAccounts: [...senders, keys.addressOf("deployer")], defaultBalance: 1_000_000 },
  }) as unknown as Eip1193Provider;
  for (const a of [...senders, keys.addressOf("deployer")]) {
    await rpc(provider, "evm_setAccountBalance", [a, toQuantity(10n ** 24n)]);
  }
  const sender: TxSender = {
    canWarpTime: false,
    async prepare() {},
    async send(from, call) {
      const hash = await rpc<string>(provider, "eth_sendTransaction", [
        { from, ...call, gas: toQuantity(15_000_000n) },
      ]);
      const r = await rpc<{ status: string; contractAddress: string | null; blockNumber: string; gasUsed: string }>(
        provider,
        "eth_getTransactionReceipt",
        [hash],
      );
      return {
        hash,
        ok: r.status === "0x1",
        gasUsed: BigInt(r.gasUsed),
        blockNumber: BigInt(r.blockNumber),
        timestamp: 0n,
        ...(r.contractAddress ? { contractAddress: r.contractAddress.toLowerCase() } : {}),
      };
    },
    async call(to, data) {
      return rpc<string>(provider, "eth_call", [{ to, data }, "latest"]);
    },
    async read(reads) {
      if (reads.length > 0) throw new InternalError("the ganache peer's replay samples nothing");
      return [];
    },
  };
  const config = runConfig(scenario.resolved.definition, params, { startTime: DEFAULT_START_TIME, keys });
  await deployOnChain(scenario.resolved, config, sender, keys);
  const ethersProvider = new BrowserProvider(provider as never, undefined, { cacheTimeout: -1 });
  const signers = new Map<string, Awaited<ReturnType<typeof ethersProvider.getSigner>>>();
  for (const a of senders) signers.set(a, await ethersProvider.getSigner(a));
  const started = performance.now();
  for (const tx of stream) {
    try {
      const sent = await signers.get(tx.from)!.sendTransaction({ to: tx.to, data: tx.data, gasLimit: 15_000_000n });
      await sent.wait();
    } catch {
      // a revert (ethers throws on a failed receipt)
    }
  }
  const rate = perSecond(stream.length, performance.now() - started);
  await (provider as unknown as { disconnect(): Promise<void> }).disconnect();
  return rate;
}

/**
 * Monte Carlo runs per second on 1 and on 2 workers. Both pools are started and warmed up
 * first (V8 is still optimising the model over a worker's first tens of runs, and each
 * worker pays that once in a sweep of thousands), then their batches alternate, so that a
 * machine whose speed drifts during the measurement weighs on both figures alike.
 */
async function poolRates(
  configPath: string | undefined,
  batch: (round: number) => RunTask[],
  warmRuns: number,
  rounds: number,
): Promise<{ one: number; two: number }> {
  const sink = { begin: () => {}, samples: () => {}, actions: () => {}, done: () => {}, failed: () => {} };
  const pools = [new WorkerPool(1, configPath), new WorkerPool(2, configPath)] as const;
  try {
    for (const pool of pools) {
      const warm = Array.from({ length: warmRuns * pool.size }, (_, i) => batch(1_000 + i)[0]!);
      await pool.run(warm, { workers: pool.size, sink });
    }
    const runs = [0, 0];
    const ms = [0, 0];
    for (let round = 0; round < rounds; round++) {
      for (const [i, pool] of pools.entries()) {
        const tasks = batch(round);
        const started = performance.now();
        await pool.run(tasks, { workers: pool.size, sink });
        ms[i]! += performance.now() - started;
        runs[i]! += tasks.length;
      }
    }
    return { one: perSecond(runs[0]!, ms[0]!), two: perSecond(runs[1]!, ms[1]!) };
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

/**
 * Lockstep-mode Monte Carlo two ways, on the same batches: two chains side by side in this
 * process (Hardhat 3's `network.create()`: EDR runs a request off the JavaScript thread, so
 * one run's model and agents may run while the other's chain works), and two worker processes
 * with a chain each (the pool). Warmed up first; batches alternate.
 */
async function lockstepParallelRates(
  hre: HardhatRuntimeEnvironment,
  batch: (round: number) => RunTask[],
  rounds: number,
): Promise<{ twoChainsInProcess: number; twoWorkers: number }> {
  const sink = { begin: () => {}, samples: () => {}, actions: () => {}, done: () => {}, failed: () => {} };
  const targets = [createInProcessTarget(hre), createInProcessTarget(hre)];
  const lanes = async (tasks: readonly RunTask[]): Promise<void> => {
    await Promise.all(
      targets.map(async (target, lane) => {
        for (const t of tasks.filter((_, i) => i % targets.length === lane)) {
          await executeRun({ ...t, scenario: await loadScenario(scenarioHost(hre), t.scenario) }, { target });
        }
      }),
    );
  };
  const pool = new WorkerPool(2, hre.config.paths.config);
  try {
    await lanes(batch(2_000).slice(0, 4));
    await pool.run(batch(2_001).slice(0, 4), { workers: 2, sink });
    const runs = [0, 0];
    const ms = [0, 0];
    for (let round = 0; round < rounds; round++) {
      const tasks = batch(3_000 + round);
      let started = performance.now();
      await lanes(tasks);
      ms[0]! += performance.now() - started;
      runs[0]! += tasks.length;
      started = performance.now();
      await pool.run(tasks, { workers: 2, sink });
      ms[1]! += performance.now() - started;
      runs[1]! += tasks.length;
    }
    return { twoChainsInProcess: perSecond(runs[0]!, ms[0]!), twoWorkers: perSecond(runs[1]!, ms[1]!) };
  } finally {
    await pool.close();
    await Promise.all(targets.map((t) => t.close()));
  }
}

/** Peak RSS (MiB) of a fresh process running `steps` steps in lockstep mode. */
function peakRss(root: string, scenario: string, steps: number): number {
  const out = spawnSync(
    process.execPath,
    [
      join(root, "node_modules/hardhat/dist/src/cli.js"),
      "bench",
      "--memory-probe",
      String(steps),
      "--scenario",
      scenario,
    ],
    { cwd: root, encoding: "utf8", env: { ...process.env } },
  );
  const m = /maxRssKb=(\d+)/.exec(out.stdout);
  if (m === null) throw new Error(`memory probe failed: ${out.stderr.slice(-500)}`);
  return Number(m[1]) / 1024;
}

/** `bench --memory-probe N`: one lockstep run, then its peak RSS. */
export async function memoryProbe(hre: HardhatRuntimeEnvironment, scenarioName: string, steps: number): Promise<void> {
  const scenario = await loadScenario(scenarioHost(hre), scenarioName);
  await timedRun(hre, scenario, defaults(scenario.schema), "lockstep", steps);
  process.stdout.write(`maxRssKb=${process.resourceUsage().maxRSS}\n`);
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A figure measured once per round: its median, and the range it moved in. */
interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly rounds: readonly number[];
}

function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs };
}

/** One round of the chain-side measurements: each figure once, side by side. */
interface Round {
  readonly raw: number;
  readonly chain: number;
  readonly lockstep: number;
  readonly model: number;
  readonly samplingShare: number;
  readonly lockstepTiming: Executed["result"]["timing"];
}

export async function bench(hre: HardhatRuntimeEnvironment, quick: boolean): Promise<void> {
  const say = (s: string): void => void process.stderr.write(s + "\n");
  const boson = await loadScenario(scenarioHost(hre), "boson-commerce");
  const steps = quick ? 8 : 24;
  const base = defaults(boson.schema);

  // A first run warms the process up (JIT, the agents' addresses) and records the transaction
  // stream that the raw replays send; every run of this seed sends the same one.
  say(`warm-up: chain mode, ${steps} steps of boson-commerce (recording the transaction stream)...`);
  const records: ActionRecord[] = [];
  const warm = await timedRun(hre, boson, base, "chain", steps, records);
  const deployment = warm.deployment as Deployment;
  const config = runConfig(boson.resolved.definition, base, { startTime: DEFAULT_START_TIME, keys: createKeyRing() });
  const stream = txStream(boson, base, records, deployment);
  const senders = [...new Set(stream.map((t) => t.from))];
  // Model runs are milliseconds each: V8 is still optimising the model's code over the first
  // tens of them. A sweep runs thousands in a long-lived worker, so measure the steady state.
  for (let i = 0; i < (quick ? 5 : 30); i++) await timedRun(hre, boson, base, "model", steps);

  const measure = {
    async raw(): Promise<number> {
      const target = inProcessTarget(hre);
      await target.fresh();
      const provider = target.provider;
      const inProcess = createInProcessSender(provider);
      await deployOnChain(boson.resolved, config, inProcess, createKeyRing());
      await inProcess.prepare(senders);
      return rawReplay(provider, stream);
    },
    async run(mode: Mode): Promise<Executed> {
      return timedRun(hre, boson, base, mode, steps);
    },
    async model(): Promise<number> {
      let actions = 0;
      let ms = 0;
      for (let i = 0; i < (quick ? 5 : 20); i++) {
        const m = await timedRun(hre, boson, base, "model", steps);
        actions += m.result.actions.total;
        ms += m.result.wallMs;
      }
      return perSecond(actions, ms);
    },
  };
  // The machine's speed drifts by half over minutes (seen here: the same run 0.95 s, then
  // 1.6 s a minute later, in a fresh process too), so each round measures every figure once,
  // in an order rotated from round to round, and the ratios are taken within a round.
  const rounds: Round[] = [];
  const roundCount = quick ? 2 : 7;
  const order = ["raw", "chain", "lockstep", "model"] as const;
  for (let r = 0; r < roundCount; r++) {
    say(`round ${r + 1} of ${roundCount}: raw EDR replay, chain, lockstep and model modes...`);
    const got: Partial<Record<(typeof order)[number], number>> = {};
    let lockstep: Executed | undefined;
    for (let k = 0; k < order.length; k++) {
      const what = order[(k + r) % order.length]!;
      if (what === "raw") got.raw = await measure.raw();
      else if (what === "model") got.model = await measure.model();
      else {
        const run = await measure.run(what);
        got[what] = perSecond(...rateOf(run));
        if (what === "lockstep") lockstep = run;
      }
    }
    rounds.push({
      raw: got.raw!,
      chain: got.chain!,
      lockstep: got.lockstep!,
      model: got.model!,
      samplingShare: lockstep!.result.timing.chainSampleMs / lockstep!.result.wallMs,
      lockstepTiming: lockstep!.result.timing,
    });
  }
  const rawRate = spread(rounds.map((r) => r.raw));
  const chainRate = spread(rounds.map((r) => r.chain));
  const lockstepRate = spread(rounds.map((r) => r.lockstep));
  const modelRate = spread(rounds.map((r) => r.model));

  say("sim fuzz on boson-commerce, between two raw EDR replays...");
  // A fuzz campaign sends one transaction per block and checks both sides after each (a sample of every
  // compared variable): its actions/s, against the raw replay measured just before and just after it.
  const fuzzBracket = [await measure.raw()];
  const { runCampaign } = await import("../fuzz/campaign.js");
  const fuzzed = await runCampaign({
    scenario: boson,
    params: base,
    set: "",
    seed: 1,
    runs: quick ? 3 : 10,
    depth: quick ? 100 : 200,
    steps: 3,
    target: inProcessTarget(hre),
  });
  fuzzBracket.push(await measure.raw());
  const fuzzRate = perSecond(fuzzed.actions, fuzzed.fuzzMs);
  const fuzzRawRate = (fuzzBracket[0]! + fuzzBracket[1]!) / 2;

  say("ganache 7 + ethers replay (the peer stack), between two chain-mode runs...");
  // The peer's replay takes a while at its speed: Lockstep's side of the ratio is the chain mode
  // measured just before and just after it, so both sides see the same machine.
  const bracket = [perSecond(...rateOf(await measure.run("chain")))];
  const peerStream = quick ? stream.slice(0, 600) : stream;
  const peerRate = await ganacheReplay(boson, base, peerStream, senders);
  bracket.push(perSecond(...rateOf(await measure.run("chain"))));
  const peerChainRate = (bracket[0]! + bracket[1]!) / 2;

  say("Monte Carlo on 1 and 2 workers...");
  // Each round is a Monte Carlo batch of 16 seeds (its own seeds, so no run repeats).
  const mcBatch = (round: number): RunTask[] =>
    Array.from({ length: quick ? 6 : 16 }, (_, i) => ({
      simulation: 0,
      subset: 0,
      run: i,
      scenario: boson.name,
      params: base,
      modelParams: base,
      seed: round * 1_000 + i + 1,
      mode: "model",
      steps: quick ? 24 : 60,
      variables: false,
      actions: false,
    }));
  const { one, two } = await poolRates(hre.config.paths.config, mcBatch, quick ? 3 : 30, quick ? 1 : 3);

  say("lockstep Monte Carlo: two chains in this process against two worker processes...");
  const lockstepBatch = (round: number): RunTask[] =>
    mcBatch(round).map((t) => ({ ...t, mode: "lockstep", steps: quick ? 4 : 12, variables: true, actions: true }));
  const lockstepParallel = await lockstepParallelRates(hre, lockstepBatch, quick ? 1 : 3);

  say("peak memory at 1x and 10x the steps (fresh processes)...");
  const memSteps = quick ? 6 : 24;
  const rss1 = peakRss(hre.config.paths.root, "fees-and-rewards", memSteps);
  const rss10 = peakRss(hre.config.paths.root, "fees-and-rewards", memSteps * 10);

  say("cost curve: 10x and 100x the agents...");
  const curveSteps = 2;
  const scaled = (k: number) =>
    paramsWith(boson, {
      "population.aggregators0": 2 * k,
      "population.sellers0": 2 * k,
      "population.buyers0": 5 * k,
      "population.aggregatorsPerStep": 0.1 * k,
    });
  const curve: { agents: number; actions: number; actionsPerSecond: number }[] = [];
  for (const k of quick ? [1, 10] : [1, 10, 100]) {
    const r = await timedRun(hre, boson, scaled(k), "chain", curveSteps);
    curve.push({
      agents: r.result.accounts.length,
      actions: r.result.actions.total,
      actionsPerSecond: perSecond(r.result.actions.total, r.result.wallMs),
    });
  }

  // Ratios within each round (both sides measured minutes apart would measure the machine's drift).
  const ratioSpreads = {
    chainVsRawEdr: spread(rounds.map((r) => r.chain / r.raw)),
    lockstepVsChain: spread(rounds.map((r) => r.lockstep / r.chain)),
    modelVsLockstep: spread(rounds.map((r) => r.model / r.lockstep)),
    samplingShare: spread(rounds.map((r) => r.samplingShare)),
  };
  const fuzzVsRawEdr = fuzzRate / fuzzRawRate;
  const results = {
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
    },
    quick,
    steps,
    rounds: roundCount,
    figures: {
      rawEdrTxPerSecond: rawRate,
      chainActionsPerSecond: chainRate,
      lockstepActionsPerSecond: lockstepRate,
      modelActionsPerSecond: modelRate,
      ganacheEthersTxPerSecond: peerRate,
      chainActionsPerSecondAroundPeer: bracket,
      monteCarloRunsPerSecond: { oneWorker: one, twoWorkers: two },
      lockstepMonteCarloRunsPerSecond: lockstepParallel,
      peakRssMiB: { steps: memSteps, oneX: rss1, tenX: rss10 },
      lockstepTiming: rounds.map((r) => r.lockstepTiming),
      costCurve: curve,
      fuzzActionsPerSecond: fuzzRate,
      rawEdrTxPerSecondAroundFuzz: fuzzBracket,
      fuzzCampaign: { sequences: fuzzed.sequences, actions: fuzzed.actions, failure: fuzzed.failure !== undefined },
    },
    ratios: {
      chainVsRawEdr: ratioSpreads.chainVsRawEdr.median,
      lockstepVsChain: ratioSpreads.lockstepVsChain.median,
      modelVsLockstep: ratioSpreads.modelVsLockstep.median,
      parallelEfficiency: two / (2 * one),
      memoryGrowth: rss10 / rss1,
      vsPeer: peerChainRate / peerRate,
      workersVsChainsInProcess: lockstepParallel.twoWorkers / lockstepParallel.twoChainsInProcess,
      fuzzVsRawEdr,
    },
    samplingShare: ratioSpreads.samplingShare.median,
    ratioSpreads,
    targets: {
      chainVsRawEdr: ">= 0.8",
      lockstepVsChain: ">= 0.9",
      modelVsLockstep: ">= 200",
      parallelEfficiency: ">= 0.85",
      memoryGrowth: "<= 1.2",
      vsPeer: ">= 8",
      samplingShare: "<= 0.1",
      workersVsChainsInProcess: "> 1 keeps workers",
      fuzzVsRawEdr: "(measured)",
    },
  };
  mkdirSync(join(hre.config.paths.root, "bench"), { recursive: true });
  writeFileSync(join(hre.config.paths.root, "bench", "results.json"), toJson(results, 2) + "\n");
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const range = (x: Spread) => `${f(x.median)}  (${f(x.min)}-${f(x.max)})`;
  const spreads: Record<string, Spread | undefined> = ratioSpreads;
  const lines = [
    `Lockstep benchmark (${quick ? "quick" : "full"}; boson-commerce, ${steps} steps; ${results.machine.cpus} cores, ${results.machine.cpu})`,
    `Medians of ${roundCount} rounds, each measuring every figure once; the range across rounds in brackets.`,
    ...(quick
      ? ["Quick mode checks that the benchmark runs: its runs are too short and too few for the ratios to mean much."]
      : []),
    "",
    "figure                                  value",
    `raw EDR (provider.request, automine)    ${range(rawRate)} tx/s`,
    `Lockstep chain mode                     ${range(chainRate)} actions/s`,
    `Lockstep lockstep mode                  ${range(lockstepRate)} actions/s`,
    `Lockstep model mode                     ${range(modelRate)} actions/s`,
    `ganache 7 + ethers wait()               ${f(peerRate)} tx/s (chain mode around it: ${f(peerChainRate)} actions/s)`,
    `Monte Carlo, 1 / 2 workers              ${f(one)} / ${f(two)} runs/s`,
    `lockstep Monte Carlo, 2 chains in this process / 2 workers  ${f(lockstepParallel.twoChainsInProcess)} / ${f(lockstepParallel.twoWorkers)} runs/s`,
    `peak RSS, ${memSteps} / ${memSteps * 10} steps               ${f(rss1)} / ${f(rss10)} MiB`,
    `sim fuzz (one tx a block, both sides checked after each)  ${f(fuzzRate)} actions/s (raw EDR around it: ${f(fuzzRawRate)} tx/s)`,
    ...curve.map(
      (c) =>
        `chain mode, ${String(c.agents).padStart(6)} agents          ${f(c.actionsPerSecond)} actions/s (${c.actions} actions)`,
    ),
    "",
    "ratio                 measured   target   range across rounds",
    ...[...Object.entries(results.ratios), ["samplingShare", results.samplingShare] as const].map(([k, v]) => {
      const across = spreads[k];
      const target = results.targets[k as keyof typeof results.targets];
      return `${k.padEnd(22)}${f(v).padStart(8)}   ${target.padEnd(8)}${across ? ` ${f(across.min)}-${f(across.max)}` : ""}`;
    }),
    "",
    "Written to bench/results.json",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
