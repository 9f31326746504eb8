import { expect } from "chai";
import { getAddress, Interface, type ParamType } from "ethers";
import hre from "hardhat";
import { contractSource } from "../../simulation/chain/artifacts.js";
import { staticEncoder, type StaticValue } from "../../simulation/chain/encode.js";
import { Prng } from "../helpers/prng.js";

/** The interfaces of Lockstep's contracts, from the project's artifacts. */
const source = contractSource(hre.artifacts);
const IFACE = {
  exchangeToken: new Interface((await source.contract("ExchangeToken")).abi as never),
  governanceToken: new Interface((await source.contract("GovernanceToken")).abi as never),
  feeManager: new Interface((await source.contract("FeeManager")).abi as never),
  rewards: new Interface((await source.contract("RewardsDistributor")).abi as never),
  escrow: new Interface((await source.contract("VoucherEscrow")).abi as never),
  release: new Interface((await source.contract("ReleaseWallet")).abi as never),
};

const encodeStatic = (contract: keyof typeof IFACE, fn: string, args: readonly StaticValue[]): string =>
  staticEncoder(IFACE[contract], fn)(args);

/** A random value of a static ABI type: edge values (0, the maximum) as often as middling ones. */
function valueOf(t: ParamType, rng: Prng): StaticValue {
  if (t.baseType === "tuple") return Object.fromEntries(t.components!.map((c) => [c.name, valueOf(c, rng)]));
  if (t.type === "address") {
    const lower = "0x" + Array.from({ length: 40 }, () => "0123456789abcdef"[rng.int(16)]).join("");
    return rng.int(2) === 0 ? lower : getAddress(lower);
  }
  if (t.type === "bool") return rng.int(2) === 1;
  const bits = BigInt(t.type === "uint" ? 256 : Number(t.type.slice(4)));
  const max = (1n << bits) - 1n;
  const pick = rng.int(3);
  return pick === 0 ? 0n : pick === 1 ? max : max / BigInt(rng.int(1000) + 2);
}

const isStatic = (t: ParamType): boolean =>
  t.baseType === "tuple" ? t.components!.every(isStatic) : /^(uint\d*|address|bool)$/.test(t.type);

describe("chain: the static calldata encoder", function () {
  it("writes what ethers' ABI encoder writes, for every all-static function of every contract", function () {
    const rng = new Prng(42);
    let checked = 0;
    for (const [contract, iface] of Object.entries(IFACE) as [
      keyof typeof IFACE,
      (typeof IFACE)[keyof typeof IFACE],
    ][]) {
      iface.forEachFunction((f) => {
        if (!f.inputs.every(isStatic)) return;
        for (let k = 0; k < 5; k++) {
          const args = f.inputs.map((t) => valueOf(t, rng));
          expect(encodeStatic(contract, f.format(), args), `${contract}.${f.format()}`).to.equal(
            iface.encodeFunctionData(f, args as unknown[]),
          );
        }
        checked++;
      });
    }
    // Every Action's function is among them: createOffer's tuple, the escrow's exchange calls, tokens, rewards.
    expect(checked).to.be.greaterThan(60);
    // Amounts as records keep them (decimal strings) and as numbers encode the same.
    for (const amount of ["50160000000000000000", "0x2b81e6a3d9b900000", 7]) {
      expect(encodeStatic("escrow", "depositFunds", [amount])).to.equal(
        IFACE.escrow.encodeFunctionData("depositFunds", [amount]),
      );
    }
  });

  it("refuses what ethers refuses: out-of-range integers, bad addresses, a wrong argument count", function () {
    expect(() => encodeStatic("escrow", "proposeResolution", [1n, 1n << 256n])).to.throw(/not a uint256/);
    expect(() => encodeStatic("escrow", "commitToOffer", [-1n])).to.throw(/not a uint256/);
    expect(() => encodeStatic("escrow", "commitToOffer", ["1.5"])).to.throw(/not a uint256/);
    expect(() => encodeStatic("escrow", "commitToOffer", [1.5])).to.throw(/not a uint256/);
    expect(() => IFACE.escrow.encodeFunctionData("commitToOffer", ["1.5"])).to.throw();
    expect(() => encodeStatic("exchangeToken", "mint", ["0x1234", 1n])).to.throw(/not an address/);
    expect(() => encodeStatic("rewards", "claim", [1n])).to.throw(/1 arguments for 0/);
    const checksummed = getAddress("0x" + "ab".repeat(20));
    expect(() => encodeStatic("exchangeToken", "mint", [checksummed, 1n])).not.to.throw();
    const flipped = checksummed.replace(/[a-f]/, (c) => c.toUpperCase());
    expect(() => encodeStatic("exchangeToken", "mint", [flipped, 1n])).to.throw(/bad address checksum/);
    expect(() => IFACE.exchangeToken.encodeFunctionData("mint", [flipped, 1n])).to.throw(/checksum/);
    expect(() => IFACE.escrow.encodeFunctionData("proposeResolution", [1n, 1n << 256n])).to.throw();
    expect(() => IFACE.escrow.encodeFunctionData("commitToOffer", [-1n])).to.throw();
  });
});
