/**
 * The report of a fuzz campaign folder: its coverage tables hold every function and custom error campaign.json
 * records, with each side's counts and the never-reached ones marked; a campaign that found a failure shows its
 * shrunk sequence one row per Action with both sides' outcomes, and the command that replays it; a damaged folder
 * is one line.
 */
import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { simReport } from "../../simulation/cli/report.js";
import { capture, failedFuzz, readJson, ROOT, starterFuzz } from "./fixtures.js";

/** The rows of the table under the heading `title` (exact), each as its cells' text and classes. */
function tableUnder(html: string, title: string): { text: string; cls: string }[][] {
  const at = html.indexOf(`<h3>${title}</h3>`);
  if (at < 0) throw new Error(`no table titled ${title}`);
  const body = html.slice(at).match(/<tbody>([\s\S]*?)<\/tbody>/)![1]!;
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
  return [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td(?: class="([^"]*)")?[^>]*>([\s\S]*?)<\/td>/g)].map((c) => ({
      cls: c[1] ?? "",
      text: unescape(c[2]!),
    })),
  );
}

interface Side {
  functions: Record<string, number>;
  errors: Record<string, number>;
  functionsNeverReached: string[];
  errorsNeverReached: string[];
}

describe("report: a fuzz campaign", function () {
  this.timeout(300_000);

  it("sim report: a fuzz campaign folder's coverage, every function and custom error of campaign.json with each side's counts, the never-reached marked never", async function () {
    const fuzz = await starterFuzz();
    expect(fuzz.code, fuzz.stdout).to.equal(0);
    const { value: code, stdout } = await capture(() => simReport({ in: fuzz.dir }));
    expect(code).to.equal(0);
    expect(stdout).to.match(/^Report \(fuzz, 0 charts, [\d.]+ MB\): .*report\.html\n$/);
    const html = readFileSync(join(fuzz.dir, "report.html"), "utf8");
    expect(html).to.contain(`<span class="badge ok">no failure</span>`);
    const coverage = readJson(join(fuzz.dir, "campaign.json"))["coverage"] as { chain: Side; model: Side };
    for (const [what, title] of [
      ["functions", "Contract functions"],
      ["errors", "Custom errors"],
    ] as const) {
      const never = what === "functions" ? "functionsNeverReached" : "errorsNeverReached";
      const rows = tableUnder(html, title);
      const names = [
        ...new Set([
          ...Object.keys(coverage.chain[what]),
          ...Object.keys(coverage.model[what]),
          ...coverage.chain[never],
          ...coverage.model[never],
        ]),
      ].sort();
      expect(rows.map((r) => r[0]!.text)).to.deep.equal(names);
      for (const r of rows) {
        const name = r[0]!.text;
        const chain = coverage.chain[what][name] ?? 0;
        const model = coverage.model[what][name] ?? 0;
        expect([r[1]!.text, r[2]!.text], name).to.deep.equal([String(chain), String(model)]);
        if (chain === 0 && model === 0) expect(r[3], name).to.deep.equal({ text: "never", cls: "tone-warn" });
        else expect(r[3]!.cls, name).to.equal("tone-ok");
      }
    }
    // The starter's two functions succeeded; its constructor's check is a custom error no Action reaches.
    expect(Object.keys(coverage.chain.functions).sort()).to.deep.equal(["vault.deposit", "vault.withdraw"]);
    expect(coverage.chain.errorsNeverReached.length).to.be.greaterThan(0);
    for (const e of coverage.chain.errorsNeverReached) expect(html).to.contain(e);
    expect(html).to.not.contain(`id="failure"`);
  });

  it("sim report: a fuzz campaign that found a failure shows the shrunk sequence, both sides' outcomes per Action, and the replay command", async function () {
    const fuzz = await failedFuzz();
    expect(fuzz.code, fuzz.stdout).to.equal(1);
    const { value: code } = await capture(() => simReport({ in: fuzz.dir }));
    expect(code).to.equal(0);
    const html = readFileSync(join(fuzz.dir, "report.html"), "utf8");
    expect(html).to.contain(`<span class="badge bad">1 failure</span>`);
    const replay = readJson(join(fuzz.dir, "replay.json")) as {
      steps: { agent: string; kind: string; model: string; chain: string }[];
      failure: { index: number };
    };
    const rows = tableUnder(html, "The shrunk sequence");
    expect(rows).to.have.length(replay.steps.length);
    rows.forEach((r, i) => {
      const s = replay.steps[i]!;
      expect(r.map((c) => c.text).filter((_, k) => k !== 1 && k !== 3)).to.deep.equal([
        String(i + 1),
        s.agent,
        s.model,
        s.chain,
      ]);
      expect(r[3]!.text.startsWith(`${s.kind}(`)).to.equal(true);
    });
    // The overflow: one deposit the model accepts and the chain refuses, marked as the failing row.
    const last = rows[replay.failure.index]!;
    expect([last[4], last[5]]).to.deep.equal([
      { text: "success", cls: "tone-bad" },
      { text: "revert Panic(17)", cls: "tone-bad" },
    ]);
    const campaign = readJson(join(fuzz.dir, "campaign.json"))["failure"] as { failure: string; shrunkTo: number };
    expect(html).to.contain(`Shrunk: ${campaign.failure.replace(/"/g, "&quot;")}.`);
    expect(campaign.shrunkTo).to.equal(replay.steps.length);
    expect(html).to.contain(`npx hardhat sim fuzz --replay `);
    expect(html).to.contain(`/replay.json --export-test test/found.test.ts`);
  });

  it("sim report: a damaged fuzz campaign folder is one line, exit 2", async function () {
    const fuzz = await failedFuzz();
    const dir = mkdtempSync(join(ROOT, "damaged-fuzz-"));
    cpSync(fuzz.dir, dir, { recursive: true });
    rmSync(join(dir, "replay.json"));
    const campaign = join(dir, "campaign.json");
    const cases: [() => void, string][] = [
      [
        () => undefined,
        `${campaign} records a failure, but ${join(dir, "replay.json")} is missing: expected the shrunk sequence there.`,
      ],
      [() => writeFileSync(campaign, "{"), `${campaign}: not JSON: expected what sim fuzz writes (campaign.json).`],
      [
        () => writeFileSync(campaign, JSON.stringify({ ...readJson(join(fuzz.dir, "campaign.json")), actions: "9" })),
        `${campaign}: actions: expected a number.`,
      ],
    ];
    for (const [damage, message] of cases) {
      damage();
      const { value: code, stderr } = await capture(() => simReport({ in: dir }));
      expect([code, stderr]).to.deep.equal([2, `error: ${message}\n`]);
    }
  });
});
