// npm's `prepare` step, in Lockstep's own checkout only (npm does not run it where Lockstep is
// installed as a dependency). Hardhat 3's native EDR package requires Node.js >= 22, and npm
// skips an optional package whose engines do not match: an `npm install` run by an older Node
// leaves EDR out. On such a machine this installs again with the Node 24 that scripts/node.sh
// brings, so `npm install && npm run sim` works as the README says. Written for any Node.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 22 && process.env.LOCKSTEP_PREPARE_NESTED === undefined) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  process.stderr.write(
    `== Node ${process.version} is older than 22: installing again with Node 24 (scripts/node.sh)\n`,
  );
  const r = spawnSync("bash", ["scripts/node.sh", "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, LOCKSTEP_PREPARE_NESTED: "1" },
  });
  process.exit(r.status ?? 1);
}
