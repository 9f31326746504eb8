import { expect } from "chai";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simAb } from "../../simulation/cli/experiments/ab.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simReport } from "../../simulation/cli/report.js";
import { capture } from "../helpers/capture.js";
import { expectWhole, onlyFolder, readJson, runTimes, sim, tablesOf, type Rows } from "../helpers/interrupted.js";

/**
 * Sweeps and A/B tests stopped by real signals at chosen points (LOCKSTEP_TEST_SIGNAL), in a subprocess of
 * `npx hardhat sim`, then resumed: what finished is kept and not redone, no run is half-recorded, and the resumed
 * experiment's tables and summaries equal an uninterrupted one's.
 */
const SWEEP = {
  scenario: "fees-and-rewards",
  grid: "fees.feeBps=25,50",
  runs: "3",
  steps: "4",
  seed: "7",
} as const;
const LOCKSTEP = { ...SWEEP, runs: "2", steps: "3", mode: "lockstep" } as const;
const AB = { scenario: "fees-and-rewards", a: "fees.feeBps=25", b: "fees.feeBps=100", runs: "3", steps: "4" } as const;

const argv = (command: string, args: Record<string, string>, out: string, workers: string): string[] => [
  command,
  ...Object.entries(args).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v]),
  "--workers",
  workers,
  "--out",
  out,
];

/** The results an uninterrupted experiment leaves: its tables, its experiment.json's results. */
interface Reference {
  readonly tables: Record<string, Rows>;
  readonly spec: Record<string, unknown>;
}

/** What a finished experiment's experiment.json holds that must not depend on its history. */
function results(spec: Record<string, unknown>): Record<string, unknown> {
  const { wallSeconds: _w, resumes: _r, owner: _o, git: _g, workers: _k, ...rest } = spec;
  return rest;
}

