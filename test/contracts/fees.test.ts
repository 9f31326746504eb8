import { expect } from "chai";
import { network } from "hardhat";

import { MAX_UINT256 } from "../../simulation/model/erc20.js";
import * as FeeMath from "../../simulation/model/feeMath.js";
import { Prng } from "../helpers/prng.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const FEE_BPS = 250n;
const MAX_FEE_BPS = 1_000n;
const ECO_BPS = 3_000n;

async function deployFees() {
  const [deployer, governance, stranger] = await ethers.getSigners();
  if (deployer === undefined || governance === undefined || stranger === undefined) throw new Error("need 3 signers");
  const feeManager = await ethers.deployContract("FeeManager", [governance.address, FEE_BPS, MAX_FEE_BPS, ECO_BPS]);
  const harness = await ethers.deployContract("FeeMathHarness");
  return { feeManager, harness, governance, stranger };
}

/** Amounts worth fuzzing: zero, one wei, powers of two around 2^64 and 2^128, the maximum, and random widths. */
function fuzzAmounts(seed: number, count: number): bigint[] {
  const rng = new Prng(seed);
  const out = [0n, 1n, 9_999n, 10_000n, 10_001n, 2n ** 64n - 1n, 2n ** 128n, MAX_UINT256 - 1n, MAX_UINT256];
  while (out.length < count) out.push(rng.bigint(0n, (1n << BigInt(1 + rng.int(256))) - 1n));
  return out;
}

describe("FeeManager", () => {
  describe("deployment", () => {
    it("FeeManager: stores the rates and the governance owner", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      expect(await feeManager.owner()).to.equal(governance.address);
      expect(await feeManager.feeBps()).to.equal(FEE_BPS);
      expect(await feeManager.maxFeeBps()).to.equal(MAX_FEE_BPS);
      expect(await feeManager.ecoBps()).to.equal(ECO_BPS);
    });

    it("FeeManager: reverts OwnableInvalidOwner for a zero governance", async () => {
      const { feeManager } = await loadFixture(deployFees);
      const factory = await ethers.getContractFactory("FeeManager");
      await expect(factory.deploy(ethers.ZeroAddress, 0n, 0n, 0n))
        .to.be.revertedWithCustomError(feeManager, "OwnableInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });

    it("FeeManager: reverts InvalidBps for maxFeeBps, then ecoBps, above 10_000, then FeeAboveMax", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      const factory = await ethers.getContractFactory("FeeManager");
      const gov = governance.address;
      await expect(factory.deploy(gov, 20_000n, 10_001n, 10_002n))
        .to.be.revertedWithCustomError(feeManager, "FeeManagerInvalidBps")
        .withArgs(10_001n);
      await expect(factory.deploy(gov, 20_000n, 10_000n, 10_002n))
        .to.be.revertedWithCustomError(feeManager, "FeeManagerInvalidBps")
        .withArgs(10_002n);
      await expect(factory.deploy(gov, 501n, 500n, 0n))
        .to.be.revertedWithCustomError(feeManager, "FeeManagerFeeAboveMax")
        .withArgs(501n, 500n);
      await expect(factory.deploy(gov, 10_000n, 10_000n, 10_000n)).not.to.revert(ethers);
    });
  });

  describe("governance", () => {
    it("FeeManager: setFeeBps by governance emits FeeBpsChanged(previous, new), up to maxFeeBps inclusive", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      await expect(feeManager.connect(governance).setFeeBps(MAX_FEE_BPS))
        .to.emit(feeManager, "FeeBpsChanged")
        .withArgs(FEE_BPS, MAX_FEE_BPS);
      expect(await feeManager.feeBps()).to.equal(MAX_FEE_BPS);
      await expect(feeManager.connect(governance).setFeeBps(0n))
        .to.emit(feeManager, "FeeBpsChanged")
        .withArgs(MAX_FEE_BPS, 0n);
    });

    it("FeeManager: setFeeBps reverts FeeAboveMax one bps above the maximum", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      await expect(feeManager.connect(governance).setFeeBps(MAX_FEE_BPS + 1n))
        .to.be.revertedWithCustomError(feeManager, "FeeManagerFeeAboveMax")
        .withArgs(MAX_FEE_BPS + 1n, MAX_FEE_BPS);
    });

    it("FeeManager: setFeeBps and setEcoBps revert OwnableUnauthorizedAccount before checking the value", async () => {
      const { feeManager, stranger } = await loadFixture(deployFees);
      await expect(feeManager.connect(stranger).setFeeBps(MAX_FEE_BPS + 1n))
        .to.be.revertedWithCustomError(feeManager, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
      await expect(feeManager.connect(stranger).setEcoBps(10_001n))
        .to.be.revertedWithCustomError(feeManager, "OwnableUnauthorizedAccount")
        .withArgs(stranger.address);
    });

    it("FeeManager: setEcoBps emits EcoBpsChanged up to 10_000 and reverts InvalidBps above", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      await expect(feeManager.connect(governance).setEcoBps(10_000n))
        .to.emit(feeManager, "EcoBpsChanged")
        .withArgs(ECO_BPS, 10_000n);
      await expect(feeManager.connect(governance).setEcoBps(10_001n))
        .to.be.revertedWithCustomError(feeManager, "FeeManagerInvalidBps")
        .withArgs(10_001n);
    });
  });

  describe("fee arithmetic", () => {
    it("FeeManager: protocolFee is price * feeBps / 10_000 rounded down (boundaries and fuzz)", async () => {
      const { feeManager } = await loadFixture(deployFees);
      for (const price of fuzzAmounts(1, 40)) {
        expect(await feeManager.protocolFee(price), `price ${price}`).to.equal((price * FEE_BPS) / 10_000n);
      }
      expect(await feeManager.protocolFee(39n)).to.equal(0n); // 39 * 250 / 10_000 = 0.975
      expect(await feeManager.protocolFee(40n)).to.equal(1n);
    });

    it("FeeManager: splitFee parts add up to the fee exactly, to the wei, at several ecoBps (fuzz)", async () => {
      const { feeManager, governance } = await loadFixture(deployFees);
      const rng = new Prng(2);
      for (const ecoBps of [0n, 1n, 3_333n, ECO_BPS, 9_999n, 10_000n, rng.bigint(0n, 10_000n)]) {
        await feeManager.connect(governance).setEcoBps(ecoBps);
        for (const fee of fuzzAmounts(3 + Number(ecoBps % 97n), 12)) {
          const [eco, rewards] = await feeManager.splitFee(fee);
          expect(eco + rewards, `fee ${fee} at ${ecoBps} bps`).to.equal(fee);
          expect(eco).to.equal((fee * ecoBps) / 10_000n);
          expect({ eco, rewards }).to.deep.equal(FeeMath.splitFee(fee, ecoBps));
        }
      }
    });
  });
});

