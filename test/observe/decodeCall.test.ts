import { expect } from "chai";
import hre from "hardhat";
import { toJson } from "../../simulation/analysis/files.js";
import { contractSource } from "../../simulation/chain/artifacts.js";
import { actionEncoder } from "../../simulation/chain/mechanismBackend.js";
import { createKeyRing } from "../../simulation/engine/accounts.js";
import { DEFAULT_START_TIME, executeRun } from "../../simulation/engine/execute.js";
import { defaults } from "../../simulation/engine/params.js";
import type { ActionRecord } from "../../simulation/engine/record.js";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { entriesOf } from "../../simulation/observe/blocks.js";
import { callDecoder, type CallDecoder } from "../../simulation/observe/decodeCall.js";
import type { MechanismDefinition } from "../../simulation/sdk/mechanism.js";
import { deployedOf, resolveMechanism, runConfig, type Deployment } from "../../simulation/sdk/resolve.js";
import { scenario } from "../helpers/run.js";

/** A run's every Action, its deployment, and a decoder for a mechanism (the run's own, or a variant of it). */
async function recorded(name: string, steps: number) {
  const s = await scenario(name);
  const params = defaults(s.schema);
  const records: ActionRecord[] = [];
  const run = await executeRun(
    { scenario: s, params, modelParams: params, mode: "chain", seed: 3, steps },
    { target: inProcessTarget(hre), sink: { begin() {}, sample() {}, action: (r) => void records.push(r) } },
  );
  const deployment = run.deployment as Deployment;
  const keys = createKeyRing();
  const decoderOf = async (definition: MechanismDefinition<unknown, unknown, unknown>): Promise<CallDecoder> => {
    const r = await resolveMechanism(definition, contractSource(hre.artifacts));
    for (const artifact of Object.values(deployment.artifacts)) await r.load(artifact);
    const config = runConfig(r.definition, params, { startTime: DEFAULT_START_TIME, keys });
    return callDecoder(r, deployedOf(config, deployment, keys), deployment);
  };
  const r = s.resolved;
  const config = runConfig(r.definition, params, { startTime: DEFAULT_START_TIME, keys });
  const encode = actionEncoder(r, deployedOf(config, deployment, keys), deployment);
  return { records, deployment, decoderOf, encode, definition: r.definition };
}

const text = (args: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v).toLowerCase()]));

