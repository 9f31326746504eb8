import { expect } from "chai";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvCell } from "../../simulation/analysis/files.js";
import { readRunFolder, RunFolderError } from "../../simulation/analysis/report/readRunFolder.js";
import { traceHeader, traceRow, type StepSample, type TraceLayout } from "../../simulation/analysis/trace.js";
import { simReport } from "../../simulation/cli/report.js";
import { capture } from "../helpers/capture.js";

const layout: TraceLayout = {
  simulation: 0,
  subset: 0,
  run: 0,
  variables: ["escrow.fees", "seller-0.balance"],
  kpis: ["redemptions", "complaint_rate"],
  model: true,
  chain: true,
};

const samples: StepSample[] = [0, 1, 2].map((t) => ({
  timestep: t,
  substep: t === 0 ? "init" : "rewards, settled", // a comma: this cell is quoted
  model: new Map([
    ["escrow.fees", 10n ** 30n + BigInt(t)],
    ["seller-0.balance", BigInt(t) * 7n],
  ]),
  chain: new Map<string, bigint>(t === 0 ? [["escrow.fees", 10n ** 30n]] : [["escrow.fees", 10n ** 30n + BigInt(t)]]),
  kpis: { redemptions: t, complaint_rate: t / 3 },
  diverged: t === 2 ? ["seller-0.balance"] : [],
}));

const lines = (): string[] => [
  traceHeader(layout).map(csvCell).join(",") + "\n",
  ...samples.map((s) => traceRow(layout, s).map(csvCell).join(",") + "\n"),
];
const TRACE = lines().join("");

let root: string;
let count = 0;

