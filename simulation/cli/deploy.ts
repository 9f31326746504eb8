/**
 * `sim deploy --scenario <name|path> (--rpc-url <url> | --network <name>) [--set ...] [--step-seconds n]`:
 * deploys a scenario's mechanism from its parameters, with no agents, so that real users can
 * use it through any wallet or dapp; `sim observe --deployment <folder>` then replays what they
 * did through the model.
 *
 * The steps, in the order nothing is sent before it is safe to: the parameters are checked; the
 * chain is looked at (chain id; a clock Lockstep may set or not); the keys are resolved (the
 * deployer is the run's `deployer` account, as in a remote run); the deployment goes once on a
 * private in-process chain for its gas; the deployer is funded; the contracts are deployed
 * through the remote sender, every transaction journaled before it is broadcast; the model's
 * initial state is compared with the chain's at the deployment's last block. The folder's
 * manifest.json has the shape of a remote run's (`contracts`, `remote`, parameters, start
 * time), plus the block the deployment ended at and the accounts it names, so `sim observe`
 * takes either.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatEther } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { toJson } from "../analysis/files.js";
import { withinTolerance } from "../analysis/parity.js";
import { encodeValue } from "../analysis/values.js";
import { inProcessTarget } from "../chain/inprocess.js";
import { createJsonRpcClient, redactUrl, RpcResponseError, RpcTransportError, urlHasSecret } from "../chain/jsonRpc.js";
import { Journal, JournalError } from "../chain/journal.js";
import { createRemoteSender, probeChain, quoteFees, RemoteError } from "../chain/remote.js";
import { rpc } from "../chain/rpc.js";
import { createInProcessSender, type TxSender } from "../chain/sender.js";
import type { KeyRing } from "../engine/accounts.js";
import { UserError } from "../engine/errors.js";
import { applyAssignments, defaults } from "../engine/params.js";
import type { TimeScale } from "../engine/timeScale.js";
import type { Account } from "../engine/types.js";
import { stateReader } from "../observe/stateAt.js";
import { createMechanismModelBackend } from "../sdk/modelBackend.js";
import { DEPLOYER_ID, deployedOf, deployOnChain, runConfig } from "../sdk/resolve.js";
import { loadScenario, type LoadedScenario } from "../scenarios/index.js";
import { scenarioHost } from "./host.js";
import { RunFolder } from "../analysis/runFolder.js";
import { gitCommit, toolchain } from "./manifest.js";
import { networkUrl, selectedNetwork } from "./network.js";
import { checkParams, parseAssignments, parseIntegerOption } from "./prepare.js";
import { resolveAccounts } from "./remoteAccounts.js";
import { EXIT_REMOTE_FAILURE, endpointUrl, rpcTuning } from "./remoteRun.js";
import { checkOutDir } from "./run.js";
import { Secrets } from "./secrets.js";

export interface DeployArgs {
  readonly scenario?: string | undefined;
  readonly set?: string | undefined;
  readonly rpcUrl?: string | undefined;
  readonly stepSeconds?: string | undefined;
  readonly out?: string | undefined;
}

/** What `deploy` records of the deployment for an observer, besides a remote run's fields. */
export const DEPLOYMENT_KIND = "deployment";

export async function simDeploy(hre: HardhatRuntimeEnvironment, args: DeployArgs): Promise<number> {
  const secrets = new Secrets();
  secrets.add(process.env["LOCKSTEP_MNEMONIC"]);
  secrets.add(process.env["LOCKSTEP_FUNDER_KEY"]);
  if (args.rpcUrl !== undefined && urlHasSecret(args.rpcUrl)) secrets.add(args.rpcUrl);
  const unguard = secrets.guardStreams();
  try {
    const configured = await networkUrl(selectedNetwork(hre));
    if (configured !== undefined && urlHasSecret(configured)) secrets.add(configured);
    return await deploy(hre, args, secrets);
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
      return EXIT_REMOTE_FAILURE;
    }
    const scrubbed = new Error(message);
    scrubbed.stack = secrets.scrub((e as Error | undefined)?.stack ?? message);
    throw scrubbed;
  } finally {
    unguard();
  }
}

