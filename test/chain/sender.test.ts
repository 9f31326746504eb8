import { expect } from "chai";
import hre from "hardhat";
import { Interface } from "ethers";
import { contractSource } from "../../simulation/chain/artifacts.js";
import { createErrorDecoder } from "../../simulation/chain/errors.js";
import { configureEdrEnvironment, EDR_CACHED_STATES } from "../../simulation/chain/edrMemory.js";
import { inProcessTarget } from "../../simulation/chain/inprocess.js";
import { rpc, toQuantity } from "../../simulation/chain/rpc.js";
import { BATCH_METHOD, batchesSupported, RpcBatchError, rpcBatchOf } from "../../simulation/chain/rpcBatch.js";
import { createInProcessSender, TX_GAS_LIMIT, type BatchTx, type SentTx } from "../../simulation/chain/sender.js";
import { createKeyRing } from "../../simulation/engine/accounts.js";

/** The exchange token, as the project compiled it. */
const exchangeToken = await contractSource(hre.artifacts).contract("ExchangeToken");
const CONTRACTS = { exchangeToken };
const IFACE = { exchangeToken: new Interface(exchangeToken.abi as never) };
const ERRORS = createErrorDecoder([exchangeToken.abi as never]);

/** Hardhat's in-process network; each `fresh()` opens a new chain, whose provider is `target.provider` until the next. */
const target = inProcessTarget(hre);
const keys = createKeyRing();
const owner = keys.addressOf("sender-test-owner");
const alice = keys.addressOf("sender-test-alice");
const bob = keys.addressOf("sender-test-bob");
const AT = 1_900_000_000n;

/** A fresh chain with an ExchangeToken owned by `owner`; the same address every time (same deployer nonce). */
async function freshToken(
  batches = true,
): Promise<{ sender: ReturnType<typeof createInProcessSender>; token: string }> {
  await target.fresh();
  const sender = createInProcessSender(target.provider, { batches });
  await sender.prepare([owner, alice, bob]);
  const data = CONTRACTS.exchangeToken.bytecode + IFACE.exchangeToken.encodeDeploy([owner]).slice(2);
  const deployed = await sender.send(owner, { data }, AT - 1n);
  return { sender, token: deployed.contractAddress! };
}

const tx = (from: string, token: string, fn: string, args: unknown[]): BatchTx => ({
  from,
  call: { to: token, data: IFACE.exchangeToken.encodeFunctionData(fn, args) },
});

/** Mints, transfers that succeed, and one that reverts with a custom error, in the middle. */
function batchOf(token: string): BatchTx[] {
  return [
    tx(owner, token, "mint", [alice, 1000n]),
    tx(alice, token, "transfer", [bob, 400n]),
    tx(bob, token, "transfer", [alice, 401n]), // bob holds 400: ERC20InsufficientBalance
    tx(bob, token, "transfer", [alice, 400n]),
    tx(owner, token, "mint", [bob, 7n]),
  ];
}

