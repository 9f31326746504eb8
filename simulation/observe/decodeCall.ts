/**
 * A call back into an Action: the inverse of the chain backend's encoder, for any mechanism.
 *
 * A call to one of the mechanism's contracts is matched, by instance and function selector, with
 * the Action kinds whose binding names that function (a binding whose `contract` is a function
 * may call any instance that has it). The Action's arguments come from the binding's `fromCall`,
 * or, without one, from the call's arguments by their ABI parameter names (the inverse of the
 * default `args`). Then the Action is encoded again, exactly as a run would send it: only an
 * Action that gives back the very call (the same instance, the same calldata) is accepted. So a
 * binding whose `args` reshapes its arguments and has no inverse, or whose inverse is wrong, is
 * reported as such, never replayed with the wrong arguments.
 */
import type { FunctionFragment, Interface, ParamType } from "ethers";
import type { Action, ActionArg } from "../engine/types.js";
import { actionEncoder } from "../chain/mechanismBackend.js";
import type { ActionArgs, Deployed } from "../sdk/mechanism.js";
import { functionOf, type Deployment, type ResolvedMechanism } from "../sdk/resolve.js";

/** What an observed call to the mechanism is. */
export type DecodedCall =
  /** A declared Action kind: the call re-encodes from the Action. */
  | { readonly kind: "action"; readonly instance: string; readonly fn: string; readonly action: DecodedAction }
  /** A function no Action kind declares (an ERC20 `transferFrom`, an admin call, plain ether). */
  | { readonly kind: "undeclared"; readonly instance: string; readonly fn: string }
  /** A declared function whose call cannot be turned into an Action, and why. */
  | { readonly kind: "undecodable"; readonly instance: string; readonly fn: string; readonly reason: string };

export interface DecodedAction {
  readonly kind: string;
  readonly args: ActionArgs;
}

export interface CallDecoder {
  /** The instance at `address` (lower case), or undefined when it is not one of the mechanism's contracts. */
  instanceAt(address: string): string | undefined;
  /** Decodes a call of `data` with `value` wei to `to`, one of the mechanism's contracts. */
  decode(to: string, data: string, value: bigint): DecodedCall;
  /** Action kinds that no call can be decoded into, and why (an `args` function without `fromCall`, say). */
  readonly blind: readonly { readonly kind: string; readonly reason: string }[];
}

export type CallDecoderParameters<P, C, M> = [r: ResolvedMechanism<P, C, M>, d: Deployed<C>, deployment: Deployment];
export type CallDecoderReturnType = CallDecoder;