/** A run folder holding `trace` as its trace.csv; its manifest has the traceHash of `hashOf` (none when null). */
function folder(trace: string, hashOf: string | null = null): string {
  const dir = join(root, `run-${count++}`);
  mkdirSync(dir);
  const manifest = {
    scenario: "fees-and-rewards",
    mode: "lockstep",
    steps: 2,
    seed: 1,
    status: "diverged",
    kpis: { redemptions: 2 },
    ...(hashOf === null ? {} : { traceHash: createHash("sha256").update(hashOf).digest("hex") }),
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  writeFileSync(join(dir, "trace.csv"), trace);
  return dir;
}

/** The message readRunFolder fails with, or "read" when it reads the folder. */
function failure(dir: string): string {
  try {
    readRunFolder(dir);
    return "read";
  } catch (e) {
    expect(e).to.be.instanceOf(RunFolderError);
    return (e as Error).message;
  }
}

describe("report: reading trace.csv", function () {
  before(() => {
    root = mkdtempSync(join(tmpdir(), "lockstep-trace-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("readRunFolder: reads the trace a run writes, amounts exact, a quoted substep whole, the diverged variables per row", function () {
    const { trace } = readRunFolder(folder(TRACE, TRACE));
    expect(trace.timesteps).to.deep.equal([0, 1, 2]);
    expect(trace.variables).to.deep.equal(["escrow.fees", "seller-0.balance"]);
    expect(trace.kpis).to.deep.equal(["redemptions", "complaint_rate"]);
    expect(trace.column("escrow.fees:model")).to.deep.equal([10n ** 30n, 10n ** 30n + 1n, 10n ** 30n + 2n]);
    expect(trace.column("seller-0.balance:chain")).to.deep.equal([undefined, undefined, undefined]);
    expect(trace.column("kpi:complaint_rate")).to.deep.equal([0n, 0.333333333333, 0.666666666667]);
    expect(trace.diverged).to.deep.equal([[], [], ["seller-0.balance"]]);
  });

  const path = (dir: string): string => join(dir, "trace.csv");
  const [header, row0, row1, row2] = lines() as [string, string, string, string];

  const damaged: [string, string, (p: string) => string][] = [
    [
      "a row cut short by a whole field",
      header + row0 + row1.replace(/,[^,]*\n$/, "\n") + row2,
      (p) => `Invalid ${p}: line 3 has 11 fields, the header 12: the file is cut short or damaged.`,
    ],
    [
      "a row with a field too many",
      header + row0.replace("\n", ",1\n") + row1 + row2,
      (p) => `Invalid ${p}: line 2 has 13 fields, the header 12: the file is cut short or damaged.`,
    ],
    [
      "a blank line between rows",
      header + row0 + "\n" + row1 + row2,
      (p) => `Invalid ${p}: line 3 has 1 fields, the header 12: the file is cut short or damaged.`,
    ],
    [
      "an unterminated quote (which once swallowed the rest of the file)",
      header + row0 + row1 + row2.replace('"rewards, settled"', '"rewards, settled'),
      (p) => `Invalid ${p}: the row on line 4 opens a quote that is never closed: the file is cut short or damaged.`,
    ],
    [
      "a quote opened before the last row and closed inside it",
      header + row0 + row1.replace('"rewards, settled"', '"rewards, settled') + row2,
      (p) => `Invalid ${p}: the row on line 3 has a quote inside a field: the file is cut short or damaged.`,
    ],
    [
      "a quote inside an unquoted field",
      header + row0.replace("0,0,0,0,", '0,0,0,0x"y,') + row1 + row2,
      (p) => `Invalid ${p}: the row on line 2 has a quote inside a field: the file is cut short or damaged.`,
    ],
    [
      "a garbled value",
      header + row0 + row1.replace(",1000000000000000000000000000001,", ",10000000000000000000000000x0001,") + row2,
      (p) =>
        `Invalid ${p}: line 3, column escrow.fees:model, holds "10000000000000000000000000x0001": expected a number or nothing.`,
    ],
    [
      "a garbled timestep",
      header + row0 + row1.replace("0,0,0,1,", "0,0,0,1.5,") + row2,
      (p) => `Invalid ${p}: line 3 has timestep "1.5": expected an integer.`,
    ],
    [
      "a row missing in the middle",
      header + row0 + row2,
      (p) => `Invalid ${p}: line 3 has timestep 2: expected 1 (one row per step from 0, in order).`,
    ],
    [
      "an unknown diverged variable",
      header + row0 + row1 + row2.replace(/seller-0\.balance\n$/, "seller-9.balance\n"),
      (p) => `Invalid ${p}: line 4 lists "seller-9.balance" as diverged: expected variables of the header.`,
    ],
    [
      "its last value cut off (no final newline)",
      TRACE.slice(0, TRACE.length - row2.length + 12),
      (p) => `Invalid ${p}: line 4 ends without a newline: the file is cut short.`,
    ],
    [
      "nothing but its header",
      header,
      (p) => `Invalid ${p}: no row after the header: expected the initial state at timestep 0.`,
    ],
    [
      "a header that is not a trace's",
      "a,b,c\n1,2,3\n",
      (p) => `Invalid ${p}: expected a header simulation,subset,run,timestep,substep,...,diverged.`,
    ],
    [
      "no text at all",
      "",
      (p) => `Invalid ${p}: expected a header simulation,subset,run,timestep,substep,...,diverged.`,
    ],
  ];
  for (const [what, text, message] of damaged) {
    it(`readRunFolder: names the file and the fault in one line when trace.csv has ${what}`, function () {
      const dir = folder(text);
      const m = failure(dir);
      expect(m).to.equal(message(path(dir)));
      expect(m).not.to.contain("\n");
    });
  }

  it("readRunFolder: rejects trace.csv when it is not the file whose hash the manifest holds (rows dropped whole, a digit changed)", function () {
    const dropped = folder(header + row0 + row1, TRACE);
    const short = createHash("sha256")
      .update(header + row0 + row1)
      .digest("hex");
    const full = createHash("sha256").update(TRACE).digest("hex");
    expect(failure(dropped)).to.equal(
      `Invalid ${path(dropped)}: its SHA-256 (${short.slice(0, 12)}...) is not the manifest's traceHash (${full.slice(0, 12)}...): the file was cut short or changed after the run wrote it.`,
    );
    const changed = folder(TRACE.replace("1000000000000000000000000000001", "1000000000000000000000000000009"), TRACE);
    expect(failure(changed)).to.match(/^Invalid .*trace\.csv: its SHA-256 \(.*\) is not the manifest's traceHash/);
  });

  it("readRunFolder: rejects trace.csv cut short at any byte, with or without the manifest's traceHash", function () {
    // Without a hash, a cut at a row's end is a shorter trace that reads; every other cut fails. With it, every cut fails.
    for (let end = 0; end < TRACE.length; end++) {
      const text = TRACE.slice(0, end);
      const atRowEnd = text.endsWith("\n") && text.split("\n").length > 2;
      expect(failure(folder(text)) === "read", `no hash, cut at ${end}`).to.equal(atRowEnd);
      expect(failure(folder(text, TRACE)), `with hash, cut at ${end}`).not.to.equal("read");
    }
  });

  it("sim report: exits 2 with one line naming trace.csv, and writes no report, when trace.csv is damaged", async function () {
    const dir = folder(header + row0 + row1 + row2.replace('"rewards, settled"', '"rewards, settled'));
    const { value: code, stderr } = await capture(() => simReport({ in: dir }));
    expect(stderr).to.equal(
      `error: Invalid ${path(dir)}: the row on line 4 opens a quote that is never closed: the file is cut short or damaged.\n`,
    );
    expect(code).to.equal(2);
    expect(readdirSync(dir).sort()).to.deep.equal(["manifest.json", "trace.csv"]);
    expect(existsSync(join(dir, "report.html"))).to.equal(false);
  });
});
