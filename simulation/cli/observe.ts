/**
 * `sim observe --deployment <folder> [--from-block N] [--to-block N | --follow] [--model-set ...]`
 * and `sim observe --resume <observation folder>`: replays what a chain recorded of a deployed
 * mechanism (every call into its contracts, from any sender) through the scenario's model, and
 * writes an ordinary run folder (trace.csv, actions.ndjson, manifest.json) that `sim report` and
 * `sim export` read, plus calls.ndjson and checkpoint.json. See simulation/observe/.
 */
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { createHash } from "node:crypto";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../analysis/files.js";
import { readJsonObject } from "../analysis/jsonFields.js";
import { createJsonRpcClient, RpcResponseError, RpcTransportError, urlHasSecret } from "../chain/jsonRpc.js";
import { RemoteError } from "../chain/remote.js";
import { rpc } from "../chain/rpc.js";
import type { KeyRing } from "../engine/accounts.js";
import { UserError } from "../engine/errors.js";
import { applyAssignments } from "../engine/params.js";
import type { Account } from "../engine/types.js";
import { blockSource } from "../observe/blocks.js";
import { callDecoder } from "../observe/decodeCall.js";
import { readDeployment, type ObservedDeployment } from "../observe/deployment.js";
import { ObserveFolder } from "../observe/folder.js";
import { observe } from "../observe/follow.js";
import { Observer } from "../observe/observer.js";
import { stateReader } from "../observe/stateAt.js";
import { createMechanismModelBackend } from "../sdk/modelBackend.js";
import { DEPLOYER_ID, deployedOf, runConfig } from "../sdk/resolve.js";
import { scenarioHost } from "./host.js";
import { accountFields, gitCommit, toolchain } from "./manifest.js";
import { checkParams, optionError, parseAssignments, parseIntegerOption } from "./prepare.js";
import { resolveAccounts } from "./remoteAccounts.js";
import { EXIT_REMOTE_FAILURE, endpointUrl, rpcTuning } from "./remoteRun.js";
import { checkOutDir } from "./run.js";
import { Secrets } from "./secrets.js";
import { printObservation } from "./observeSummary.js";

export interface ObserveArgs {
  readonly deployment?: string | undefined;
  readonly fromBlock?: string | undefined;
  readonly toBlock?: string | undefined;
  readonly follow?: boolean | undefined;
  readonly resume?: string | undefined;
  readonly modelSet?: string | undefined;
  readonly rpcUrl?: string | undefined;
  readonly confirmations?: string | undefined;
  readonly out?: string | undefined;
}

export async function simObserve(hre: HardhatRuntimeEnvironment, args: ObserveArgs): Promise<number> {
  const secrets = new Secrets();
  secrets.add(process.env["LOCKSTEP_MNEMONIC"]);
  if (args.rpcUrl !== undefined && urlHasSecret(args.rpcUrl)) secrets.add(args.rpcUrl);
  const unguard = secrets.guardStreams();
  const folderRef: { path?: string } = {};
  try {
    return await run(hre, args, secrets, folderRef);
  } catch (e) {
    const message = secrets.scrub(e instanceof Error ? e.message : String(e));
    if (e instanceof UserError) {
      process.stderr.write(`error: ${message}\n`);
      return 2;
    }
    if (e instanceof RemoteError || e instanceof RpcTransportError || e instanceof RpcResponseError) {
      process.stderr.write(`error: ${message}\n`);
      if (folderRef.path !== undefined)
        process.stderr.write(`Resume with: npx hardhat sim observe --resume ${folderRef.path}\n`);
      return EXIT_REMOTE_FAILURE;
    }
    const scrubbed = new Error(message);
    scrubbed.stack = secrets.scrub((e as Error | undefined)?.stack ?? message);
    throw scrubbed;
  } finally {
    unguard();
  }
}

/** What an observation is of: from the flags, or, resuming, from its own manifest. */
interface Setup {
  readonly deployment: string;
  readonly modelSet: string | undefined;
  readonly fromBlock: string | undefined;
  readonly folder: string | undefined;
  readonly outDir: string;
  readonly resumed: Record<string, unknown> | undefined;
}

