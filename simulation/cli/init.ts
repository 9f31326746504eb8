/**
 * `sim init`: writes a starter into the user's project (a contract, its pure model, agents and
 * a scenario) that runs with parity at once, and says which files to edit and how to run it.
 * It never overwrites a file: an existing one is refused (exit 2) unless `--force`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../engine/errors.js";

export interface InitArgs {
  readonly force: boolean;
}

/** The starter's files, relative to the templates folder (and to the project root they go to). */
function templateFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = dir === "" ? name : join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...templateFiles(root, rel));
    else out.push(rel);
  }
  return out;
}

/** The starter's templates: beside the sources in Lockstep's repository, beside dist/ in the package. */
export function templatesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "templates", "starter");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new UserError("Lockstep's starter templates are missing from its installation: reinstall lockstep.");
}

/** Writes the starter into `projectRoot`; returns the exit code. */
export function simInit(projectRoot: string, args: InitArgs, print = (s: string) => process.stdout.write(s)): number {
  try {
    const from = templatesRoot();
    const files = templateFiles(from);
    const clashes = files.filter((f) => existsSync(join(projectRoot, f)));
    if (clashes.length > 0 && !args.force) {
      throw new UserError(
        `sim init would overwrite ${clashes.join(", ")}: move ${clashes.length === 1 ? "it" : "them"} away, or give --force.`,
      );
    }
    for (const f of files) {
      mkdirSync(dirname(join(projectRoot, f)), { recursive: true });
      copyFileSync(join(from, f), join(projectRoot, f));
    }
    const scenario =
      "./" + relative(projectRoot, resolve(projectRoot, "sim/starter/scenario.ts")).split("\\").join("/");
    print(
      [
        "Wrote Lockstep's starter:",
        ...files.map((f) => `  ${f}`),
        "",
        "Run it (the model and the contract in lockstep, compared after every step):",
        `  npx hardhat sim run --scenario ${scenario}`,
        "",
        "Then make it yours: the contract (contracts/StarterVault.sol), its pure model (sim/starter/model.ts),",
        "the agents (sim/starter/agents.ts) and the scenario that binds them (sim/starter/scenario.ts).",
        "",
      ].join("\n"),
    );
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
