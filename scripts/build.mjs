// Builds the package: simulation/ compiled to dist/ with type declarations, and the files the
// compiled code reads at run time (the report's assets) copied beside it.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
rmSync(join(root, "dist"), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
const assets = join("analysis", "report", "assets");
cpSync(join(root, "simulation", assets), join(root, "dist", assets), { recursive: true });
