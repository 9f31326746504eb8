/**
 * `sim run --rpc-url <url>` / `--network <name>` / `--resume <run folder>`: one run against a
 * JSON-RPC chain. The steps, in the order nothing is sent before it is safe to:
 *
 * 1. validate the flags (or, resuming, read them back from the run's manifest.json);
 * 2. look at the chain: chain id, and whether it lets us set block timestamps (warp mode,
 *    a Hardhat node) or not (wall-clock mode, a public node: `--step-seconds` needed);
 * 3. resolve the keys (agents, funder) without ever printing them;
 * 4. dry-run the same run on a private in-process chain (gas per account, per action kind);
 * 5. create the run folder (manifest status "running") and open its journal;
 * 6. fund the agents from the funder, after checking the funder holds the total;
 * 7. run: deployment and every action go through the remote sender, journal first;
 * 8. write the final manifest, with `gasUsed`, the time mode and the chain.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { networkUrl, selectedNetwork } from "./network.js";
import { scenarioHost } from "./host.js";
import { formatEther } from "ethers";
import { toJson } from "../analysis/files.js";
import {
  array,
  boolean,
  decimalString,
  integerIn,
  isObject,
  JsonFields,
  nonEmptyString,
  object,
  oneOf,
  readJsonObject,
  string,
  type JsonObject,
} from "../analysis/jsonFields.js";
import { createJsonRpcClient, redactUrl, RpcResponseError, RpcTransportError, urlHasSecret } from "../chain/jsonRpc.js";
import { Journal, JournalError } from "../chain/journal.js";
import {
  createRemoteSender,
  mapLimit,
  probeChain,
  remoteTarget,
  RemoteError,
  quoteFees,
  type ChainProbe,
  type TimeMode,
} from "../chain/remote.js";
import { rpc } from "../chain/rpc.js";
import { UserError } from "../engine/errors.js";
import { DEFAULT_START_TIME, executeRun } from "../engine/execute.js";
import type { TimeScale } from "../engine/timeScale.js";
import { DEPLOYER_ID } from "../model/system.js";
import { testPoint, testSignalsPlanned } from "../engine/testHooks.js";
import { dryRun, funderShort, planFunding } from "./dryRun.js";
import { RunFolder } from "../analysis/runFolder.js";
import { outcomeFields, runHeader } from "./manifest.js";
import { MAX_SEED, MAX_STEPS, optionError, parseIntegerOption, prepareRun, type PreparedRun } from "./prepare.js";
import { progressBar } from "./progress.js";
import { resolveAccounts } from "./remoteAccounts.js";
import { checkOutDir, printSummary, runName, type RunArgs } from "./run.js";
import { Secrets } from "./secrets.js";

/** Exit code of a run the chain side failed (unreachable node, refused transaction): it can be resumed. */
export const EXIT_REMOTE_FAILURE = 3;

export const MAX_CONFIRMATIONS = 64;

/** How a remote run was set up: what manifest.json records under `remote` (never a secret). */
interface RemoteSettings {
  readonly network: string;
  /** The URL when it holds no secret; null when it had a path or query (an API key): give it again to resume. */
  readonly rpcUrl: string | null;
  readonly endpoint: string;
  readonly chainId: string;
  readonly client: string;
  readonly timeMode: TimeMode;
  readonly sameTimestamp: boolean;
  readonly confirmations: number;
  /** Chain seconds per step; the scenario's own step when the clock is not scaled. */
  readonly stepSeconds: number;
  readonly timeScale: TimeScale | null;
  readonly startTime: string;
  readonly startBlock: string;
  readonly keys: string;
  readonly deployer: string;
  readonly funder: string;
  readonly funderSource: string;
}

interface Setup {
  readonly prepared: PreparedRun;
  readonly url: string;
  readonly confirmations: number;
  readonly stepSeconds: number | undefined;
  readonly folder: string | undefined;
  readonly outDir: string;
  readonly resumed: Record<string, unknown> | undefined;
}

