import { expect } from "chai";
import { ParamError, UserError } from "../../simulation/engine/errors.js";
import {
  amount,
  applyAssignments,
  bool,
  bps,
  defaults,
  int,
  num,
  parseAssignment,
  parseLeaf,
  validate,
} from "../../simulation/engine/params.js";

const schema = {
  fees: { feeBps: bps(50), maxFeeBps: bps(500) },
  steps: int(1, 100, 10, "steps"),
  p: num(0, 1, 0.5),
  price: amount(10n ** 18n, 1n),
  on: bool(true),
} as const;

describe("engine: parameter schemas", function () {
  it("defaults: a fresh tree of the schema's defaults", function () {
    expect(defaults(schema)).to.deep.equal({
      fees: { feeBps: 50, maxFeeBps: 500 },
      steps: 10,
      p: 0.5,
      price: 10n ** 18n,
      on: true,
    });
  });

  const good: [string, string, unknown][] = [
    ["fees.feeBps", "0", 0],
    ["fees.feeBps", "10000", 10_000],
    ["p", "1", 1],
    ["p", "0.25", 0.25],
    ["price", "1", 1n],
    ["price", "25e18", 25n * 10n ** 18n],
    ["price", "1.5e18", 15n * 10n ** 17n],
    ["price", "115792089237316195423570985008687907853269984665640564039457584007913129639935", (1n << 256n) - 1n],
    ["on", "false", false],
  ];
  for (const [path, text, value] of good) {
    it(`parseAssignment: ${path}=${text} gives ${String(value)}`, function () {
      expect(parseAssignment(schema, `${path}=${text}`, "--set")).to.deep.equal({ path, value });
    });
  }

  const bad: [string, string][] = [
    [
      "fees.feeBps=10001",
      "Invalid parameter params.fees.feeBps = 10001: expected an integer in 0..10000 (basis points).",
    ],
    ["fees.feeBps=-1", "Invalid parameter params.fees.feeBps = -1: expected an integer in 0..10000 (basis points)."],
    [
      "fees.feeBps=1.5",
      'Invalid parameter params.fees.feeBps = "1.5": expected an integer in 0..10000 (basis points).',
    ],
    ["p=1.01", "Invalid parameter params.p = 1.01: expected a number in 0..1."],
    ["p=NaN", 'Invalid parameter params.p = "NaN": expected a number in 0..1.'],
    ["price=0", "Invalid parameter params.price = 0: expected an integer amount in 1..2^256-1 (wei)."],
    [
      "price=115792089237316195423570985008687907853269984665640564039457584007913129639936",
      "Invalid parameter params.price = 115792089237316195423570985008687907853269984665640564039457584007913129639936: expected an integer amount in 1..2^256-1 (wei).",
    ],
    ["on=yes", 'Invalid parameter params.on = "yes": expected true or false.'],
    ["fees.nope=1", "Unknown parameter params.fees.nope: expected one of fees.feeBps, fees.maxFeeBps."],
    ["nope.x=1", "Unknown parameter params.nope.x: expected one of fees.feeBps, fees.maxFeeBps, steps, p, price, on."],
    ["steps.x=1", "Unknown parameter params.steps.x: expected one of (none)."],
    ["=1", 'Malformed --set "=1": expected path=value, for example fees.feeBps=75.'],
  ];
  for (const [text, message] of bad) {
    it(`parseAssignment: rejects ${text} with its exact message`, function () {
      expect(() => parseAssignment(schema, text, "--set")).to.throw(UserError, message);
    });
  }

  it("validate: accepts the defaults and names the first bad field of a tree", function () {
    expect(validate(schema, defaults(schema))).to.deep.equal(defaults(schema));
    const tree = { ...defaults(schema), fees: { feeBps: 50, maxFeeBps: "500" } };
    expect(() => validate(schema, tree)).to.throw(ParamError, 'Invalid parameter params.fees.maxFeeBps = "500"');
    expect(() => validate(schema, { ...defaults(schema), extra: 1 })).to.throw(
      UserError,
      "Unknown parameter params.extra",
    );
  });

  it("applyAssignments: copies, never mutates the base", function () {
    const base = defaults(schema);
    const next = applyAssignments(base, [{ path: "fees.feeBps", value: 75 }]);
    expect(next.fees.feeBps).to.equal(75);
    expect(base.fees.feeBps).to.equal(50);
    expect(parseLeaf(schema.price, "2e0", "params.price")).to.equal(2n);
  });
});
