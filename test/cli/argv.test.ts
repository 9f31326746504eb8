import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { checkArgv } from "../../simulation/cli/hooks/hre.js";

const RUN_OPTIONS =
  "--scenario, --steps, --seed, --out, --mode, --set, --model-set, --rpc-url, --confirmations, --step-seconds, --resume, --report";

const check = (line: string): string | undefined =>
  checkArgv(
    hre,
    line.split(" ").filter((t) => t !== ""),
  );

describe("cli: Lockstep's command lines, checked before Hardhat parses them", function () {
  const REJECTED: readonly [string, string][] = [
    ["sim run --foo 1", `Unknown option --foo for sim run: expected one of ${RUN_OPTIONS}.`],
    ["sim run --steps 1 --steps 2", "Option --steps is given twice for sim run: give it once."],
    ["sim run --steps=1 --steps 2", "Option --steps is given twice for sim run: give it once."],
    ["sim run --steps", "Missing value for option --steps of sim run: give --steps <value>."],
    ["sim run --steps --seed 2", "Missing value for option --steps of sim run: give --steps <value>."],
    ["sim run --report yes", `Unexpected argument "yes" for sim run: it takes only options (${RUN_OPTIONS}).`],
    ["sim run --report=yes", "Invalid option --report: it is a flag and takes no value (give --report alone)."],
    ["sim run -- x", `Unexpected argument "x" for sim run: it takes only options (${RUN_OPTIONS}).`],
    [
      "sim nope",
      'Unknown command "sim nope": expected one of sim init, sim run, sim sweep, sim ab, sim optimize, sim fuzz, sim export, sim report, sim deploy, sim observe, sim fit.',
    ],
    [
      "--network default sim sweep --modelset x",
      "Unknown option --modelset for sim sweep: expected one of --scenario, --grid, --runs, --mode, --set, --workers, --steps, --seed, --out, --resume, --actions, --independent-seeds.",
    ],
    ["bench --quick --quick", "Option --quick is given twice for bench: give it once."],
  ];
  for (const [line, message] of REJECTED) {
    it(`argv: "${line}" is refused with one line`, function () {
      expect(check(line)).to.equal(message);
    });
  }

  const ACCEPTED = [
    "sim run",
    "sim run --steps 3 --seed=2 --model-set fees.feeBps=60 --report",
    "--network localhost sim run --steps 3",
    "sim run --steps 3 --network localhost --show-stack-traces",
    "sim run --set=fees.feeBps=75",
    "sim",
    "sim run --help",
    "compile --foo",
    "test mocha test/x.ts",
  ];
  for (const line of ACCEPTED) {
    it(`argv: "${line}" is left to the task (or to Hardhat)`, function () {
      expect(check(line)).to.equal(undefined);
    });
  }

  it("argv: the real command line exits 2 with the one line, and writes nothing", function () {
    this.timeout(60_000);
    const out = mkdtempSync(join(tmpdir(), "lockstep-argv-"));
    try {
      const cli = join(import.meta.dirname, "..", "..", "node_modules", "hardhat", "dist", "src", "cli.js");
      const r = spawnSync(process.execPath, [cli, "sim", "run", "--steps", "2", "--out", out, "--stpes", "3"], {
        cwd: join(import.meta.dirname, "..", ".."),
        encoding: "utf8",
      });
      expect(r.status).to.equal(2);
      expect(r.stderr).to.equal(`error: Unknown option --stpes for sim run: expected one of ${RUN_OPTIONS}.\n`);
      expect(r.stdout).to.equal("");
      expect(readdirSync(out)).to.deep.equal([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
