import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import hre from "hardhat";
import { simExport } from "../../simulation/cli/experiments/export.js";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { simReport } from "../../simulation/cli/report.js";
import { simRun } from "../../simulation/cli/run.js";
import { capture } from "../helpers/capture.js";

/** Every file under `dir` with its SHA-256: what a command that must write nothing must leave as it found. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

type Command = "report" | "export" | "resume";

/** Runs a command on `dir` in this process: its exit code and what it printed on stderr. */
async function command(which: Command, dir: string): Promise<{ code: number; stderr: string }> {
  const { value, stderr } = await capture(() =>
    which === "report"
      ? simReport({ in: dir })
      : which === "export"
        ? simExport({ in: dir, format: "csv" })
        : simRun(hre, { resume: dir }),
  );
  return { code: value, stderr };
}

const lines = (text: string): string[] => text.split("\n").slice(0, -1);
const jsonLines = (text: string): Record<string, unknown>[] =>
  lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
const ndjson = (records: readonly unknown[]): string => records.map((r) => JSON.stringify(r) + "\n").join("");

/** A JSON file's object, changed by `edit`, written back as the run wrote it (two-space indent). */
function editJson(path: string, edit: (m: Record<string, unknown>) => void): void {
  const m = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(m);
  writeFileSync(path, JSON.stringify(m, null, 2) + "\n");
}

