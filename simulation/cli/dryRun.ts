/**
 * Before a remote run sends anything, the same run goes once on a private in-process chain:
 * runs are deterministic, so this tells how much gas every account will use (deployment
 * included), the most each action kind needs (the gas limit of a call that reverts in
 * estimation), and, in warp mode, the trace hash the remote run must reproduce.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { formatEther } from "ethers";
import { rpc } from "../chain/rpc.js";
import type { KeyRing } from "../engine/accounts.js";
import { UserError } from "../engine/errors.js";
import { executeRun, type ExecuteSpec } from "../engine/execute.js";
import type { ActionRecord } from "../engine/run.js";
import { inProcessTarget } from "../chain/inprocess.js";
import type { TimeScale } from "../engine/timeScale.js";

/** One send of the run, in the order the remote sender numbers them (deployment, then every action). */
export interface DrySend {
  readonly from: string;
  readonly gasUsed: bigint;
  readonly kind: string | null;
  /** Sends sharing a group may be in flight together (one substep); deployment sends are one per group. */
  readonly group: string;
}

export interface DryRun {
  readonly traceHash: string;
  readonly status: string;
  readonly sends: readonly DrySend[];
  readonly deploySends: number;
  readonly gasUsed: bigint;
  readonly kindMax: ReadonlyMap<string, bigint>;
  readonly wallMs: number;
}

interface Block {
  readonly transactions: readonly { readonly hash: string; readonly from: string }[];
}

export async function dryRun(
  hre: HardhatRuntimeEnvironment,
  spec: ExecuteSpec,
  keys: KeyRing,
  startTime: bigint,
  timeScale: TimeScale | undefined,
): Promise<DryRun> {
  const started = performance.now();
  // A chain of its own, in-process, whatever network the task runs on.
  const target = inProcessTarget(hre);
  const records: ActionRecord[] = [];
  const executed = await executeRun(spec, {
    target,
    keys,
    startTime,
    ...(timeScale !== undefined ? { timeScale } : {}),
    sink: { begin() {}, sample() {}, action: (r) => void records.push(r) },
  });
  const provider = target.provider;
  // Deployment: the blocks before the first action's (one transaction per block in-process).
  const firstHash = records.find((r) => r.chain?.txHash !== undefined)?.chain?.txHash;
  const last = firstHash
    ? BigInt((await rpc<{ blockNumber: string }>(provider, "eth_getTransactionReceipt", [firstHash])).blockNumber) - 1n
    : BigInt(await rpc<string>(provider, "eth_blockNumber"));
  const sends: DrySend[] = [];
  for (let n = 1n; n <= last; n++) {
    const block = await rpc<Block>(provider, "eth_getBlockByNumber", ["0x" + n.toString(16), true]);
    for (const tx of block.transactions) {
      const receipt = await rpc<{ gasUsed: string }>(provider, "eth_getTransactionReceipt", [tx.hash]);
      sends.push({ from: tx.from.toLowerCase(), gasUsed: BigInt(receipt.gasUsed), kind: null, group: `deploy/${n}` });
    }
  }
  const deploySends = sends.length;
  const kindMax = new Map<string, bigint>();
  for (const r of records) {
    const gas = BigInt(r.chain?.gasUsed ?? "0");
    sends.push({ from: r.sender.toLowerCase(), gasUsed: gas, kind: r.kind, group: `${r.step}/${r.substep}` });
    if (gas > (kindMax.get(r.kind) ?? 0n)) kindMax.set(r.kind, gas);
  }
  return {
    traceHash: executed.result.traceHash,
    status: executed.result.status,
    sends,
    deploySends,
    gasUsed: sends.reduce((a, s) => a + s.gasUsed, 0n),
    kindMax,
    wallMs: performance.now() - started,
  };
}

export interface FundingPlan {
  readonly maxFeePerGas: bigint;
  /** Gas the accounts still need, margin included. */
  readonly gas: bigint;
  readonly accounts: number;
  readonly topUps: readonly { readonly to: string; readonly amountWei: bigint }[];
  /** Top-ups plus the transfers' own gas. */
  readonly totalWei: bigint;
}

/** Gas margin over the dry run's use: fees and state move a little between the dry run and the chain. */
const GAS_MARGIN_NUM = 5n;
const GAS_MARGIN_DEN = 4n;
const TRANSFER_GAS = 21_000n;

/**
 * What each account needs from the funder for the sends from `fromSeq` on: 1.25 times its
 * dry-run gas, plus the gas limits it may have in flight at once (a node wants the balance
 * to cover every pending transaction's limit), at `maxFeePerGas`; less what it holds.
 */
export function planFunding(
  dry: DryRun,
  fromSeq: number,
  maxFeePerGas: bigint,
  balanceOf: ReadonlyMap<string, bigint>,
  concurrent: boolean,
): FundingPlan {
  const remaining = new Map<string, bigint>();
  const inFlight = new Map<string, Map<string, bigint>>();
  dry.sends.forEach((s, i) => {
    if (i < fromSeq) return;
    remaining.set(s.from, (remaining.get(s.from) ?? 0n) + s.gasUsed);
    const limit = (s.gasUsed * 3n) / 2n + 50_000n;
    const groups = inFlight.get(s.from) ?? new Map<string, bigint>();
    groups.set(concurrent ? s.group : String(i), (groups.get(concurrent ? s.group : String(i)) ?? 0n) + limit);
    inFlight.set(s.from, groups);
  });
  const topUps: { to: string; amountWei: bigint }[] = [];
  let gas = 0n;
  for (const [account, used] of remaining) {
    const reserve = [...(inFlight.get(account)?.values() ?? [])].reduce((a, b) => (b > a ? b : a), 0n);
    const need = ((used * GAS_MARGIN_NUM) / GAS_MARGIN_DEN + reserve) * maxFeePerGas;
    gas += (used * GAS_MARGIN_NUM) / GAS_MARGIN_DEN + reserve;
    const have = balanceOf.get(account) ?? 0n;
    if (need > have) topUps.push({ to: account, amountWei: need - have });
  }
  const totalWei = topUps.reduce((a, t) => a + t.amountWei, 0n) + BigInt(topUps.length) * TRANSFER_GAS * maxFeePerGas;
  return { maxFeePerGas, gas, accounts: remaining.size, topUps, totalWei };
}

/** The funder is short: both amounts, in ether, and what to do. */
export function funderShort(funder: string, balance: bigint, plan: FundingPlan): UserError {
  const gwei = Number(plan.maxFeePerGas) / 1e9;
  return new UserError(
    `The funder ${funder} holds ${formatEther(balance)} ETH, but this run needs ${formatEther(plan.totalWei)} ETH: ` +
      `${plan.gas} gas for ${plan.accounts} accounts (1.25 times the dry run's use, plus what they may have in flight) ` +
      `at a max fee of ${gwei} gwei, sent in ${plan.topUps.length} transfers. ` +
      `Send it ${formatEther(plan.totalWei - balance)} ETH more, or run fewer --steps.`,
  );
}
