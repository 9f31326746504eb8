import { expect } from "chai";
import { decode, encode } from "../../simulation/queue/codec.js";
import { parseQueueUrl, shownUrl, versionDifference, type CodeVersion } from "../../simulation/queue/protocol.js";

describe("queue protocol", function () {
  it("codec: bigints of any size and Maps come back as they went, plain JSON in between", function () {
    const value = {
      max: 2n ** 256n - 1n,
      negative: -5n,
      variables: new Map<string, bigint | number>([
        ["vault.totalAssets()", 10n ** 30n],
        ["rate", 0.25],
      ]),
      nested: [{ kpis: { revenue: 7n, share: 0.5 } }],
      text: "fees.feeBps",
    };
    const text = encode(value);
    expect(JSON.parse(text))
      .to.have.property("max")
      .that.deep.equals({ $bigint: (2n ** 256n - 1n).toString() });
    expect(decode(text)).to.deep.equal(value);
  });

  it("parseQueueUrl: a Redis address is kept; anything else is one line naming the option, the value and the form", function () {
    expect(parseQueueUrl(" redis://127.0.0.1:6379 ")).to.equal("redis://127.0.0.1:6379");
    expect(parseQueueUrl("rediss://:secret@redis.example:6380/2")).to.equal("rediss://:secret@redis.example:6380/2");
    for (const bad of ["127.0.0.1:6379", "http://127.0.0.1:6379", "redis://", ""]) {
      expect(() => parseQueueUrl(bad)).to.throw(
        `Invalid option --queue = ${JSON.stringify(bad)}: expected a Redis address, redis://host:port (for example redis://127.0.0.1:6379).`,
      );
    }
  });

  it("shownUrl: a password never shows", function () {
    expect(shownUrl("redis://:secret@10.0.0.5:6379")).to.equal("redis://:***@10.0.0.5:6379");
    expect(shownUrl("redis://127.0.0.1:6379")).to.equal("redis://127.0.0.1:6379");
  });

  it("versionDifference: names the first difference (commit, then a contract's bytecode, then the scenario file)", function () {
    const mine: CodeVersion = { commit: "abc", bytecode: { Vault: "0x11", Token: "0x22" }, scenarioSource: "ff00" };
    expect(versionDifference(mine, mine)).to.equal(undefined);
    expect(versionDifference(mine, { ...mine, commit: "def" })).to.equal("its commit is def and this worker's is abc");
    expect(versionDifference(mine, { ...mine, bytecode: { Vault: "0x11", Token: "0x33" } })).to.equal(
      "the bytecode of Token differs (0x33 there, 0x22 here)",
    );
    expect(versionDifference(mine, { ...mine, bytecode: { Vault: "0x11" } })).to.equal(
      "the bytecode of Token differs (none there, 0x22 here)",
    );
    expect(versionDifference(mine, { ...mine, scenarioSource: null })).to.equal(
      "its scenario file differs (sha256 none there, ff00 here)",
    );
  });
});
