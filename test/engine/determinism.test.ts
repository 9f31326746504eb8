import { expect } from "chai";
import { deterministic, nowRunning } from "../../simulation/engine/determinism.js";
import { UserError } from "../../simulation/engine/errors.js";

describe("engine: scenario code is kept deterministic", function () {
  it("deterministic: Math.random inside is refused with one line naming the caller and the seeded stream", function () {
    expect(() => deterministic("Scenario vault: the policy of depositor-0 (role depositor)", () => Math.random()))
      .to.throw(UserError)
      .with.property(
        "message",
        "Scenario vault: the policy of depositor-0 (role depositor) called Math.random, which makes a run unrepeatable: draw from ctx.rng, the agent's seeded stream.",
      );
  });

  it("deterministic: Date.now inside is refused, naming the code that runs now", function () {
    expect(() =>
      deterministic("Scenario vault", () => {
        nowRunning("Scenario vault: the model of action deposit");
        return Date.now();
      }),
    ).to.throw(
      UserError,
      "Scenario vault: the model of action deposit called Date.now, which makes a run unrepeatable: read the run's clock (ctx.time, the block timestamp).",
    );
  });

  it("deterministic: outside (and after a refusal, and after nesting) Math.random and Date.now work", function () {
    const before = Date.now();
    expect(() => deterministic("x", () => Math.random())).to.throw(UserError);
    expect(deterministic("outer", () => deterministic("inner", () => 41) + 1)).to.equal(42);
    expect(Math.random()).to.be.within(0, 1);
    expect(Date.now()).to.be.at.least(before);
  });

  it("deterministic: code that needs neither runs untouched and returns its value", function () {
    expect(deterministic("x", () => [1, 2, 3].map((n) => n * 2))).to.deep.equal([2, 4, 6]);
  });
});