async function deploy(hre: HardhatRuntimeEnvironment, args: DeployArgs, secrets: Secrets): Promise<number> {
  const say = (line: string): void => void process.stdout.write(line + "\n");
  const scenario = await loadScenario(scenarioHost(hre), args.scenario ?? "");
  const set = parseAssignments(scenario, args.set, "--set");
  const params = applyAssignments(defaults(scenario.schema), set);
  checkParams(scenario, params, "");
  const outDir = checkOutDir(args.out ?? "results");
  if (args.rpcUrl === undefined && selectedNetwork(hre).inProcess) {
    throw new UserError(
      "sim deploy needs a network to deploy to: give --rpc-url <url> (a node, a testnet's endpoint) or --network <name>.",
    );
  }
  const url = await endpointUrl(hre, args.rpcUrl, undefined);
  const scenarioStep = scenario.stepSeconds(params);
  const timeScale: TimeScale | undefined =
    args.stepSeconds === undefined
      ? undefined
      : {
          chainStepSeconds: parseIntegerOption("step-seconds", args.stepSeconds, 1, scenarioStep),
          scenarioStepSeconds: scenarioStep,
        };

  const client = createJsonRpcClient({ url, seed: "lockstep/rpc/deploy", ...rpcTuning() });
  const probe = await probeChain(client);
  const accounts = await resolveAccounts(hre, probe.chainId, secrets);
  const named = new Map<string, `0x${string}`>();
  const keys: KeyRing = {
    privateKeyOf: (id) => accounts.keys.privateKeyOf(id),
    addressOf(id) {
      const a = accounts.keys.addressOf(id);
      named.set(id, a);
      return a;
    },
  };
  const deployer = keys.addressOf(DEPLOYER_ID);
  // Real users act at the chain's own time: the mechanism's clock starts at the chain's latest block, which every
  // later block is at or after (the local clock may run ahead of a node's: a Hardhat node stamps blocks up to a second
  // and a half behind it, and a call before the start would meet a contract that has not started).
  const startTime = probe.latestTimestamp;
  const r = scenario.resolved;
  const env = { startTime, keys, ...(timeScale !== undefined ? { timeScale } : {}) };
  const config = runConfig(r.definition, params, env);
  say(
    `Chain ${probe.chainId} at ${client.endpoint} (${probe.client}); deploying ${scenario.name}'s mechanism ` +
      `${r.definition.name} from ${deployer} (keys: ${accounts.keySource}); its clock starts at ${startTime}` +
      (timeScale !== undefined ? `, durations scaled by ${timeScale.chainStepSeconds}/${scenarioStep}` : "") +
      ".",
  );

  // The gas, from the same deployment on a private in-process chain.
  const gas = await deploymentGas(hre, scenario, config, keys);
  const fees = await quoteFees(client);
  const need = ((gas * 5n) / 4n + 200_000n) * fees.maxFeePerGas;
  const balance = BigInt(await rpc<string>(client, "eth_getBalance", [deployer, "latest"]));
  const topUp = need > balance ? need - balance : 0n;
  const funderBalance = BigInt(await rpc<string>(client, "eth_getBalance", [accounts.funder, "latest"]));
  if (topUp > 0n && topUp + 21_000n * fees.maxFeePerGas > funderBalance) {
    throw new UserError(
      `The funder ${accounts.funder} holds ${formatEther(funderBalance)} ETH, but the deployment needs ` +
        `${formatEther(topUp)} ETH more for the deployer (${gas} gas at ${Number(fees.maxFeePerGas) / 1e9} gwei, 1.25 ` +
        `times the in-process deployment's). Send it ${formatEther(topUp + 21_000n * fees.maxFeePerGas - funderBalance)} ETH more.`,
    );
  }

  const digest = createHash("sha256")
    .update(toJson({ params, timeScale: timeScale ?? null }))
    .digest("hex")
    .slice(0, 8);
  const path = join(outDir, `deploy-${scenario.name}-${digest}-chain${probe.chainId}-block${probe.latestBlock}`);
  if (existsSync(path)) throw new UserError(`${path} exists already: remove it, or deploy with other --out.`);
  const folder = new RunFolder(path);
  const remote = {
    network: selectedNetwork(hre).name,
    rpcUrl: urlHasSecret(url) ? null : url,
    endpoint: redactUrl(url),
    chainId: probe.chainId.toString(),
    client: probe.client,
    timeMode: probe.timeMode,
    stepSeconds: timeScale?.chainStepSeconds ?? scenarioStep,
    timeScale: timeScale ?? null,
    startTime: startTime.toString(),
    startBlock: probe.latestBlock.toString(),
    keys: accounts.keySource,
    deployer,
    funder: accounts.funder,
    funderSource: accounts.funderSource,
  };
  const base = {
    lockstep: "0.1.0",
    kind: DEPLOYMENT_KIND,
    scenario: scenario.name,
    ...(scenario.file !== undefined ? { scenarioFile: scenario.file } : {}),
    startTime,
    params,
    set,
    git: gitCommit(hre.config.paths.root),
    toolchain: toolchain(hre),
    bytecode: scenario.bytecodeHashes(),
    chain: { chainId: Number(probe.chainId), client: probe.client },
    remote,
  };
  folder.writeManifest({ ...base, status: "deploying" });
  const journal = Journal.open(join(path, "journal.ndjson"));
  try {
    const sender = createRemoteSender({
      provider: client,
      chainId: probe.chainId,
      keyOf: (a) => accounts.keyOf(a),
      nameOf: (a) => accounts.nameOf(a),
      journal,
      timeMode: probe.timeMode,
      sameTimestamp: probe.sameTimestamp,
      latestTimestamp: probe.latestTimestamp,
    });
    if (topUp > 0n) {
      say(`Funding: ${formatEther(topUp)} ETH to the deployer ${deployer} from ${accounts.funder}.`);
      await sender.fund(accounts.funder, [{ to: deployer, amountWei: topUp }]);
    }
    const deployment = await deployOnChain(r, config, sender, keys);
    const hashes = journal.entries.flatMap((e) => (e.type === "tx" ? [e.hash] : []));
    let deployedAtBlock = 0n;
    let gasUsed = 0n;
    for (const hash of hashes) {
      const receipt = await rpc<{ blockNumber: string; gasUsed: string } | null>(client, "eth_getTransactionReceipt", [
        hash,
      ]);
      if (receipt === null) continue; // an attempt replaced by a later one
      gasUsed += BigInt(receipt.gasUsed);
      if (BigInt(receipt.blockNumber) > deployedAtBlock) deployedAtBlock = BigInt(receipt.blockNumber);
    }
    journal.close();

    // The model's initial state against the chain's, at the deployment's last block.
    const d = deployedOf(config, deployment, keys);
    const model = createMechanismModelBackend(r, d);
    const accountsNamed: Account[] = [...named.entries()].map(([id, address]) => ({
      id,
      role: "named",
      address,
      attrs: {},
    }));
    const chainVars = await (await stateReader(r, client, d, deployment)).at(deployedAtBlock, accountsNamed);
    const modelVars = model.sample(accountsNamed);
    const differ: string[] = [];
    for (const [v, m] of modelVars) {
      const cmp = scenario.compare?.(v);
      if (cmp === false) continue;
      const c = chainVars.get(v);
      if (c === undefined || !withinTolerance(m, c, cmp))
        differ.push(`${v}: model ${encodeValue(m)}, chain ${c === undefined ? "(missing)" : encodeValue(c)}`);
    }
    folder.writeManifest({
      ...base,
      status: "deployed",
      contracts: deployment,
      deployedAtBlock: deployedAtBlock.toString(),
      accounts: Object.fromEntries(named),
      gasUsed,
      initialParity: { variables: modelVars.size, differ },
    });
    for (const [instance, address] of Object.entries(deployment.addresses)) {
      say(`  ${instance.padEnd(28)} ${address}  (${deployment.artifacts[instance]})`);
    }
    say(
      `Deployed ${Object.keys(deployment.addresses).length} contracts by block ${deployedAtBlock}, ${gasUsed} gas. ` +
        (differ.length === 0
          ? `The model's initial state equals the chain's (${modelVars.size} variables).`
          : `The model's initial state differs from the chain's in ${differ.length} variables; first: ${differ[0]}.`),
    );
    say(`Deployment folder: ${path}`);
    say(`Next: let people use it, then npx hardhat sim observe --deployment ${path}`);
    return differ.length === 0 ? 0 : 1;
  } catch (e) {
    journal.close();
    folder.writeManifest({
      ...base,
      status: "failed",
      error: secrets.scrub(e instanceof Error ? e.message : String(e)),
    });
    throw e;
  }
}

/** The gas of the deployment, from the same deployment on a private in-process chain. */
async function deploymentGas(
  hre: HardhatRuntimeEnvironment,
  scenario: LoadedScenario,
  config: unknown,
  keys: KeyRing,
): Promise<bigint> {
  const target = inProcessTarget(hre);
  await target.fresh();
  const inner = createInProcessSender(target.provider);
  let gas = 0n;
  const counting: TxSender = {
    ...inner,
    async send(from, call, at) {
      const sent = await inner.send(from, call, at);
      gas += sent.gasUsed;
      return sent;
    },
  };
  await deployOnChain(scenario.resolved, config, counting, keys);
  return gas;
}
