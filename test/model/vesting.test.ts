import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { MAX_UINT256, balanceOf, mint, newErc20, transfer } from "../../simulation/model/erc20.js";
import { newGovernanceToken } from "../../simulation/model/governanceToken.js";
import { ModelRevert } from "../../simulation/model/revert.js";
import { ZERO_ADDRESS, toAddress, type Address } from "../../simulation/model/types.js";
import {
  end,
  newVestingState,
  releasable,
  release,
  vestedAmount,
  vestingVariables,
  type VestingParams,
  type VestingState,
} from "../../simulation/model/vesting.js";
import { RevertDecoder, modelOutcome, type Outcome } from "../helpers/outcome.js";
import { Prng } from "../helpers/prng.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const MAX = MAX_UINT256;
const MAX_UINT64 = (1n << 64n) - 1n;
const A = (n: number): Address => toAddress("0x" + n.toString(16).padStart(40, "0"));
const WALLET = A(0x700);
const BENEFICIARY = A(0xbe);
const FUNDER = A(0xf0);
const START = 10_000n;

function expectRevert(action: () => unknown, errorName: string, args: readonly (bigint | string)[]): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof ModelRevert)) throw error;
    expect({ errorName: error.errorName, args: error.args }).to.deep.equal({ errorName, args });
    return;
  }
  expect.fail(`expected ${errorName}(${args.join(", ")})`);
}

/** A wallet holding `allocation` wei from START for `duration` seconds with a `cliff`-second cliff. */
function wallet(allocation: bigint, duration: bigint, cliff: bigint): VestingState {
  const token = newErc20();
  mint(token, WALLET, allocation);
  return newVestingState({
    address: WALLET,
    beneficiary: BENEFICIARY,
    startTimestamp: START,
    durationSeconds: duration,
    cliffSeconds: cliff,
    token,
  });
}

