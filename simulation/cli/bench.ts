/**
 * `npm run bench`: how fast Lockstep is, as ratios measured side by side in one process
 * run (so they hold on a noisy machine). Not a test: nothing here asserts a timing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { toJson } from "../analysis/files";
import { callContextFor, encodeAction } from "../chain/calls";
import { deploySystem } from "../chain/deploy";
import { inProcessTarget } from "../chain/inprocess";
import { rpc, toQuantity } from "../chain/rpc";
import { createInProcessSender, TX_GAS_LIMIT, type TxSender } from "../chain/sender";
import { createKeyRing } from "../engine/accounts";
import { DEFAULT_START_TIME, executeRun, type Executed } from "../engine/execute";
import { applyAssignments, defaults } from "../engine/params";
import type { RunTask } from "../engine/plan";
import type { ActionRecord } from "../engine/run";
import { WorkerPool } from "../engine/pool";
import type { Eip1193Provider, Mode } from "../engine/types";
import type { SystemAddresses, SystemConfig } from "../model/system";
import { scenarioByName, type AnyScenario } from "../scenarios";

interface Recorded {
  readonly from: string;
  readonly to: string;
  readonly data: string;
  readonly at: bigint;
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

/** The run's transactions, re-encoded against its deployment, with their block times. */
function txStream(records: readonly ActionRecord[], config: SystemConfig, addresses: SystemAddresses): Recorded[] {
  const ctx = callContextFor(config, addresses);
  return records.map((r) => {
    const call = encodeAction(ctx, { agent: r.agent, kind: r.kind, args: r.args });
    return { from: r.sender, to: call.to, data: call.data, at: BigInt(r.chain!.timestamp) };
  });
}

/** The floor: the same transactions straight to the in-process provider, automine, pre-encoded. */
async function rawReplay(provider: Eip1193Provider, stream: readonly Recorded[]): Promise<number> {
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
  }
  return perSecond(stream.length, performance.now() - started);
}

