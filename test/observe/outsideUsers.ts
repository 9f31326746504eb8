/**
 * Outside users of a deployed commerce mechanism on a real `hardhat node`, doing what Lockstep's
 * agents never do: accounts of their own (Hardhat's default accounts and a fresh wallet, not the
 * run's key ring), odd amounts, a direct token transfer, calls that revert, functions no Action
 * declares, several calls in one block, and calls through a forwarding contract (one passed on,
 * one whose revert the forwarder swallows, one undone by the forwarder's own revert).
 *
 * The script is in parts, so a test can observe between them; `sent` lists every transaction
 * with what the observer should make of it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import hre from "hardhat";
import { ContractFactory, Interface, JsonRpcProvider, keccak256, MaxUint256, Wallet } from "ethers";
import { createKeyRing, DEV_MASTER } from "../../simulation/engine/accounts.js";

/** Hardhat's default accounts #3.. (public keys every `hardhat node` funds): users who are no agent of Lockstep's. */
const HARDHAT_KEYS = [
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
] as const;
const DAY = 86_400;

/** One transaction the script sent, and what the observer should make of it. */
export interface Sent {
  readonly what: string;
  readonly hash: string;
  /** How many calls into the mechanism it holds, and as what. */
  readonly calls: readonly ("action" | "undeclared" | "rolled back")[];
  /** The calls were made through the forwarder. */
  readonly through: boolean;
}

export interface OutsideUsers {
  readonly sent: Sent[];
  readonly addresses: {
    readonly seller: string;
    readonly buyer: string;
    readonly friend: string;
    readonly forwarder?: string;
  };
  /** Sellers list, buyers buy, redeem and complete; a direct transfer; a revert; two undeclared calls. */
  market(): Promise<void>;
  /** Calls through the forwarder, and three calls in one block. */
  forwarded(): Promise<void>;
  /** A month later: an epoch closed by an outsider, claims, an expiry, an odd withdrawal. */
  later(): Promise<void>;
  /** An undeclared call that changes compared state: the friend spends an allowance with transferFrom. */
  transferFrom(): Promise<void>;
  /** Stops the provider's polling. */
  close(): void;
}

async function abiOf(name: string): Promise<Interface> {
  return new Interface((await hre.artifacts.readArtifact(name)).abi);
}

