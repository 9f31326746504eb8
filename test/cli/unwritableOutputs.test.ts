import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simAb } from "../../simulation/cli/experiments/ab.js";
import { simExport } from "../../simulation/cli/experiments/export.js";
import { simOptimize } from "../../simulation/cli/experiments/optimize.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simReport } from "../../simulation/cli/report.js";
import { simRun } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";

/**
 * Outputs that cannot be written. These tests run as root, for whom a folder without write permission is still
 * writable; a folder made immutable (`chattr +i`, ext4) is not, even for root (EPERM), so that stands for a
 * read-only place. A path through a file (ENOTDIR) needs no privilege.
 */
function chattr(flag: "+i" | "-i", path: string): boolean {
  return spawnSync("chattr", [flag, path]).status === 0;
}

/** Runs `body` with `dir` immutable; skips the test where chattr cannot make it so. */
async function whileImmutable(ctx: Mocha.Context, dir: string, body: () => Promise<void>): Promise<void> {
  if (!chattr("+i", dir)) ctx.skip();
  try {
    await body();
  } finally {
    chattr("-i", dir);
  }
}

/**
 * Runs `body` with a 64 KiB tmpfs mounted on `dir` (a disk that fills), or with room for one folder only
 * (`nr_inodes=2`: its root and one more); skips the test where it cannot be mounted.
 */
async function whileTiny(
  ctx: Mocha.Context,
  dir: string,
  body: () => Promise<void>,
  options = "size=64k",
): Promise<void> {
  if (spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]).status !== 0) ctx.skip();
  try {
    await body();
  } finally {
    spawnSync("umount", [dir]);
  }
}

const EXPERIMENTS = {
  sweep: (out: string) =>
    simSweep(hre, { scenario: "fees-and-rewards", grid: "fees.feeBps=25", runs: "1", steps: "1", workers: "0", out }),
  ab: (out: string) =>
    simAb(hre, {
      scenario: "fees-and-rewards",
      a: "fees.feeBps=25",
      b: "fees.feeBps=50",
      runs: "1",
      steps: "1",
      workers: "0",
      out,
    }),
  optimize: (out: string) =>
    simOptimize(hre, {
      scenario: "fees-and-rewards",
      objective: "rewards_paid",
      param: "fees.feeBps=0..300",
      budget: "1",
      steps: "1",
      workers: "0",
      out,
    }),
  run: (out: string) => simRun(hre, { scenario: "fees-and-rewards", steps: "1", out }),
} as const;

