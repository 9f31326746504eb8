import { expect } from "chai";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StepSample, TraceLayout } from "../../simulation/analysis/trace.js";
import type { ActionRecord } from "../../simulation/engine/record.js";
import { ObserveFolder } from "../../simulation/observe/folder.js";
import type { CallRecord, ObserverSnapshot } from "../../simulation/observe/observer.js";

const layout = (accounts: readonly string[]): TraceLayout => ({
  simulation: 0,
  subset: 0,
  run: 0,
  variables: ["total", ...accounts.map((a) => `${a}.balance`)],
  kpis: ["calls"],
  model: true,
  chain: true,
});

const sample = (t: number, values: Record<string, bigint>): StepSample => {
  const vars = new Map(Object.entries(values));
  return { timestep: t, substep: `block ${100 + t}`, model: vars, chain: vars, kpis: { calls: t }, diverged: [] };
};

const call = (block: number): CallRecord => ({
  block: String(block),
  timestamp: "1",
  txHash: `0x${block}`,
  txIndex: 0,
  from: "0xaa",
  to: "0xbb",
  instance: "vault",
  input: "0x",
  value: "0",
  status: "success",
  gasUsed: "1",
  via: [],
  as: "action",
  kind: "deposit",
  agent: "0xaa",
});

const action = (step: number): ActionRecord => ({
  step,
  substep: `block ${100 + step}`,
  agent: "0xaa",
  sender: "0xaa",
  kind: "deposit",
  args: {},
  diverged: false,
});

const snapshot = { counters: {}, rows: 0, accounts: [], differed: [] } as unknown as ObserverSnapshot;
const at = (block: number) => ({
  block: String(block),
  blockHash: `0xh${block}`,
  observer: snapshot,
  kpis: {},
  fromBlock: "100",
});

describe("observe: the folder and its checkpoint", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "lockstep-observe-folder-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("observe folder: a new account's columns are added to the trace, empty in the rows before it appeared", () => {
    const f = new ObserveFolder(dir);
    f.start();
    f.commit(layout([]), { calls: [], actions: [], samples: [sample(0, { total: 0n })] }, at(100));
    f.commit(
      layout(["0xaa"]),
      { calls: [call(101)], actions: [action(0)], samples: [sample(1, { total: 5n, "0xaa.balance": 5n })] },
      at(101),
    );
    expect(readFileSync(join(dir, "trace.csv"), "utf8")).to.equal(
      "simulation,subset,run,timestep,substep,total:model,total:chain,0xaa.balance:model,0xaa.balance:chain,kpi:calls,diverged\n" +
        "0,0,0,0,block 100,0,0,,,0,\n" +
        "0,0,0,1,block 101,5,5,5,5,1,\n",
    );
  });

  it("observe folder: restore cuts every file back to its checkpoint (what a process killed after writing and before checkpointing left)", () => {
    const f = new ObserveFolder(dir);
    f.start();
    f.commit(layout([]), { calls: [], actions: [], samples: [sample(0, { total: 0n })] }, at(100));
    f.commit(
      layout(["0xaa"]),
      { calls: [call(101)], actions: [action(0)], samples: [sample(1, { total: 5n, "0xaa.balance": 5n })] },
      at(101),
    );
    const kept = ["trace.csv", "actions.ndjson", "calls.ndjson"].map((n) => readFileSync(join(dir, n), "utf8"));
    // The next block was written (and a new account widened the trace), a line torn, and then the process died.
    f.commit(
      layout(["0xaa", "0xbb"]),
      {
        calls: [call(102)],
        actions: [action(1)],
        samples: [sample(2, { total: 6n, "0xaa.balance": 5n, "0xbb.balance": 1n })],
      },
      at(102),
    );
    appendFileSync(join(dir, "calls.ndjson"), '{"block":"103","tx');
    writeFileSync(
      join(dir, "checkpoint.json"),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")),
        lines: { calls: 1, actions: 1, traceRows: 2 },
        header:
          "simulation,subset,run,timestep,substep,total:model,total:chain,0xaa.balance:model,0xaa.balance:chain,kpi:calls,diverged".split(
            ",",
          ),
        block: "101",
      }),
    );
    const restored = new ObserveFolder(dir).restore(() => layout(["0xaa"]));
    expect(restored?.checkpoint.block).to.equal("101");
    expect(restored?.calls.map((c) => c.block)).to.deep.equal(["101"]);
    const now = ["trace.csv", "actions.ndjson", "calls.ndjson"].map((n) => readFileSync(join(dir, n), "utf8"));
    expect(now).to.deep.equal(kept);
  });

  it("observe folder: a trace with fewer rows than its checkpoint counts is refused in one line", () => {
    const f = new ObserveFolder(dir);
    f.start();
    f.commit(
      layout([]),
      { calls: [], actions: [], samples: [sample(0, { total: 0n }), sample(1, { total: 1n })] },
      at(101),
    );
    const path = join(dir, "trace.csv");
    writeFileSync(path, readFileSync(path, "utf8").split("\n").slice(0, 2).join("\n") + "\n");
    expect(() => new ObserveFolder(dir).restore(() => layout([]))).to.throw(
      `${path}: 1 row(s), but the checkpoint counts 2: the trace was changed outside Lockstep.`,
    );
  });
});
