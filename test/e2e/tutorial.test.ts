/**
 * The user's path, end to end: Lockstep packed as npm would publish it, installed into a fresh
 * Hardhat 3 project in a temporary folder outside the repository, then every command of
 * docs/your-own-mechanism.md run there, in order, with the edits the tutorial asks for between
 * them. A command the tutorial shows and this test does not run fails the test.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { freePort, jsonRpc } from "../remote/node.js";

const REPO = join(import.meta.dirname, "..", "..");
const TUTORIAL = join(REPO, "docs", "your-own-mechanism.md");
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

/** The tutorial's commands: the `npx hardhat` lines of the sh blocks marked `<!-- tutorial -->`. */
export function tutorialCommands(markdown: string): string[] {
  const out: string[] = [];
  const blocks = markdown.split("<!-- tutorial -->").slice(1);
  for (const block of blocks) {
    const body = /```sh\n([\s\S]*?)```/.exec(block)?.[1] ?? "";
    for (const line of body.split("\n")) if (line.trim().startsWith("npx hardhat ")) out.push(line.trim());
  }
  return out;
}

/** Splits a command line as a shell would for these commands (double-quoted words, no escapes). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe("e2e: the tutorial in a fresh Hardhat 3 project, with Lockstep installed from npm pack", function () {
  this.timeout(600_000);
  // The user's shell: this Node first on PATH, and none of the variables Hardhat's test runner sets for itself
  // (HARDHAT_CONFIG would point the project's Hardhat at Lockstep's own config).
  const { HARDHAT_CONFIG: _ours, ...inherited } = process.env;
  const env = { ...inherited, PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}` };
  let project: string;
  let scratch: string;
  const ran: string[] = [];

  const npx = (line: string): { code: number; stdout: string; stderr: string } => {
    const [, , ...args] = words(line); // "npx hardhat ..."
    const r = spawnSync(
      process.execPath,
      [join(project, "node_modules", "hardhat", "dist", "src", "cli.js"), ...args],
      {
        cwd: project,
        env,
        encoding: "utf8",
      },
    );
    ran.push(line);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const edit = (file: string, from: string, to: string): void => {
    const path = join(project, file);
    const text = readFileSync(path, "utf8");
    expect(text, `${file} has the line the tutorial edits`).to.contain(from);
    writeFileSync(path, text.replace(from, to));
  };

  before(function () {
    scratch = mkdtempSync(join(tmpdir(), "lockstep-e2e-"));
    const packed = spawnSync("npm", ["pack", "--silent", "--pack-destination", scratch], {
      cwd: REPO,
      env,
      encoding: "utf8",
    });
    expect(packed.status, packed.stderr).to.equal(0);
    const tarball = join(
      scratch,
      readdirSync(scratch).find((f) => f.endsWith(".tgz"))!,
    );
    project = join(scratch, "my-mechanism");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "my-mechanism", private: true, type: "module" }),
    );
    writeFileSync(join(project, "hardhat.config.ts"), config(""));
    const install = spawnSync(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--save-dev",
        `hardhat@${pkg.devDependencies["hardhat"]}`,
        `solc@${pkg.devDependencies["solc"]}`,
        tarball,
      ],
      { cwd: project, env, encoding: "utf8" },
    );
    expect(install.status, install.stderr).to.equal(0);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** The project's config: the tutorial's, with the compiler taken from npm's solc (offline) as this machine needs. */
  function config(extra: string): string {
    return [
      'import { createRequire } from "node:module";',
      'import { defineConfig } from "hardhat/config";',
      'import lockstep from "lockstep";',
      "",
      "const require = createRequire(import.meta.url);",
      "",
      "export default defineConfig({",
      "  plugins: [lockstep],",
      `  solidity: { version: "${pkg.devDependencies["solc"]}", path: require.resolve("solc/soljson.js") },`,
      extra,
      "});",
      "",
    ].join("\n");
  }

  it("tutorial: every command runs as the tutorial says, in a project outside the repository", async function () {
    const commands = tutorialCommands(readFileSync(TUTORIAL, "utf8"));
    expect(commands.length).to.be.greaterThan(8);
    const next = (prefix: string): string => {
      const c = commands.find((x) => x.startsWith(prefix) && !ran.includes(x));
      expect(c, `the tutorial has a command starting ${prefix}`).to.not.equal(undefined);
      return c!;
    };

    // 2. The starter.
    let r = npx(next("npx hardhat sim init"));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("npx hardhat sim run --scenario ./sim/starter/scenario.ts");
    // 3. It runs with parity.
    r = npx(next("npx hardhat sim run --scenario ./sim/starter/scenario.ts"));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Parity: \d+ comparisons of 7 variables over 31 samples .*, 0 divergences\./);
    // 5. A wrong model is caught (exit 1), pinned to an action; then put back.
    const model = "sim/starter/model.ts";
    edit(model, "const fee = (amount * s.feeBps) / 10_000n;", "const fee = (amount * s.feeBps + 9_999n) / 10_000n;");
    r = npx(next("npx hardhat sim run --scenario ./sim/starter/scenario.ts --steps 5"));
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(
      /^First divergence: step 1, substep act, totalDeposits: model \d+, chain \d+ \(seed 1\)\.$/m,
    );
    expect(r.stdout).to.match(
      /^Pinned \(a replay comparing after every action of step 1\): they part in substep act, after action \d+ of the step, saver-\d deposit\(amount=\d+\): /m,
    );
    edit(model, "const fee = (amount * s.feeBps + 9_999n) / 10_000n;", "const fee = (amount * s.feeBps) / 10_000n;");
    // 6. A registered name, and the other commands.
    writeFileSync(
      join(project, "hardhat.config.ts"),
      config('  lockstep: { scenarios: { starter: "./sim/starter/scenario.ts" } },'),
    );
    for (const prefix of [
      "npx hardhat sim run --scenario starter",
      "npx hardhat sim sweep",
      "npx hardhat sim ab",
      "npx hardhat sim optimize",
    ]) {
      r = npx(next(prefix));
      expect(r.code, `${prefix}: ${r.stderr}`).to.equal(0);
    }
    for (const prefix of ["npx hardhat sim report", "npx hardhat sim export"]) {
      r = npx(next(prefix));
      expect(r.code, `${prefix}: ${r.stderr}`).to.equal(0);
    }
    // 7. On a node: the project's own `npx hardhat node`, on a free port.
    const port = await freePort();
    const node: ChildProcess = spawn(
      process.execPath,
      [join(project, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--port", String(port)],
      { cwd: project, env, stdio: "ignore", detached: true },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        try {
          await jsonRpc(url, "eth_chainId");
          break;
        } catch {
          if (i > 100) throw new Error("hardhat node did not come up");
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
      const line = next("npx hardhat sim run --scenario starter --rpc-url");
      r = npx(line.replace("http://127.0.0.1:8545", url));
      ran.push(line);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain("0 divergences");
    } finally {
      process.kill(-node.pid!, "SIGKILL");
    }
    // 9. Fuzz it: a short campaign on the starter runs clean.
    const fuzz = next("npx hardhat sim fuzz --scenario ./sim/starter/scenario.ts");
    r = npx(fuzz);
    ran.push(fuzz);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.contain("3 sequences, 150 actions");
    expect(r.stdout).to.contain("no failure.");
    expect(commands.filter((c) => !ran.includes(c))).to.deep.equal([]);
  });

  it("e2e: a scenario file that does not load is one line and exit 2, with nothing written", function () {
    writeFileSync(
      join(project, "sim", "broken.ts"),
      'import { nothing } from "./nowhere.js";\nexport default nothing;\n',
    );
    const r = npx("npx hardhat sim run --scenario ./sim/broken.ts --out broken-out");
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^error: Scenario file \.\/sim\/broken\.ts does not load: Error: Cannot find module /);
    expect(readdirSync(project)).to.not.include("broken-out");
  });
});
