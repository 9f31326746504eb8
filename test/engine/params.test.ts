import { expect } from "chai";
import { z } from "zod";
import { ParamError, UserError } from "../../simulation/engine/errors.js";
import {
  amount,
  applyAssignments,
  bool,
  bps,
  defaults,
  expectation,
  int,
  leafAt,
  num,
  parseAssignment,
  parseLeaf,
  validate,
  withDefault,
  type ParamSchema,
  type ParamsOf,
} from "../../simulation/engine/params.js";

const MAX_UINT256 = (1n << 256n) - 1n;

/** The schema written with Lockstep's helpers. */
const schema = z.object({
  fees: z.object({ feeBps: bps(50), maxFeeBps: bps(500) }),
  steps: int(1, 100, 10, "steps"),
  p: num(0, 1, 0.5),
  price: amount(10n ** 18n, 1n),
  on: bool(true),
});

/** The same schema in plain zod, as a user who knows zod writes it. */
const plain = z.object({
  fees: z.object({
    feeBps: z.number().int().min(0).max(10_000).describe("basis points").default(50),
    maxFeeBps: z.number().int().min(0).max(10_000).default(500).describe("basis points"),
  }),
  steps: z.number().int().min(1).max(100).describe("steps").default(10),
  p: z.number().min(0).max(1).default(0.5),
  price: z
    .bigint()
    .min(1n)
    .max(MAX_UINT256)
    .describe("wei")
    .default(10n ** 18n),
  on: z.boolean().default(true),
});

// The parameters' type is inferred from the schema (a compile-time check: `npx tsc` fails if it is not).
type Expected = {
  fees: { feeBps: number; maxFeeBps: number };
  steps: number;
  p: number;
  price: bigint;
  on: boolean;
};
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inferred: [Same<ParamsOf<typeof schema>, Expected>, Same<ParamsOf<typeof plain>, Expected>] = [true, true];

const schemas: [string, ParamSchema][] = [
  ["helpers", schema],
  ["plain zod", plain],
];

