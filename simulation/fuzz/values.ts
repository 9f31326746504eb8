/**
 * The argument values `sim fuzz` draws, favouring boundaries: 0, 1, 2, the maximum and one less; what the agents
 * use; what the model holds now (the sender's own balance, a count: ids that exist and the next one); the ids the
 * sender created; the numbers of the configuration and of the deployed code (the dictionary); the numbers the
 * model's refusals named, those of the same kind's refusals weighing most; each as it is half the time and one
 * off either way a quarter each; small and log-uniform numbers. Addresses: an account, a deployed instance, or
 * zero. Every draw comes from the sequence's one stream.
 */
import type { Rng } from "../engine/rng.js";
import type { Account, ActionArg, Outcome } from "../engine/types.js";
import type { FuzzRun, FuzzSession } from "./session.js";
import type { ArgKind, Vocabulary } from "./vocabulary.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export interface ValuesSpec {
  readonly rng: Rng;
  readonly session: FuzzSession;
  readonly vocabulary: Vocabulary;
}

export interface Values {
  /** A value of `kind` for the argument `name` of a call of `kindName` by `sender`, on the state `run` reached. */
  argValue(kind: ArgKind, name: string, run: FuzzRun, sender: Account, kindName?: string): ActionArg;
  /** Learns the numbers a refusal of `kind` names (from a probe: a refusal sent is learned from the run's records). */
  learn(kind: string, outcome: Outcome): void;
}

export function createValues(spec: ValuesSpec): Values {
  const { rng, session, vocabulary } = spec;
  const instances = Object.values(session.deployment.addresses);
  const constants = session.constants;
  /** Numbers the model's refusals named (a limit, a deadline, what is available), in the order seen. */
  const errorNumbers: bigint[] = [];
  /** The same, by the kind whose call was refused: a bound a revert names is where that call's boundary lies. */
  const errorNumbersOf = new Map<string, bigint[]>();
  /** Records of the run learned from so far. */
  let named_ = 0;
  const learnNumbers = (kind: string, outcome: Outcome): void => {
    for (const a of outcome.error?.args ?? []) {
      if (!/^\d+$/.test(a)) continue;
      if (errorNumbers.length < 256) errorNumbers.push(BigInt(a));
      let mine = errorNumbersOf.get(kind);
      if (mine === undefined) errorNumbersOf.set(kind, (mine = []));
      if (mine.length < 64 && !mine.includes(BigInt(a))) mine.push(BigInt(a));
    }
  };
  const uintValue = (bits: number, name: string, run: FuzzRun, sender: Account, kindName?: string): bigint => {
    const max = (1n << BigInt(bits)) - 1n;
    const fit = (v: bigint): bigint => (v < 0n ? 0n : v > max ? max : v);
    // The value itself half the time, one off either way a quarter each.
    const nudge = (v: bigint): bigint => fit(rng.chance(0.5) ? v : v + (rng.chance(0.5) ? 1n : -1n));
    const seen = vocabulary.seen.get(name);
    const own = run.created.get(sender.id);
    // Numbers the model's reverts named (a limit, a deadline, what is available): each, and one off either way.
    for (; named_ < run.records.length; named_++) {
      const r = run.records[named_]!;
      learnNumbers(r.step.action.kind, r.model);
    }
    const bounds = kindName === undefined ? undefined : errorNumbersOf.get(kindName);
    const pick = rng.weighted([
      2,
      seen !== undefined ? 3 : 0,
      3,
      2,
      1,
      4,
      own !== undefined ? 5 : 0,
      errorNumbers.length > 0 ? 3 : 0,
      constants.config.length > 0 ? 3 : 0,
      constants.code.length > 0 ? 1 : 0,
      bounds !== undefined ? 4 : 0,
    ]);
    switch (pick) {
      case 0:
        return [0n, 1n, 2n, max, max - 1n][rng.int(0, 4)]!;
      case 1: {
        const v = seen![rng.int(0, seen!.length - 1)]!;
        return typeof v === "bigint" || typeof v === "number" ? nudge(BigInt(v)) : rng.bigint(0n, 10n);
      }
      case 2: {
        // What the model holds now: the sender's own variables half the time (its balance, its funds).
        const own = `${sender.id}.`;
        const values: bigint[] = [];
        const mine: bigint[] = [];
        for (const [n, v] of run.sample) {
          if (typeof v !== "bigint" || v < 0n) continue;
          values.push(v);
          if (n.startsWith(own)) mine.push(v);
        }
        const from = mine.length > 0 && rng.chance(0.5) ? mine : values;
        return from.length === 0 ? 0n : nudge(from[rng.int(0, from.length - 1)]!);
      }
      case 3:
        return BigInt(rng.int(0, 10));
      case 4:
        return rng.bigint(0n, (1n << BigInt(rng.int(1, bits))) - 1n);
      case 6:
        // An id the sender created (its offer, its exchange).
        return own![rng.int(0, own!.length - 1)]!;
      case 7:
        return nudge(errorNumbers[rng.int(0, errorNumbers.length - 1)]!);
      case 8:
        // A number of the configuration (a cap it was deployed with), or one off either way.
        return nudge(constants.config[rng.int(0, constants.config.length - 1)]!);
      case 9:
        // A number of the deployed code (10,000 basis points), or one off either way.
        return nudge(constants.code[rng.int(0, constants.code.length - 1)]!);
      case 10:
        // A number a refusal of this very kind named (the cap a fee went past), or one off either way.
        return nudge(bounds![rng.int(0, bounds!.length - 1)]!);
      default: {
        // An id that exists, or the next: up to one past a count the model holds now (any small value).
        const counts: bigint[] = [];
        for (const v of run.sample.values()) if (typeof v === "bigint" && v > 0n && v <= 100_000n) counts.push(v);
        return counts.length === 0 ? 1n : fit(rng.bigint(1n, counts[rng.int(0, counts.length - 1)]! + 1n));
      }
    }
  };

  const argValue = (kind: ArgKind, name: string, run: FuzzRun, sender: Account, kindName?: string): ActionArg => {
    switch (kind.type) {
      case "uint":
        return uintValue(kind.bits, name, run, sender, kindName);
      case "int": {
        const v = uintValue(kind.bits - 1, name, run, sender, kindName);
        return rng.chance(0.3) ? -v : v;
      }
      case "address": {
        const x = rng.weighted([6, 2, 1]);
        if (x === 0) return session.accounts[rng.int(0, session.accounts.length - 1)]!.address;
        if (x === 1 && instances.length > 0) return instances[rng.int(0, instances.length - 1)]!;
        return ZERO_ADDRESS;
      }
      case "bool":
        return rng.chance(0.5);
      case "oneOf":
        return kind.values[rng.int(0, kind.values.length - 1)]!;
    }
  };

  return { argValue, learn: learnNumbers };
}
