/** The options only `sim optimize` takes: the searched ranges and the constraints on mean KPIs. */
import { UserError } from "../../engine/errors.js";
import type { OptimizerParam } from "../../engine/optimize.js";
import { leafAt } from "../../engine/params.js";
import type { AnyScenario } from "../../scenarios/index.js";
import type { ExperimentArgs } from "./options.js";

export interface OptimizeArgs extends ExperimentArgs {
  readonly objective?: string | undefined;
  readonly maximize?: boolean | undefined;
  readonly minimize?: boolean | undefined;
  readonly param?: string | undefined;
  readonly constraint?: string | undefined;
  readonly budget?: string | undefined;
  readonly runsPerEval?: string | undefined;
  readonly confirm?: string | undefined;
  readonly population?: string | undefined;
}

export interface Constraint {
  readonly kpi: string;
  readonly op: "<=" | ">=";
  readonly bound: number;
  readonly text: string;
}

export function parseConstraints(text: string | undefined): Constraint[] {
  return (text ?? "")
    .split(/[;\n]|\s+(?=[A-Za-z_][\w.]*\s*[<>]=)/)
    .filter((s) => s.trim() !== "")
    .map(parseConstraint);
}

export function parseConstraint(text: string): Constraint {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text);
  if (m === null) {
    throw new UserError(
      `Malformed --constraint ${JSON.stringify(text)}: expected kpi<=number or kpi>=number, for example complaint_rate<=0.05.`,
    );
  }
  return { kpi: m[1]!, op: m[2] as "<=" | ">=", bound: Number(m[3]), text: text.trim() };
}

export function parseRange(scenario: AnyScenario, text: string): OptimizerParam {
  const m = /^\s*([\w.]+)\s*=\s*(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (m === null)
    throw new UserError(
      `Malformed --param ${JSON.stringify(text)}: expected path=min..max, for example fees.feeBps=0..300.`,
    );
  const path = m[1]!.replace(/^params\./, "");
  const leaf = leafAt(scenario.schema, path);
  if (leaf.type !== "int" && leaf.type !== "number") {
    throw new UserError(
      `Parameter params.${path} cannot be optimised: expected an integer or number parameter, it is ${leaf.type === "amount" ? "an amount" : "a boolean"}.`,
    );
  }
  const min = Number(m[2]);
  const max = Number(m[3]);
  if (!(min < max) || min < leaf.min || max > leaf.max) {
    throw new UserError(`Invalid --param ${JSON.stringify(text)}: expected min < max within ${leaf.min}..${leaf.max}.`);
  }
  return { path, min, max, integer: leaf.type === "int" };
}