describe("observe: a call decodes back into the Action that sent it", function () {
  this.timeout(120_000);

  it("decodeCall: every Action of boson-commerce, fees-and-rewards and the ERC4626 example decodes back to its kind and arguments", async () => {
    const kinds = new Set<string>();
    for (const [name, steps] of [
      ["boson-commerce", 8],
      ["fees-and-rewards", 6],
      // A mechanism nobody here wrote, whose bindings have no args: decoded by the ABI's parameter names.
      ["./examples/erc4626-vault/scenario.ts", 6],
    ] as const) {
      const { records, decoderOf, encode, definition } = await recorded(name, steps);
      const decoder = await decoderOf(definition);
      for (const rec of records) {
        const call = encode({ agent: rec.agent, kind: rec.kind, args: rec.args });
        const decoded = decoder.decode(call.to, call.data, 0n);
        expect(decoded.kind, `${rec.kind} ${toJson(rec.args)}: ${toJson(decoded)}`).to.equal("action");
        if (decoded.kind !== "action") continue;
        expect(decoded.action.kind).to.equal(rec.kind);
        expect(text(decoded.action.args)).to.deep.equal(text(rec.args));
        kinds.add(rec.kind);
      }
    }
    // The kinds with an args function, whose inverse is a fromCall: struct, token choice, wallet, renamed argument;
    // and the vault's, by name.
    for (const k of ["createOffer", "approve", "release", "setFeeBps", "mint", "deposit", "redeem", "withdraw"]) {
      expect([...kinds]).to.include(k);
    }
    expect(kinds.size).to.be.greaterThan(15);
    // Agents never transfer tokens; users do, of either token.
    const { decoderOf, encode, definition } = await recorded("fees-and-rewards", 1);
    const decoder = await decoderOf(definition);
    for (const token of ["exchange", "governance"]) {
      const args = { token, to: "0x00000000000000000000000000000000000000cc", amount: 7n };
      const call = encode({ agent: "someone", kind: "transfer", args });
      expect(decoder.decode(call.to, call.data, 0n)).to.deep.include({
        kind: "action",
        action: { kind: "transfer", args },
      });
    }
  });

  it("decodeCall: a fromCall that is not the inverse of its args is caught by re-encoding, never replayed", async () => {
    const { records, decoderOf, encode, definition } = await recorded("fees-and-rewards", 1);
    const approve = definition.actions["approve"]!;
    // The wrong token: an approval of the exchange token would replay as one of the governance token.
    const wrong = await decoderOf({
      ...definition,
      actions: {
        ...definition.actions,
        approve: { ...approve, fromCall: (c, d) => ({ ...approve.fromCall!(c, d), token: "governance" }) },
      },
    });
    const rec = records.find((r) => r.kind === "approve" && r.args["token"] === "exchange")!;
    const call = encode({ agent: rec.agent, kind: rec.kind, args: rec.args });
    expect(wrong.decode(call.to, call.data, 0n)).to.deep.equal({
      kind: "undecodable",
      instance: "exchangeToken",
      fn: "approve(address,uint256)",
      reason:
        "approve: the decoded Action encodes to another call (to governanceToken): its fromCall is not the inverse of its args",
    });
  });

  it("decodeCall: a binding with an args function and no fromCall decodes only where its arguments' names re-encode", async () => {
    const { decoderOf, encode, definition } = await recorded("fees-and-rewards", 1);
    const { fromCall: _, ...setFeeBps } = definition.actions["setFeeBps"]!;
    void _;
    const decoder = await decoderOf({ ...definition, actions: { ...definition.actions, setFeeBps } });
    expect(decoder.blind).to.deep.include({
      kind: "setFeeBps",
      reason: "its binding has an args function and no fromCall (decoded by name where that re-encodes)",
    });
    const call = encode({ agent: "deployer", kind: "setFeeBps", args: { bps: 75n } });
    const decoded = decoder.decode(call.to, call.data, 0n);
    expect(decoded.kind).to.equal("undecodable");
    // By name it is { newBps: 75 }, which the args function reads as bps: undefined.
    expect((decoded as { reason: string }).reason).to.match(/^setFeeBps: the decoded Action does not encode \(/);
  });

  it("decodeCall: functions no Action declares are undeclared; a call carrying ether is undecodable", async () => {
    const { deployment, decoderOf, definition, encode } = await recorded("fees-and-rewards", 1);
    const decoder = await decoderOf(definition);
    const token = deployment.addresses["exchangeToken"]!;
    const transferFrom = "0x23b872dd" + "00".repeat(96);
    expect(decoder.decode(token, transferFrom, 0n)).to.deep.equal({
      kind: "undeclared",
      instance: "exchangeToken",
      fn: "transferFrom(address,address,uint256)",
    });
    expect(decoder.decode(token, "0x", 0n)).to.deep.equal({
      kind: "undeclared",
      instance: "exchangeToken",
      fn: "(plain ether transfer)",
    });
    const call = encode({ agent: "a", kind: "commitToOffer", args: { offerId: 1n } });
    expect(decoder.decode(call.to, call.data, 5n)).to.deep.equal({
      kind: "undecodable",
      instance: "escrow",
      fn: "commitToOffer(uint256)",
      reason: "it carries 5 wei of ether, which an Action cannot",
    });
  });

  it("entriesOf: calls into the mechanism from outside, through a forwarder, undone by a revert, or made from within it", () => {
    const M = "0x00000000000000000000000000000000000000aa";
    const F = "0x00000000000000000000000000000000000000ff";
    const U = "0x00000000000000000000000000000000000000cc";
    const isMechanism = (a: string | undefined) => a === M;
    const tree = {
      type: "CALL",
      from: U,
      to: F,
      calls: [
        {
          type: "CALL",
          from: F,
          to: M,
          input: "0x01",
          gasUsed: "0x10",
          calls: [{ type: "CALL", from: M, to: U, calls: [{ type: "CALL", from: U, to: M, input: "0x02" }] }],
        },
        { type: "STATICCALL", from: F, to: M, input: "0x03" },
        { type: "CALL", from: F, to: M, input: "0x04", error: "execution reverted", output: "0xdead" },
        {
          type: "CALL",
          from: F,
          to: U,
          error: "execution reverted",
          calls: [{ type: "CALL", from: U, to: M, input: "0x05" }],
        },
      ],
    };
    const entries = entriesOf(tree, { txHash: "0xt", txIndex: 0 }, isMechanism, false);
    expect(entries.map((e) => [e.input, e.from, e.via, e.ok, e.rolledBack, e.reentrant, e.revertData])).to.deep.equal([
      ["0x01", F, [F], true, false, false, undefined],
      ["0x02", U, [F, U], true, false, true, undefined],
      ["0x04", F, [F], false, false, false, "0xdead"],
      ["0x05", U, [F, U], true, true, false, undefined],
    ]);
  });
});