describe("model/vesting", () => {
  const base: VestingParams = {
    address: WALLET,
    beneficiary: BENEFICIARY,
    startTimestamp: START,
    durationSeconds: 10n,
    cliffSeconds: 0n,
    token: newErc20(),
  };

  const constructorTable: ReadonlyArray<
    readonly [string, Partial<VestingParams>, string, readonly (bigint | string)[]]
  > = [
    [
      "the beneficiary is the zero address (checked before the cliff)",
      { beneficiary: ZERO_ADDRESS, cliffSeconds: 11n },
      "OwnableInvalidOwner",
      [ZERO_ADDRESS],
    ],
    ["the cliff is one second longer than the duration", { cliffSeconds: 11n }, "InvalidCliffDuration", [11n, 10n]],
    ["start + cliff overflows a uint64", { startTimestamp: MAX_UINT64, cliffSeconds: 1n }, "Panic", [0x11n]],
  ];
  for (const [condition, overrides, errorName, args] of constructorTable) {
    it(`model/vesting: newVestingState reverts ${errorName} when ${condition}`, () => {
      expectRevert(() => newVestingState({ ...base, ...overrides }), errorName, args);
    });
  }

  it("model/vesting: newVestingState accepts a cliff equal to the duration and a zero duration", () => {
    expect(newVestingState({ ...base, cliffSeconds: 10n }).cliffTimestamp).to.equal(START + 10n);
    expect(vestingVariables(newVestingState({ ...base, durationSeconds: 0n }))).to.deep.equal({
      start: START,
      duration: 0n,
      end: START,
      cliff: START,
      released: 0n,
    });
  });

  it("model/vesting: newVestingState throws a RangeError for arguments outside uint64", () => {
    expect(() => newVestingState({ ...base, durationSeconds: MAX_UINT64 + 1n })).to.throw(
      RangeError,
      `Invalid vesting parameter durationSeconds = ${MAX_UINT64 + 1n}: expected a uint64 (0..${MAX_UINT64}).`,
    );
  });

  // [allocation, duration, cliff, seconds after start, vested]
  const scheduleTable: ReadonlyArray<readonly [bigint, bigint, bigint, bigint, bigint]> = [
    [0n, 10n, 0n, 5n, 0n],
    [1n, 10n, 0n, 9n, 0n], // one wei vests only at the end
    [1n, 10n, 0n, 10n, 1n],
    [10n, 3n, 0n, -1n, 0n], // before the start
    [10n, 3n, 0n, 0n, 0n],
    [10n, 3n, 0n, 1n, 3n], // rounding boundary: 10/3
    [10n, 3n, 0n, 2n, 6n],
    [10n, 3n, 0n, 3n, 10n],
    [1000n, 100n, 25n, 24n, 0n], // one second before the cliff
    [1000n, 100n, 25n, 25n, 250n], // at the cliff: everything since the start
    [1000n, 100n, 25n, 99n, 990n],
    [1000n, 100n, 25n, 100n, 1000n],
    [1000n, 100n, 100n, 99n, 0n], // cliff == duration
    [1000n, 100n, 100n, 100n, 1000n],
    [1000n, 0n, 0n, -1n, 0n], // a timelock
    [1000n, 0n, 0n, 0n, 1000n],
    [MAX, 10n, 0n, 10n, MAX],
    [MAX / 10n, 10n, 0n, 9n, ((MAX / 10n) * 9n) / 10n], // the largest allocation whose product still fits
  ];
  for (const [allocation, duration, cliff, offset, vested] of scheduleTable) {
    it(`model/vesting: vestedAmount of ${allocation} over ${duration}s with a ${cliff}s cliff is ${vested} at start${offset >= 0n ? "+" : ""}${offset}s`, () => {
      const s = wallet(allocation, duration, cliff);
      expect(vestedAmount(s, START + offset)).to.equal(vested);
    });
  }

  it("model/vesting: vestedAmount panics 0x11 when allocation * elapsed overflows, as the contract", () => {
    const s = wallet(MAX, 10n, 0n);
    expect(vestedAmount(s, START + 1n)).to.equal(MAX / 10n); // MAX * 1 still fits
    expectRevert(() => vestedAmount(s, START + 2n), "Panic", [0x11n]);
  });

  it("model/vesting: release pays the vested remainder to the beneficiary whoever calls, and counts tokens sent later", () => {
    const s = wallet(1000n, 100n, 25n);
    expect(release(s, { sender: FUNDER, now: START + 24n })).to.equal(0n);
    expect(release(s, { sender: FUNDER, now: START + 25n })).to.equal(250n);
    expect(balanceOf(s.token, BENEFICIARY)).to.equal(250n);
    expect(releasable(s, { now: START + 50n })).to.equal(250n);
    mint(s.token, FUNDER, 100n);
    transfer(s.token, FUNDER, WALLET, 100n); // allocation becomes 1100
    expect(releasable(s, { now: START + 50n })).to.equal(300n);
    expect(release(s, { sender: BENEFICIARY, now: START + 100n })).to.equal(850n);
    expect(s.released).to.equal(1100n);
    expect(balanceOf(s.token, WALLET)).to.equal(0n);
    expect(end(s)).to.equal(START + 100n);
  });
});

// ---------------------------------------------------------------------------- differential

type VestingAction = { kind: "fund"; amount: bigint } | { kind: "release"; caller: number };