export function callDecoder<P, C, M>(
  r: ResolvedMechanism<P, C, M>,
  d: Deployed<C>,
  deployment: Deployment,
): CallDecoder {
  const definition = r.definition;
  const encode = actionEncoder(r, d, deployment);
  const byAddress = new Map<string, string>();
  for (const [instance, address] of Object.entries(deployment.addresses))
    byAddress.set(address.toLowerCase(), instance);
  const ifaceOf = (instance: string): Interface => r.iface(deployment.artifacts[instance]!);

  // (instance, selector) -> the kinds that may have sent it, in declaration order.
  const kindsOf = new Map<string, string[]>();
  const blind: { kind: string; reason: string }[] = [];
  for (const [kind, binding] of Object.entries(definition.actions)) {
    const instances =
      typeof binding.contract === "string" ? [binding.contract] : Object.keys(deployment.addresses).sort();
    let found = 0;
    for (const instance of instances) {
      if (deployment.artifacts[instance] === undefined) continue;
      let fragment: FunctionFragment;
      try {
        fragment = functionOf(ifaceOf(instance), binding.function, deployment.artifacts[instance]!, `action ${kind}`);
      } catch {
        continue; // this instance has no such function: the binding cannot call it
      }
      const key = `${instance}\u0000${fragment.selector}`;
      kindsOf.set(key, [...(kindsOf.get(key) ?? []), kind]);
      found++;
    }
    if (found > 0 && binding.args !== undefined && binding.fromCall === undefined) {
      // Decoding by name may still work (when `args` only reorders the named arguments): re-encoding decides.
      blind.push({
        kind,
        reason: "its binding has an args function and no fromCall (decoded by name where that re-encodes)",
      });
    }
  }

  const decode = (to: string, data: string, value: bigint): DecodedCall => {
    const instance = byAddress.get(to.toLowerCase());
    if (instance === undefined) throw new TypeError(`${to} is not one of the mechanism's contracts`);
    const iface = ifaceOf(instance);
    if (data.length < 10) {
      return { kind: "undeclared", instance, fn: data === "0x" ? "(plain ether transfer)" : "(fallback)" };
    }
    const selector = data.slice(0, 10).toLowerCase();
    let fragment: FunctionFragment | null = null;
    try {
      fragment = iface.getFunction(selector);
    } catch {
      fragment = null;
    }
    if (fragment === null) return { kind: "undeclared", instance, fn: `(unknown selector ${selector})` };
    const fn = fragment.format("sighash");
    const kinds = kindsOf.get(`${instance}\u0000${fragment.selector}`);
    if (kinds === undefined) return { kind: "undeclared", instance, fn };
    if (value !== 0n) {
      return { kind: "undecodable", instance, fn, reason: `it carries ${value} wei of ether, which an Action cannot` };
    }
    let args: unknown[];
    try {
      const result = iface.decodeFunctionData(fragment, data);
      args = fragment.inputs.map((p, i) => plain(result[i], p));
    } catch (e) {
      return { kind: "undecodable", instance, fn, reason: `its calldata does not decode (${firstLine(e)})` };
    }
    const reasons: string[] = [];
    for (const kind of kinds) {
      const binding = definition.actions[kind]!;
      let actionArgs: ActionArgs;
      try {
        actionArgs = binding.fromCall !== undefined ? binding.fromCall({ instance, args }, d) : byName(fragment, args);
      } catch (e) {
        reasons.push(`${kind}: ${binding.fromCall !== undefined ? "its fromCall threw" : "by name"}: ${firstLine(e)}`);
        continue;
      }
      const action: Action = { agent: "(observed)", kind, args: actionArgs };
      let again: { to: string; data: string };
      try {
        again = encode(action);
      } catch (e) {
        reasons.push(`${kind}: the decoded Action does not encode (${firstLine(e)})`);
        continue;
      }
      if (again.to.toLowerCase() === to.toLowerCase() && again.data.toLowerCase() === data.toLowerCase()) {
        return { kind: "action", instance, fn, action: { kind, args: actionArgs } };
      }
      reasons.push(
        `${kind}: the decoded Action encodes to another call` +
          (again.to.toLowerCase() !== to.toLowerCase()
            ? ` (to ${byAddress.get(again.to.toLowerCase()) ?? again.to})`
            : "") +
          (binding.fromCall !== undefined
            ? ": its fromCall is not the inverse of its args"
            : ": give its binding a fromCall"),
      );
    }
    return { kind: "undecodable", instance, fn, reason: reasons.join("; ") };
  };

  return { instanceAt: (address) => byAddress.get(address.toLowerCase()), decode, blind };
}

/** The Action's arguments by the function's ABI parameter names: the inverse of the default `args`. */
function byName(fragment: FunctionFragment, args: readonly unknown[]): ActionArgs {
  const out: Record<string, ActionArg> = {};
  fragment.inputs.forEach((p, i) => {
    if (p.name === "") throw new TypeError(`parameter #${i} of ${fragment.format()} has no name`);
    const v = args[i];
    if (typeof v !== "bigint" && typeof v !== "string" && typeof v !== "boolean") {
      throw new TypeError(`parameter ${p.name} is a ${p.type}, which an Action argument cannot hold`);
    }
    out[p.name] = v;
  });
  return out;
}

/** An ABI value as plain data: bigint, lower-case address, boolean, string, 0x hex; structs as objects, arrays as arrays. */
export function plain(value: unknown, type: ParamType): unknown {
  if (type.baseType === "tuple") {
    const out: Record<string, unknown> = {};
    const list = value as readonly unknown[];
    type.components!.forEach((c, i) => (out[c.name === "" ? String(i) : c.name] = plain(list[i], c)));
    return out;
  }
  if (type.baseType === "array") return (value as readonly unknown[]).map((v) => plain(v, type.arrayChildren!));
  if (type.baseType === "address") return (value as string).toLowerCase();
  if (type.baseType === "bytes" || /^bytes\d+$/.test(type.baseType)) return (value as string).toLowerCase();
  return value;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0]!;
}