export async function simRunRemote(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<number> {
  const secrets = new Secrets();
  secrets.add(process.env["LOCKSTEP_MNEMONIC"]);
  secrets.add(process.env["LOCKSTEP_FUNDER_KEY"]);
  if (args.rpcUrl !== undefined && urlHasSecret(args.rpcUrl)) secrets.add(args.rpcUrl);
  const configuredUrl = await networkUrl(selectedNetwork(hre));
  if (configuredUrl !== undefined && urlHasSecret(configuredUrl)) secrets.add(configuredUrl);
  const unguard = secrets.guardStreams();
  const folderRef: { path?: string } = {};
  try {
    return await remoteRun(hre, args, secrets, folderRef);
  } catch (e) {
    const message = secrets.scrub(e instanceof Error ? e.message : String(e));
    if (e instanceof UserError) {
      process.stderr.write(`error: ${message}\n`);
      return 2;
    }
    if (
      e instanceof RemoteError ||
      e instanceof RpcTransportError ||
      e instanceof RpcResponseError ||
      e instanceof JournalError
    ) {
      process.stderr.write(`error: ${message}\n`);
      if (folderRef.path !== undefined && !(e instanceof JournalError)) {
        process.stderr.write(`Resume with: npx hardhat sim run --resume ${folderRef.path}\n`);
      }
      return EXIT_REMOTE_FAILURE;
    }
    const scrubbed = new Error(message);
    scrubbed.stack = secrets.scrub((e as Error | undefined)?.stack ?? message);
    throw scrubbed;
  } finally {
    unguard();
  }
}

async function setupFromArgs(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<Setup> {
  if (args.resume !== undefined) return await setupFromManifest(hre, args);
  const prepared = await prepareRun(args, scenarioHost(hre));
  if (prepared.mode === "model") {
    throw optionError("mode", "model", "lockstep or chain on a remote network (model mode runs no chain)");
  }
  const outDir = checkOutDir(args.out ?? "results");
  const scenarioStep = prepared.scenario.stepSeconds(prepared.params as never);
  const stepSeconds =
    args.stepSeconds === undefined ? undefined : parseIntegerOption("step-seconds", args.stepSeconds, 1, scenarioStep);
  return {
    prepared,
    url: await endpointUrl(hre, args.rpcUrl, undefined),
    confirmations: parseConfirmations(args.confirmations, 1),
    stepSeconds,
    folder: undefined,
    outDir,
    resumed: undefined,
  };
}

function parseConfirmations(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : parseIntegerOption("confirmations", text, 1, MAX_CONFIRMATIONS);
}

/** The endpoint: --rpc-url, or the --network's URL, or (resuming) the recorded one. */
export async function endpointUrl(
  hre: HardhatRuntimeEnvironment,
  rpcUrl: string | undefined,
  recorded: string | null | undefined,
): Promise<string> {
  const network = selectedNetwork(hre);
  if (!network.inProcess && rpcUrl !== undefined) {
    throw new UserError(`Both --network ${network.name} and --rpc-url are given: give one of them.`);
  }
  let url: string | undefined = rpcUrl;
  if (url === undefined && !network.inProcess) url = await networkUrl(network);
  url ??= recorded ?? undefined;
  if (url === undefined) {
    throw new UserError(
      "The run's RPC URL held a secret (an API key), so its manifest does not record it: give it again with --rpc-url.",
    );
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw optionError("rpc-url", redactUrl(url), "an http:// or https:// URL of a JSON-RPC endpoint");
  }
  return url;
}

async function setupFromManifest(hre: HardhatRuntimeEnvironment, args: RunArgs): Promise<Setup> {
  for (const [flag, value] of [
    ["steps", args.steps],
    ["seed", args.seed],
    ["mode", args.mode],
    ["set", args.set],
    ["model-set", args.modelSet],
    ["step-seconds", args.stepSeconds],
    ["out", args.out],
  ] as const) {
    if (value !== undefined) {
      throw optionError(
        flag,
        value,
        `no --${flag} with --resume: a resumed run takes its settings from its manifest.json`,
      );
    }
  }
  const folder = resolve(args.resume!);
  const path = join(folder, "manifest.json");
  if (!existsSync(path)) throw optionError("resume", args.resume!, "a run folder (it has no manifest.json)");
  const m = readJsonObject(path, "the manifest.json of a remote run");
  if (m["remote"] === undefined || !existsSync(join(folder, "journal.ndjson"))) {
    throw optionError("resume", args.resume!, "the folder of a remote run (with a journal.ndjson)");
  }
  if (m["status"] !== "running" && m["status"] !== "interrupted") {
    throw optionError("resume", args.resume!, `an unfinished run (its status is ${String(m["status"])})`);
  }
  const run = resumeManifest(path, m);
  const assignments = (list: readonly { path: string; value: unknown }[]): string | undefined =>
    list.length === 0 ? undefined : list.map((a) => `${a.path}=${String(a.value)}`).join(" ");
  const prepared = await prepareRun(
    {
      scenario: run.scenarioFile ?? run.scenario,
      steps: String(run.steps),
      seed: String(run.seed),
      mode: run.mode,
      set: assignments(run.set),
      modelSet: assignments(run.modelSet),
    },
    scenarioHost(hre),
  );
  const remote = run.remote;
  if (toJson(prepared.params) !== toJson(m["params"]) || toJson(prepared.modelParams) !== toJson(m["modelParams"])) {
    throw optionError("resume", args.resume!, "a run of this version of the scenario (its parameters no longer match)");
  }
  return {
    prepared,
    url: await endpointUrl(hre, args.rpcUrl, remote.rpcUrl),
    confirmations: parseConfirmations(args.confirmations, remote.confirmations),
    stepSeconds: remote.timeScale === null ? undefined : remote.stepSeconds,
    folder,
    outDir: resolve(folder, ".."),
    resumed: m,
  };
}

/** What --resume reads back from a remote run's manifest.json, each field checked: one line naming a bad one. */
interface ResumeManifest {
  readonly scenario: string;
  readonly scenarioFile: string | undefined;
  readonly steps: number;
  readonly seed: number;
  readonly mode: "lockstep" | "chain";
  readonly set: readonly { path: string; value: unknown }[];
  readonly modelSet: readonly { path: string; value: unknown }[];
  readonly remote: RemoteSettings;
}

function resumeManifest(path: string, m: JsonObject): ResumeManifest {
  const f = new JsonFields(path, m);
  const list = (name: string) =>
    (f.optional(name, array, "a list of { path, value }") ?? []).map((a, i) => {
      if (!isObject(a) || typeof a["path"] !== "string" || !["number", "string", "boolean"].includes(typeof a["value"]))
        throw f.error(`${name}[${i}]`, a, "{ path, value }: a parameter's path and its value");
      return { path: a["path"], value: a["value"] };
    });
  f.required("params", object, "the run's parameters, an object");
  f.required("modelParams", object, "the model's parameters, an object");
  const r = f.nested("remote", "the remote run's settings, an object");
  const timeScale = r.optional("timeScale", object, "null, or { chainStepSeconds, scenarioStepSeconds }");
  const seconds = integerIn(1, Number.MAX_SAFE_INTEGER);
  const scale = timeScale === undefined ? undefined : new JsonFields(path, timeScale, "remote.timeScale.");
  const rpcUrl = r.optional("rpcUrl", nonEmptyString, "the RPC URL, or null when it held a secret");
  return {
    scenario: f.required("scenario", nonEmptyString, "a scenario name"),
    scenarioFile: f.optional("scenarioFile", nonEmptyString, "the path of the scenario's file"),
    steps: f.required("steps", integerIn(1, MAX_STEPS), `a positive integer up to ${MAX_STEPS}, the run's steps`),
    seed: f.required("seed", integerIn(0, MAX_SEED), `an integer in 0..${MAX_SEED}, the run's seed`),
    mode: f.required("mode", oneOf(["lockstep", "chain"] as const), "lockstep or chain (a remote run's modes)"),
    set: list("set"),
    modelSet: list("modelSet"),
    remote: {
      network: r.required("network", string, "the network's name"),
      rpcUrl: rpcUrl ?? null,
      endpoint: r.required("endpoint", string, "the endpoint, as shown"),
      chainId: r.required("chainId", decimalString, "the chain id, in decimal digits"),
      client: r.required("client", string, "the node's client version"),
      timeMode: r.required("timeMode", oneOf(["warp", "wall-clock"] as const), "warp or wall-clock"),
      sameTimestamp: r.required("sameTimestamp", boolean, "true or false"),
      confirmations: r.required(
        "confirmations",
        integerIn(1, MAX_CONFIRMATIONS),
        `an integer in 1..${MAX_CONFIRMATIONS}`,
      ),
      stepSeconds: r.required("stepSeconds", seconds, "seconds per step, a positive integer"),
      timeScale:
        scale === undefined
          ? null
          : {
              chainStepSeconds: scale.required("chainStepSeconds", seconds, "seconds, a positive integer"),
              scenarioStepSeconds: scale.required("scenarioStepSeconds", seconds, "seconds, a positive integer"),
            },
      startTime: r.required("startTime", decimalString, "a timestamp, in decimal digits"),
      startBlock: r.required("startBlock", decimalString, "a block number, in decimal digits"),
      keys: r.required("keys", string, "where the agents' keys came from"),
      deployer: r.required("deployer", address, "the deployer's address, 0x and 40 hex digits"),
      funder: r.required("funder", address, "the funder's address, 0x and 40 hex digits"),
      funderSource: r.required("funderSource", string, "where the funder's key came from"),
    },
  };
}

const address = (v: unknown): string | undefined =>
  typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? v : undefined;

async function remoteRun(
  hre: HardhatRuntimeEnvironment,
  args: RunArgs,
  secrets: Secrets,
  folderRef: { path?: string },
): Promise<number> {
  const setup = await setupFromArgs(hre, args);
  const { prepared } = setup;
  const say = (line: string): void => void process.stdout.write(line + "\n");
  const client = createJsonRpcClient({ url: setup.url, seed: `lockstep/rpc/${prepared.seed}`, ...rpcTuning() });
  const probe = await probeChain(client);
  const resumedRemote = setup.resumed?.["remote"] as RemoteSettings | undefined;
  if (resumedRemote !== undefined && resumedRemote.chainId !== probe.chainId.toString()) {
    throw new UserError(
      `The run was on chain ${resumedRemote.chainId}, but ${client.endpoint} is chain ${probe.chainId}: resume it on its own chain.`,
    );
  }
  const accounts = await resolveAccounts(hre, probe.chainId, secrets);
  const deployer = accounts.keys.addressOf(DEPLOYER_ID);
  if (resumedRemote !== undefined && resumedRemote.deployer !== deployer) {
    throw new UserError(
      `The run's deployer was ${resumedRemote.deployer}, but the keys now give ${deployer}: resume it with the keys ` +
        `it started with (${resumedRemote.keys}).`,
    );
  }

  // Time: warp where the node lets us, the wall clock where it does not.
  const scenarioStep = prepared.scenario.stepSeconds(prepared.params as never);
  if (probe.timeMode === "wall-clock" && setup.stepSeconds === undefined) {
    throw new UserError(
      `${client.endpoint} does not let Lockstep set block timestamps (evm_setNextBlockTimestamp), so the run follows ` +
        `the wall clock: give --step-seconds, the length of a step in seconds (the scenario's step is ` +
        `${scenarioStep} s; 300 makes each step five minutes).`,
    );
  }
  if (resumedRemote !== undefined && resumedRemote.timeMode !== probe.timeMode) {
    throw new UserError(
      `The run went in ${resumedRemote.timeMode} mode, but ${client.endpoint} now allows ${probe.timeMode} mode only.`,
    );
  }
  const timeScale: TimeScale | undefined =
    setup.stepSeconds === undefined
      ? undefined
      : { chainStepSeconds: setup.stepSeconds, scenarioStepSeconds: scenarioStep };
  const startTime = resumedRemote !== undefined ? BigInt(resumedRemote.startTime) : chooseStartTime(probe);
  const stepSeconds = setup.stepSeconds ?? scenarioStep;
  // A node that lets us set its clock is a development node: it does not reorganise, and it mines only what it is
  // sent, so waiting for a second block would wait forever.
  const confirmations = probe.timeMode === "warp" ? 1 : setup.confirmations;
  if (confirmations !== setup.confirmations) {
    say(`Confirmations: 1, not ${setup.confirmations}: a node that lets Lockstep set its clock does not reorganise.`);
  }
  say(
    `Chain ${probe.chainId} at ${client.endpoint} (${probe.client}): ${probe.timeMode} mode, ` +
      (probe.timeMode === "warp"
        ? `block timestamps set to each substep's time (evm_setNextBlockTimestamp)`
        : `the node cannot set block timestamps, so each substep waits for its time on the chain`) +
      `; steps of ${stepSeconds} s` +
      (timeScale !== undefined ? ` (the scenario's ${scenarioStep} s scaled by ${stepSeconds}/${scenarioStep})` : "") +
      `; ${confirmations} confirmation${confirmations === 1 ? "" : "s"}.`,
  );
  say(`Keys: agents from ${accounts.keySource}; funder ${accounts.funder} (${accounts.funderSource}).`);

  // The dry run: gas per account and per action kind, before anything is sent.
  const dry = await dryRun(
    hre,
    prepared,
    accounts.keys,
    probe.timeMode === "warp" ? startTime : DEFAULT_START_TIME,
    timeScale,
  );
  say(
    `Dry run on an in-process chain: ${dry.sends.length} transactions, ${dry.gasUsed} gas, ` +
      `${(dry.wallMs / 1000).toFixed(1)}s` +
      (probe.timeMode === "warp" ? `; trace hash ${dry.traceHash.slice(0, 12)}, which this run must reproduce.` : "."),
  );

  // A fresh run checks the funder before it creates anything; a resumed one first waits for its journaled transfers.
  const resumedJournal = setup.folder !== undefined ? Journal.open(join(setup.folder, "journal.ndjson")) : undefined;
  const makeSender = (journal: Journal) =>
    createRemoteSender({
      provider: client,
      chainId: probe.chainId,
      keyOf: (a) => accounts.keyOf(a),
      nameOf: (a) => accounts.nameOf(a),
      journal,
      timeMode: probe.timeMode,
      sameTimestamp: probe.sameTimestamp,
      confirmations,
      gasHint: (kind) => dry.kindMax.get(kind),
      latestTimestamp: probe.latestTimestamp,
      clockSkewSeconds: clockSkew(probe),
      topUp: async (address, amountWei) => {
        say(`Funding: ${formatEther(amountWei)} ETH more to ${accounts.nameOf(address) ?? address}, short mid-run.`);
        await sender!.fund(accounts.funder, [{ to: address, amountWei }]);
      },
    });
  let sender = resumedJournal !== undefined ? makeSender(resumedJournal) : undefined;
  if (resumedJournal !== undefined) {
    say(
      `Resuming ${setup.folder}: ${resumedJournal.nextSeq} sends and ${resumedJournal.fundings().length} transfers ` +
        `in its journal.`,
    );
    await sender!.settleFundings();
  }
  const fees = await quoteFees(client);
  const holders = [...new Set(dry.sends.map((s) => s.from))];
  if (holders.includes(accounts.funder)) {
    throw new UserError(`The funder ${accounts.funder} is one of the run's agents: use another funder key.`);
  }
  const balances = new Map(
    await mapLimit(
      holders,
      8,
      async (a) => [a, BigInt(await rpc<string>(client, "eth_getBalance", [a, "latest"]))] as const,
    ),
  );
  const plan = planFunding(
    dry,
    resumedJournal?.nextSeq ?? 0,
    fees.maxFeePerGas,
    balances,
    probe.timeMode === "wall-clock",
  );
  const funderBalance = BigInt(await rpc<string>(client, "eth_getBalance", [accounts.funder, "latest"]));
  if (plan.totalWei > funderBalance) throw funderShort(accounts.funder, funderBalance, plan);

  // The run folder: written in place, status "running", before the first transaction.
  const name = `${runName(prepared)}-chain${probe.chainId}-block${probe.latestBlock}`;
  const path = setup.folder ?? join(setup.outDir, name);
  if (setup.folder === undefined && existsSync(path)) {
    throw new UserError(`${path} exists already: remove it, or resume it with --resume ${path}.`);
  }
  const folder = new RunFolder(path);
  folderRef.path = path;
  const remote: RemoteSettings = {
    network: selectedNetwork(hre).name,
    rpcUrl: urlHasSecret(setup.url) ? null : setup.url,
    endpoint: client.endpoint,
    chainId: probe.chainId.toString(),
    client: probe.client,
    timeMode: probe.timeMode,
    sameTimestamp: probe.sameTimestamp,
    confirmations,
    stepSeconds,
    timeScale: timeScale ?? null,
    startTime: startTime.toString(),
    startBlock: resumedRemote?.startBlock ?? probe.latestBlock.toString(),
    keys: accounts.keySource,
    deployer,
    funder: accounts.funder,
    funderSource: accounts.funderSource,
  };
  const base = {
    ...runHeader(hre, prepared, startTime),
    remote,
    dryRun: { transactions: dry.sends.length, gasUsed: dry.gasUsed, traceHash: dry.traceHash },
  };
  folder.writeManifest({ ...base, status: "running", resumes: resumeCount(setup) });
  const journal = resumedJournal ?? Journal.open(join(path, "journal.ndjson"));
  sender ??= makeSender(journal);
  // Ctrl-C or SIGTERM: every transaction is in the journal before it is sent, so the run stops at once, marked
  // interrupted, and a resume picks up its transactions from there.
  const onSignal = (signal: NodeJS.Signals): void => {
    try {
      folder.writeManifest({ ...base, status: "interrupted", resumes: resumeCount(setup) });
    } catch {
      // The manifest stays "running": a resume takes that too.
    }
    process.stderr.write(
      `\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopped; every transaction sent is in the journal.\n` +
        `Resume with: npx hardhat sim run --resume ${path}\n`,
    );
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    say(
      plan.topUps.length === 0
        ? `Funding: the ${plan.accounts} accounts hold enough gas ether.`
        : `Funding: ${formatEther(plan.totalWei)} ETH to ${plan.topUps.length} of ${plan.accounts} accounts ` +
            `(max fee ${Number(plan.maxFeePerGas) / 1e9} gwei) from ${accounts.funder}, which holds ` +
            `${formatEther(funderBalance)} ETH.`,
    );
    await sender.fund(accounts.funder, plan.topUps);

    const bar = progressBar(`${prepared.scenario.name} seed ${prepared.seed} on chain ${probe.chainId}: step`);
    const executed = await executeRun(prepared, {
      target: remoteTarget(client, sender),
      sink: folder,
      keys: accounts.keys,
      startTime,
      ...(timeScale !== undefined ? { timeScale } : {}),
      onStep: (step, steps) => {
        bar(step, steps);
        if (testSignalsPlanned) void testPoint(`run-step:0/0/0:${step}`);
      },
    });
    folder.close();
    journal.close();
    const { result } = executed;
    const reproduced = probe.timeMode === "warp" ? result.traceHash === dry.traceHash : null;
    folder.writeManifest({
      ...base,
      remote: { ...remote, stats: { ...sender.stats, requests: client.stats.requests, retries: client.stats.retries } },
      dryRun: { ...base.dryRun, reproduced },
      ...outcomeFields(executed),
      resumes: resumeCount(setup),
    });
    // The run is finished: a signal from here on stops the printing, not the run.
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    printSummary(prepared, result, path);
    const s = sender.stats;
    say(
      `Remote: ${s.sent} transactions sent, ${s.replayed} taken from the journal, ${s.rebroadcast} rebroadcast, ` +
        `${s.resynced} nonce resynchronisations, ${s.outOfGas} out-of-gas resends; ${client.stats.requests} ` +
        `requests, ${client.stats.retries} retried.` +
        (reproduced === null
          ? ""
          : reproduced
            ? " The trace hash equals the in-process dry run's."
            : " The trace hash differs from the in-process dry run's."),
    );
    if (args.report === true) {
      const { report } = await import("./report.js");
      const written = await report({ in: path });
      say(`Report: ${written.path}`);
    } else say(`Next: npx hardhat sim report --in ${path}`);
    return result.divergences > 0 || result.invariantViolations > 0 ? 1 : 0;
  } catch (e) {
    journal.close();
    folder.close();
    folder.writeManifest({
      ...base,
      status: "interrupted",
      resumes: resumeCount(setup),
      error: secrets.scrub(e instanceof Error ? e.message : String(e)),
    });
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** `LOCKSTEP_RPC_TIMEOUT_MS` and `LOCKSTEP_RPC_BACKOFF_MS`: the client's per-request timeout and first backoff. */
export function rpcTuning(): { timeoutMs?: number; backoffMs?: number } {
  const read = (name: string): number | undefined => {
    const v = process.env[name];
    if (v === undefined || v.trim() === "") return undefined;
    if (!/^\d+$/.test(v.trim()) || Number(v) < 1)
      throw new UserError(`${name} = ${JSON.stringify(v)}: expected milliseconds, a positive integer.`);
    return Number(v);
  };
  const timeoutMs = read("LOCKSTEP_RPC_TIMEOUT_MS");
  const backoffMs = read("LOCKSTEP_RPC_BACKOFF_MS");
  return { ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(backoffMs !== undefined ? { backoffMs } : {}) };
}

function resumeCount(setup: Setup): number {
  const before = setup.resumed?.["resumes"];
  return setup.resumed === undefined ? 0 : (typeof before === "number" ? before : 0) + 1;
}

/**
 * Warp mode: the in-process clock's start (so a run on a fresh node reproduces the in-process
 * trace), or, on a chain already past it, the next whole day. Wall-clock mode: now.
 */
function chooseStartTime(probe: ChainProbe): bigint {
  const wall = BigInt(Math.floor(Date.now() / 1000));
  if (probe.timeMode === "wall-clock") return probe.latestTimestamp > wall ? probe.latestTimestamp : wall;
  if (probe.latestTimestamp < DEFAULT_START_TIME) return DEFAULT_START_TIME;
  return (probe.latestTimestamp / 86_400n + 1n) * 86_400n;
}

/** How far the chain runs ahead of the local clock (a node warped before), never negative. */
function clockSkew(probe: ChainProbe): bigint {
  const wall = BigInt(Math.floor(Date.now() / 1000));
  return probe.latestTimestamp > wall ? probe.latestTimestamp - wall : 0n;
}
