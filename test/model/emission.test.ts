import { expect } from "chai";

import {
  halvingEmitted,
  halvingEpochEmission,
  linearEmitted,
  linearEpochEmission,
} from "../../simulation/model/emission.js";
import { MAX_UINT256 } from "../../simulation/model/erc20.js";
import { ModelRevert } from "../../simulation/model/revert.js";

const MAX = MAX_UINT256;

function popcount(value: bigint): bigint {
  let count = 0n;
  for (let v = value; v > 0n; v >>= 1n) count += v & 1n;
  return count;
}

function expectPanic(action: () => unknown, code: bigint): void {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ModelRevert);
    expect((error as ModelRevert).errorName).to.equal("Panic");
    expect((error as ModelRevert).args).to.deep.equal([code]);
    return;
  }
  expect.fail(`expected Panic(${code})`);
}

describe("model/emission", () => {
  // [total, cliff, duration, epochs, emitted]
  const linearTable: ReadonlyArray<readonly [bigint, bigint, bigint, bigint, bigint]> = [
    [0n, 0n, 1n, 0n, 0n],
    [0n, 0n, 1n, 5n, 0n],
    [1n, 0n, 1n, 0n, 0n],
    [1n, 0n, 1n, 1n, 1n],
    [1n, 0n, 2n, 1n, 0n], // one wei over two epochs: floor(1/2) = 0 first ...
    [1n, 0n, 2n, 2n, 1n], // ... the whole wei in the last
    [10n, 0n, 3n, 1n, 3n], // rounding boundary: 10/3 = 3.33
    [10n, 0n, 3n, 2n, 6n], // 20/3 = 6.67
    [10n, 0n, 3n, 3n, 10n],
    [10n, 0n, 3n, 4n, 10n], // after the end
    [700n, 3n, 7n, 3n, 0n], // at the cliff
    [700n, 3n, 7n, 4n, 100n], // the epoch after
    [700n, 3n, 7n, 10n, 700n],
    [MAX, 0n, 1n, 1n, MAX],
    [MAX, 0n, 2n, 1n, MAX >> 1n],
    [MAX, 0n, 3n, 1n, MAX / 3n],
    [MAX, 0n, 3n, 2n, (MAX / 3n) * 2n],
    [MAX, 1n, 7n, MAX, MAX],
    [5n, MAX, 1n, MAX, 0n], // the cliff never ends
  ];

  for (const [total, cliff, duration, epochs, emitted] of linearTable) {
    it(`model/emission: linearEmitted(${total}, ${cliff}, ${duration}, ${epochs}) is ${emitted}`, () => {
      expect(linearEmitted(total, cliff, duration, epochs)).to.equal(emitted);
    });
  }

  // [total, cliff, halving, epochs, emitted]
  const halvingTable: ReadonlyArray<readonly [bigint, bigint, bigint, bigint, bigint]> = [
    [0n, 0n, 1n, 10n, 0n],
    [1n, 0n, 1n, 1n, 0n], // 1 >> 1 = 0: one wei never emits
    [1n, 0n, 1n, MAX, 0n],
    [2n, 0n, 1n, 1n, 1n],
    [2n, 0n, 1n, 2n, 1n],
    [3n, 0n, 1n, 300n, 1n], // 3 - popcount(3) = 1
    [1000n, 0n, 4n, 1n, 125n],
    [1000n, 0n, 4n, 4n, 500n],
    [1000n, 0n, 4n, 5n, 562n], // 500 + floor(250 / 4)
    [1000n, 0n, 4n, 8n, 750n],
    [1000n, 2n, 4n, 2n, 0n],
    [1000n, 2n, 4n, 3n, 125n],
    [MAX, 0n, 1n, 1n, MAX >> 1n],
    [MAX, 0n, 1n, 254n, MAX - 257n], // sum of (2^(256-j) - 1) for j = 1..254
    [MAX, 0n, 1n, 255n, MAX - 256n],
    [MAX, 0n, 1n, 256n, MAX - 256n],
    [MAX, 0n, 1n, MAX, MAX - 256n],
    [MAX, 0n, MAX, MAX, MAX >> 1n], // exactly one whole period of MAX epochs
  ];

  for (const [total, cliff, halving, epochs, emitted] of halvingTable) {
    it(`model/emission: halvingEmitted(${total}, ${cliff}, ${halving}, ${epochs}) is ${emitted}`, () => {
      expect(halvingEmitted(total, cliff, halving, epochs)).to.equal(emitted);
    });
  }

  const sumCases: ReadonlyArray<readonly [bigint, bigint, bigint]> = [
    [1n, 0n, 1n],
    [7n, 1n, 3n],
    [1_000_003n * 10n ** 18n + 11n, 1n, 7n],
    [999_999n, 5n, 60n],
    [MAX, 2n, 13n],
  ];

  for (const [total, cliff, period] of sumCases) {
    it(`model/emission: per-epoch emissions sum to the cumulative figure to the wei when total=${total} cliff=${cliff} period=${period}`, () => {
      let linearSum = 0n;
      let halvingSum = 0n;
      const horizon = cliff + 260n * period;
      for (let k = 0n; k < horizon; k++) {
        linearSum += linearEpochEmission(total, cliff, period, k);
        halvingSum += halvingEpochEmission(total, cliff, period, k);
        if (k < cliff + period + 2n || k % 97n === 0n) {
          expect(linearSum).to.equal(linearEmitted(total, cliff, period, k + 1n));
          expect(halvingSum).to.equal(halvingEmitted(total, cliff, period, k + 1n));
        }
      }
      expect(linearSum).to.equal(total);
      expect(halvingSum).to.equal(total - popcount(total));
    });
  }

  it("model/emission: per-epoch emission panics with 0x11 at the maximum epoch", () => {
    expectPanic(() => linearEpochEmission(1n, 0n, 1n, MAX), 0x11n);
    expectPanic(() => halvingEpochEmission(1n, 0n, 1n, MAX), 0x11n);
    expect(linearEpochEmission(1n, 0n, 1n, MAX - 1n)).to.equal(0n);
  });

  it("model/emission: a zero duration or halving period panics with 0x12 past the cliff only", () => {
    expectPanic(() => linearEmitted(1n, 0n, 0n, 1n), 0x12n);
    expectPanic(() => halvingEmitted(1n, 0n, 0n, 1n), 0x12n);
    expect(linearEmitted(1n, 1n, 0n, 1n)).to.equal(0n);
    expect(halvingEmitted(1n, 1n, 0n, 1n)).to.equal(0n);
  });
});
