import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gitCommit } from "../cli/manifest.js";
import type { LoadedScenario } from "../scenarios/index.js";
import type { CodeVersion } from "./protocol.js";

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/**
 * The code a run of `scenario` in the project at `root` depends on: the commit (with a hash of the uncommitted
 * changes, so two differently edited checkouts of one commit differ), the contracts' bytecode, the scenario file.
 * `commit`: the one read when this process started (a worker's code is what it loaded, not what is on disk now).
 */
export function codeVersion(
  root: string,
  scenario: LoadedScenario,
  commit: string = checkoutCommit(root),
): CodeVersion {
  return {
    commit,
    bytecode: scenario.bytecodeHashes(),
    scenarioSource: scenario.file === undefined ? null : sha256(readFileSync(resolve(root, scenario.file))),
  };
}

/** The checkout's commit, with `-dirty.<hash of the uncommitted changes>` when it has some. */
export function checkoutCommit(root: string): string {
  let commit = gitCommit(root);
  if (commit.endsWith("-dirty")) {
    try {
      const diff = execFileSync("git", ["diff", "HEAD", "--binary"], {
        cwd: root,
        stdio: ["ignore", "pipe", "ignore"],
        maxBuffer: 1 << 30,
      });
      commit = `${commit}.${sha256(diff).slice(0, 12)}`;
    } catch {
      // `-dirty` alone: still tells a clean checkout apart.
    }
  }
  return commit;
}
