/**
 * How a compared variable is read from the chain, from its text in a mechanism's declaration:
 *
 *   "vault._totalSupply"               a state variable of instance `vault` (storage layout)
 *   "token._balances[$account]"        ... with a key (`$account`, `$<instance>`, a literal)
 *   "vault.totalAssets()"              a view call
 *   "vault.balanceOf($account)"        ... with arguments
 *
 * `planVariable` checks the text against the instance's ABI or storage layout once, when a
 * run starts; `readOf` then gives the StateRead for given `$` values, and `decodeRead` the
 * value from what the chain answered.
 */
import { Interface, type FunctionFragment } from "ethers";
import { UserError } from "../engine/errors.js";
import type { StateRead } from "./sender.js";
import {
  decodeSlotValue,
  describePath,
  parseStoragePath,
  resolveSlot,
  type PathKey,
  type SlotValue,
  type StorageLayout,
  type StoragePath,
} from "./storageLayout.js";

/** What a planned read needs of the deployment. */
export interface ReadTarget {
  readonly address: string;
  readonly iface: Interface;
  readonly layout: StorageLayout | undefined;
  /** The instance's artifact, for messages. */
  readonly artifact: string;
}

export type PlannedRead =
  | { readonly kind: "storage"; readonly at: string; readonly path: StoragePath; readonly layout: StorageLayout }
  | {
      readonly kind: "call";
      readonly to: string;
      readonly fn: FunctionFragment;
      readonly iface: Interface;
      readonly args: readonly PathKey[];
    };

/** A planned read with its `$` values filled in. */
export type ResolvedRead =
  | { readonly kind: "storage"; readonly read: StateRead; readonly value: SlotValue }
  | { readonly kind: "call"; readonly read: StateRead; readonly fn: FunctionFragment; readonly iface: Interface };

const INSTANCE = /^([A-Za-z_][A-Za-z0-9_-]*)\.(.+)$/;
const CALL = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/;

/** Parses and checks a variable's chain text; `where` names it in messages. */
export function planVariable(
  text: string,
  targets: (instance: string) => ReadTarget | undefined,
  where: string,
): PlannedRead {
  const m = INSTANCE.exec(text.trim());
  if (m === null) {
    throw new UserError(
      `Invalid chain location ${JSON.stringify(text)} of ${where}: expected <instance>.<state variable> or ` +
        `<instance>.<view function>(<arguments>), e.g. vault._totalSupply or vault.balanceOf($account).`,
    );
  }
  const [, instance, rest] = m as unknown as [string, string, string];
  const target = targets(instance);
  if (target === undefined) {
    throw new UserError(`Chain location ${JSON.stringify(text)} of ${where}: no deployed instance ${instance}.`);
  }
  const call = CALL.exec(rest);
  if (call !== null) {
    const [, name, argText] = call as unknown as [string, string, string];
    const fns = target.iface.fragments.filter(
      (f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).name === name,
    );
    const args = argText.trim() === "" ? [] : argText.split(",").map((a) => parseArg(a.trim(), text, where));
    const fn = fns.find((f) => f.inputs.length === args.length);
    if (fn === undefined) {
      throw new UserError(
        `Chain location ${JSON.stringify(text)} of ${where}: ${target.artifact} has no view function ${name} ` +
          `taking ${args.length} argument${args.length === 1 ? "" : "s"}` +
          (fns.length > 0 ? ` (it has ${fns.map((f) => f.format()).join(", ")})` : "") +
          ".",
      );
    }
    if (fn.outputs.length !== 1 || !/^(u?int\d*|bool|address|bytes\d+)$/.test(fn.outputs[0]!.type)) {
      throw new UserError(
        `Chain location ${JSON.stringify(text)} of ${where}: ${fn.format()} must return one integer, bool, ` +
          `address or bytesN value (it returns ${fn.outputs.map((o) => o.type).join(", ") || "nothing"}).`,
      );
    }
    return { kind: "call", to: target.address, fn, iface: target.iface, args };
  }
  if (target.layout === undefined) {
    throw new UserError(
      `Chain location ${JSON.stringify(text)} of ${where}: the compiler's storage layout of ${target.artifact} is ` +
        `missing (compile with Lockstep's plugin in hardhat.config.ts, which asks for it: npx hardhat build --force).`,
    );
  }
  const path = parseStoragePath(rest, `${where}`);
  // Resolve once with placeholder keys: a wrong name or member fails now, not mid-run.
  resolveSlot(target.layout, path, () => 0n, `${target.artifact} (${where})`);
  return { kind: "storage", at: target.address, path, layout: target.layout };
}

function parseArg(text: string, whole: string, where: string): PathKey {
  if (/^\$[A-Za-z_][A-Za-z0-9_-]*$/.test(text)) return { kind: "ref", name: text.slice(1) };
  if (text === "true" || text === "false") return { kind: "literal", value: text === "true" ? 1n : 0n };
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) return { kind: "literal", value: BigInt(text) };
  throw new UserError(
    `Chain location ${JSON.stringify(whole)} of ${where}: the argument ${JSON.stringify(text)} is not a number, ` +
      `an address, true/false or a $name.`,
  );
}

/** The read of `plan` with `$` names resolved by `ref` (an address, as a bigint). */
export function readOf(plan: PlannedRead, ref: (name: string) => bigint, where: string): ResolvedRead {
  if (plan.kind === "storage") {
    const value = resolveSlot(plan.layout, plan.path, ref, where);
    return {
      kind: "storage",
      read: { kind: "storage", at: plan.at, slot: "0x" + value.slot.toString(16).padStart(64, "0") },
      value,
    };
  }
  const args = plan.fn.inputs.map((input, i) => {
    const key = plan.args[i]!;
    const v = key.kind === "literal" ? key.value : ref(key.name);
    if (input.type === "address") return "0x" + v.toString(16).padStart(40, "0");
    if (input.type === "bool") return v !== 0n;
    return v;
  });
  return {
    kind: "call",
    read: { kind: "call", to: plan.to, data: plan.iface.encodeFunctionData(plan.fn, args) },
    fn: plan.fn,
    iface: plan.iface,
  };
}

/** The variable's value from the chain's answer to its read. */
export function decodeRead(r: ResolvedRead, answer: string): bigint {
  if (r.kind === "storage") return decodeSlotValue(r.value, BigInt(answer === "0x" ? "0x0" : answer));
  const [value] = r.iface.decodeFunctionResult(r.fn, answer) as unknown as [unknown];
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "string") return BigInt(value);
  return BigInt(String(value));
}

export function describePlan(plan: PlannedRead): string {
  return plan.kind === "storage" ? describePath(plan.path) : plan.fn.format();
}
