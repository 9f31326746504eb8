import type { Clock } from "./clock.js";
import type { Action, ActionArg } from "./types.js";

/**
 * How the scenario's clock maps onto the chain's: `chainStepSeconds` of chain time for every
 * `scenarioStepSeconds` of scenario time. A chain that cannot warp (a public network) runs in
 * wall-clock mode, where a 30-day step might last 120 s: every instant and every duration of
 * the run is scaled by this one ratio, in one place, so the contracts, the model and the
 * agents keep agreeing. Absent (or 1:1), nothing is scaled.
 *
 * The convention that makes "one place" possible: a duration is named `…Seconds` (an
 * Action argument such as `disputePeriodSeconds`, a config field such as `epochSeconds`),
 * an instant `…Timestamp`. Durations are scaled; instants move with the clock.
 */
export interface TimeScale {
  readonly chainStepSeconds: number;
  readonly scenarioStepSeconds: number;
}

export function isIdentityScale(scale: TimeScale | undefined): scale is undefined {
  return scale === undefined || scale.chainStepSeconds === scale.scenarioStepSeconds;
}

/** A duration in chain seconds: rounded to the nearest second, and at least 1 when positive (contracts reject zero periods). */
export function scaleDuration(scale: TimeScale | undefined, seconds: bigint): bigint {
  if (isIdentityScale(scale) || seconds <= 0n) return seconds;
  const num = BigInt(scale.chainStepSeconds);
  const den = BigInt(scale.scenarioStepSeconds);
  const scaled = (seconds * num * 2n + den) / (den * 2n);
  return scaled < 1n ? 1n : scaled;
}

/**
 * The chain instant of scenario instant `t` on a clock starting at `start`: offsets round
 * down, so step boundaries map exactly (k steps are k chain steps) and a substep never
 * reaches the next step. Substeps a few scenario days apart may share a chain second.
 */
export function scaleInstant(scale: TimeScale | undefined, start: bigint, t: bigint): bigint {
  if (isIdentityScale(scale)) return t;
  return start + ((t - start) * BigInt(scale.chainStepSeconds)) / BigInt(scale.scenarioStepSeconds);
}

/** Every field named `…Seconds` of a plain value (objects, arrays), scaled as a duration; the rest as is. */
export function scaleDurations<T>(value: T, scale: TimeScale | undefined): T {
  if (isIdentityScale(scale)) return value;
  const walk = (v: unknown, key: string): unknown => {
    if (key.endsWith("Seconds")) {
      if (typeof v === "bigint") return scaleDuration(scale, v);
      if (typeof v === "number") return Number(scaleDuration(scale, BigInt(v)));
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, ""));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value, "") as T;
}

/** An Action with its duration arguments in chain seconds. */
export function scaleAction(action: Action, scale: TimeScale | undefined): Action {
  if (isIdentityScale(scale) || !Object.keys(action.args).some((k) => k.endsWith("Seconds"))) return action;
  return { ...action, args: scaleDurations(action.args as Record<string, ActionArg>, scale) };
}

/** The run's clock in chain time. */
export function scaleClock(clock: Clock, scale: TimeScale | undefined): Clock {
  if (isIdentityScale(scale)) return clock;
  return {
    startTime: clock.startTime,
    stepSeconds: scale.chainStepSeconds,
    substeps: clock.substeps,
    at(step, substepIndex) {
      const tick = clock.at(step, substepIndex);
      return { ...tick, time: scaleInstant(scale, clock.startTime, tick.time) };
    },
  };
}
