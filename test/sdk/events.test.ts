/**
 * Events, compared after every Action: the declared patterns resolved against a deployment, a receipt's logs
 * decoded for the declared events only, the model's emits checked against the ABI, outcomes that differ only in their
 * events told apart and described, and a model that forgets or alters one event caught by a lockstep run (at the
 * event, in the first divergence) and by a fuzz campaign (an outcome failure, shrunk); a mechanism that declares no
 * events compares none.
 */
import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import { describeDifference, outcomeDifference, sameOutcome } from "../../simulation/analysis/parity.js";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { UserError } from "../../simulation/engine/errors.js";
import { defaults } from "../../simulation/engine/params.js";
import type { EmittedEvent, Outcome } from "../../simulation/engine/types.js";
import { runCampaign } from "../../simulation/fuzz/campaign.js";
import { describeFailure } from "../../simulation/fuzz/types.js";
import { declaredEvents, type EventInstance } from "../../simulation/sdk/events.js";
import { describeDivergence, runFromRequest, scenario } from "../helpers/run.js";

const FIXTURES = "./test/fixtures/scenarios";
const TOKEN = "0x00000000000000000000000000000000000000aa";
const ESCROW = "0x00000000000000000000000000000000000000bb";
const ALICE = "0x000000000000000000000000000000000000a11c";
const BOB = "0x0000000000000000000000000000000000000b0b";

