import { expect } from "chai";
import { AbiCoder } from "ethers";
import { decodeUintArray } from "../../simulation/chain/backend.js";

describe("chain: Lens sample decoding", function () {
  it("decodeUintArray: equals the ABI decoder on empty, small and 256-bit words", function () {
    const coder = AbiCoder.defaultAbiCoder();
    const max = (1n << 256n) - 1n;
    for (const words of [
      [],
      [0n],
      [1n, max, 12345678901234567890n],
      Array.from({ length: 2000 }, (_, i) => BigInt(i) ** 5n),
    ]) {
      const encoded = coder.encode(["uint256[]"], [words]);
      expect(decodeUintArray(encoded)).to.deep.equal(words);
    }
  });

  it("decodeUintArray: rejects a truncated return value as a bug, not garbage", function () {
    const encoded = AbiCoder.defaultAbiCoder().encode(["uint256[]"], [[1n, 2n, 3n]]);
    expect(() => decodeUintArray(encoded.slice(0, -64))).to.throw(/too few for 3 words/);
  });
});
