import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal, JournalError, type JournalTx } from "../../simulation/chain/journal.js";
import {
  createJsonRpcClient,
  redactUrl,
  RpcResponseError,
  RpcTransportError,
  urlHasSecret,
} from "../../simulation/chain/jsonRpc.js";
import { planFunding, type DryRun } from "../../simulation/cli/dryRun.js";
import { Secrets } from "../../simulation/cli/secrets.js";
import { scaleAction, scaleDuration, scaleDurations, scaleInstant } from "../../simulation/engine/timeScale.js";

const MONTH = 2_592_000;
const SCALE = { chainStepSeconds: 120, scenarioStepSeconds: MONTH };

describe("remote units: time scale", () => {
  const durations: [bigint, bigint][] = [
    [0n, 0n], // zero stays zero (a contract decides what zero means)
    [1n, 1n], // at least one second when positive
    [86_400n, 4n], // a day of a 30-day step in 120 s: 4 s
    [7n * 86_400n, 28n],
    [BigInt(MONTH), 120n], // a step is a step
    [10_800n, 1n], // 0.5 s rounds half up to 1
  ];
  for (const [scenario, chain] of durations) {
    it(`scaleDuration: ${scenario} s of scenario time is ${chain} s of chain time at 120 s per 30-day step`, () => {
      expect(scaleDuration(SCALE, scenario)).to.equal(chain);
    });
  }

  it("scaleDuration: without a scale, or at 1:1, a duration is unchanged", () => {
    expect(scaleDuration(undefined, 12_345n)).to.equal(12_345n);
    expect(scaleDuration({ chainStepSeconds: 60, scenarioStepSeconds: 60 }, 12_345n)).to.equal(12_345n);
  });

  it("scaleInstant: step boundaries map exactly and a substep never reaches the next step", () => {
    const start = 1_900_000_000n;
    expect(scaleInstant(SCALE, start, start + 5n * BigInt(MONTH))).to.equal(start + 600n);
    expect(scaleInstant(SCALE, start, start + 6n * BigInt(MONTH) - 1n)).to.equal(start + 719n);
  });

  it("scaleDurations: scales every …Seconds field, leaves instants and the rest", () => {
    const config = {
      rewards: { startTimestamp: 1_900_000_000n, epochSeconds: BigInt(MONTH), emissionTotal: 10n ** 24n },
      releases: [{ name: "team", durationSeconds: 36n * BigInt(MONTH), cliffSeconds: 0n }],
    };
    expect(scaleDurations(config, SCALE)).to.deep.equal({
      rewards: { startTimestamp: 1_900_000_000n, epochSeconds: 120n, emissionTotal: 10n ** 24n },
      releases: [{ name: "team", durationSeconds: 4_320n, cliffSeconds: 0n }],
    });
  });

  it("scaleAction: scales an Action's …Seconds arguments only", () => {
    const action = { agent: "seller-0", kind: "createOffer", args: { price: 10n, disputePeriodSeconds: 604_800n } };
    expect(scaleAction(action, SCALE).args).to.deep.equal({ price: 10n, disputePeriodSeconds: 28n });
    const plain = { agent: "buyer-0", kind: "commitToOffer", args: { offerId: 1n } };
    expect(scaleAction(plain, SCALE)).to.equal(plain);
  });
});

function tx(seq: number, nonce: number): JournalTx {
  return {
    type: "tx",
    seq,
    attempt: 0,
    step: 0,
    substep: "onboard",
    index: seq,
    agent: "buyer-0",
    kind: "approve",
    from: "0x00000000000000000000000000000000000000aa",
    nonce,
    gasLimit: "100000",
    hash: `0x${seq.toString(16).padStart(64, "0")}`,
    raw: "0x02",
  };
}

describe("remote units: journal", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lockstep-journal-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("journal: reopened, it holds what was appended, and drops a torn last line", () => {
    const path = join(dir, "journal.ndjson");
    const j = Journal.open(path);
    j.append([tx(0, 0), tx(1, 1)]);
    j.close();
    appendFileSync(path, '{"type":"tx","seq":2,"att'); // a write cut short by a crash
    const again = Journal.open(path);
    expect(again.nextSeq).to.equal(2);
    expect(again.highestNonce("0x00000000000000000000000000000000000000AA")).to.equal(1);
    again.append([tx(2, 2)]);
    again.close();
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as JournalTx).seq)).to.deep.equal([0, 1, 2]);
  });

  it("journal: a damaged line before the end is an error, not a silent loss", () => {
    const path = join(dir, "journal.ndjson");
    writeFileSync(path, `${JSON.stringify(tx(0, 0))}\nnot json\n${JSON.stringify(tx(1, 1))}\n`);
    expect(() => Journal.open(path)).to.throw(JournalError, `${path}: line 2 is not JSON; the journal is damaged.`);
  });
});