describe("FeeMath", () => {
  it("FeeMath: BPS_DENOMINATOR is 10_000", async () => {
    const { harness } = await loadFixture(deployFees);
    expect(await harness.bpsDenominator()).to.equal(FeeMath.BPS_DENOMINATOR);
  });

  it("FeeMath: bpsOfDown matches the model on zero, one wei, the maximum and random amounts and rates", async () => {
    const { harness } = await loadFixture(deployFees);
    const rng = new Prng(4);
    for (const amount of fuzzAmounts(5, 30)) {
      for (const bps of [0n, 1n, 9_999n, 10_000n, rng.bigint(0n, 10_000n)]) {
        expect(await harness.bpsOfDown(amount, bps), `${amount} at ${bps}`).to.equal(FeeMath.bpsOfDown(amount, bps));
      }
    }
    // Full precision: no intermediate overflow at the maximum.
    expect(await harness.bpsOfDown(MAX_UINT256, 10_000n)).to.equal(MAX_UINT256);
    expect(await harness.bpsOfDown(MAX_UINT256, 9_999n)).to.equal((MAX_UINT256 * 9_999n) / 10_000n);
  });

  it("FeeMath: bpsOfDown panics 0x11 when the result exceeds 2^256 - 1 (bps above 10_000), as the model does", async () => {
    const { harness } = await loadFixture(deployFees);
    await expect(harness.bpsOfDown(MAX_UINT256, 10_001n)).to.be.revertedWithPanic(0x11);
    expect(() => FeeMath.bpsOfDown(MAX_UINT256, 10_001n)).to.throw("Panic(17)");
    expect(await harness.bpsOfDown(2n ** 200n, 20_000n)).to.equal(2n ** 201n);
  });

  it("FeeMath: splitFee panics 0x11 when the ecosystem part would exceed the fee (ecoBps above 10_000)", async () => {
    const { harness } = await loadFixture(deployFees);
    await expect(harness.splitFee(10_000n, 10_001n)).to.be.revertedWithPanic(0x11);
    expect(() => FeeMath.splitFee(10_000n, 10_001n)).to.throw("Panic(17)");
    expect(await harness.splitFee(9_999n, 10_001n)).to.deep.equal([9_999n, 0n]);
    expect(await harness.splitFee(0n, 10_001n)).to.deep.equal([0n, 0n]);
  });
});