async function instances(): Promise<EventInstance[]> {
  const iface = async (name: string) => new Interface((await hre.artifacts.readArtifact(name)).abi);
  return [
    { name: "exchangeToken", address: TOKEN, artifact: "ExchangeToken", iface: await iface("ExchangeToken") },
    { name: "escrow", address: ESCROW, artifact: "VoucherEscrow", iface: await iface("VoucherEscrow") },
  ];
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

const ok = (events: EmittedEvent[] | undefined): Outcome => ({
  ok: true,
  timestamp: 0n,
  ...(events !== undefined ? { events } : {}),
});
const ev = (name: string, ...args: string[]): EmittedEvent => ({ instance: "escrow", name, args });

describe("events", function () {
  this.timeout(600_000);

  it("sdk/events: a receipt's logs are decoded for the declared events only, in log order, arguments canonical", async () => {
    const all = await instances();
    const [token, escrow] = all.map((i) => i.iface) as [Interface, Interface];
    const log = (address: string, iface: Interface, event: string, args: unknown[]) => ({
      address,
      ...iface.encodeEventLog(event, args),
    });
    const logs = [
      log(ESCROW, escrow, "ExchangeCompleted", [7n]),
      log(TOKEN, token, "Transfer", [ALICE, BOB, 5n]),
      log(ESCROW, escrow, "FundsReleased", [7n, 1n, 2n, 3n, 4n]),
      log(BOB, token, "Transfer", [ALICE, BOB, 9n]), // an address no instance has
    ];
    expect(declaredEvents(["escrow.*"], all, "m").chain(logs)).to.deep.equal([
      ev("ExchangeCompleted", "7"),
      ev("FundsReleased", "7", "1", "2", "3", "4"),
    ]);
    expect(
      declaredEvents(["*"], all, "m")
        .chain(logs)
        .map((e) => `${e.instance}.${e.name}`),
    ).to.deep.equal(["escrow.ExchangeCompleted", "exchangeToken.Transfer", "escrow.FundsReleased"]);
    expect(declaredEvents(["exchangeToken.Transfer"], all, "m").chain(logs)).to.deep.equal([
      { instance: "exchangeToken", name: "Transfer", args: [ALICE, BOB, "5"] },
    ]);
  });

  it("sdk/events: the model's events are kept by the same patterns, and one its contract does not have is said in one line", async () => {
    const all = await instances();
    const d = declaredEvents(["escrow.Exchange*"], all, "m");
    expect(d.model("escrow", "ExchangeCompleted", [7n])).to.deep.equal(ev("ExchangeCompleted", "7"));
    expect(d.model("escrow", "FundsReleased", [7n, 1n, 2n, 3n, 4n])).to.equal(undefined);
    expect(d.model("exchangeToken", "Transfer", [ALICE, BOB, 5n])).to.equal(undefined);
    const unknown = thrown(() => d.model("escrow", "ExchangeDone", [7n]));
    expect(unknown).to.be.instanceOf(UserError);
    expect(unknown.message).to.match(
      /^The model of mechanism m emitted escrow\.ExchangeDone: VoucherEscrow has no event ExchangeDone \(it has .*ExchangeCompleted.*\)\.$/,
    );
    expect(thrown(() => d.model("vault", "Deposit", [])).message).to.equal(
      "The model of mechanism m emitted vault.Deposit: no instance vault was deployed (instances: exchangeToken, escrow).",
    );
  });

  it("sdk/events: a pattern that names no event, or is not instance.Event, is refused in one line", async () => {
    const all = await instances();
    expect(thrown(() => declaredEvents(["escro.*"], all, "m")).message).to.equal(
      'The events pattern "escro.*" of mechanism m names no event of a deployed instance (instances: exchangeToken, escrow).',
    );
    expect(thrown(() => declaredEvents(["escrow"], all, "m")).message).to.equal(
      'Invalid events pattern "escrow" of mechanism m: expected instance.Event, * standing for any characters ("escrow.*", "token.Transfer", "*").',
    );
  });

  it("parity: outcomes differ at the first differing event (a missing one, a wrong argument), and not where a side does not compare events", () => {
    const completed = [ev("ExchangeCompleted", "7"), ev("FundsReleased", "7", "1")];
    expect(sameOutcome(ok(completed), ok([...completed]))).to.equal(true);
    const missing = outcomeDifference(ok(completed), ok(completed.slice(1)))!;
    expect(describeDifference(missing)).to.equal(
      "events differ at 1: model escrow.ExchangeCompleted(7), chain escrow.FundsReleased(7, 1)",
    );
    const shorter = outcomeDifference(ok(completed), ok(completed.slice(0, 1)))!;
    expect(describeDifference(shorter)).to.equal("events differ at 2: model escrow.FundsReleased(7, 1), chain (none)");
    const wrongArg = outcomeDifference(ok(completed), ok([completed[0]!, ev("FundsReleased", "7", "2")]))!;
    expect(wrongArg).to.deep.equal({ at: 2, model: "escrow.FundsReleased(7, 1)", chain: "escrow.FundsReleased(7, 2)" });
    expect(sameOutcome(ok(completed), ok([ev("ExchangeCompleted", "8"), completed[1]!]))).to.equal(false);
    // Not compared where one side carries no events (a mechanism that declares none, a model alone).
    expect(sameOutcome(ok(completed), ok(undefined))).to.equal(true);
    // A revert is compared by its error, as before.
    const revert: Outcome = { ok: false, error: { name: "X", args: [] }, timestamp: 0n, events: [] };
    expect(describeDifference(outcomeDifference(ok(completed), revert)!)).to.equal(
      "outcomes differ: model success, chain revert X()",
    );
  });

  it("sim run: a model that forgets ExchangeCompleted diverges at that event, named with both sides", async () => {
    const e = await runFromRequest({ scenario: `${FIXTURES}/commerceNoExchangeCompleted.ts`, steps: "6" });
    const d = e.result.firstDivergence!;
    expect(d, "the missing event must be caught").to.not.equal(undefined);
    expect(d.variable).to.match(/^events of completeExchange by \S+ differ at 1$/);
    // The chain emitted ExchangeCompleted first; the model went straight to FundsReleased.
    const id = /^escrow\.ExchangeCompleted\((\d+)\)$/.exec(d.chain)?.[1];
    expect(id, d.chain).to.not.equal(undefined);
    expect(d.model).to.match(new RegExp(`^escrow\\.FundsReleased\\(${id}, \\d+, 0, 0, \\d+\\)$`));
    // Only the events tell: no sampled variable diverged (every divergence is an action's).
    expect(e.result.divergences).to.be.greaterThan(0);
    expect(d.actions.some((a) => a.kind === "completeExchange" && a.diverged)).to.equal(true);
  });

  it("sim run: a model event with a wrong argument diverges at that event", async () => {
    const e = await runFromRequest({ scenario: `${FIXTURES}/commerceWrongFundsReleased.ts`, steps: "6" });
    const d = e.result.firstDivergence!;
    expect(d, "the wrong argument must be caught").to.not.equal(undefined);
    // escrow.* only: ExchangeCompleted first, then FundsReleased.
    expect(d.variable).to.match(/^events of completeExchange by \S+ differ at 2$/);
    const m = /^escrow\.FundsReleased\((\d+), (\d+), (.*)\)$/.exec(d.model)!;
    const c = /^escrow\.FundsReleased\((\d+), (\d+), (.*)\)$/.exec(d.chain)!;
    expect(m[1]).to.equal(c[1]);
    expect(BigInt(m[2]!) - BigInt(c[2]!)).to.equal(1n);
    expect(m[3]).to.equal(c[3]);
  });

  it("sim run: a mechanism that declares no events compares none (the same forgetful model runs clean)", async () => {
    const e = await runFromRequest({ scenario: `${FIXTURES}/commerceEventsUndeclared.ts`, steps: "6" });
    expect(e.result.divergences, describeDivergence(e)).to.equal(0);
  });

  it("sim fuzz: a model that forgets ExchangeCompleted fails on the outcome's events, shrunk to a completion", async () => {
    const s = await scenario(`${FIXTURES}/commerceNoExchangeCompleted.ts`);
    const r = await runCampaign({
      scenario: s,
      params: defaults(s.schema),
      set: "",
      seed: 1,
      runs: 10,
      depth: 200,
      steps: 3,
      target: inProcessTarget(hre),
    });
    const f = r.failure!;
    expect(f, "the missing event must be found").to.not.equal(undefined);
    const failure = f.replay.failure!;
    expect(failure).to.include({ kind: "outcome", at: 1 });
    expect(describeFailure(failure)).to.match(
      /^after action \d+, the events of completeExchange by \S+ differ at 1: model escrow\.FundsReleased\(\d+, .*\), chain escrow\.ExchangeCompleted\(\d+\)$/,
    );
    const last = f.records[f.records.length - 1]!;
    expect(last.step.action.kind).to.equal("completeExchange");
    expect(last.model.ok && last.chain.ok).to.equal(true);
    expect(f.shrunk.steps.length).to.be.lessThan(f.original.steps.length);
  });
});
