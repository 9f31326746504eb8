import { expect } from "chai";
import hre, { network } from "hardhat";
import { contractSource } from "../../simulation/chain/artifacts.js";
import {
  decodeSlotValue,
  parseStoragePath,
  resolveSlot,
  type StorageLayout,
} from "../../simulation/chain/storageLayout.js";
import { UserError } from "../../simulation/engine/errors.js";

const { ethers } = await network.create();
const source = contractSource(hre.artifacts);

const A = "0x00000000000000000000000000000000000000aa";
const B = "0x00000000000000000000000000000000000000bb";
const POSITION = { owner: A, size: 2n ** 90n + 7n, pnl: -123_456_789n, open: true, phase: 2n, collateral: 10n ** 30n };

async function probe() {
  const c = await ethers.deployContract("LayoutProbe");
  await c.set(2n ** 255n + 1n, 200n, -7n, true, B, 1n, "0x" + "ab".repeat(32));
  await c.setArrays([1n, 65_535n, 3n, 0n, 40_000n], [5n, 6n, 2n ** 256n - 1n]);
  await c.setBalance(A, 42n);
  await c.setNested(9n, B, -(2n ** 120n));
  await c.setPosition(3n, POSITION);
  await c.pushHistory({ ...POSITION, pnl: 5n, open: false, phase: 1n });
  await c.pushHistory({ ...POSITION, owner: B, size: 1n });
  await c.pushMember(A);
  await c.pushMember(B);
  return c;
}

describe("chain: state variables located through the compiler's storage layout", function () {
  let layout: StorageLayout;
  let address: string;
  let contract: Awaited<ReturnType<typeof probe>>;

  before(async function () {
    contract = await probe();
    address = await contract.getAddress();
    layout = (await source.contract("LayoutProbe")).layout!;
    expect(layout).to.not.equal(undefined);
  });

  const read = async (path: string, refs: Record<string, string> = {}): Promise<bigint> => {
    const v = resolveSlot(layout, parseStoragePath(path, "the test"), (n) => BigInt(refs[n]!), "LayoutProbe");
    const word = await ethers.provider.getStorage(address, v.slot);
    return decodeSlotValue(v, BigInt(word));
  };

  it("resolveSlot: plain, packed, signed, boolean, address, enum and bytes32 values equal their getters", async function () {
    expect(await read("total")).to.equal(await contract.total());
    expect(await read("small")).to.equal(await contract.small());
    expect(await read("signedSmall")).to.equal(-7n);
    expect(await read("signedSmall")).to.equal(await contract.signedSmall());
    expect(await read("flag")).to.equal(1n);
    expect(await read("admin")).to.equal(BigInt(await contract.admin()));
    expect(await read("phase")).to.equal(await contract.phase());
    expect(await read("tag")).to.equal(BigInt(await contract.tag()));
  });

  it("resolveSlot: elements of packed and of word-sized fixed arrays", async function () {
    for (let i = 0n; i < 5n; i++) expect(await read(`_packed[${i}]`)).to.equal(await contract.packed(i));
    for (let i = 0n; i < 3n; i++) expect(await read(`_wide[${i}]`)).to.equal(await contract.wide(i));
  });

  it("resolveSlot: mapping entries keyed by $refs, literal addresses, and nested mappings with signed values", async function () {
    expect(await read("balances[$who]", { who: A })).to.equal(42n);
    expect(await read(`balances[${A}]`)).to.equal(42n);
    expect(await read("balances[$who]", { who: B })).to.equal(0n);
    expect(await read("_nested[9][$who]", { who: B })).to.equal(await contract.nested(9n, B));
    expect(await read("_nested[9][$who]", { who: B })).to.equal(-(2n ** 120n));
  });

  it("resolveSlot: members of structs in a mapping and in a dynamic array, and the array's length", async function () {
    const p = await contract.position(3n);
    expect(await read("_positions[3].owner")).to.equal(BigInt(p.owner));
    expect(await read("_positions[3].size")).to.equal(p.size);
    expect(await read("_positions[3].pnl")).to.equal(p.pnl);
    expect(await read("_positions[3].open")).to.equal(p.open ? 1n : 0n);
    expect(await read("_positions[3].phase")).to.equal(p.phase);
    expect(await read("_positions[3].collateral")).to.equal(p.collateral);
    expect(await read("_history.length")).to.equal(await contract.historyLength());
    for (const i of [0n, 1n]) {
      const h = await contract.history(i);
      expect(await read(`_history[${i}].owner`)).to.equal(BigInt(h.owner));
      expect(await read(`_history[${i}].size`)).to.equal(h.size);
      expect(await read(`_history[${i}].pnl`)).to.equal(h.pnl);
      expect(await read(`_history[${i}].open`)).to.equal(h.open ? 1n : 0n);
    }
    expect(await read("_members.length")).to.equal(2n);
    expect(await read("_members[1]")).to.equal(BigInt(await contract.member(1n)));
  });

  const BAD: readonly [string, string][] = [
    [
      "nope",
      "State variable nope of LayoutProbe: no such state variable (the contract has total, small, signedSmall, flag, admin, phase, tag, _packed, _wide, balances, _nested, _positions, _history, _members).",
    ],
    [
      "_positions[3].nope",
      "State variable _positions[3].nope of LayoutProbe: struct LayoutProbe.Position has no member nope (it has owner, size, pnl, open, phase, collateral).",
    ],
    [
      "_positions[3]",
      "State variable _positions[3] of LayoutProbe: it is a struct LayoutProbe.Position, not a value: name one of its members or elements.",
    ],
    ["_packed[5]", "State variable _packed[5] of LayoutProbe: index 5 is outside uint16[5]."],
    ["total[1]", "State variable total[1] of LayoutProbe: uint256 cannot be indexed."],
    ["total.length", "State variable total.length of LayoutProbe: .length applies to a dynamic array, not uint256."],
  ];
  for (const [path, message] of BAD) {
    it(`resolveSlot: ${path} is refused with one line naming it`, function () {
      expect(() => resolveSlot(layout, parseStoragePath(path, "the test"), () => 0n, "LayoutProbe"))
        .to.throw(UserError)
        .with.property("message", message);
    });
  }

  it("parseStoragePath: malformed paths are refused with one line", function () {
    expect(() => parseStoragePath("balances[$who", "variable x")).to.throw(
      UserError,
      'Invalid state variable "balances[$who" in variable x: a "[" is not closed (expected a name as in the source, with .member, [key] and .length, e.g. _balances[$account]).',
    );
    expect(() => parseStoragePath("balances[who]", "variable x")).to.throw(UserError, /the key "who" is not a number/);
    expect(() => parseStoragePath("9lives", "variable x")).to.throw(UserError, /does not start with a variable name/);
  });
});