/** The peer: the same stream through ethers (send, then wait for the receipt) against ganache 7 in-process. */
async function ganacheReplay(
  config: SystemConfig,
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
  };
  await deploySystem(sender, config, keys);
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
  batch: (round: number) => RunTask[],
  warmRuns: number,
  rounds: number,
): Promise<{ one: number; two: number }> {
  const sink = { begin: () => {}, samples: () => {}, actions: () => {}, done: () => {}, failed: () => {} };
  const pools = [new WorkerPool(1), new WorkerPool(2)] as const;
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

/** Peak RSS (MiB) of a fresh process running `steps` steps in lockstep mode. */
function peakRss(root: string, scenario: string, steps: number): number {
  const out = spawnSync(
    process.execPath,
    [
      join(root, "node_modules/hardhat/internal/cli/cli.js"),
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
  const scenario = scenarioByName(scenarioName);
  await timedRun(hre, scenario, defaults(scenario.schema), "lockstep", steps);
  process.stdout.write(`maxRssKb=${process.resourceUsage().maxRSS}\n`);
}

export async function bench(hre: HardhatRuntimeEnvironment, quick: boolean): Promise<void> {
  const say = (s: string): void => void process.stderr.write(s + "\n");
  const boson = scenarioByName("boson-commerce");
  const steps = quick ? 8 : 24;
  const base = defaults(boson.schema);
  const provider = hre.network.provider;

  // A first run warms the process up (JIT, the agents' addresses), so that every mode below is measured warm.
  say(`warm-up: chain mode, ${steps} steps of boson-commerce...`);
  await timedRun(hre, boson, base, "chain", steps);
  say(`chain mode, ${steps} steps of boson-commerce (recording the transaction stream)...`);
  const records: ActionRecord[] = [];
  const chainRun = await timedRun(hre, boson, base, "chain", steps, records);
  const chainRate = perSecond(chainRun.result.actions.total, chainRun.result.wallMs);
  const addresses = chainRun.deployment as SystemAddresses;
  const config = boson.mechanisms.config(base, DEFAULT_START_TIME) as SystemConfig;
  const stream = txStream(records, config, addresses);

  say("raw EDR replay of the same transactions...");
  await inProcessTarget(hre).fresh();
  const keys = createKeyRing();
  const inProcess = createInProcessSender(provider);
  await deploySystem(inProcess, config, keys);
  const senders = [...new Set(stream.map((t) => t.from))];
  await inProcess.prepare(senders);
  const rawRate = await rawReplay(provider, stream);

  say("lockstep and model modes...");
  const lockstep = await timedRun(hre, boson, base, "lockstep", steps);
  const lockstepRate = perSecond(lockstep.result.actions.total, lockstep.result.wallMs);
  // Model runs are milliseconds each: V8 is still optimising the model's code over the first
  // tens of them. A sweep runs thousands in a long-lived worker, so measure the steady state.
  for (let i = 0; i < (quick ? 5 : 30); i++) await timedRun(hre, boson, base, "model", steps);
  let modelActions = 0;
  let modelMs = 0;
  for (let i = 0; i < (quick ? 5 : 30); i++) {
    const m = await timedRun(hre, boson, base, "model", steps);
    modelActions += m.result.actions.total;
    modelMs += m.result.wallMs;
  }
  const modelRate = perSecond(modelActions, modelMs);

  say("ganache 7 + ethers replay (the peer stack)...");
  const peerStream = quick ? stream.slice(0, 600) : stream;
  const peerRate = await ganacheReplay(config, peerStream, senders);

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
  const { one, two } = await poolRates(mcBatch, quick ? 3 : 30, quick ? 1 : 3);

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

  const t = lockstep.result.timing;
  const results = {
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
    },
    quick,
    steps,
    figures: {
      rawEdrTxPerSecond: rawRate,
      chainActionsPerSecond: chainRate,
      lockstepActionsPerSecond: lockstepRate,
      modelActionsPerSecond: modelRate,
      ganacheEthersTxPerSecond: peerRate,
      monteCarloRunsPerSecond: { oneWorker: one, twoWorkers: two },
      peakRssMiB: { steps: memSteps, oneX: rss1, tenX: rss10 },
      lockstepTiming: t,
      costCurve: curve,
    },
    ratios: {
      chainVsRawEdr: chainRate / rawRate,
      lockstepVsChain: lockstepRate / chainRate,
      modelVsLockstep: modelRate / lockstepRate,
      parallelEfficiency: two / (2 * one),
      memoryGrowth: rss10 / rss1,
      vsPeer: chainRate / peerRate,
    },
    samplingShare: t.chainSampleMs / lockstep.result.wallMs,
    targets: {
      chainVsRawEdr: ">= 0.8",
      lockstepVsChain: ">= 0.9",
      modelVsLockstep: ">= 200",
      parallelEfficiency: ">= 0.85",
      memoryGrowth: "<= 1.2",
      vsPeer: ">= 8",
      samplingShare: "<= 0.1",
    },
  };
  mkdirSync(join(hre.config.paths.root, "bench"), { recursive: true });
  writeFileSync(join(hre.config.paths.root, "bench", "results.json"), toJson(results, 2) + "\n");
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = [
    `Lockstep benchmark (${quick ? "quick" : "full"}; boson-commerce, ${steps} steps; ${results.machine.cpus} cores, ${results.machine.cpu})`,
    "",
    "figure                                  value",
    `raw EDR (provider.request, automine)    ${f(rawRate)} tx/s`,
    `Lockstep chain mode                     ${f(chainRate)} actions/s`,
    `Lockstep lockstep mode                  ${f(lockstepRate)} actions/s`,
    `Lockstep model mode                     ${f(modelRate)} actions/s`,
    `ganache 7 + ethers wait()               ${f(peerRate)} tx/s`,
    `Monte Carlo, 1 / 2 workers              ${f(one)} / ${f(two)} runs/s`,
    `peak RSS, ${memSteps} / ${memSteps * 10} steps               ${f(rss1)} / ${f(rss10)} MiB`,
    ...curve.map(
      (c) =>
        `chain mode, ${String(c.agents).padStart(6)} agents          ${f(c.actionsPerSecond)} actions/s (${c.actions} actions)`,
    ),
    "",
    "ratio                 measured   target",
    ...Object.entries(results.ratios).map(
      ([k, v]) => `${k.padEnd(22)}${f(v).padStart(8)}   ${results.targets[k as keyof typeof results.targets]}`,
    ),
    `${"samplingShare".padEnd(22)}${f(results.samplingShare).padStart(8)}   ${results.targets.samplingShare}`,
    "",
    "Written to bench/results.json",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
