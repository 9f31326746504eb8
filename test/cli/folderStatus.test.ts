import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simSweep } from "../../simulation/cli/experiments/sweep.js";
import { currentOwner, folderState, ownerAlive } from "../../simulation/cli/folderStatus.js";
import { capture } from "../helpers/capture.js";

/** A pid no process has now: one that was just used and has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("folder status: which process writes a folder, and what a folder left behind is", function () {
  this.timeout(120_000);
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), "lockstep-status-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("ownerAlive: this process is alive; a pid that exited, another host's or a reused pid (another start time) is not", function () {
    const me = currentOwner();
    expect(ownerAlive(me)).to.equal(true);
    expect(ownerAlive({ ...me, pid: deadPid() })).to.equal(false);
    expect(ownerAlive({ ...me, host: `${hostname()}-elsewhere` })).to.equal(false);
    // The parent of this process is alive; with another start time it stands for a process that reused its pid.
    const parent = { pid: process.ppid, host: hostname() };
    expect(ownerAlive(parent)).to.equal(true);
    if (me.started !== undefined) expect(ownerAlive({ ...parent, started: "1" })).to.equal(false);
    for (const bad of [undefined, null, "123", { pid: -1, host: hostname() }, { pid: 1.5, host: hostname() }])
      expect(ownerAlive(bad), JSON.stringify(bad)).to.equal(false);
  });

  it("folderState: running with its process alive, interrupted when stopped or when its process is gone, else its status", function () {
    const write = (name: string, json: unknown): string => {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "experiment.json"), JSON.stringify(json));
      return dir;
    };
    const alive = currentOwner();
    expect(folderState(write("a", { status: "running", owner: alive }), "experiment.json")).to.deep.include({
      status: "running",
      owner: alive,
    });
    const gone = { ...alive, pid: deadPid() };
    expect(folderState(write("b", { status: "running", owner: gone }), "experiment.json")?.status).to.equal(
      "interrupted",
    );
    expect(folderState(write("c", { status: "interrupted" }), "experiment.json")?.status).to.equal("interrupted");
    expect(folderState(write("d", { status: "complete" }), "experiment.json")?.status).to.equal("complete");
    // Killed before its first write, or not one of ours: no state.
    expect(folderState(write("e", "cut"), "experiment.json")).to.equal(undefined);
    expect(folderState(join(root, "none"), "experiment.json")).to.equal(undefined);
  });

  it("sim sweep: a folder of the same inputs that a live process is writing is refused, with that process, and left as it is", async function () {
    const args = {
      scenario: "fees-and-rewards",
      grid: "fees.feeBps=25",
      runs: "1",
      steps: "1",
      workers: "0",
      out: root,
    };
    const { value, stderr } = await capture(() => simSweep(hre, args));
    expect(value, stderr).to.equal(0);
    const folder = join(root, readdirSync(root)[0]!);
    // As if this process were writing it now.
    writeFileSync(
      join(folder, "experiment.json"),
      JSON.stringify({ kind: "sweep", status: "running", owner: currentOwner() }),
    );
    const again = await capture(() => simSweep(hre, args));
    expect(again.value).to.equal(2);
    expect(again.stderr).to.equal(
      `error: ${folder} is being written by process ${process.pid}, a sweep with these inputs: wait for it to end, or stop it.\n`,
    );
    const resumed = await capture(() => simSweep(hre, { resume: folder }));
    expect(resumed.value).to.equal(2);
    expect(resumed.stderr).to.equal(
      `error: Invalid option --resume = ${JSON.stringify(folder)}: expected an experiment no process is writing (process ${process.pid} is).\n`,
    );
    expect(readdirSync(folder).sort()).to.deep.equal(["experiment.json", "results.duckdb"]);
  });
});