function setupOf(args: ObserveArgs): Setup {
  if (args.follow === true && args.toBlock !== undefined) {
    throw optionError(
      "to-block",
      args.toBlock,
      "no --to-block with --follow (a following observation has no last block)",
    );
  }
  if (args.resume === undefined) {
    if (args.deployment === undefined) {
      throw new UserError(
        "Missing option --deployment: expected the folder of sim deploy or of a remote sim run (or --resume <observation folder>).",
      );
    }
    return {
      deployment: args.deployment,
      modelSet: args.modelSet,
      fromBlock: args.fromBlock,
      folder: undefined,
      outDir: checkOutDir(args.out ?? "results"),
      resumed: undefined,
    };
  }
  for (const [flag, value] of [
    ["deployment", args.deployment],
    ["from-block", args.fromBlock],
    ["model-set", args.modelSet],
    ["out", args.out],
  ] as const) {
    if (value !== undefined) {
      throw optionError(
        flag,
        value,
        `no --${flag} with --resume: a resumed observation takes it from its manifest.json`,
      );
    }
  }
  const folder = resolve(args.resume);
  const path = join(folder, "manifest.json");
  if (!existsSync(path)) throw optionError("resume", args.resume, "an observation's folder (it has no manifest.json)");
  const m = readJsonObject(path, "the manifest.json of an observation");
  const o = m["observe"] as Record<string, unknown> | undefined;
  if (typeof o !== "object" || o === null || typeof o["deployment"] !== "string") {
    throw optionError("resume", args.resume, "the folder of sim observe (its manifest has no observe.deployment)");
  }
  return {
    deployment: o["deployment"],
    modelSet: typeof o["modelSet"] === "string" ? o["modelSet"] : undefined,
    fromBlock: typeof o["fromBlock"] === "string" ? o["fromBlock"] : undefined,
    folder,
    outDir: resolve(folder, ".."),
    resumed: m,
  };
}

