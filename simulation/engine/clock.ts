import type { Substep, Tick } from "./types.js";

/** The run's clock: step k's substep j happens at start + k * stepSeconds + offset_j. */
export interface Clock {
  readonly startTime: bigint;
  readonly stepSeconds: number;
  readonly substeps: readonly Substep[];
  at(step: number, substepIndex: number): Tick;
}

export function createClock(startTime: bigint, stepSeconds: number, substeps: readonly Substep[]): Clock {
  let previous = -1;
  for (const s of substeps) {
    if (!Number.isInteger(s.offsetSeconds) || s.offsetSeconds <= previous || s.offsetSeconds >= stepSeconds) {
      throw new Error(
        `Substep ${s.name} at offset ${s.offsetSeconds}s: offsets must be integers, increasing, and below the step length ${stepSeconds}s.`,
      );
    }
    previous = s.offsetSeconds;
  }
  return {
    startTime,
    stepSeconds,
    substeps,
    at(step, substepIndex) {
      const s = substeps[substepIndex]!;
      return {
        step,
        substep: s.name,
        substepIndex,
        time: startTime + BigInt(step) * BigInt(stepSeconds) + BigInt(s.offsetSeconds),
      };
    },
  };
}
