/* eslint-disable no-restricted-properties -- this file is the guard: it swaps Math.random out, never calls it */
/**
 * A run is reproducible only if the scenario's code draws randomness from its seeded
 * streams and reads time from the run's clock. While a scenario's or mechanism's code runs
 * (policies, the model, the scenario's view, observations and KPIs), `Math.random` and
 * `Date.now` throw a UserError saying who called them and what to use instead. The guard
 * is set once around a stretch of such calls (a substep's decisions, a batch's model
 * updates), not around each one.
 */
import { UserError } from "./errors.js";

let depth = 0;
/** Who runs now; a function where building the name on every call would cost more than the call. */
let who: string | (() => string) = "";
const original = { random: Math.random, now: Date.now };

function refuse(what: string, instead: string): never {
  throw new UserError(
    `${typeof who === "string" ? who : who()} called ${what}, which makes a run unrepeatable: ${instead}.`,
  );
}

const guardedRandom = (): number => refuse("Math.random", "draw from ctx.rng, the agent's seeded stream");
const guardedNow = (): number => refuse("Date.now", "read the run's clock (ctx.time, the block timestamp)");

/** Runs `fn` with the guard up; `whose` names the code in a refusal ("scenario vault"). */
export function deterministic<T>(whose: string | (() => string), fn: () => T): T {
  const previous = who;
  who = whose;
  if (depth++ === 0) {
    Math.random = guardedRandom;
    Date.now = guardedNow;
  }
  try {
    return fn();
  } finally {
    if (--depth === 0) {
      Math.random = original.random;
      Date.now = original.now;
    }
    who = previous;
  }
}

/** Names the code running now, inside a `deterministic` stretch (cheap: one assignment). */
export function nowRunning(whose: string | (() => string)): void {
  who = whose;
}