async function runVestingDifferential(
  seed: number,
  durationSeconds: bigint,
  cliffSeconds: bigint,
  steps: number,
): Promise<void> {
  const rng = new Prng(seed);
  const signers: HardhatEthersSigner[] = (await ethers.getSigners()).slice(0, 4);
  const [ownerSigner, beneficiarySigner] = signers;
  if (ownerSigner === undefined || beneficiarySigner === undefined || signers.length < 4)
    throw new Error("Hardhat network has fewer than 4 accounts.");
  const addresses = signers.map((signer) => toAddress(signer.address));
  const owner = toAddress(ownerSigner.address);
  const beneficiary = toAddress(beneficiarySigner.address);

  const tokenC = await ethers.deployContract("GovernanceToken", [owner]);
  const start = BigInt(await time.latest()) + 500n;
  const walletC = await ethers.deployContract("ReleaseWallet", [beneficiary, start, durationSeconds, cliffSeconds]);
  const decoder = new RevertDecoder([walletC, tokenC]);
  const walletAddress = toAddress(await walletC.getAddress());

  const token = newGovernanceToken(owner);
  const s = newVestingState({
    address: walletAddress,
    beneficiary,
    startTimestamp: start,
    durationSeconds,
    cliffSeconds,
    token,
  });
  const probes = [start - 1n, s.cliffTimestamp - 1n, s.cliffTimestamp, end(s) - 1n, end(s), end(s) + 1n];

  let now = BigInt(await time.latest());
  let funded = 0n;
  const horizon = end(s) + 200n;
  for (let step = 0; step < steps; step++) {
    const roll = rng.int(10);
    let next = now + rng.bigint(1n, (horizon - now > 20n ? horizon - now : 20n) / 6n + 1n);
    const boundary = probes.find((t) => t > now);
    if (roll >= 8 && boundary !== undefined) next = roll === 8 && boundary - 1n > now ? boundary - 1n : boundary;
    now = next;
    const action: VestingAction =
      rng.int(3) === 0
        ? { kind: "fund", amount: rng.pick([0n, 1n, rng.bigint(1n, 10n ** 24n)]) }
        : { kind: "release", caller: rng.int(4) };
    const context = `seed ${seed}, step ${step}: ${action.kind} ${action.kind === "fund" ? action.amount : action.caller} at ${now}`;

    await time.setNextBlockTimestamp(now);
    let modelResult: Outcome;
    let chainResult: Outcome;
    if (action.kind === "fund") {
      modelResult = modelOutcome(() => transfer(token, owner, walletAddress, action.amount));
      chainResult = await decoder.send(() =>
        tokenC.connect(ownerSigner).transfer(walletAddress, action.amount, { gasLimit: 1_000_000 }),
      );
    } else {
      const caller = action.caller;
      modelResult = modelOutcome(() => release(s, { sender: addresses[caller]!, now }));
      chainResult = await decoder.send(() =>
        walletC.connect(signers[caller]!)["release(address)"](tokenC, { gasLimit: 1_000_000 }),
      );
    }
    expect(chainResult, `outcome, ${context}`).to.deep.equal(modelResult);
    if (action.kind === "fund" && modelResult.ok) funded += action.amount;

    expect(await walletC["released(address)"](tokenC), `released, ${context}`).to.equal(s.released);
    expect(await walletC["releasable(address)"](tokenC), `releasable, ${context}`).to.equal(releasable(s, { now }));
    for (const account of [...addresses, walletAddress]) {
      expect(await tokenC.balanceOf(account), `balance of ${account}, ${context}`).to.equal(balanceOf(token, account));
    }
    for (const t of [...probes, now, start + rng.bigint(0n, durationSeconds + 1n)]) {
      const chainVested = await decoder.call(() => walletC["vestedAmount(address,uint64)"](tokenC, t));
      expect(chainVested, `vestedAmount at ${t}, ${context}`).to.deep.equal(
        modelOutcome(() => vestedAmount(s, t), true),
      );
    }
  }
  // Past the end, one more release empties the wallet on both sides.
  expect(now > end(s), `seed ${seed} must run past the end`).to.equal(true);
  now += 1n;
  await time.setNextBlockTimestamp(now);
  const last = await decoder.send(() =>
    walletC.connect(ownerSigner)["release(address)"](tokenC, { gasLimit: 1_000_000 }),
  );
  expect(last).to.deep.equal(modelOutcome(() => release(s, { sender: owner, now })));
  expect(balanceOf(token, walletAddress)).to.equal(0n);
  expect(await tokenC.balanceOf(walletAddress)).to.equal(0n);
  expect(s.released).to.equal(funded);
  const variables = vestingVariables(s);
  expect({
    start: await walletC.start(),
    duration: await walletC.duration(),
    end: await walletC.end(),
    cliff: await walletC.cliff(),
    released: await walletC["released(address)"](tokenC),
  }).to.deep.equal(variables);
}

describe("model/vesting differential", () => {
  const cases: ReadonlyArray<readonly [string, number, bigint, bigint]> = [
    ["an odd duration with a cliff", 31337, 10_007n, 2_501n],
    ["a cliff as long as the duration", 99, 5_000n, 5_000n],
    ["a zero-duration timelock", 5, 0n, 0n],
  ];
  for (const [condition, seed, duration, cliff] of cases) {
    it(`model/vesting: matches ReleaseWallet release by release at random times on ${condition} (seed ${seed})`, async () => {
      await runVestingDifferential(seed, duration, cliff, 60);
    });
  }
});