describe("engine: parameter schemas", function () {
  it("ParamsOf: the parameters' type is the schema's z.infer, with bigint amounts", function () {
    expect(inferred).to.deep.equal([true, true]);
  });

  for (const [name, s] of schemas) {
    it(`defaults: a fresh tree of the schema's defaults (${name})`, function () {
      expect(defaults(s)).to.deep.equal({
        fees: { feeBps: 50, maxFeeBps: 500 },
        steps: 10,
        p: 0.5,
        price: 10n ** 18n,
        on: true,
      });
      expect(defaults(s)).not.to.equal(defaults(s));
    });
  }

  const good: [string, string, unknown][] = [
    ["fees.feeBps", "0", 0],
    ["fees.feeBps", "10000", 10_000],
    ["fees.feeBps", "-0", 0],
    ["p", "1", 1],
    ["p", "0.25", 0.25],
    ["p", "2.5e-1", 0.25],
    ["p", "0e-400", 0],
    ["price", "1", 1n],
    ["price", "25e18", 25n * 10n ** 18n],
    ["price", "1.5e18", 15n * 10n ** 17n],
    ["price", "115792089237316195423570985008687907853269984665640564039457584007913129639935", MAX_UINT256],
    ["price", "1.15792089237316195423570985008687907853269984665640564039457584007913129639935e77", MAX_UINT256],
    ["on", "false", false],
  ];
  for (const [name, s] of schemas) {
    for (const [path, text, value] of good) {
      it(`parseAssignment: ${path}=${text} gives ${String(value)} (${name})`, function () {
        const a = parseAssignment(s, `${path}=${text}`, "--set");
        expect(a).to.deep.equal({ path, value });
        expect(Object.is(a.value, -0)).to.equal(false);
      });
    }
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
    ["p=0x1", 'Invalid parameter params.p = "0x1": expected a number in 0..1.'],
    ["p=Infinity", 'Invalid parameter params.p = "Infinity": expected a number in 0..1.'],
    ["price=0", "Invalid parameter params.price = 0: expected an integer amount in 1..2^256-1 (wei)."],
    [
      "price=115792089237316195423570985008687907853269984665640564039457584007913129639936",
      "Invalid parameter params.price = 115792089237316195423570985008687907853269984665640564039457584007913129639936: expected an integer amount in 1..2^256-1 (wei).",
    ],
    ["on=yes", 'Invalid parameter params.on = "yes": expected true or false.'],
    ["fees.nope=1", "Unknown parameter params.fees.nope: expected one of fees.feeBps, fees.maxFeeBps."],
    ["nope.x=1", "Unknown parameter params.nope.x: expected one of fees.feeBps, fees.maxFeeBps, steps, p, price, on."],
    ["steps.x=1", "Unknown parameter params.steps.x: expected one of (none)."],
    ["fees=1", "Parameter params.fees is a group: expected one of fees.feeBps, fees.maxFeeBps."],
    ["=1", 'Malformed --set "=1": expected path=value, for example fees.feeBps=75.'],
    // Extreme literals: one line each, the text as typed, never a value it silently became.
    [
      "fees.feeBps=1e400",
      'Invalid parameter params.fees.feeBps = "1e400": expected an integer in 0..10000 (basis points).',
    ],
    [
      "steps=99999999999999999999",
      'Invalid parameter params.steps = "99999999999999999999": expected an integer in 1..100 (steps).',
    ],
    [
      "steps=9007199254740993",
      'Invalid parameter params.steps = "9007199254740993": expected an integer in 1..100 (steps).',
    ],
    ["p=1e400", 'Invalid parameter params.p = "1e400": expected a number in 0..1.'],
    [
      "p=1e-400",
      'Invalid parameter params.p = "1e-400": expected a number in 0..1: it is nearer 0 than the smallest double (5e-324).',
    ],
    [
      "p=-0.0000001e-330",
      'Invalid parameter params.p = "-0.0000001e-330": expected a number in 0..1: it is nearer 0 than the smallest double (5e-324).',
    ],
    [
      "price=1e999999999",
      'Invalid parameter params.price = "1e999999999": expected an integer amount in 1..2^256-1 (wei).',
    ],
    [
      "price=1e99999999999999999999999",
      'Invalid parameter params.price = "1e99999999999999999999999": expected an integer amount in 1..2^256-1 (wei).',
    ],
    ["price=0e999999999", "Invalid parameter params.price = 0: expected an integer amount in 1..2^256-1 (wei)."],
    ["price=1e78", 'Invalid parameter params.price = "1e78": expected an integer amount in 1..2^256-1 (wei).'],
  ];
  for (const [name, s] of schemas) {
    for (const [text, message] of bad) {
      it(`parseAssignment: rejects ${text} with its exact message (${name})`, function () {
        expect(() => parseAssignment(s, text, "--set")).to.throw(UserError, message);
        try {
          parseAssignment(s, text, "--set");
        } catch (e) {
          expect((e as Error).message).to.equal(message);
        }
      });
    }
  }

  for (const [name, s] of schemas) {
    it(`validate: accepts the defaults and names the first bad field of a tree (${name})`, function () {
      expect(validate(s, defaults(s))).to.deep.equal(defaults(s));
      const tree = { ...defaults(s), fees: { feeBps: 50, maxFeeBps: "500" } };
      expect(() => validate(s, tree)).to.throw(
        ParamError,
        'Invalid parameter params.fees.maxFeeBps = "500": expected an integer in 0..10000 (basis points).',
      );
      expect(() => validate(s, { ...defaults(s), extra: 1 })).to.throw(
        UserError,
        "Unknown parameter params.extra: expected one of fees, steps, p, price, on.",
      );
      const { steps: _steps, ...missing } = defaults(s) as Expected;
      expect(() => validate(s, missing)).to.throw(
        ParamError,
        "Invalid parameter params.steps = (missing): expected an integer in 1..100 (steps).",
      );
    });
  }

  it("validate: rules across fields are zod refinements; a custom issue names the field and what was expected", function () {
    const ruled = plain.superRefine((p, ctx) => {
      if (p.fees.feeBps > p.fees.maxFeeBps)
        ctx.addIssue({
          code: "custom",
          path: ["fees", "feeBps"],
          message: `at most params.fees.maxFeeBps (${p.fees.maxFeeBps})`,
        });
      if (p.on && p.p === 0) ctx.addIssue({ code: "custom", path: ["p"], message: "nonzero while params.on is true" });
    });
    const base = defaults(ruled);
    expect(validate(ruled, base)).to.equal(base);
    const over = applyAssignments(base, [parseAssignment(ruled, "fees.feeBps=600", "--set")]);
    expect(() => validate(ruled, over)).to.throw(
      ParamError,
      "Invalid parameter params.fees.feeBps = 600: expected at most params.fees.maxFeeBps (500).",
    );
    // Both rules broken: the first one declared is reported.
    const both = applyAssignments(over, [{ path: "p", value: 0 }]);
    expect(() => validate(ruled, both)).to.throw("params.fees.feeBps = 600");
    expect(() => validate(ruled, { ...base, p: 0 })).to.throw(
      ParamError,
      "Invalid parameter params.p = 0: expected nonzero while params.on is true.",
    );
  });

  it("validate: a rule that names no field is reported for the parameters as a whole", function () {
    const ruled = plain.refine((p) => p.steps * p.fees.feeBps <= 100_000, "steps times fees.feeBps at most 100000");
    expect(() => validate(ruled, { ...defaults(ruled), steps: 100, fees: { feeBps: 5000, maxFeeBps: 5000 } })).to.throw(
      UserError,
      "Invalid params: expected steps times fees.feeBps at most 100000.",
    );
  });

  it("parseLeaf: a leaf's own zod refinement speaks for itself; multipleOf and exclusive bounds are put in words", function () {
    const s = z.object({
      lot: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .refine((v) => v % 10 === 0, "a multiple of 10 lots")
        .default(10),
      rate: z.number().gt(0).lte(1).default(0.5),
      step: z.number().multipleOf(5).default(5),
      wei: z.bigint().default(1n),
    });
    expect(() => parseAssignment(s, "lot=15", "--set")).to.throw(
      "Invalid parameter params.lot = 15: expected a multiple of 10 lots.",
    );
    expect(() => parseAssignment(s, "lot=2000", "--set")).to.throw(
      "Invalid parameter params.lot = 2000: expected an integer in 0..1000.",
    );
    expect(() => parseAssignment(s, "rate=0", "--set")).to.throw(
      "Invalid parameter params.rate = 0: expected a number above 0 and at most 1.",
    );
    expect(() => parseAssignment(s, "step=7", "--set")).to.throw(
      "Invalid parameter params.step = 7: expected a number, a multiple of 5.",
    );
    // A bigint without bounds of its own is a uint256 amount.
    expect(expectation(leafAt(s, "wei"))).to.equal("an integer amount in 0..2^256-1");
    expect(parseAssignment(s, "wei=2e18", "--set").value).to.equal(2n * 10n ** 18n);
  });

  it("leafAt: a leaf that is not a number, bigint or boolean with a default is a schema error that names it", function () {
    const s = z.object({ g: z.object({ name: z.string().default("x"), n: z.number() }) });
    expect(() => leafAt(s, "g.name")).to.throw(
      UserError,
      "Invalid parameter schema at params.g.name: a zod string: expected z.number(), z.bigint() or z.boolean() with a .default(...), or a z.object() of them.",
    );
    expect(() => defaults(s)).to.throw(UserError, "Invalid parameter schema at params.g.name");
    expect(() => leafAt(s, "g.n")).to.throw(
      UserError,
      "Invalid parameter schema at params.g.n: a z.number() without a .default(...): expected z.number(), z.bigint() or z.boolean() with a .default(...), or a z.object() of them.",
    );
  });

  it("withDefault: another default, the same checks and unit", function () {
    const zero = withDefault(schema.shape.fees.shape.feeBps, 0);
    const s = z.object({ feeBps: zero });
    expect(defaults(s)).to.deep.equal({ feeBps: 0 });
    expect(expectation(leafAt(s, "feeBps"))).to.equal("an integer in 0..10000 (basis points)");
    const described = withDefault(z.number().min(0).max(1).default(0.5).describe("per step"), 0.25);
    expect(expectation(leafAt(z.object({ x: described }), "x"))).to.equal("a number in 0..1 (per step)");
  });

  it("applyAssignments: copies, never mutates the base", function () {
    const base = defaults(schema);
    const next = applyAssignments(base, [{ path: "fees.feeBps", value: 75 }]);
    expect(next.fees.feeBps).to.equal(75);
    expect(base.fees.feeBps).to.equal(50);
    expect(parseLeaf(leafAt(schema, "price"), "2e0", "params.price")).to.equal(2n);
  });
});
