import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simRun } from "../../simulation/cli/run.js";
import { simReport } from "../../simulation/cli/report.js";
import { simExport } from "../../simulation/cli/experiments/export.js";
import { capture } from "../helpers/capture.js";
import { onlyFolder, readJson, sim } from "../helpers/interrupted.js";

/**
 * `sim run` (in-process) stopped by real signals at chosen steps (LOCKSTEP_TEST_SIGNAL), in a subprocess of
 * `npx hardhat sim run`, then resumed: the folder says what it is, and the resumed run's files are byte for byte
 * those of an uninterrupted run (the same traceHash).
 */
const RUN = { scenario: "fees-and-rewards", steps: "5", seed: "3" } as const;
const ARGV = ["run", "--scenario", RUN.scenario, "--steps", RUN.steps, "--seed", RUN.seed];

interface Files {
  readonly trace: string;
  readonly actions: string;
  readonly manifest: Record<string, unknown>;
}

const filesOf = (folder: string): Files => ({
  trace: readFileSync(join(folder, "trace.csv"), "utf8"),
  actions: readFileSync(join(folder, "actions.ndjson"), "utf8"),
  manifest: readJson(join(folder, "manifest.json")),
});

describe("interrupted sim run: the folder stays, says what it is, and resumes to the uninterrupted run's files", function () {
  this.timeout(300_000);
  let root: string;
  let reference: Files;
  let n = 0;
  const fresh = (): string => join(root, `case-${n++}`);

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-interrupt-run-"));
    const out = join(root, "ref");
    const { value, stderr } = await capture(() => simRun(hre, { ...RUN, out }));
    expect(value, stderr).to.equal(0);
    reference = filesOf(onlyFolder(out));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** The interrupted folder's files are whole steps of the run: a prefix of the uninterrupted trace. */
  function expectPrefix(folder: string): number {
    const trace = readFileSync(join(folder, "trace.csv"), "utf8");
    expect(trace.endsWith("\n"), "trace.csv ends with a whole line").to.equal(true);
    expect(reference.trace.startsWith(trace), "trace.csv is a prefix of the uninterrupted run's").to.equal(true);
    return trace.split("\n").length - 3; // header, the initial state, the final newline
  }

  function expectResumedEqual(folder: string, resumes: number): void {
    const files = filesOf(folder);
    expect(files.trace === reference.trace, "trace.csv byte for byte").to.equal(true);
    expect(files.actions === reference.actions, "actions.ndjson byte for byte").to.equal(true);
    expect(files.manifest["traceHash"]).to.equal(reference.manifest["traceHash"]);
    expect(files.manifest["status"]).to.equal("parity");
    expect(files.manifest["resumes"]).to.equal(resumes);
    expect(files.manifest["owner"]).to.equal(undefined);
  }

  it("sim run: SIGINT mid-run stops at the next step, keeps the folder interrupted with whole steps, prints the resume command; resumed through the command line, its files are the uninterrupted run's", async function () {
    const out = fresh();
    const r = await sim([...ARGV, "--out", out], "run-step:0/0/0:2=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    const folder = onlyFolder(out);
    expect(r.stdout).to.include(`Resume with: npx hardhat sim run --resume ${folder}\n`);
    const m = readJson(join(folder, "manifest.json"));
    expect(m["status"]).to.equal("interrupted");
    const steps = expectPrefix(folder);
    expect(m["stepsRun"]).to.equal(steps);
    expect(steps).to.be.within(2, 4);
    const resumed = await sim(["run", "--resume", folder]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(resumed.stdout).to.include(`Resuming ${folder}: the run starts again from step 0.`);
    expectResumedEqual(folder, 1);
  });

  it("sim run: SIGTERM is a stop like Ctrl-C (exit 143); a new run of the same inputs is refused with the resume command", async function () {
    const out = fresh();
    const r = await sim([...ARGV, "--out", out], "run-step:0/0/0:1=SIGTERM");
    expect(r.code, r.stderr).to.equal(143);
    const folder = onlyFolder(out);
    expect(readJson(join(folder, "manifest.json"))["status"]).to.equal("interrupted");
    expectPrefix(folder);
    const again = await capture(() => simRun(hre, { ...RUN, out }));
    expect(again.value).to.equal(2);
    expect(again.stderr).to.equal(
      `error: ${folder} holds an interrupted run with these inputs: resume it with npx hardhat sim run --resume ${folder}, or remove the folder to start again.\n`,
    );
    // A report or an export of it says what it is, in one line.
    const unfinished = `error: ${join(folder, "manifest.json")}: the run is not finished (its status is interrupted); resume it with npx hardhat sim run --resume ${folder}, then try again.\n`;
    const report = await capture(() => simReport({ in: folder }));
    expect([report.value, report.stderr]).to.deep.equal([2, unfinished]);
    const exported = await capture(() => simExport({ in: folder }));
    expect([exported.value, exported.stderr]).to.deep.equal([2, unfinished]);
    const { value, stderr } = await capture(() => simRun(hre, { resume: folder }));
    expect(value, stderr).to.equal(0);
    expectResumedEqual(folder, 1);
  });

  it("sim run: SIGKILL mid-run leaves the folder visible, running with its process gone, whole steps written; resumed twice over, its files are the uninterrupted run's", async function () {
    const out = fresh();
    const r = await sim([...ARGV, "--out", out], "run-step:0/0/0:3=SIGKILL");
    expect(r.signal).to.equal("SIGKILL");
    const folder = onlyFolder(out);
    const m = readJson(join(folder, "manifest.json"));
    expect(m["status"]).to.equal("running");
    expect(expectPrefix(folder)).to.equal(3);
    // Killed again while resumed, then resumed again.
    const killedAgain = await sim(["run", "--resume", folder], "run-step:0/0/0:1=SIGKILL");
    expect(killedAgain.signal).to.equal("SIGKILL");
    expect(readJson(join(folder, "manifest.json"))["resumes"]).to.equal(1);
    const { value, stderr } = await capture(() => simRun(hre, { resume: folder }));
    expect(value, stderr).to.equal(0);
    expectResumedEqual(folder, 2);
  });

  it("sim run: a second Ctrl-C quits at once, the folder marked interrupted", async function () {
    const out = fresh();
    const r = await sim([...ARGV, "--out", out], "run-step:0/0/0:1=SIGINT;stopping=SIGINT");
    expect(r.code, r.stderr).to.equal(130);
    expect(r.stderr).to.include("Ctrl-C again: quitting now; nothing committed is lost.");
    const folder = onlyFolder(out);
    expect(r.stderr).to.include(`Resume with: npx hardhat sim run --resume ${folder}\n`);
    const m = readJson(join(folder, "manifest.json"));
    expect(m["status"]).to.equal("interrupted");
    // Quit in step 2, without waiting for it to end (a first Ctrl-C alone ends the run after it).
    expect(m["stepsRun"]).to.equal(1);
    expect(expectPrefix(folder)).to.equal(1);
    const { value, stderr } = await capture(() => simRun(hre, { resume: folder }));
    expect(value, stderr).to.equal(0);
    expectResumedEqual(folder, 1);
  });

  it("sim run --resume: refuses a finished run, and settings the manifest holds", async function () {
    const folder = onlyFolder(join(root, "ref"));
    const cases: [Record<string, string>, string][] = [
      [{}, `Invalid option --resume = ${JSON.stringify(folder)}: expected an unfinished run (its status is parity).`],
      [
        { steps: "9" },
        'Invalid option --steps = "9": expected no --steps with --resume: a resumed run takes its settings from its manifest.json.',
      ],
      [
        { modelSet: "fees.ecoBps=2000" },
        'Invalid option --model-set = "fees.ecoBps=2000": expected no --model-set with --resume: a resumed run takes its settings from its manifest.json.',
      ],
    ];
    for (const [args, message] of cases) {
      const { value, stderr } = await capture(() => simRun(hre, { ...args, resume: folder }));
      expect(stderr).to.equal(`error: ${message}\n`);
      expect(value).to.equal(2);
    }
  });
});