describe("chain: the in-process sender", function () {
  this.timeout(120_000);

  it("sendBatch: one block, in batch order, with the outcomes, gas and hashes of one-by-one sends", async function () {
    const one = await freshToken();
    const alone: SentTx[] = [];
    for (const t of batchOf(one.token)) alone.push(await one.sender.send(t.from, t.call, AT));

    const two = await freshToken();
    expect(two.token).to.equal(one.token);
    const batch = await two.sender.sendBatch!(batchOf(two.token), AT);

    expect(batch.map((t) => t.ok)).to.deep.equal([true, true, false, true, true]);
    expect(batch.map((t) => t.ok)).to.deep.equal(alone.map((t) => t.ok));
    expect(batch.map((t) => t.gasUsed)).to.deep.equal(alone.map((t) => t.gasUsed));
    expect(batch.map((t) => t.hash)).to.deep.equal(alone.map((t) => t.hash));
    expect(batch[2]!.revertData).to.equal(alone[2]!.revertData);
    expect(ERRORS.decode(batch[2]!.revertData)).to.deep.equal({
      name: "ERC20InsufficientBalance",
      args: [bob.toLowerCase(), "400", "401"],
    });
    // One block at the substep's time, each transaction at its place; one-by-one sends took five blocks.
    expect(new Set(batch.map((t) => t.blockNumber)).size).to.equal(1);
    expect(batch.map((t) => t.transactionIndex)).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
    expect(batch.every((t) => t.timestamp === AT)).to.equal(true);
    const block = await rpc<{ timestamp: string; gasLimit: string }>(target.provider, "eth_getBlockByNumber", [
      toQuantity(batch[0]!.blockNumber),
      false,
    ]);
    expect(BigInt(block.timestamp)).to.equal(AT);
    // Five transactions at full limit would not fit Hardhat's default 30M: the limit was raised first.
    expect(BigInt(block.gasLimit) >= 5n * TX_GAS_LIMIT).to.equal(true);
    expect(new Set(alone.map((t) => t.blockNumber)).size).to.equal(5);
  });

  it("sendBatch: EDR batches and one request per call give the same blocks, hashes, outcomes and gas", async function () {
    const many = (token: string) => [
      ...batchOf(token),
      ...Array.from({ length: 40 }, (_, i) => tx(owner, token, "mint", [bob, BigInt(i + 1)])),
    ];
    const fast = await freshToken(true);
    const fastChain = target.provider;
    const byBatch = await fast.sender.sendBatch!(many(fast.token), AT);
    // The fast path was taken: the batches went through Lockstep's network hook in one request each.
    // Were they refused, this would compare the fallback with itself.
    expect(batchesSupported(fastChain)).to.equal(true);
    const slow = await freshToken(false);
    const slowChain = target.provider;
    const byRequest = await slow.sender.sendBatch!(many(slow.token), AT);
    // And the slow path never tried a batch.
    expect(batchesSupported(slowChain)).to.equal(undefined);
    expect(byBatch).to.deep.equal(byRequest);
    expect(byBatch.filter((t) => !t.ok)).to.have.length(1);
  });

  it("rpcBatchOf: results in order; the first failing call throws and the calls after it are not made", async function () {
    const made: string[] = [];
    // A provider without Lockstep's batch request (an HTTP node, Hardhat without the plugin): it refuses
    // `lockstep_batch` as JSON-RPC's "method not found", and batches on it go call by call.
    const fake = {
      async request({ method }: { method: string }) {
        if (method === BATCH_METHOD) throw Object.assign(new Error(`Method ${method} not found`), { code: -32601 });
        made.push(method);
        if (method === "bad") throw new Error("refused: bad");
        return method.toUpperCase();
      },
    };
    const batch = rpcBatchOf(fake);
    expect(
      await batch([
        { method: "a", params: [] },
        { method: "b", params: [] },
      ]),
    ).to.deep.equal(["A", "B"]);
    expect(batchesSupported(fake)).to.equal(false);
    made.length = 0;
    let failure = "";
    await batch([
      { method: "a", params: [] },
      { method: "bad", params: [] },
      { method: "c", params: [] },
    ]).catch((e: unknown) => (failure = String(e)));
    expect(failure).to.equal("Error: refused: bad");
    expect(made).to.deep.equal(["a", "bad"]);
    // EDR's own batches fail the same way: the refused send stops the batch, the call before it took effect.
    await target.fresh();
    const provider = target.provider;
    const edr = rpcBatchOf(provider);
    const before = await rpc<string>(provider, "eth_blockNumber");
    let edrFailure: unknown;
    await edr([
      { method: "evm_setAutomine", params: [false] },
      { method: "eth_sendTransaction", params: [{ from: keys.addressOf("sender-test-unknown"), to: owner }] },
      { method: "evm_mine", params: [] },
    ]).catch((e: unknown) => (edrFailure = e));
    expect(edrFailure).to.be.instanceOf(RpcBatchError);
    expect((edrFailure as RpcBatchError).message).to.match(/Unknown account/);
    expect(await rpc<boolean>(provider, "hardhat_getAutomine")).to.equal(false);
    expect(await rpc<string>(provider, "eth_blockNumber")).to.equal(before);
    await rpc(provider, "evm_setAutomine", [true]);
  });

  it("sendBatch: a substep beyond 32 transactions takes consecutive blocks at its time, still in order", async function () {
    const one = await freshToken();
    const many = [
      ...Array.from({ length: 34 }, (_, i) => tx(owner, one.token, "mint", [alice, BigInt(i + 1)])),
      tx(bob, one.token, "transfer", [alice, 1n]), // bob holds nothing
      ...Array.from({ length: 5 }, () => tx(alice, one.token, "transfer", [bob, 1n])),
    ];
    const alone: SentTx[] = [];
    for (const t of many) alone.push(await one.sender.send(t.from, t.call, AT));
    const two = await freshToken();
    const batch = await two.sender.sendBatch!(many, AT);
    expect(batch.map((t) => [t.hash, t.ok, t.gasUsed])).to.deep.equal(alone.map((t) => [t.hash, t.ok, t.gasUsed]));
    expect(ERRORS.decode(batch[34]!.revertData).name).to.equal("ERC20InsufficientBalance");
    expect(batch[34]!.revertData).to.equal(alone[34]!.revertData);
    const first = batch[0]!.blockNumber;
    expect(batch.map((t) => t.blockNumber)).to.deep.equal(many.map((_, i) => first + BigInt(Math.floor(i / 32))));
    expect(batch.map((t) => t.transactionIndex)).to.deep.equal(many.map((_, i) => BigInt(i % 32)));
    expect(batch.every((t) => t.timestamp === AT)).to.equal(true);
  });

  it("sendBatch: automine is back afterwards, and a lone transaction takes the one-block-per-send path", async function () {
    const { sender, token } = await freshToken();
    await sender.sendBatch!(batchOf(token), AT);
    expect(await rpc<boolean>(target.provider, "hardhat_getAutomine")).to.equal(true);
    const [lone] = await sender.sendBatch!([tx(owner, token, "mint", [alice, 1n])], AT + 1n);
    expect(lone!.ok).to.equal(true);
    expect(lone!.transactionIndex).to.equal(undefined);
    expect(await sender.sendBatch!([], AT + 2n)).to.deep.equal([]);
    const after = await sender.send(owner, tx(owner, token, "mint", [bob, 1n]).call, AT + 3n);
    expect(after.blockNumber).to.equal(lone!.blockNumber + 1n);
  });

  it("sendBatch: a transaction the mempool refuses leaves nothing queued and automine on", async function () {
    const { sender, token } = await freshToken();
    const broke = keys.addressOf("sender-test-broke"); // impersonated, but holds no ether for gas
    await rpc(target.provider, "hardhat_impersonateAccount", [broke]);
    const batch = [tx(owner, token, "mint", [alice, 5n]), tx(broke, token, "transfer", [alice, 0n])];
    let failure = "";
    try {
      await sender.sendBatch!(batch, AT);
    } catch (e) {
      failure = String(e);
    }
    expect(failure).to.match(/doesn't have enough funds/);
    expect(await rpc<boolean>(target.provider, "hardhat_getAutomine")).to.equal(true);
    expect(await rpc<unknown[]>(target.provider, "eth_pendingTransactions")).to.deep.equal([]);
    // The refused batch's first mint was dropped, not mined later along with another transaction.
    const balance = await sender.call(token, IFACE.exchangeToken.encodeFunctionData("balanceOf", [alice]));
    expect(BigInt(balance)).to.equal(0n);
  });

  it("EDR's block-state cache is bounded, unless the user set it", function () {
    const saved = process.env.__EDR_MAX_CACHED_STATES;
    try {
      delete process.env.__EDR_MAX_CACHED_STATES;
      configureEdrEnvironment();
      expect(process.env.__EDR_MAX_CACHED_STATES).to.equal(EDR_CACHED_STATES);
      process.env.__EDR_MAX_CACHED_STATES = "1000";
      configureEdrEnvironment();
      expect(process.env.__EDR_MAX_CACHED_STATES).to.equal("1000");
    } finally {
      if (saved === undefined) delete process.env.__EDR_MAX_CACHED_STATES;
      else process.env.__EDR_MAX_CACHED_STATES = saved;
    }
  });
});