export async function outsideUsers(url: string, deploymentFolder: string): Promise<OutsideUsers> {
  const manifest = JSON.parse(readFileSync(join(deploymentFolder, "manifest.json"), "utf8")) as {
    contracts: { addresses: Record<string, string> };
  };
  const a = manifest.contracts.addresses;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = (key: string): Wallet => new Wallet(key, provider);
  const deployer = wallet(createKeyRing(DEV_MASTER).privateKeyOf("deployer"));
  const seller = wallet(HARDHAT_KEYS[0]);
  const buyer = wallet(HARDHAT_KEYS[1]);
  const owner = wallet(HARDHAT_KEYS[2]); // deploys and drives the forwarder
  const aggregator = wallet(HARDHAT_KEYS[3]);
  const resolver = wallet(HARDHAT_KEYS[4]);
  const friend = new Wallet("0x" + "5a".repeat(32), provider); // a fresh account, funded below
  const [tokenAbi, escrowAbi, rewardsAbi, forwarderArtifact] = await Promise.all([
    abiOf("ExchangeToken"),
    abiOf("VoucherEscrow"),
    abiOf("RewardsDistributor"),
    hre.artifacts.readArtifact("CallForwarder"),
  ]);
  const sent: Sent[] = [];
  const addresses: { seller: string; buyer: string; friend: string; forwarder?: string } = {
    seller: seller.address.toLowerCase(),
    buyer: buyer.address.toLowerCase(),
    friend: friend.address.toLowerCase(),
  };
  /**
   * Signs and sends `fn(args)` to `to`, waits until it is mined, records it. A fixed gas limit and no estimate: a call
   * expected to revert is still sent and mined (a Hardhat node answers it with the revert, and mines it).
   */
  const call = async (
    from: Wallet,
    to: string,
    iface: Interface,
    fn: string,
    args: readonly unknown[],
    what: string,
    calls: Sent["calls"],
    through = false,
  ): Promise<void> => {
    const hash = await sendRaw(from, { to, data: iface.encodeFunctionData(fn, args) });
    sent.push({ what, hash, calls, through });
  };
  const sendRaw = async (
    from: Wallet,
    tx: { to?: string; data: string; value?: bigint },
    wait = true,
  ): Promise<string> => {
    const raw = await from.signTransaction(await from.populateTransaction({ ...tx, gasLimit: 3_000_000n }));
    const hash = keccak256(raw);
    try {
      await provider.send("eth_sendRawTransaction", [raw]);
    } catch {
      // A Hardhat node mines a reverting transaction and answers with its revert: waited for below.
    }
    if (wait) await waitMined(provider, hash);
    return hash;
  };
  const price = 12_345_678_901_234_567n; // 0.0123... xUSD: no agent's whole-cent price

  return {
    sent,
    addresses,
    async market() {
      await sendRaw(owner, { to: friend.address, data: "0x", value: 10n ** 18n });
      const X = a["exchangeToken"]!;
      const E = a["escrow"]!;
      await call(deployer, X, tokenAbi, "mint", [seller.address, 1_000n * 10n ** 18n + 7n], "mint to seller", [
        "action",
      ]);
      await call(deployer, X, tokenAbi, "mint", [buyer.address, 500n * 10n ** 18n + 3n], "mint to buyer", ["action"]);
      await call(deployer, X, tokenAbi, "mint", [owner.address, 300n * 10n ** 18n], "mint to owner", ["action"]);
      await call(seller, X, tokenAbi, "approve", [E, MaxUint256], "seller approves", ["action"]);
      await call(seller, E, escrowAbi, "registerSeller", [aggregator.address], "seller registers", ["action"]);
      await call(seller, E, escrowAbi, "depositFunds", [123_456_789_012_345_678_901n], "seller deposits", ["action"]);
      const terms = {
        price,
        sellerDeposit: 10n ** 15n + 1n,
        buyerCancelPenalty: 10n ** 15n,
        quantity: 3n,
        voucherValiditySeconds: BigInt(20 * DAY),
        disputePeriodSeconds: BigInt(7 * DAY),
        resolutionPeriodSeconds: BigInt(15 * DAY),
        escalationResponsePeriodSeconds: BigInt(10 * DAY),
        disputeResolver: resolver.address,
        disputeResolverFee: 10n ** 15n + 5n,
      };
      await call(seller, E, escrowAbi, "createOffer", [terms], "seller lists", ["action"]);
      await call(buyer, X, tokenAbi, "approve", [E, price], "buyer approves the price exactly", ["action"]);
      await call(buyer, E, escrowAbi, "commitToOffer", [1n], "buyer commits", ["action"]);
      await call(buyer, E, escrowAbi, "redeemVoucher", [1n], "buyer redeems", ["action"]);
      await call(buyer, E, escrowAbi, "completeExchange", [1n], "buyer completes", ["action"]);
      await call(buyer, X, tokenAbi, "transfer", [friend.address, 777n], "buyer pays a friend directly", ["action"]);
      await call(buyer, E, escrowAbi, "commitToOffer", [99n], "buyer commits to no offer (reverts)", ["action"]);
      await call(
        seller,
        E,
        escrowAbi,
        "setApprovalForAll",
        [friend.address, true],
        "seller lets a friend move its vouchers (undeclared)",
        ["undeclared"],
      );
      await call(
        friend,
        X,
        tokenAbi,
        "transferFrom",
        [buyer.address, friend.address, 1n],
        "friend pulls tokens with no allowance (undeclared, reverts)",
        ["undeclared"],
      );
    },
    async forwarded() {
      const X = a["exchangeToken"]!;
      const E = a["escrow"]!;
      const deployed = await new ContractFactory(forwarderArtifact.abi, forwarderArtifact.bytecode, owner).deploy();
      await deployed.waitForDeployment();
      const W = (await deployed.getAddress()).toLowerCase();
      addresses.forwarder = W;
      const fwd = new Interface(forwarderArtifact.abi);
      const through = async (fn: string, target: string, data: string, what: string, calls: Sent["calls"]) =>
        call(owner, W, fwd, fn, [target, data], what, calls, true);
      await call(owner, X, tokenAbi, "transfer", [W, 100n * 10n ** 18n + 11n], "owner funds the forwarder", ["action"]);
      await through("forward", X, tokenAbi.encodeFunctionData("approve", [E, MaxUint256]), "forwarder approves", [
        "action",
      ]);
      await through("forward", E, escrowAbi.encodeFunctionData("commitToOffer", [1n]), "forwarder commits", ["action"]);
      await through(
        "tryForward",
        E,
        escrowAbi.encodeFunctionData("redeemVoucher", [999n]),
        "forwarder redeems a voucher that does not exist; the forwarder swallows the revert",
        ["action"],
      );
      await through(
        "forwardThenRevert",
        E,
        escrowAbi.encodeFunctionData("redeemVoucher", [2n]),
        "forwarder redeems, then reverts (undone)",
        ["rolled back"],
      );
      await through("forward", E, escrowAbi.encodeFunctionData("redeemVoucher", [2n]), "forwarder redeems", ["action"]);
      // Three calls in one block: a deposit of one wei, an approval and a commit that needs it.
      await provider.send("evm_setAutomine", [false]);
      try {
        const hashes = [
          await sendRaw(seller, { to: E, data: escrowAbi.encodeFunctionData("depositFunds", [1n]) }, false),
          await sendRaw(buyer, { to: X, data: tokenAbi.encodeFunctionData("approve", [E, price]) }, false),
          await sendRaw(buyer, { to: E, data: escrowAbi.encodeFunctionData("commitToOffer", [1n]) }, false),
        ];
        await provider.send("evm_mine", []);
        for (const [i, hash] of hashes.entries()) {
          await waitMined(provider, hash);
          sent.push({ what: `one block, call ${i + 1} of 3`, hash, calls: ["action"], through: false });
        }
      } finally {
        await provider.send("evm_setAutomine", [true]);
      }
    },
    async later() {
      const E = a["escrow"]!;
      const R = a["rewards"]!;
      await provider.send("evm_increaseTime", [31 * DAY]);
      await provider.send("evm_mine", []);
      await call(friend, R, rewardsAbi, "closeEpoch", [], "friend closes the epoch", ["action"]);
      await call(seller, R, rewardsAbi, "claim", [], "seller claims", ["action"]);
      await call(aggregator, R, rewardsAbi, "claim", [], "aggregator claims", ["action"]);
      await call(friend, R, rewardsAbi, "claim", [], "friend claims nothing (reverts)", ["action"]);
      await call(friend, E, escrowAbi, "expireVoucher", [3n], "friend expires a voucher", ["action"]);
      await call(seller, E, escrowAbi, "withdrawFunds", [1_000_003n], "seller withdraws an odd amount", ["action"]);
    },
    async transferFrom() {
      const X = a["exchangeToken"]!;
      await call(buyer, X, tokenAbi, "approve", [friend.address, 10n ** 18n], "buyer allows its friend", ["action"]);
      await call(
        friend,
        X,
        tokenAbi,
        "transferFrom",
        [buyer.address, friend.address, 10n ** 17n + 1n],
        "friend spends the allowance (undeclared, succeeds)",
        ["undeclared"],
      );
    },
    close: () => provider.destroy(),
  };
}

async function waitMined(provider: JsonRpcProvider, hash: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await provider.send("eth_getTransactionReceipt", [hash]);
    if (r !== null) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`transaction ${hash} was not mined`);
}