describe("remote units: JSON-RPC client", () => {
  let server: Server;
  let url: string;
  let failuresLeft = 0;
  let answer: unknown = { result: "0x7a69" };
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (failuresLeft-- > 0) {
          res.writeHead(503).end("busy");
          return;
        }
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: 1, ...(answer as object) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/0123456789abcdef0123456789abcdef`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    answer = { result: "0x7a69" };
  });

  it("redactUrl: keeps scheme, host and port; hides paths, queries and credentials", () => {
    expect(redactUrl("http://127.0.0.1:8545")).to.equal("http://127.0.0.1:8545");
    expect(redactUrl("http://127.0.0.1:8545/")).to.equal("http://127.0.0.1:8545");
    expect(redactUrl("https://sepolia.infura.io/v3/abc123abc123")).to.equal("https://sepolia.infura.io/<redacted>");
    expect(redactUrl("https://user:pw@node.example:443?key=1")).to.equal("https://node.example/<redacted>");
    expect(urlHasSecret("http://127.0.0.1:8545")).to.equal(false);
    expect(urlHasSecret("https://eth-sepolia.g.alchemy.com/v2/KEY")).to.equal(true);
  });

  it("client: retries HTTP 503 with backoff, then returns the result", async () => {
    failuresLeft = 3;
    const client = createJsonRpcClient({ url, backoffMs: 1 });
    expect(await client.request({ method: "eth_chainId" })).to.equal("0x7a69");
    expect(client.stats).to.deep.equal({ requests: 4, retries: 3 });
  });

  it("client: gives up after its attempts with a message that names the endpoint without its key", async () => {
    failuresLeft = 10;
    const client = createJsonRpcClient({ url, backoffMs: 1, maxAttempts: 3 });
    let error: unknown;
    try {
      await client.request({ method: "eth_chainId" });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RpcTransportError);
    const host = url.replace(/\/v3\/.*/, "");
    expect((error as Error).message).to.equal(
      `eth_chainId at ${host}/<redacted> failed 3 times; the last time: HTTP 503. Check that the node is reachable; ` +
        `a remote run can be resumed with --resume <run folder>.`,
    );
    failuresLeft = 0;
  });

  it("client: a JSON-RPC error is the node's answer, not retried (a rate limit is)", async () => {
    answer = { error: { code: -32000, message: "nonce too low", data: { x: 1 } } };
    const client = createJsonRpcClient({ url, backoffMs: 1 });
    let error: unknown;
    try {
      await client.request({ method: "eth_sendRawTransaction", params: ["0x00"] });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RpcResponseError);
    expect((error as RpcResponseError).rpcMessage).to.equal("nonce too low");
    expect(client.stats.retries).to.equal(0);
    answer = { error: { code: -32005, message: "request rate exceeded" } };
    const limited = createJsonRpcClient({ url, backoffMs: 1, maxAttempts: 2 });
    let limitedError: unknown;
    try {
      await limited.request({ method: "eth_blockNumber" });
    } catch (e) {
      limitedError = e;
    }
    expect(limitedError).to.be.instanceOf(RpcTransportError);
    expect(limited.stats.retries).to.equal(1);
  });
});

describe("remote units: secrets and funding", () => {
  it("Secrets.scrub: removes keys with or without 0x, in any case, and mnemonics however spaced", () => {
    const s = new Secrets();
    s.add("0xABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    s.add("word1 word2 word3 word4 word5 word6");
    expect(s.scrub("k=abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789.")).to.equal("k=<redacted>.");
    expect(s.scrub("m: word1 word2 word3 word4 word5 word6!")).to.equal("m: <redacted>!");
    expect(s.scrub("nothing here")).to.equal("nothing here");
  });

  it("planFunding: 1.25 times the remaining gas plus the largest limit in flight, less the balance, at the max fee", () => {
    const dry: DryRun = {
      traceHash: "",
      status: "parity",
      deploySends: 1,
      gasUsed: 0n,
      kindMax: new Map(),
      wallMs: 0,
      sends: [
        { from: "0xd", gasUsed: 1_000_000n, kind: null, group: "deploy/1" },
        { from: "0xa", gasUsed: 100_000n, kind: "approve", group: "0/onboard" },
        { from: "0xa", gasUsed: 100_000n, kind: "claim", group: "0/onboard" },
        { from: "0xb", gasUsed: 40_000n, kind: "approve", group: "0/onboard" },
      ],
    };
    const fee = 10n;
    const balances = new Map([["0xb", 10n ** 18n]]);
    const sequential = planFunding(dry, 1, fee, balances, false);
    // 0xa: 200k * 1.25 + (100k * 1.5 + 50k) = 450k gas; 0xb holds plenty; the deployer's send is behind us.
    expect(sequential.topUps).to.deep.equal([{ to: "0xa", amountWei: 450_000n * fee }]);
    expect(sequential.totalWei).to.equal(450_000n * fee + 21_000n * fee);
    const concurrent = planFunding(dry, 0, fee, balances, true);
    // In flight together: both of 0xa's sends of the substep (400k); the deployer 1.25M + 1.55M.
    expect(concurrent.topUps).to.deep.equal([
      { to: "0xd", amountWei: 2_800_000n * fee },
      { to: "0xa", amountWei: 650_000n * fee },
    ]);
  });
});
