import { expect } from "chai";

import { MAX_UINT256 } from "../../simulation/model/erc20.js";
import { bpsOfDown, splitFee } from "../../simulation/model/feeMath.js";
import * as Fees from "../../simulation/model/fees.js";
import { ModelRevert, type ErrorArg } from "../../simulation/model/revert.js";
import { toAddress, ZERO_ADDRESS } from "../../simulation/model/types.js";

const GOV = toAddress("0x00000000000000000000000000000000000000a1");
const OTHER = toAddress("0x00000000000000000000000000000000000000a2");

/** A readable test-name form of an amount. */
function fmt(v: bigint): string {
  if (v === MAX_UINT256) return "2^256-1";
  if (v === MAX_UINT256 / 2n) return "(2^256-1)/2";
  return v > 10n ** 15n ? `~2^${v.toString(2).length}` : v.toString();
}

function expectRevert(fn: () => unknown, name: string, ...args: ErrorArg[]): void {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ModelRevert);
    expect({ name: (error as ModelRevert).errorName, args: (error as ModelRevert).args }).to.deep.equal({ name, args });
    return;
  }
  expect.fail(`expected ${name}`);
}

describe("model/feeMath", () => {
  // [amount, bps, floor(amount * bps / 10_000)]
  const bpsTable: ReadonlyArray<readonly [bigint, bigint, bigint]> = [
    [0n, 0n, 0n],
    [0n, 10_000n, 0n],
    [1n, 9_999n, 0n], // one wei never rounds up
    [1n, 10_000n, 1n],
    [3n, 3_333n, 0n],
    [10_000n, 1n, 1n],
    [9_999n, 1n, 0n],
    [1_000n, 250n, 25n],
    [39n, 250n, 0n],
    [40n, 250n, 1n],
    [MAX_UINT256, 10_000n, MAX_UINT256], // full precision: no intermediate overflow
    [MAX_UINT256, 0n, 0n],
    [MAX_UINT256, 1n, MAX_UINT256 / 10_000n],
  ];
  for (const [amount, bps, want] of bpsTable) {
    it(`model/feeMath: bpsOfDown(${fmt(amount)}, ${bps}) = ${fmt(want)}`, () => {
      expect(bpsOfDown(amount, bps)).to.equal(want);
    });
  }

  it("model/feeMath: bpsOfDown panics 0x11 only when the result exceeds 2^256 - 1", () => {
    expectRevert(() => bpsOfDown(MAX_UINT256, 10_001n), "Panic", 0x11n);
    expect(bpsOfDown(MAX_UINT256 / 2n, 20_000n)).to.equal(MAX_UINT256 - 1n);
  });

  // [fee, ecoBps, eco, rewards]
  const splitTable: ReadonlyArray<readonly [bigint, bigint, bigint, bigint]> = [
    [0n, 3_000n, 0n, 0n],
    [1n, 3_000n, 0n, 1n], // the dust goes to rewards
    [25n, 3_000n, 7n, 18n],
    [25n, 0n, 0n, 25n],
    [25n, 10_000n, 25n, 0n],
    [MAX_UINT256, 5_000n, MAX_UINT256 / 2n, MAX_UINT256 - MAX_UINT256 / 2n],
  ];
  for (const [fee, ecoBps, eco, rewards] of splitTable) {
    it(`model/feeMath: splitFee(${fmt(fee)}, ${ecoBps}) = (${fmt(eco)}, ${fmt(rewards)}), adding up to the fee`, () => {
      expect(splitFee(fee, ecoBps)).to.deep.equal({ eco, rewards });
      expect(eco + rewards).to.equal(fee);
    });
  }

  it("model/feeMath: splitFee panics 0x11 when the ecosystem part would exceed the fee (ecoBps above 10_000)", () => {
    expectRevert(() => splitFee(10_000n, 10_001n), "Panic", 0x11n);
    expect(splitFee(9_999n, 10_001n)).to.deep.equal({ eco: 9_999n, rewards: 0n }); // floor(9_999 * 1.0001) = 9_999
    expect(splitFee(0n, 10_001n)).to.deep.equal({ eco: 0n, rewards: 0n });
  });
});

describe("model/fees", () => {
  it("model/fees: newFeeState checks owner, maxFeeBps, ecoBps, then feeBps <= maxFeeBps", () => {
    expectRevert(() => Fees.newFeeState(ZERO_ADDRESS, 0n, 0n, 0n), "OwnableInvalidOwner", ZERO_ADDRESS);
    expectRevert(() => Fees.newFeeState(GOV, 20_000n, 10_001n, 10_002n), "FeeManagerInvalidBps", 10_001n);
    expectRevert(() => Fees.newFeeState(GOV, 20_000n, 10_000n, 10_002n), "FeeManagerInvalidBps", 10_002n);
    expectRevert(() => Fees.newFeeState(GOV, 501n, 500n, 0n), "FeeManagerFeeAboveMax", 501n, 500n);
    expect(Fees.newFeeState(GOV, 10_000n, 10_000n, 10_000n)).to.deep.equal({
      address: ZERO_ADDRESS,
      owner: GOV,
      feeBps: 10_000n,
      maxFeeBps: 10_000n,
      ecoBps: 10_000n,
    });
  });

  it("model/fees: setFeeBps / setEcoBps check the owner first, then the value; bounds inclusive", () => {
    const s = Fees.newFeeState(GOV, 250n, 1_000n, 3_000n);
    const other = { sender: OTHER, now: 0n };
    const gov = { sender: GOV, now: 0n };
    expectRevert(() => Fees.setFeeBps(s, other, 1_001n), "OwnableUnauthorizedAccount", OTHER);
    expectRevert(() => Fees.setEcoBps(s, other, 10_001n), "OwnableUnauthorizedAccount", OTHER);
    expectRevert(() => Fees.setFeeBps(s, gov, 1_001n), "FeeManagerFeeAboveMax", 1_001n, 1_000n);
    expectRevert(() => Fees.setEcoBps(s, gov, 10_001n), "FeeManagerInvalidBps", 10_001n);
    Fees.setFeeBps(s, gov, 1_000n);
    Fees.setEcoBps(s, gov, 10_000n);
    expect(Fees.feeVariables(s)).to.deep.equal({ feeBps: 1_000n, maxFeeBps: 1_000n, ecoBps: 10_000n });
    expect(Fees.protocolFee(s, 999n)).to.equal(99n);
    expect(Fees.splitFee(s, 99n)).to.deep.equal({ eco: 99n, rewards: 0n });
  });

  it("model/fees: transferOwnership and renounceOwnership mirror OpenZeppelin Ownable", () => {
    const s = Fees.newFeeState(GOV, 250n, 1_000n, 3_000n);
    const gov = { sender: GOV, now: 0n };
    expectRevert(() => Fees.transferOwnership(s, gov, ZERO_ADDRESS), "OwnableInvalidOwner", ZERO_ADDRESS);
    Fees.transferOwnership(s, gov, OTHER);
    expectRevert(() => Fees.setFeeBps(s, gov, 1n), "OwnableUnauthorizedAccount", GOV);
    Fees.renounceOwnership(s, { sender: OTHER, now: 0n });
    expect(s.owner).to.equal(ZERO_ADDRESS);
  });
});
