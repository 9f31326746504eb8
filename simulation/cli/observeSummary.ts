/** What `sim observe` prints at the end: the calls it saw, parity, the first transaction the model got wrong. */
import type { Observer, WrongTransaction } from "../observe/observer.js";

interface Summary {
  readonly status: string;
  readonly divergences: number;
  readonly comparisons: number;
  readonly observe: {
    readonly fromBlock: string;
    readonly toBlock: string;
    readonly traces: string;
    readonly stopped: boolean;
  };
}

export function printObservation(m: Summary, observer: Observer, path: string, deployment: string): void {
  const c = observer.counters;
  const lines: string[] = [];
  const kinds = Object.entries(c.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  lines.push(
    `Observed ${deployment} from block ${m.observe.fromBlock} to ${m.observe.toBlock}${m.observe.stopped ? " (stopped)" : ""}: ` +
      `${c.calls} calls into the mechanism, ${c.throughContracts} of them through other contracts (traces: ${m.observe.traces}); ` +
      `${observer.accounts.length} accounts compared.`,
  );
  lines.push(`  ${c.actions} decoded into Actions (${c.reverted} reverted)${kinds === "" ? "" : `: ${kinds}`}.`);
  const unmodelled = [
    [c.undeclared, "undeclared (functions no Action kind declares)"],
    [c.undecodable, "undecodable (a declared function whose call does not decode into an Action)"],
    [c.rolledBack, "rolled back (inside a call or transaction that reverted)"],
    [c.reentrant, "reentrant (from within a call of the mechanism)"],
    [c.unobserved, "unobserved (through another contract, on a node without call traces)"],
  ] as const;
  for (const [n, what] of unmodelled) if (n > 0) lines.push(`  ${n} ${what}: not applied to the model.`);
  if (c.unmodelledChanges > 0) {
    const u = observer.firstUnmodelled!;
    lines.push(
      `  ${c.unmodelledChanges} of the calls not applied changed state the model does not follow (the first: ${u.call} ` +
        `by ${u.from}, tx ${u.txHash}, block ${u.block}): divergences after them may be theirs, not the model's.`,
    );
  }
  lines.push(
    `Parity: ${c.comparisons} comparisons over ${observer.rows} samples (one per block with calls), ${c.divergences} divergences.`,
  );
  if (c.invariantViolations > 0 && observer.firstViolation !== undefined) {
    const v = observer.firstViolation;
    lines.push(
      `Invariants: broken in ${c.invariantViolations} samples; first on the ${v.side}: "${v.invariant}": ${v.message}.`,
    );
  }
  const w = observer.firstWrong;
  if (w !== undefined) lines.push(describeWrong(w));
  lines.push(`Run folder: ${path}`);
  lines.push(`Next: npx hardhat sim report --in ${path}   (or: npx hardhat sim fit --observed ${path} --param ...)`);
  process.stdout.write(lines.join("\n") + "\n");
}

export function describeWrong(w: WrongTransaction): string {
  const via = w.via.length > 0 ? ` through ${w.via.join(" -> ")}` : "";
  const head =
    w.what === "outcome"
      ? `First transaction the model gets wrong: ${w.txHash} (block ${w.block}, index ${w.txIndex}), ${w.call} by ${w.agent}${via}: ` +
        `model ${w.model}, chain ${w.chain}.`
      : `First transaction the model gets wrong: ${w.txHash} (block ${w.block}, index ${w.txIndex}), ${w.call} by ${w.agent}${via}: ` +
        `after it, ${w.variable}: model ${w.model}, chain ${w.chain}` +
        (w.callsInBlock > 1 ? ` (the state is read once per block; the block held ${w.callsInBlock} calls).` : ".");
  const u = w.lastUnmodelled;
  const before =
    w.unmodelledBefore > 0 && u !== undefined
      ? ` Up to it, ${w.unmodelledBefore} call(s) the model did not apply changed state (the latest: ${u.call}, ${u.as}, ` +
        `tx ${u.txHash}, block ${u.block}): the difference may be theirs.`
      : "";
  return head + before;
}