async function sql(path: string, ...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const db = await instance.connect();
  try {
    for (const s of statements) await db.run(s);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

interface Case {
  readonly what: string;
  /** Damages the copy of the fixture folder at `dir`. */
  readonly damage: (dir: string) => void | Promise<void>;
  /** The message, given the folder. */
  readonly message: (dir: string) => string;
  /** The commands that must refuse it (default: report and export). */
  readonly commands?: readonly Command[];
}

describe("cli: damaged files are refused in one line, exit 2, nothing written", function () {
  this.timeout(300_000);
  let root: string;
  let runDir: string;
  let expDir: string;
  let count = 0;

  before(async function () {
    root = mkdtempSync(join(tmpdir(), "lockstep-damaged-"));
    const runs = join(root, "runs");
    const run = await capture(() => simRun(hre, { scenario: "fees-and-rewards", steps: "3", seed: "5", out: runs }));
    expect(run.value, run.stderr).to.equal(0);
    runDir = join(runs, readdirSync(runs)[0]!);
    const exps = join(root, "experiments");
    const exp = await capture(() =>
      simSweep(hre, {
        scenario: "fees-and-rewards",
        grid: "fees.feeBps=25",
        runs: "1",
        steps: "2",
        workers: "0",
        mode: "lockstep",
        out: exps,
      }),
    );
    expect(exp.value, exp.stderr).to.equal(0);
    expDir = join(exps, readdirSync(exps).filter((n) => !n.startsWith("."))[0]!);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh copy of a fixture folder. */
  const copy = (src: string): string => {
    const dir = join(root, `case-${count++}`);
    cpSync(src, dir, { recursive: true });
    return dir;
  };

  it("the fixture folders, undamaged, give a report and an export (exit 0)", async function () {
    for (const src of [runDir, expDir]) {
      for (const which of ["report", "export"] as const) {
        const { code, stderr } = await command(which, copy(src));
        expect(stderr, `${which} ${src}`).to.equal("");
        expect(code, `${which} ${src}`).to.equal(0);
      }
    }
  });

  async function refuses(src: string, c: Case): Promise<void> {
    for (const which of c.commands ?? (["report", "export"] as const)) {
      const dir = copy(src);
      await c.damage(dir);
      const before = snapshot(dir);
      const { code, stderr } = await command(which, dir);
      expect(stderr, which).to.equal(`error: ${c.message(dir)}\n`);
      expect(code, which).to.equal(2);
      expect(snapshot(dir), `${which} wrote nothing`).to.deep.equal(before);
    }
  }

  // ------------------------------------------------------------------ trace.csv (its checks: test/report/readRunFolder.test.ts)
  it("sim report, sim export: refuse a run folder whose trace.csv is cut short", () =>
    refuses(runDir, {
      what: "trace.csv cut short",
      damage: (d) => truncateSync(join(d, "trace.csv"), statSync(join(d, "trace.csv")).size - 3),
      message: (d) =>
        `Invalid ${join(d, "trace.csv")}: line ${lines(readFileSync(join(runDir, "trace.csv"), "utf8")).length} ends without a newline: the file is cut short.`,
    }));

  it("sim export: refuses a folder that is neither a run's nor an experiment's", async function () {
    const dir = join(root, "neither");
    cpSync(runDir, dir, { recursive: true });
    rmSync(join(dir, "trace.csv"));
    const { code, stderr } = await command("export", dir);
    expect(stderr).to.equal(
      `error: Invalid option --in = ${JSON.stringify(dir)}: expected a run folder (manifest.json and trace.csv) or an experiment folder (results.duckdb).\n`,
    );
    expect(code).to.equal(2);
    expect(readdirSync(dir).sort()).to.deep.equal(["actions.ndjson", "manifest.json"]);
  });

  // ------------------------------------------------------------------ actions.ndjson
  const A = (dir: string): string => join(dir, "actions.ndjson");
  const EXPECTED_ACTIONS = "expected one action per line, a JSON object, as the run wrote it.";
  const actionCases: Case[] = [
    {
      what: "a garbled line",
      damage: (d) => {
        const l = lines(readFileSync(A(d), "utf8"));
        l[1] = l[1]!.replace('"substep":', '"substep";'); // one character changed
        writeFileSync(A(d), l.join("\n") + "\n");
      },
      message: (d) => `${A(d)}: line 2 is not JSON (cut short or damaged); ${EXPECTED_ACTIONS}`,
    },
    {
      what: "its last line cut short",
      damage: (d) => truncateSync(A(d), statSync(A(d)).size - 10),
      message: (d) =>
        `${A(d)}: line ${lines(readFileSync(join(runDir, "actions.ndjson"), "utf8")).length} is cut short (no newline at its end); ${EXPECTED_ACTIONS}`,
    },
    {
      what: "its last line dropped whole (cut at a line's end)",
      damage: (d) => {
        const l = lines(readFileSync(A(d), "utf8"));
        writeFileSync(A(d), l.slice(0, -1).join("\n") + "\n");
      },
      message: (d) => {
        const n = lines(readFileSync(join(runDir, "actions.ndjson"), "utf8")).length;
        return `${A(d)}: ${n - 1} actions, but manifest.json counts ${n} (actions.total); the file was cut short or changed after the run wrote it.`;
      },
    },
    {
      what: "a blank line",
      damage: (d) => {
        const l = lines(readFileSync(A(d), "utf8"));
        writeFileSync(A(d), [l[0], "", ...l.slice(1)].join("\n") + "\n");
      },
      message: (d) => `${A(d)}: line 2 is empty; ${EXPECTED_ACTIONS}`,
    },
    {
      what: "a line that is JSON but not an object",
      damage: (d) => {
        const l = lines(readFileSync(A(d), "utf8"));
        l[2] = "[1,2]";
        writeFileSync(A(d), l.join("\n") + "\n");
      },
      message: (d) => `${A(d)}: line 3 is not a JSON object; ${EXPECTED_ACTIONS}`,
    },
    {
      what: "a record missing its kind",
      damage: (d) => {
        const r = jsonLines(readFileSync(A(d), "utf8"));
        delete r[2]!["kind"];
        writeFileSync(A(d), ndjson(r));
      },
      message: (d) => `${A(d)}: line 3: field kind = (missing); expected the action's kind.`,
    },
    {
      what: "a record whose step is text",
      damage: (d) => {
        const r = jsonLines(readFileSync(A(d), "utf8"));
        r[0]!["step"] = "0";
        writeFileSync(A(d), ndjson(r));
      },
      message: (d) => `${A(d)}: line 1: field step = "0"; expected the action's step, an integer from 0.`,
    },
    {
      what: "a lockstep record without the chain's outcome",
      damage: (d) => {
        const r = jsonLines(readFileSync(A(d), "utf8"));
        delete r[0]!["chain"];
        writeFileSync(A(d), ndjson(r));
      },
      message: (d) =>
        `${A(d)}: line 1: field chain = (missing); expected the chain's outcome, an object with a status (success or reverted): a lockstep run has one.`,
    },
    {
      what: "an outcome with an unknown status",
      damage: (d) => {
        const r = jsonLines(readFileSync(A(d), "utf8"));
        (r[1]!["model"] as Record<string, unknown>)["status"] = "ok";
        writeFileSync(A(d), ndjson(r));
      },
      message: (d) => `${A(d)}: line 2: field model.status = "ok"; expected success or reverted.`,
    },
    {
      what: "the file gone while the manifest counts actions",
      damage: (d) => rmSync(A(d)),
      message: (d) =>
        `${A(d)}: missing; expected the run's ${lines(readFileSync(join(runDir, "actions.ndjson"), "utf8")).length} actions, one per line, as manifest.json counts them.`,
    },
  ];
  for (const c of actionCases) {
    it(`sim report, sim export: refuse a run folder whose actions.ndjson has ${c.what}`, () => refuses(runDir, c));
  }

  // ------------------------------------------------------------------ a run's manifest.json
  const M = (dir: string): string => join(dir, "manifest.json");
  const EXPECTED_MANIFEST = "expected the manifest.json a run writes.";
  const manifestCases: Case[] = [
    {
      what: "is cut in half",
      damage: (d) => truncateSync(M(d), Math.floor(statSync(M(d)).size / 2)),
      message: (d) => `${M(d)}: not valid JSON (cut short or damaged); ${EXPECTED_MANIFEST}`,
    },
    {
      what: "is empty",
      damage: (d) => writeFileSync(M(d), ""),
      message: (d) => `${M(d)}: empty; ${EXPECTED_MANIFEST}`,
    },
    {
      what: "holds an array",
      damage: (d) => writeFileSync(M(d), "[1, 2]\n"),
      message: (d) => `${M(d)}: holds an array, not an object; ${EXPECTED_MANIFEST}`,
    },
    {
      what: "has no seed",
      damage: (d) => editJson(M(d), (m) => delete m["seed"]),
      message: (d) => `${M(d)}: field seed = (missing); expected an integer in 0..4294967295, the run's seed.`,
    },
    {
      what: "has its seed as text",
      damage: (d) => editJson(M(d), (m) => (m["seed"] = "5")),
      message: (d) => `${M(d)}: field seed = "5"; expected an integer in 0..4294967295, the run's seed.`,
    },
    {
      what: "has an unknown mode",
      damage: (d) => editJson(M(d), (m) => (m["mode"] = "fast")),
      message: (d) => `${M(d)}: field mode = "fast"; expected lockstep, model or chain.`,
    },
    {
      what: "has a KPI that is neither a number nor an amount",
      damage: (d) => editJson(M(d), (m) => ((m["kpis"] as Record<string, unknown>)["rewards_pool"] = "1.5e18")),
      message: (d) => `${M(d)}: field kpis.rewards_pool = "1.5e18"; expected a number, or an amount in decimal digits.`,
    },
    {
      what: "has a traceHash that is not a hash (which would skip the trace's check)",
      damage: (d) => editJson(M(d), (m) => (m["traceHash"] = 123)),
      message: (d) => `${M(d)}: field traceHash = 123; expected the SHA-256 of trace.csv, 64 lowercase hex digits.`,
    },
    {
      what: "counts its actions in text",
      damage: (d) => editJson(M(d), (m) => ((m["actions"] as Record<string, unknown>)["total"] = "7")),
      message: (d) => `${M(d)}: field actions.total = "7"; expected a count, an integer from 0.`,
    },
    {
      what: "has a first divergence without its variable",
      damage: (d) =>
        editJson(M(d), (m) => (m["firstDivergence"] = { step: 1, substep: "init", model: "1", chain: "2" })),
      message: (d) => `${M(d)}: field firstDivergence.variable = (missing); expected a variable's name.`,
    },
    {
      what: "has a --set entry without its path",
      damage: (d) => editJson(M(d), (m) => (m["set"] = [{ value: 3 }])),
      message: (d) =>
        `${M(d)}: field set[0] = {"value":3}; expected { path, value }: a parameter's path and its value.`,
    },
    {
      what: "has no parameters (the export's runs table needs them)",
      damage: (d) => editJson(M(d), (m) => delete m["params"]),
      message: (d) => `${M(d)}: field params = (missing); expected the run's parameters, an object.`,
      commands: ["export"],
    },
  ];
  for (const c of manifestCases) {
    it(`sim ${(c.commands ?? ["report", "export"]).join(", sim ")}: refuse a run folder whose manifest.json ${c.what}`, () =>
      refuses(runDir, c));
  }

  // ------------------------------------------------------------------ experiment.json
  const E = (dir: string): string => join(dir, "experiment.json");
  const specCases: Case[] = [
    {
      what: "is cut short",
      damage: (d) => truncateSync(E(d), 40),
      message: (d) =>
        `${E(d)}: not valid JSON (cut short or damaged); expected the experiment.json an experiment writes.`,
    },
    {
      what: "has no kind",
      damage: (d) => editJson(E(d), (m) => delete m["kind"]),
      message: (d) => `${E(d)}: field kind = (missing); expected sweep, ab, optimize, montecarlo.`,
    },
    {
      what: "has subsets that are not a list",
      damage: (d) => editJson(E(d), (m) => (m["subsets"] = "0")),
      message: (d) => `${E(d)}: field subsets = "0"; expected a list of { subset, assignments }.`,
    },
    {
      what: "counts its runs in text",
      damage: (d) => editJson(E(d), (m) => ((m["runs"] as Record<string, unknown>)["completed"] = "1")),
      message: (d) => `${E(d)}: field runs.completed = "1"; expected a count, an integer from 0.`,
    },
  ];
  for (const c of specCases) {
    it(`sim report, sim export: refuse an experiment folder whose experiment.json ${c.what}`, () => refuses(expDir, c));
  }

  // ------------------------------------------------------------------ results.duckdb
  const D = (dir: string): string => join(dir, "results.duckdb");
  const RESULTS = "the results.duckdb an experiment writes";
  const dbCases: Case[] = [
    {
      what: "is a text file",
      damage: (d) => writeFileSync(D(d), "runs,steps\n1,2\n"),
      message: (d) => `${D(d)}: not a DuckDB database; expected ${RESULTS}.`,
    },
    {
      what: "is empty",
      damage: (d) => writeFileSync(D(d), ""),
      message: (d) => `${D(d)}: not a DuckDB database; expected ${RESULTS}.`,
    },
    {
      what: "is cut in half",
      damage: (d) => truncateSync(D(d), Math.floor(statSync(D(d)).size / 2)),
      message: (d) => `${D(d)}: cut short (DuckDB reads past its end); expected the whole of ${RESULTS}.`,
    },
    {
      what: "has lost its last byte",
      damage: (d) => truncateSync(D(d), statSync(D(d)).size - 1),
      message: (d) => `${D(d)}: cut short (DuckDB reads past its end); expected the whole of ${RESULTS}.`,
    },
    {
      what: "has no steps table",
      damage: (d) => sql(D(d), "DROP TABLE steps"),
      message: (d) => `${D(d)}: no table steps; expected ${RESULTS}.`,
    },
    {
      what: "has no runs table",
      damage: (d) => sql(D(d), "DROP TABLE runs"),
      message: (d) => `${D(d)}: no table runs; expected ${RESULTS}.`,
    },
    {
      what: "has a runs table without its seed column",
      damage: (d) => sql(D(d), "ALTER TABLE runs RENAME COLUMN seed TO seeds"),
      message: (d) => `${D(d)}: table runs has no column seed; expected ${RESULTS}.`,
    },
    {
      what: "has no variables table (which only the export reads)",
      damage: (d) => sql(D(d), "DROP TABLE variables"),
      message: (d) => `${D(d)}: no table variables; expected ${RESULTS}.`,
      commands: ["export"],
    },
  ];
  for (const c of dbCases) {
    it(`sim ${(c.commands ?? ["report", "export"]).join(", sim ")}: refuse an experiment folder whose results.duckdb ${c.what}`, () =>
      refuses(expDir, c));
  }

  it("sim report, sim export: refuse an experiment folder whose results.duckdb has a block that fails its checksum", async function () {
    // Every 256 KiB block after the three 4 KiB headers starts with its checksum: one byte changed in each block's body.
    await refuses(expDir, {
      what: "a damaged block",
      damage: (d) => {
        const bytes = readFileSync(D(d));
        for (let at = 3 * 4096 + 64; at < bytes.length; at += 256 * 1024) bytes[at] = bytes[at]! ^ 0xff;
        writeFileSync(D(d), bytes);
      },
      message: (d) => `${D(d)}: damaged (a block fails its checksum); expected ${RESULTS}, as it was written.`,
    });
  });

  it("sim report, sim export: refuse an experiment folder whose results.duckdb has a block that fails its checksum only when the runs table is read", async function () {
    // The block of the runs table's rows: damaged, the database still opens, and the damage shows as a query reads it.
    const bytes = readFileSync(D(expDir));
    const damaged = (block: number): Buffer => {
      const copy = Buffer.from(bytes);
      const at = 3 * 4096 + block * 256 * 1024 + 64;
      copy[at] = copy[at]! ^ 0xff;
      return copy;
    };
    const probe = join(root, "probe.duckdb");
    let runsBlock: number | undefined;
    for (let block = 0; runsBlock === undefined && 3 * 4096 + block * 256 * 1024 < bytes.length; block++) {
      writeFileSync(probe, damaged(block));
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(probe, { access_mode: "READ_ONLY" });
      } catch {
        continue; // found at open: the case above
      }
      const db = await instance.connect();
      await db.runAndReadAll("SELECT * FROM runs").catch(() => (runsBlock = block));
      db.closeSync();
      instance.closeSync();
    }
    expect(runsBlock, "a block holding only the runs table's rows").not.to.equal(undefined);
    await refuses(expDir, {
      what: "a damaged block of the runs table",
      damage: (d) => writeFileSync(D(d), damaged(runsBlock!)),
      message: (d) => `${D(d)}: damaged (a block fails its checksum); expected ${RESULTS}, as it was written.`,
    });
  });

  it("sim report, sim export: refuse an experiment folder whose results.duckdb another process holds open for writing", async function () {
    for (const which of ["report", "export"] as const) {
      const dir = copy(expDir);
      const holder: ChildProcess = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { DuckDBInstance } from "@duckdb/node-api";
           const db = await (await DuckDBInstance.create(${JSON.stringify(D(dir))})).connect();
           process.stdout.write("ready\\n");
           setInterval(() => {}, 1000);`,
        ],
        { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
      );
      try {
        await new Promise<void>((resolve, reject) => {
          holder.stdout!.on("data", (b: Buffer) => (b.toString().includes("ready") ? resolve() : undefined));
          holder.on("exit", (code) => reject(new Error(`the holder exited (${code})`)));
        });
        const before = snapshot(dir);
        const { code, stderr } = await command(which, dir);
        expect(stderr, which).to.equal(
          `error: ${D(dir)}: open for writing in another process (PID ${holder.pid}); wait until it ends (an experiment still running?), then try again.\n`,
        );
        expect(code).to.equal(2);
        expect(snapshot(dir)).to.deep.equal(before);
      } finally {
        holder.kill();
      }
    }
  });

  // ------------------------------------------------------------------ sim run --resume: a remote run's manifest.json
  /** A remote run's folder as an interrupted run leaves it: its manifest with `remote`, and its journal. */
  const remoteFolder = (d: string): void => {
    editJson(M(d), (m) => {
      m["status"] = "interrupted";
      m["remote"] = {
        network: "default",
        rpcUrl: "http://127.0.0.1:8545/",
        endpoint: "http://127.0.0.1:8545/",
        chainId: "31337",
        client: "HardhatNetwork/3.0.0",
        timeMode: "warp",
        sameTimestamp: true,
        confirmations: 1,
        stepSeconds: 86400,
        timeScale: null,
        startTime: "1900000000",
        startBlock: "0",
        keys: "the Hardhat test mnemonic",
        deployer: "0x6fd9336f71b9760605cd8da41ae090e5b28031d4",
        funder: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        funderSource: "the node's first account",
      };
    });
    writeFileSync(join(d, "journal.ndjson"), "");
  };
  const remoteEdit =
    (edit: (m: Record<string, unknown>, remote: Record<string, unknown>) => void) =>
    (d: string): void => {
      remoteFolder(d);
      editJson(M(d), (m) => edit(m, m["remote"] as Record<string, unknown>));
    };
  const resumeCases: Case[] = [
    {
      what: "is cut short",
      damage: (d) => {
        remoteFolder(d);
        truncateSync(M(d), 100);
      },
      message: (d) => `${M(d)}: not valid JSON (cut short or damaged); expected the manifest.json of a remote run.`,
    },
    {
      what: "has no chain id",
      damage: remoteEdit((_m, r) => delete r["chainId"]),
      message: (d) => `${M(d)}: field remote.chainId = (missing); expected the chain id, in decimal digits.`,
    },
    {
      what: "has its steps as text",
      damage: remoteEdit((m) => (m["steps"] = "3")),
      message: (d) => `${M(d)}: field steps = "3"; expected a positive integer up to 100000, the run's steps.`,
    },
    {
      what: "has a start time that is not a number (once a SyntaxError with a stack trace)",
      damage: remoteEdit((_m, r) => (r["startTime"] = "soon")),
      message: (d) => `${M(d)}: field remote.startTime = "soon"; expected a timestamp, in decimal digits.`,
    },
    {
      what: "has an unknown time mode",
      damage: remoteEdit((_m, r) => (r["timeMode"] = "fast")),
      message: (d) => `${M(d)}: field remote.timeMode = "fast"; expected warp or wall-clock.`,
    },
    {
      what: "has remote settings that are not an object",
      damage: remoteEdit((m) => (m["remote"] = "http://127.0.0.1:8545")),
      message: (d) => `${M(d)}: field remote = "http://127.0.0.1:8545"; expected the remote run's settings, an object.`,
    },
    {
      what: "has a --set entry without its path",
      damage: remoteEdit((m) => (m["set"] = [{ value: 3 }])),
      message: (d) =>
        `${M(d)}: field set[0] = {"value":3}; expected { path, value }: a parameter's path and its value.`,
    },
  ];
  for (const c of resumeCases) {
    it(`sim run --resume: refuses a remote run folder whose manifest.json ${c.what}`, () =>
      refuses(runDir, { ...c, commands: ["resume"] }));
  }
});