describe("interrupted sweeps and A/B tests: nothing finished lost, nothing half-recorded, resumed equal to uninterrupted", function () {
  this.timeout(300_000);
  let root: string;
  const reference = new Map<string, Reference>();
  let n = 0;
  const fresh = (): string => join(root, `case-${n++}`);

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-interrupt-"));
    for (const [name, run] of [
      ["sweep", () => simSweep(hre, { ...SWEEP, workers: "2", out: join(root, "ref-sweep") })],
      ["lockstep", () => simSweep(hre, { ...LOCKSTEP, workers: "2", out: join(root, "ref-lockstep") })],
      ["ab", () => simAb(hre, { ...AB, workers: "2", out: join(root, "ref-ab") })],
    ] as const) {
      const { value, stderr } = await capture(run);
      expect(value, stderr).to.equal(0);
      const folder = onlyFolder(join(root, `ref-${name}`));
      reference.set(name, { tables: await tablesOf(folder), spec: readJson(join(folder, "experiment.json")) });
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Resumes `folder` in this process and checks it against the reference; returns what it printed. */
  async function resumeAndCompare(kind: "sweep" | "ab", folder: string, ref: Reference): Promise<string> {
    const before = await runTimes(folder);
    const { value, stdout, stderr } = await capture(() =>
      kind === "sweep" ? simSweep(hre, { resume: folder }) : simAb(hre, { resume: folder }),
    );
    expect(value, stderr).to.equal(0);
    const spec = readJson(join(folder, "experiment.json"));
    expect(spec["status"]).to.equal("complete");
    expect(spec["resumes"]).to.equal(1);
    const tables = await tablesOf(folder);
    expect(Object.keys(tables)).to.deep.equal(Object.keys(ref.tables));
    for (const [table, rows] of Object.entries(ref.tables)) expect(tables[table], table).to.deep.equal(rows);
    expect(results(spec)).to.deep.equal(results(ref.spec));
    // Runs recorded before the resume were not run again: each keeps its own wall time.
    const after = await runTimes(folder);
    for (const [k, seconds] of before) expect(after.get(k), `run ${k}`).to.equal(seconds);
    return stdout;
  }

  it("sim sweep: SIGINT mid-way stops at once, keeps every run recorded whole, prints the resume command; resumed, it equals the uninterrupted sweep", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", SWEEP, out, "2"), "recorded:2=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    const folder = onlyFolder(out);
    expect(r.stdout).to.include(`Resume with: npx hardhat sim sweep --resume ${folder}\n`);
    expect(r.stdout).to.match(/Interrupted: \d+ of 6 runs recorded/);
    const spec = readJson(join(folder, "experiment.json"));
    expect(spec["status"]).to.equal("interrupted");
    const recorded = expectWhole(await tablesOf(folder), false, false);
    expect(recorded.length).to.be.within(2, 5);
    expect((spec["runs"] as Record<string, number>)["completed"]).to.equal(recorded.length);
    // Summaries are of the completed runs only.
    const n = (spec["summary"] as { n: number }[]).reduce((a, s) => a + s.n, 0);
    expect(n).to.equal(recorded.length);
    await resumeAndCompare("sweep", folder, reference.get("sweep")!);
  });

  it("sim sweep: SIGTERM between subsets (one worker in-process) stops there; a new sweep of the same inputs is refused with the resume command", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", SWEEP, out, "0"), "recorded:3=SIGTERM");
    expect(r.code, r.stderr).to.equal(143);
    const folder = onlyFolder(out);
    expect(expectWhole(await tablesOf(folder), false, false)).to.deep.equal(["0/0/0", "0/0/1", "0/0/2"]);
    expect(r.stdout).to.include("  1: fees.feeBps=50  no completed run  (0 of 3 runs)");
    // Its report shows the runs recorded so far, and says so.
    const html = `${out}-report.html`;
    const report = await capture(() => simReport({ in: folder, out: html }));
    expect(report.value, report.stderr).to.equal(0);
    expect(readFileSync(html, "utf8")).to.include(
      `The experiment is not finished (its status is interrupted): this shows the runs recorded so far; resume it with npx hardhat sim sweep --resume ${folder}.`,
    );
    const again = await capture(() => simSweep(hre, { ...SWEEP, workers: "0", out }));
    expect(again.value).to.equal(2);
    expect(again.stderr).to.equal(
      `error: ${folder} holds an interrupted sweep with these inputs: resume it with npx hardhat sim sweep --resume ${folder}, or remove the folder to start again.\n`,
    );
    await resumeAndCompare("sweep", folder, reference.get("sweep")!);
  });

  it("sim sweep: SIGKILL mid-run (its worker at step 2) leaves the folder running with no run half-recorded; resumed through the command line, it equals the uninterrupted sweep", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", SWEEP, out, "2"), "run-step:0/1/1:2=SIGKILL");
    expect(r.signal).to.equal("SIGKILL");
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("running");
    const recorded = expectWhole(await tablesOf(folder), false, false);
    expect(recorded).to.not.include("0/1/1");
    const before = await runTimes(folder);
    const resumed = await sim(["sweep", "--resume", folder]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.include(`Resuming ${folder}: ${recorded.length} runs recorded before.`);
    const ref = reference.get("sweep")!;
    const tables = await tablesOf(folder);
    for (const [table, rows] of Object.entries(ref.tables)) expect(tables[table], table).to.deep.equal(rows);
    const after = await runTimes(folder);
    for (const [k, seconds] of before) expect(after.get(k), `run ${k}`).to.equal(seconds);
    expect(results(readJson(join(folder, "experiment.json")))).to.deep.equal(results(ref.spec));
  });

  it("sim sweep: Ctrl-C while the workers are still starting ends the sweep, interrupted, and no worker is left behind", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", SWEEP, out, "2"), "workers=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.leftBehind, "a process of the sweep's group outlived it").to.equal(false);
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("interrupted");
    expect(expectWhole(await tablesOf(folder), false, false)).to.deep.equal([]);
  });

  it("sim sweep: SIGKILL while the workers are still starting leaves no worker behind, and the folder resumable", async function () {
    const out = fresh();
    // The workers outlive their parent, loading Hardhat; each must exit once it finds its parent gone (the test
    // waits for their output to end: a worker left behind makes it time out).
    const r = await sim(argv("sweep", SWEEP, out, "2"), "workers=SIGKILL");
    expect(r.signal).to.equal("SIGKILL");
    expect(r.leftBehind, "a process of the sweep's group outlived it").to.equal(false);
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("running");
    await resumeAndCompare("sweep", folder, reference.get("sweep")!);
  });

  it("sim sweep: a second Ctrl-C quits at once, the folder marked interrupted, every run committed kept whole", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", SWEEP, out, "2"), "recorded:1=SIGINT;stopping=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stderr).to.include("Ctrl-C again: quitting now; nothing committed is lost.");
    const folder = onlyFolder(out);
    expect(r.stderr).to.include(`Resume with: npx hardhat sim sweep --resume ${folder}\n`);
    expect(readJson(join(folder, "experiment.json"))["status"]).to.equal("interrupted");
    expectWhole(await tablesOf(folder), false, false);
    await resumeAndCompare("sweep", folder, reference.get("sweep")!);
  });

  for (const signal of ["SIGINT", "SIGKILL"] as const) {
    it(`sim sweep: ${signal} during the summaries, after every run is recorded, leaves no half-written summary; resumed, nothing is run again`, async function () {
      const out = fresh();
      const r = await sim(argv("sweep", SWEEP, out, "2"), `summaries=${signal}`);
      const folder = onlyFolder(out);
      if (signal === "SIGINT") expect(r.code, r.stderr).to.equal(130);
      else expect(r.signal).to.equal("SIGKILL");
      const tables = await tablesOf(folder);
      expect(expectWhole(tables, false, false)).to.have.length(6);
      expect(tables["step_summaries"], "step_summaries").to.equal(undefined);
      const stdout = await resumeAndCompare("sweep", folder, reference.get("sweep")!);
      expect(stdout).to.include("6 runs recorded before.");
    });
  }

  it("sim sweep (lockstep): SIGKILL mid-run keeps the runs recorded whole, variables and actions too; resumed, it equals the uninterrupted sweep", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", LOCKSTEP, out, "2"), "run-step:0/1/0:2=SIGKILL");
    expect(r.signal).to.equal("SIGKILL");
    const folder = onlyFolder(out);
    expectWhole(await tablesOf(folder), true, true);
    await resumeAndCompare("sweep", folder, reference.get("lockstep")!);
  });

  it("sim sweep (lockstep, in this process): SIGINT mid-run ends that run at its next step, unrecorded and counted as stopped mid-run; resumed, it equals the uninterrupted sweep", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", LOCKSTEP, out, "0"), "run-step:0/1/0:1=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include(
      "Interrupted: 2 of 4 runs recorded (2 completed, 0 failed); 2 not recorded (1 stopped mid-run, 1 not started), which a resume runs.",
    );
    const folder = onlyFolder(out);
    expect(expectWhole(await tablesOf(folder), false, true)).to.deep.equal(["0/0/0", "0/0/1"]);
    await resumeAndCompare("sweep", folder, reference.get("lockstep")!);
  });

  it("sim sweep (lockstep): SIGTERM to the whole process group (as systemd stops a service) is a stop: the workers are not killed by it, no run is recorded as failed", async function () {
    const out = fresh();
    const r = await sim(argv("sweep", LOCKSTEP, out, "2"), "run-step:0/0/0:1=SIGTERM@group");
    expect(r.code, r.stderr).to.equal(143);
    const folder = onlyFolder(out);
    const tables = await tablesOf(folder);
    expectWhole(tables, false, true);
    expect(tables["runs"]!.filter((row) => row["status"] === "failed")).to.deep.equal([]);
    await resumeAndCompare("sweep", folder, reference.get("lockstep")!);
  });

  it("sim ab: stopped before any pair completes, it says there is nothing to compare (not '0 paired runs' and an empty table); resumed, it equals the uninterrupted test", async function () {
    const out = fresh();
    const r = await sim(argv("ab", AB, out, "0"), "folder=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include("No pair of runs is complete yet: nothing to compare until the experiment is resumed.");
    expect(r.stdout).to.not.include("paired runs");
    expect(r.stdout).to.not.include("p-value");
    const folder = onlyFolder(out);
    expect((readJson(join(folder, "experiment.json"))["ab"] as { pairs: number }).pairs).to.equal(0);
    await resumeAndCompare("ab", folder, reference.get("ab")!);
  });

  it("sim ab: stopped with some pairs complete, its statistics are over those pairs only, labelled as not the result", async function () {
    const out = fresh();
    // In this process, one run after another: arm A's three runs, then arm B's first: one pair.
    const r = await sim(argv("ab", AB, out, "0"), "recorded:4=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stdout).to.include(
      "Paired differences over the 1 pairs complete so far (of 3); not the experiment's result:",
    );
    const folder = onlyFolder(out);
    expect((readJson(join(folder, "experiment.json"))["ab"] as { pairs: number }).pairs).to.equal(1);
    await resumeAndCompare("ab", folder, reference.get("ab")!);
  });

  it("sim sweep --resume: refuses a finished folder, another kind's, options that would change the experiment, and one whose parameters or contracts changed", async function () {
    const folder = onlyFolder(join(root, "ref-sweep"));
    const abFolder = onlyFolder(join(root, "ref-ab"));
    const cases: [() => Promise<number>, string][] = [
      [
        () => simSweep(hre, { resume: folder }),
        `Invalid option --resume = ${JSON.stringify(folder)}: expected an unfinished sweep (its status is complete).`,
      ],
      [
        () => simSweep(hre, { resume: abFolder }),
        `Invalid option --resume = ${JSON.stringify(abFolder)}: expected a sweep's folder (it holds an ab: resume it with npx hardhat sim ab --resume ${abFolder}).`,
      ],
      [
        () => simSweep(hre, { resume: folder, runs: "5" }),
        'Invalid option --runs = "5": expected no --runs with --resume: a resumed experiment takes its settings from its experiment.json.',
      ],
      [
        () => simSweep(hre, { resume: join(root, "nowhere") }),
        `Invalid option --resume = ${JSON.stringify(join(root, "nowhere"))}: expected an experiment folder (it has no experiment.json).`,
      ],
    ];
    for (const [command, message] of cases) {
      const { value, stderr } = await capture(command);
      expect(stderr).to.equal(`error: ${message}\n`);
      expect(value).to.equal(2);
    }
    expect(existsSync(join(root, "nowhere"))).to.equal(false);
    // An interrupted sweep whose scenario's defaults, or contracts, changed since it ran is not resumed.
    const changed: [string, (spec: Record<string, unknown>) => void, string][] = [
      [
        "params",
        (spec) => ((spec["base"] as { fees: { feeBps: number } }).fees.feeBps = 26),
        "a sweep of this version of the scenario (its parameters no longer match)",
      ],
      [
        "bytecode",
        (spec) => ((spec["bytecode"] as Record<string, string>)["FeeManager"] = "0x00"),
        "a sweep of these contracts (their bytecode changed since it ran: remove the folder to start again)",
      ],
    ];
    for (const [name, edit, expected] of changed) {
      const copy = join(root, `changed-${name}`);
      cpSync(folder, copy, { recursive: true });
      const spec = readJson(join(copy, "experiment.json"));
      spec["status"] = "interrupted";
      edit(spec);
      writeFileSync(join(copy, "experiment.json"), JSON.stringify(spec));
      const { value, stderr } = await capture(() => simSweep(hre, { resume: copy }));
      expect(stderr).to.equal(`error: Invalid option --resume = ${JSON.stringify(copy)}: expected ${expected}.\n`);
      expect(value).to.equal(2);
    }
  });
});
