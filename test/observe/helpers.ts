/** Running `sim deploy` and `sim observe` in this process, and reading what they wrote. */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import hre from "hardhat";
import { simDeploy, type DeployArgs } from "../../simulation/cli/deploy.js";
import { simObserve, type ObserveArgs } from "../../simulation/cli/observe.js";
import { capture } from "../helpers/capture.js";

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function deploy(args: DeployArgs): Promise<Captured> {
  const { value, stdout, stderr } = await capture(() => simDeploy(hre, args));
  return { code: value, stdout, stderr };
}

export async function observeCmd(args: ObserveArgs, env: Record<string, string> = {}): Promise<Captured> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const { value, stdout, stderr } = await capture(() => simObserve(hre, args));
    return { code: value, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The one folder under `out` whose name starts with `prefix`. */
export function folderIn(out: string, prefix: string): string {
  const dirs = readdirSync(out).filter((d) => d.startsWith(prefix));
  expect(dirs, `folders ${prefix}* in ${out}`).to.have.length(1);
  return join(out, dirs[0]!);
}

export function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

export function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The observation's manifest, typed as far as the tests read it. */
export interface ObserveManifest {
  readonly status: string;
  readonly divergences: number;
  readonly traceHash: string;
  readonly actions: { readonly total: number; readonly reverted: number };
  readonly observe: {
    readonly toBlock: string;
    readonly traces: string;
    readonly calls: Record<string, number>;
    readonly firstWrongTransaction: null | {
      readonly txHash: string;
      readonly what: string;
      readonly call: string;
      readonly variable: string;
      readonly unmodelledBefore: number;
      readonly firstUnmodelled?: { readonly as: string; readonly txHash: string };
      readonly lastUnmodelled?: { readonly as: string; readonly txHash: string };
    };
    readonly firstUnmodelled: null | { readonly as: string; readonly txHash: string; readonly call: string };
  };
}

export function manifestOf(folder: string): ObserveManifest {
  return json(join(folder, "manifest.json")) as unknown as ObserveManifest;
}
