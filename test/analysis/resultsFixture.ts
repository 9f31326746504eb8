import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActionRecord, RunResult } from "../../simulation/engine/run.js";
import type { StepSample, TraceLayout } from "../../simulation/analysis/trace.js";
import type { RunIds, RunRow } from "../../simulation/analysis/store.js";

/** Shared data for the store and export tests: small runs with exact values beyond 2^64. */

export const VARIABLES = ["balance:alice", "supply", "rate"] as const;
export const KPIS = ["revenue", "quality"] as const;
/** 10^30: beyond 2^64 and far beyond a double's exact 2^53. */
export const BIG = 10n ** 30n;
/** 2^200: beyond even HUGEINT (2^127), as uint256 amounts can be. */
export const HUGE = 2n ** 200n;

export function layoutOf(ids: RunIds, kpis: readonly string[] = KPIS): TraceLayout {
  return { ...ids, variables: VARIABLES, kpis, model: true, chain: true };
}

/** Deterministic values of run `ids` at timestep t. */
export function revenueAt(ids: RunIds, t: number): bigint {
  return BIG * BigInt(t) + BigInt(ids.subset * 1000 + ids.run * 10 + t);
}
export function qualityAt(ids: RunIds, t: number): number {
  return ((ids.run * 7 + ids.subset * 3 + t * 5) % 11) / 4;
}

export function sampleOf(ids: RunIds, t: number): StepSample {
  const balance = BIG + BigInt(t);
  return {
    timestep: t,
    substep: t === 0 ? "init" : "settle",
    model: new Map<string, bigint | number>([
      ["balance:alice", balance],
      ["supply", HUGE],
      ["rate", 0.25 * t],
    ]),
    // The chain disagrees on alice's balance at timestep 2.
    chain: new Map<string, bigint | number>([
      ["balance:alice", t === 2 ? balance + 1n : balance],
      ["supply", HUGE],
      ["rate", 0.25 * t],
    ]),
    kpis: { revenue: revenueAt(ids, t), quality: qualityAt(ids, t) },
    diverged: t === 2 ? ["balance:alice"] : [],
  };
}

export function actionOf(step: number, i: number): ActionRecord {
  const reverted = i === 1;
  return {
    step,
    substep: i === 0 ? "list" : "commit",
    agent: `buyer-${i}`,
    sender: "0x00000000000000000000000000000000000000aa",
    kind: i === 0 ? "createOffer" : "commit",
    args: { offerId: String(step * 10 + i), price: (BIG * 3n).toString(), note: 'says "hi", then, leaves' },
    model: {
      status: reverted ? "reverted" : "success",
      ...(reverted ? { error: "VoucherEscrowInvalidState(7, 2)" } : {}),
      timestamp: "1900000000",
    },
    chain: {
      status: reverted ? "reverted" : "success",
      ...(reverted ? { error: "VoucherEscrowInvalidState(7, 2)" } : {}),
      txHash: `0x${(step * 10 + i).toString(16).padStart(64, "0")}`,
      gasUsed: String(21000 + i),
      timestamp: "1900000000",
    },
    diverged: false,
  };
}

export const PARAMS = {
  fees: { feeBps: 75, maxFeeBps: 1000 },
  offers: { priceMin: BIG, enabled: true },
  growth: 0.5,
};

export function paramsFor(ids: RunIds): typeof PARAMS {
  return { ...PARAMS, fees: { ...PARAMS.fees, feeBps: 50 + 25 * ids.subset } };
}

export function runRowOf(ids: RunIds, steps: number, extra: Partial<RunRow> = {}): RunRow {
  const params = paramsFor(ids);
  return {
    ...ids,
    scenario: "fees-and-rewards",
    mode: "lockstep",
    seed: 4_000_000_000 + ids.run,
    steps,
    params,
    modelParams: params,
    status: "diverged",
    divergences: 1,
    traceHash: "ab".repeat(32),
    kpis: { revenue: revenueAt(ids, steps), quality: qualityAt(ids, steps), nothing: NaN },
    actions: 2 * steps,
    reverted: steps,
    gasUsed: 10n ** 21n,
    wallSeconds: 1.5,
    ...extra,
  };
}

/** A RunResult shape for runRowFromResult. */
export function resultOf(steps: number): RunResult {
  return {
    status: "parity",
    invariantViolations: 0,
    stepsRun: steps,
    variables: VARIABLES.length,
    comparisons: VARIABLES.length * (steps + 1),
    divergences: 0,
    traceHash: "cd".repeat(32),
    kpis: { revenue: 5n * BIG, quality: 1.25 },
    actions: { total: 4, reverted: 1, byKind: { commit: 4 } },
    gasUsed: 123_456n,
    wallMs: 2500,
    timing: { chainExecuteMs: 0, chainSampleMs: 0, modelApplyMs: 0, modelSampleMs: 0 },
    accounts: [],
  };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempFolder(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lockstep-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