async function run(
  hre: HardhatRuntimeEnvironment,
  args: ObserveArgs,
  secrets: Secrets,
  folderRef: { path?: string },
): Promise<number> {
  const say = (line: string): void => void process.stdout.write(line + "\n");
  const setup = setupOf(args);
  const host = scenarioHost(hre);
  const dep = await readDeployment(host, setup.deployment);
  const scenario = dep.scenario;
  const r = scenario.resolved;
  const url = await endpointUrl(hre, args.rpcUrl, dep.rpcUrl);
  const client = createJsonRpcClient({ url, seed: "lockstep/rpc/observe", ...rpcTuning() });
  const chainId = BigInt(await rpc<string>(client, "eth_chainId"));
  if (chainId !== dep.chainId) {
    throw new UserError(
      `The deployment is on chain ${dep.chainId}, but ${client.endpoint} is chain ${chainId}: observe it on its own chain.`,
    );
  }
  const confirmations =
    args.confirmations === undefined ? 1 : parseIntegerOption("confirmations", args.confirmations, 1, 64);
  const keys = await keysOf(hre, dep, secrets);

  // The model's parameters: the deployment's, or a model assumption to check against what real users did.
  const modelSet = parseAssignments(scenario, setup.modelSet, "--model-set");
  const params = dep.params as Record<string, unknown>;
  const modelParams = applyAssignments(params, modelSet);
  if (modelSet.length > 0) {
    checkParams(scenario, modelParams, "in --model-set");
    const env = { startTime: dep.startTime, keys: keys.ring };
    if (toJson(runConfig(r.definition, params, env)) === toJson(runConfig(r.definition, modelParams, env))) {
      throw optionError(
        "model-set",
        setup.modelSet ?? "",
        "a change to a mechanism parameter: the contracts were deployed from the others, which agents' parameters do not touch",
      );
    }
  }
  const env = {
    startTime: dep.startTime,
    keys: keys.ring,
    ...(dep.timeScale !== undefined ? { timeScale: dep.timeScale } : {}),
  };
  for (const artifact of Object.values(dep.contracts.artifacts)) await r.load(artifact);
  const dChain = deployedOf(runConfig(r.definition, params, env), dep.contracts, keys.ring);
  const dModel = deployedOf(runConfig(r.definition, modelParams, env), dep.contracts, keys.ring);
  const model = createMechanismModelBackend(r, dModel);
  const decoder = callDecoder(r, dChain, dep.contracts);
  const mechanism = new Set(Object.values(dep.contracts.addresses).map((a) => a.toLowerCase()));
  const named: Account[] = [...keys.named.entries()].map(([id, address]) => ({
    id,
    role: "named",
    address,
    attrs: {},
  }));
  // The deployer is an account of the deployment whether or not it calls again: it holds what the
  // deployment left it, which invariants over every holder (balances sum to the supply) count.
  const deployer = dep.contracts.deployer.toLowerCase() as `0x${string}`;
  if (!named.some((a) => a.address.toLowerCase() === deployer)) {
    named.unshift({ id: DEPLOYER_ID, role: "named", address: deployer, attrs: {} });
  }
  const byAddress = new Map<string, string>([...dep.agents, ...[...keys.named].map(([id, a]) => [a, id] as const)]);
  const errors = r.errors();
  const observer = new Observer({
    scenario,
    params,
    model,
    decoder,
    state: await stateReader(r, client, dChain, dep.contracts),
    decodeError: (data) => errors.decode(data),
    named,
    nameOf: (a) => byAddress.get(a),
    mechanism,
    stepSeconds: dep.timeScale?.chainStepSeconds ?? scenario.stepSeconds(params),
    startTime: dep.startTime,
  });
  const source = blockSource(client, mechanism);

  const deployedAt = dep.deployedAtBlock ?? (await lastBlockOf(client, dep.deploymentTxs));
  const firstBlock = deployedAt + 1n;
  const fromBlock =
    setup.fromBlock === undefined
      ? firstBlock
      : BigInt(parseIntegerOption("from-block", setup.fromBlock, 0, Number.MAX_SAFE_INTEGER));
  if (fromBlock < firstBlock) {
    throw optionError(
      "from-block",
      setup.fromBlock!,
      `a block after the deployment's last (${deployedAt}): the model starts from the deployment and mirrors its own transactions`,
    );
  }
  const toBlock =
    args.toBlock === undefined
      ? undefined
      : BigInt(parseIntegerOption("to-block", args.toBlock, 0, Number.MAX_SAFE_INTEGER));
  if (toBlock !== undefined && toBlock < fromBlock - 1n) {
    throw optionError("to-block", args.toBlock!, `a block at or after --from-block (${fromBlock})`);
  }

  const digest = createHash("sha256")
    .update(toJson({ deployment: dep.contracts.addresses, chainId: dep.chainId, modelParams }))
    .digest("hex")
    .slice(0, 8);
  const path =
    setup.folder ?? join(setup.outDir, `observe-${scenario.name}-${digest}-chain${chainId}-from${fromBlock}`);
  if (setup.folder === undefined && existsSync(path)) {
    throw new UserError(`${path} exists already: resume it with --resume ${path}, or remove it.`);
  }
  const folder = new ObserveFolder(path);
  folderRef.path = path;
  const resume = setup.folder === undefined ? undefined : folder.restore((header) => layoutOf(header));
  if (resume === undefined) folder.start();
  const before = (setup.resumed?.["observe"] as { resumes?: unknown } | undefined)?.resumes;
  const resumes = (typeof before === "number" ? before : 0) + (resume !== undefined ? 1 : 0);
  const base = {
    lockstep: "0.1.0",
    scenario: scenario.name,
    ...(scenario.file !== undefined ? { scenarioFile: scenario.file } : {}),
    mode: "lockstep",
    seed: 0,
    startTime: dep.startTime,
    params,
    modelParams,
    set: dep.set,
    modelSet,
    git: gitCommit(hre.config.paths.root),
    toolchain: toolchain(hre),
    bytecode: scenario.bytecodeHashes(),
    accountFields: accountFields(scenario),
    chain: { chainId: Number(chainId), client: await rpc<string>(client, "web3_clientVersion").catch(() => "unknown") },
    contracts: dep.contracts,
  };
  const observeBase = {
    deployment: dep.folder,
    deploymentKind: dep.kind,
    rpcUrl: urlHasSecret(url) ? null : url,
    fromBlock: fromBlock.toString(),
    // The chain's clock against the scenario's (a deployment on a public network may compress it): what sim fit reads.
    timeScale: dep.timeScale ?? null,
    ...(setup.modelSet !== undefined ? { modelSet: setup.modelSet } : {}),
    confirmations,
    follow: args.follow === true,
    resumes,
  };
  folder.writeManifest({ ...base, steps: 1, status: "running", observe: observeBase });
  say(
    `Observing ${scenario.name}'s mechanism ${r.definition.name} (${Object.keys(dep.contracts.addresses).length} contracts, ` +
      `deployed by block ${deployedAt}) on chain ${chainId} at ${client.endpoint}` +
      (resume !== undefined ? `, resuming after block ${resume.checkpoint.block}` : `, from block ${fromBlock}`) +
      (args.follow === true
        ? ", following new blocks (Ctrl-C stops)"
        : toBlock !== undefined
          ? ` to block ${toBlock}`
          : " to the latest block") +
      ".",
  );
  for (const b of decoder.blind) say(`Note: action ${b.kind}: ${b.reason}.`);

  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const started = performance.now();
  let end;
  try {
    end = await observe({
      folder,
      source,
      observer,
      firstBlock,
      fromBlock,
      toBlock,
      follow: args.follow === true,
      confirmations,
      pollMs: pollMs(),
      resume,
      shouldStop: () => stop,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const c = observer.counters;
  const status = c.divergences > 0 ? "diverged" : "parity";
  const manifest = {
    ...base,
    steps: Math.max(1, observer.rows - 1),
    status,
    divergences: c.divergences,
    firstDivergence: observer.firstDivergence ?? null,
    pinnedDivergence: null,
    invariantViolations: c.invariantViolations,
    firstInvariantViolation: observer.firstViolation ?? null,
    traceHash: folder.traceHash(),
    variables: observer.variableNames().length,
    comparisons: c.comparisons,
    kpis: observer.kpis,
    actions: { total: c.actions, reverted: c.reverted, byKind: c.byKind },
    gasUsed: c.gasUsed,
    wallSeconds: (performance.now() - started) / 1000,
    observe: {
      ...observeBase,
      toBlock: end.lastBlock.toString(),
      stopped: end.stopped,
      traces: source.traces === undefined ? "not needed" : source.traces ? "call tracer" : "none",
      calls: {
        total: c.calls,
        actions: c.actions,
        undeclared: c.undeclared,
        undecodable: c.undecodable,
        rolledBack: c.rolledBack,
        reentrant: c.reentrant,
        unobserved: c.unobserved,
        throughContracts: c.throughContracts,
        unmodelledChanges: c.unmodelledChanges,
      },
      agents: observer.accounts.length,
      firstUnmodelled: observer.firstUnmodelled ?? null,
      firstWrongTransaction: observer.firstWrong ?? null,
    },
  };
  folder.writeManifest(manifest);
  printObservation(manifest, observer, path, basename(dep.folder));
  return c.divergences > 0 || c.invariantViolations > 0 ? 1 : 0;
}

/** The trace layout a checkpoint's header describes. */
function layoutOf(header: readonly string[]) {
  return {
    simulation: 0,
    subset: 0,
    run: 0,
    variables: header.filter((h) => h.endsWith(":model")).map((h) => h.slice(0, -":model".length)),
    kpis: header.filter((h) => h.startsWith("kpi:")).map((h) => h.slice(4)),
    model: true,
    chain: true,
  };
}

/** The addresses the model asks for by account id, and those it named. */
async function keysOf(
  hre: HardhatRuntimeEnvironment,
  dep: ObservedDeployment,
  secrets: Secrets,
): Promise<{ ring: KeyRing; named: Map<string, `0x${string}`> }> {
  const named = new Map<string, `0x${string}`>();
  if (dep.accounts !== undefined) {
    const recorded = dep.accounts;
    return {
      named: new Map(recorded),
      ring: {
        privateKeyOf: () => {
          throw new UserError("An observer signs nothing.");
        },
        addressOf(id) {
          const a = recorded.get(id);
          if (a === undefined) {
            throw new UserError(
              `The model asks for the address of account ${id}, which ${dep.folder}/manifest.json does not record (accounts).`,
            );
          }
          return a;
        },
      },
    };
  }
  // A remote run's accounts derive from its keys, as the run's did: the deployer must come out the same.
  const accounts = await resolveAccounts(hre, dep.chainId, secrets);
  const deployer = accounts.keys.addressOf(DEPLOYER_ID);
  if (deployer !== dep.contracts.deployer) {
    throw new UserError(
      `The run's deployer was ${dep.contracts.deployer}, but the keys now give ${deployer}: observe it with the keys it ` +
        `ran with (LOCKSTEP_MNEMONIC, or the network's accounts), which name its accounts.`,
    );
  }
  return {
    named,
    ring: {
      privateKeyOf: () => {
        throw new UserError("An observer signs nothing.");
      },
      addressOf(id) {
        const a = accounts.keys.addressOf(id);
        named.set(id, a);
        return a;
      },
    },
  };
}

/** The last block holding one of the transactions (a remote run's deployment, from its journal). */
async function lastBlockOf(client: Parameters<typeof rpc>[0], hashes: readonly string[]): Promise<bigint> {
  let last = 0n;
  for (const hash of hashes) {
    const receipt = await rpc<{ blockNumber: string } | null>(client, "eth_getTransactionReceipt", [hash]);
    if (receipt !== null && BigInt(receipt.blockNumber) > last) last = BigInt(receipt.blockNumber);
  }
  if (last === 0n)
    throw new UserError("None of the run's deployment transactions is on this chain: is it the run's chain?");
  return last;
}

/** `LOCKSTEP_POLL_MS`: how often a following observation asks for new blocks (default 2000). */
function pollMs(): number {
  const v = process.env["LOCKSTEP_POLL_MS"]?.trim();
  if (v === undefined || v === "") return 2_000;
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UserError(`LOCKSTEP_POLL_MS = ${JSON.stringify(v)}: expected milliseconds, a positive integer.`);
  return Number(v);
}
