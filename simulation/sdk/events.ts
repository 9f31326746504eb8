/**
 * The events a mechanism declares (`events`: `instance.Event` patterns), resolved against a deployment: which events
 * of which instance are compared, how a model's `emit` is checked and kept, and how a transaction's logs are decoded
 * into the same form (by the emitting address's instance, topic0 to the event of its artifact's ABI).
 */
import { Indexed, type EventFragment, type Interface } from "ethers";
import { UserError } from "../engine/errors.js";
import type { EmittedEvent } from "../engine/types.js";
import { canonicalArg } from "../analysis/values.js";
import type { EventArg } from "./mechanism.js";

/** A log as a receipt carries it. */
export interface ChainLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
}

/** A deployed instance, as the events see it. */
export interface EventInstance {
  readonly name: string;
  readonly address: string;
  readonly artifact: string;
  readonly iface: Interface;
}

/** The declared events of a deployment. */
export interface DeclaredEvents {
  /** Keeps a model's event if declared (checking it names an event of the instance's ABI), in canonical form. */
  model(instance: string, event: string, args: readonly EventArg[]): EmittedEvent | undefined;
  /** The declared events among a transaction's logs, in log order. */
  chain(logs: readonly ChainLog[]): EmittedEvent[];
}

const PATTERN = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*]+)?$/;

/** A pattern's regular expression over `instance.Event`; `*` alone stands for every event. */
function patternRegex(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}

/**
 * Resolves `patterns` against the deployed instances. Each pattern must name at least one event of a deployed
 * instance; a pattern that names none is a mistake (a misspelt instance or event) said in one line.
 */
export function declaredEvents(
  patterns: readonly string[],
  instances: readonly EventInstance[],
  mechanism: string,
): DeclaredEvents {
  const regexes = patterns.map((p) => {
    if (typeof p !== "string" || !PATTERN.test(p) || (!p.includes(".") && p !== "*")) {
      throw new UserError(
        `Invalid events pattern ${JSON.stringify(p)} of mechanism ${mechanism}: expected instance.Event, ` +
          `* standing for any characters ("escrow.*", "token.Transfer", "*").`,
      );
    }
    return { pattern: p, regex: patternRegex(p), used: false };
  });
  const byName = new Map(instances.map((i) => [i.name, i]));
  // emitting address => instance and its declared events by topic0
  const byAddress = new Map<string, { instance: string; byTopic: Map<string, LogDecoder> }>();
  for (const inst of instances) {
    const byTopic = new Map<string, LogDecoder>();
    inst.iface.forEachEvent((fragment) => {
      // An anonymous event has no topic0 to know it by: it cannot be declared.
      if (fragment.anonymous) return;
      const key = `${inst.name}.${fragment.name}`;
      let wanted = false;
      for (const r of regexes) {
        if (r.regex.test(key)) {
          r.used = true;
          wanted = true;
        }
      }
      if (wanted) byTopic.set(fragment.topicHash, logDecoder(inst.iface, fragment));
    });
    if (byTopic.size > 0) byAddress.set(inst.address.toLowerCase(), { instance: inst.name, byTopic });
  }
  const unused = regexes.find((r) => !r.used);
  if (unused !== undefined) {
    throw new UserError(
      `The events pattern ${JSON.stringify(unused.pattern)} of mechanism ${mechanism} names no event of a deployed ` +
        `instance (instances: ${instances.map((i) => i.name).join(", ")}).`,
    );
  }
  // The model's events: each instance.Event checked once, then kept or not.
  const kept = new Map<string, boolean>();
  const modelKey = (instance: string, event: string): boolean => {
    const key = `${instance}.${event}`;
    let keep = kept.get(key);
    if (keep !== undefined) return keep;
    const inst = byName.get(instance);
    if (inst === undefined) {
      throw new UserError(
        `The model of mechanism ${mechanism} emitted ${key}: no instance ${instance} was deployed ` +
          `(instances: ${instances.map((i) => i.name).join(", ")}).`,
      );
    }
    const names = new Set<string>();
    inst.iface.forEachEvent((f) => names.add(f.name));
    if (!names.has(event)) {
      throw new UserError(
        `The model of mechanism ${mechanism} emitted ${key}: ${inst.artifact} has no event ${event} ` +
          `(it has ${[...names].join(", ") || "none"}).`,
      );
    }
    keep = regexes.some((r) => r.regex.test(key));
    kept.set(key, keep);
    return keep;
  };
  return {
    model(instance, event, args) {
      if (!modelKey(instance, event)) return undefined;
      return { instance, name: event, args: args.map(canonicalArg) };
    },
    chain(logs) {
      const out: EmittedEvent[] = [];
      for (const log of logs) {
        const at = byAddress.get(log.address.toLowerCase());
        if (at === undefined || log.topics.length === 0) continue;
        const decode = at.byTopic.get(log.topics[0]!);
        if (decode === undefined) continue;
        out.push({ instance: at.instance, name: decode.event, args: decode(log) });
      }
      return out;
    },
  };
}

/** Decodes one event's logs into canonical arguments. */
type LogDecoder = ((log: ChainLog) => string[]) & { readonly event: string };

/** The static types a log carries in one 32-byte word, decoded here without the ABI coder (most events' all). */
const WORD_TYPES = /^(uint\d*|address|bool)$/;

/**
 * A decoder for `fragment`'s logs. An event whose parameters are all unsigned integers, addresses and booleans (every
 * event of Lockstep's own contracts, ERC-20's and ERC-1155's TransferSingle) is read word by word: indexed ones from
 * the topics, the others from the data, in the ABI's order; anything else goes through ethers' ABI coder.
 */
function logDecoder(iface: Interface, fragment: EventFragment): LogDecoder {
  const inputs = fragment.inputs;
  let decode: (log: ChainLog) => string[];
  if (inputs.every((p) => WORD_TYPES.test(p.type))) {
    const plan = inputs.map((p) => ({ indexed: p.indexed === true, type: p.type }));
    decode = (log) => {
      const out: string[] = [];
      let topic = 1;
      let word = 0;
      for (const p of plan) {
        const hex = p.indexed ? (log.topics[topic++] ?? "") : log.data.slice(2 + 64 * word, 2 + 64 * ++word);
        const digits = hex.startsWith("0x") ? hex.slice(2) : hex;
        if (p.type === "address") out.push(`0x${digits.slice(24).toLowerCase()}`);
        else if (p.type === "bool") out.push(String(BigInt(`0x${digits}`) !== 0n));
        else out.push(BigInt(`0x${digits}`).toString());
      }
      return out;
    };
  } else {
    decode = (log) => [...iface.decodeEventLog(fragment, log.data, log.topics as string[])].map(canonicalValue);
  }
  return Object.assign(decode, { event: fragment.name });
}

/** A decoded log argument in the form a model's argument takes (`canonicalArg`); an indexed string or bytes is its hash. */
function canonicalValue(v: unknown): string {
  if (v instanceof Indexed) return canonicalArg(v.hash ?? "");
  if (Array.isArray(v)) return `[${v.map(canonicalValue).join(",")}]`;
  return canonicalArg(v);
}