describe("cli: outputs that cannot be written are refused in one line, exit 2, nothing half-written", function () {
  this.timeout(300_000);
  let root: string;
  let runDir: string;
  let count = 0;

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-unwritable-"));
    const { value, stderr } = await capture(() =>
      simRun(hre, { scenario: "fees-and-rewards", steps: "2", out: join(root, "runs") }),
    );
    expect(value, stderr).to.equal(0);
    runDir = join(root, "runs", readdirSync(join(root, "runs"))[0]!);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const fresh = (): string => {
    const dir = join(root, `case-${count++}`);
    mkdirSync(dir);
    return dir;
  };

  for (const [name, command] of Object.entries(EXPERIMENTS)) {
    const sim = `sim ${name}`;
    it(`${sim}: refuses --out on a path through a file (ENOTDIR)`, async function () {
      const dir = fresh();
      writeFileSync(join(dir, "notes.txt"), "x");
      const out = join(dir, "notes.txt", "results");
      const { value, stderr } = await capture(() => command(out));
      expect(stderr).to.equal(
        `error: Invalid option --out = ${JSON.stringify(out)}: expected a directory (${join(dir, "notes.txt")} is a file).\n`,
      );
      expect(value).to.equal(2);
      expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
    });

    it(`${sim}: refuses --out in a read-only folder (immutable: EPERM even for root)`, async function () {
      const dir = fresh();
      const out = join(dir, "results");
      await whileImmutable(this, dir, async () => {
        const { value, stderr } = await capture(() => command(out));
        expect(stderr).to.equal(
          `error: Invalid option --out = ${JSON.stringify(out)}: expected a directory Lockstep can write in (${dir}: operation not permitted, EPERM).\n`,
        );
        expect(value).to.equal(2);
      });
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  }

  it("sim run: a disk that fills while the run writes its folder is one line, exit 2, and nothing is left", async function () {
    const disk = fresh();
    const out = join(disk, "results");
    await whileTiny(this, disk, async () => {
      const { value, stderr } = await capture(() => simRun(hre, { scenario: "boson-commerce", steps: "8", out }));
      expect(stderr.split("\n").filter((l) => l.startsWith("error:"))).to.deep.equal([
        `error: ${out}: cannot be written: no space left on the device, ENOSPC; give --out a folder Lockstep can write in.`,
      ]);
      expect(value).to.equal(2);
      expect(readdirSync(disk)).to.deep.equal([]);
    });
  });

  it("sim sweep: a disk that fills while DuckDB writes results.duckdb is one line, exit 2, and nothing is left", async function () {
    const disk = fresh();
    const out = join(disk, "results");
    await whileTiny(this, disk, async () => {
      const { value, stderr } = await capture(() =>
        simSweep(hre, {
          scenario: "boson-commerce",
          grid: "fees.feeBps=25,50",
          runs: "2",
          // Enough rows that DuckDB's own writes fill the 64 KiB disk (with 4 steps, experiment.json's last write did).
          steps: "12",
          workers: "0",
          out,
        }),
      );
      expect(stderr.split("\n").filter((l) => l.startsWith("error:"))).to.deep.equal([
        `error: ${out}: cannot be written: No space left on device; give --out a folder Lockstep can write in.`,
      ]);
      expect(value).to.equal(2);
      expect(readdirSync(disk)).to.deep.equal([]);
    });
  });

  for (const [name, command] of Object.entries(EXPERIMENTS)) {
    it(`sim ${name}: a disk with room for the --out folder but not for the run's is one line, exit 2, and nothing is left`, async function () {
      const disk = fresh();
      const out = join(disk, "results");
      await whileTiny(
        this,
        disk,
        async () => {
          const { value, stderr } = await capture(() => command(out));
          expect(stderr).to.equal(
            `error: ${out}: cannot be written: no space left on the device, ENOSPC; give --out a folder Lockstep can write in.\n`,
          );
          expect(value).to.equal(2);
          expect(readdirSync(disk)).to.deep.equal([]);
        },
        "size=64k,nr_inodes=2",
      );
    });
  }

  it("sim report: refuses --out in a read-only folder, and --out through a file", async function () {
    const ro = fresh();
    const out = join(ro, "report.html");
    await whileImmutable(this, ro, async () => {
      const { value, stderr } = await capture(() => simReport({ in: runDir, out }));
      expect(stderr).to.equal(
        `error: Invalid option --out = ${JSON.stringify(out)}: ${ro} cannot be written (operation not permitted, EPERM); expected an HTML file path.\n`,
      );
      expect(value).to.equal(2);
    });
    const dir = fresh();
    writeFileSync(join(dir, "notes.txt"), "x");
    const through = join(dir, "notes.txt", "report.html");
    const { value, stderr } = await capture(() => simReport({ in: runDir, out: through }));
    expect(stderr).to.equal(
      `error: Invalid option --out = ${JSON.stringify(through)}: ${join(dir, "notes.txt")} is a file; expected an HTML file path.\n`,
    );
    expect(value).to.equal(2);
    expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
    expect(readdirSync(ro)).to.deep.equal([]);
  });

  it("sim report: refuses to write report.html into a read-only run folder, and says to give --out", async function () {
    const dir = join(fresh(), "run");
    cpSync(runDir, dir, { recursive: true });
    await whileImmutable(this, dir, async () => {
      const { value, stderr } = await capture(() => simReport({ in: dir }));
      expect(stderr).to.equal(
        `error: ${join(dir, "report.html")}: ${dir} cannot be written (operation not permitted, EPERM); give --out a path where the report can be written.\n`,
      );
      expect(value).to.equal(2);
    });
    expect(readdirSync(dir).sort()).to.deep.equal(["actions.ndjson", "manifest.json", "trace.csv"]);
  });

  it("sim report: a disk that fills as the report is written is one line, exit 2, and no partial file is left", async function () {
    const disk = fresh();
    const out = join(disk, "report.html");
    await whileTiny(this, disk, async () => {
      const { value, stderr } = await capture(() => simReport({ in: runDir, out }));
      expect(stderr).to.equal(
        `error: ${out}: cannot be written: no space left on the device, ENOSPC; give --out a path where the report can be written.\n`,
      );
      expect(value).to.equal(2);
      expect(readdirSync(disk)).to.deep.equal([]);
    });
  });

  it("sim export: a disk that fills as DuckDB writes the export is one line, exit 2, and nothing is left in export/", async function () {
    const dir = join(fresh(), "run");
    cpSync(runDir, dir, { recursive: true });
    const exported = join(dir, "export");
    mkdirSync(exported);
    await whileTiny(
      this,
      exported,
      async () => {
        const { value, stderr } = await capture(() => simExport({ in: dir, format: "csv" }));
        expect(stderr).to.equal(
          `error: ${exported}: cannot be written: No space left on device; expected a folder Lockstep can write the export in.\n`,
        );
        expect(value).to.equal(2);
        expect(readdirSync(exported)).to.deep.equal([]);
      },
      "size=8k",
    );
  });

  it("sim export: refuses when export/ is a file", async function () {
    const dir = join(fresh(), "run");
    cpSync(runDir, dir, { recursive: true });
    writeFileSync(join(dir, "export"), "x");
    const { value, stderr } = await capture(() => simExport({ in: dir, format: "csv" }));
    expect(stderr).to.equal(
      `error: ${join(dir, "export")}: a file, not a folder; expected a folder Lockstep can write the export in.\n`,
    );
    expect(value).to.equal(2);
    expect(readFileSync(join(dir, "export"), "utf8")).to.equal("x");
  });

  it("sim export: refuses when the folder, or its export/, is read-only", async function () {
    const dir = join(fresh(), "run");
    cpSync(runDir, dir, { recursive: true });
    await whileImmutable(this, dir, async () => {
      const { value, stderr } = await capture(() => simExport({ in: dir, format: "parquet" }));
      expect(stderr).to.equal(
        `error: ${join(dir, "export")}: ${dir} cannot be written (operation not permitted, EPERM); expected a folder Lockstep can write the export in.\n`,
      );
      expect(value).to.equal(2);
    });
    expect(readdirSync(dir).sort()).to.deep.equal(["actions.ndjson", "manifest.json", "trace.csv"]);
    mkdirSync(join(dir, "export"));
    await whileImmutable(this, join(dir, "export"), async () => {
      const { value, stderr } = await capture(() => simExport({ in: dir, format: "parquet" }));
      expect(stderr).to.equal(
        `error: ${join(dir, "export")}: cannot be written (operation not permitted, EPERM); expected a folder Lockstep can write the export in.\n`,
      );
      expect(value).to.equal(2);
    });
    expect(readdirSync(join(dir, "export"))).to.deep.equal([]);
  });

  it("sim export: leaves an earlier export as it was when one of its files cannot be replaced", async function () {
    const dir = join(fresh(), "run");
    cpSync(runDir, dir, { recursive: true });
    expect((await capture(() => simExport({ in: dir, format: "csv" }))).value).to.equal(0);
    const exported = join(dir, "export");
    writeFileSync(join(exported, "runs.csv"), "earlier\n");
    rmSync(join(exported, "variables.csv"));
    mkdirSync(join(exported, "variables.csv"));
    const { value, stderr } = await capture(() => simExport({ in: dir, format: "csv" }));
    expect(stderr).to.equal(
      `error: ${join(exported, "variables.csv")}: a folder, not a file; move it away so that the export can be written there.\n`,
    );
    expect(value).to.equal(2);
    expect(readFileSync(join(exported, "runs.csv"), "utf8")).to.equal("earlier\n");
    expect(readdirSync(exported).sort()).to.deep.equal(["actions.csv", "runs.csv", "steps.csv", "variables.csv"]);
  });
});
