/**
 * Reports of a user's scenario: the starter (templates/starter), run by its path as a user's project runs it, with
 * nothing of it known to Lockstep. Its report must explain it from what the run folder records: its savers and
 * their `balance` in the account explorer, its amounts in the unit it declares (TOK, 18 decimals), its steps as days.
 */
import { expect } from "chai";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { DECLARATION_FIELDS } from "../../simulation/analysis/report/declarations.js";
import { formatExact, formatRounded } from "../../simulation/analysis/report/format.js";
import { writeReport } from "../../simulation/analysis/report/writeReport.js";
import { toPlotNumber } from "../../simulation/analysis/values.js";
import { simReport } from "../../simulation/cli/report.js";
import { capture, embeddedData, readJson, ROOT, runFolder, starterRun, starterSweep } from "./fixtures.js";

const TOK = { unit: "TOK", decimals: 18 };
const SAVERS = [0, 1, 2, 3, 4].map((i) => `saver-${i}`);

/** The last row of a run's trace.csv, by column. */
function lastRow(dir: string): Map<string, string> {
  const rows = parseCsv(readFileSync(join(dir, "trace.csv"), "utf8"));
  const header = rows[0]!;
  const last = rows[rows.length - 1]!;
  return new Map(header.map((h, i) => [h, last[i] ?? ""]));
}

const inTokens = (wei: string): number => Number(toPlotNumber(BigInt(wei), 18).toPrecision(12));

interface ChartOption {
  readonly xAxis?: { name?: string } | { name?: string }[];
  readonly yAxis?: { name?: string } | { name?: string }[];
  readonly series?: { name?: string; data?: unknown[] }[];
}

const axisName = (axis: ChartOption["xAxis"]): string | undefined => (Array.isArray(axis) ? axis[0] : axis)?.name;

/** The report's HTML and embedded data, written by `sim report` as a user runs it. */
async function reportOf(dir: string): Promise<{ html: string; charts: Record<string, { option: ChartOption }> }> {
  const { value: code, stderr } = await capture(() => simReport({ in: dir }));
  expect(code, stderr).to.equal(0);
  const html = readFileSync(join(dir, "report.html"), "utf8");
  return { html, charts: embeddedData(html).charts as Record<string, { option: ChartOption }> };
}

describe("report: a user's scenario (the starter)", function () {
  this.timeout(300_000);

  it("sim run: the starter's manifest records what its report needs: mechanism, daily steps, balance per account, declared units", async function () {
    const run = await starterRun();
    expect(run.code).to.equal(0);
    const m = readJson(join(run.dir, "manifest.json"));
    expect(m["mechanism"]).to.equal("starter-vault");
    expect(m["stepSeconds"]).to.equal(86_400);
    expect(m["accountFields"]).to.deep.equal(["balance"]);
    expect(m["units"]).to.deep.equal({
      total_deposits: TOK,
      fees_collected: TOK,
      totalDeposits: TOK,
      feesCollected: TOK,
      balance: TOK,
    });
    expect(m["flows"]).to.deep.equal([]);
    expect(m["parameterUnits"]).to.deep.equal({
      savers: { unit: "savers", decimals: 0 },
      feeBps: { unit: "basis points", decimals: 0 },
      maxDeposit: { unit: "wei", decimals: 18 },
      withdrawProbability: { unit: "per saver per step", decimals: 0 },
    });
  });

  it("sim report: the account explorer lists the savers, with their balance in TOK, as the trace has it", async function () {
    const run = await starterRun();
    const { html } = await reportOf(run.dir);
    const explorer = embeddedData(html).explorers["explorer"] as {
      entities: { id: string; role: string }[];
      fields: string[];
      data: Record<string, Record<string, { m?: number[]; c?: number[] }>>;
      templates: { id: string; option: ChartOption }[];
      initial: string;
    };
    expect(explorer.entities).to.deep.equal(SAVERS.map((id) => ({ id, role: "saver" })));
    expect(explorer.fields).to.deep.equal(["balance"]);
    expect(explorer.initial).to.equal("saver-0");
    expect(axisName(explorer.templates[0]!.option.yAxis)).to.equal("TOK (whole tokens)");
    const last = lastRow(run.dir);
    for (const saver of SAVERS) {
      const wei = last.get(`${saver}.balance:chain`)!;
      expect(last.get(`${saver}.balance:model`), saver).to.equal(wei);
      const series = explorer.data[saver]!["balance"]!;
      expect(series.m![series.m!.length - 1], saver).to.equal(inTokens(wei));
      // The table of accounts: the final balance in TOK, rounded, its exact value in the cell's title.
      expect(html, saver).to.contain(
        `<td class="num" title="${formatExact(BigInt(wei), 18)} (${wei} wei)">${formatRounded(BigInt(wei), 18, 4)}</td>`,
      );
    }
    expect(html).to.contain(`<th class="num">balance (TOK)</th>`);
  });

  it("sim report: the savers' balances are the accounts', not global variables; the vault's totals are the globals, in TOK", async function () {
    const { charts, html } = await reportOf((await starterRun()).dir);
    const ids = Object.keys(charts);
    expect(ids.filter((id) => id.startsWith("var-"))).to.deep.equal(["var-totalDeposits", "var-feesCollected"]);
    expect(ids.filter((id) => id.startsWith("role-"))).to.deep.equal(["role-saver-balance"]);
    expect(axisName(charts["var-totalDeposits"]!.option.yAxis)).to.equal("TOK (whole tokens)");
    expect(axisName(charts["var-totalDeposits"]!.option.xAxis)).to.equal("step (day); 0 = initial state");
    expect(html).to.contain("<h3>starter-vault</h3>");
    expect(html).to.contain("Per-entity variables summed over each role");
    expect(html).to.contain("Fields: balance (TOK).");
  });

  it("sim report: the starter's KPIs are in TOK, exact in the table and in whole tokens as each chart's last point", async function () {
    const run = await starterRun();
    const { html, charts } = await reportOf(run.dir);
    const kpis = readJson(join(run.dir, "manifest.json"))["kpis"] as Record<string, string>;
    for (const k of ["total_deposits", "fees_collected"]) {
      const wei = kpis[k]!;
      expect(html, k).to.contain(
        `<td>${k}</td><td class="num" title="${wei} wei">${formatExact(BigInt(wei), 18)} TOK</td><td>TOK</td>`,
      );
      const chart = charts[`kpi-${k}`]!.option;
      const data = chart.series![0]!.data!;
      expect(data[data.length - 1], k).to.deep.equal([30, inTokens(wei)]);
      expect(axisName(chart.yAxis), k).to.equal("TOK (whole tokens)");
    }
    expect(html).to.contain("lockstep run, 30 steps. Amounts in whole tokens (wei / 10^18) unless marked wei.");
    expect(html).to.contain("Steps count from 1 (the first day).");
    expect(html).to.contain(
      "npx hardhat sim run --scenario templates/starter/sim/starter/scenario.ts --seed 1 --steps 30",
    );
  });

  it("sim report: a bigint KPI the scenario gives no unit is shown as the integer it is, not as 18-decimal tokens", async function () {
    const run = await runFolder("starter-no-units", {
      scenario: "./test/fixtures/scenarios/starterNoUnits.ts",
      steps: "5",
    });
    expect(run.code).to.equal(0);
    const { html, charts } = await reportOf(run.dir);
    const wei = (readJson(join(run.dir, "manifest.json"))["kpis"] as Record<string, string>)["total_deposits"]!;
    expect(BigInt(wei) > 10n ** 18n).to.equal(true);
    expect(html).to.contain(
      `<td>total_deposits</td><td class="num" title="${wei}">${formatExact(BigInt(wei), 0)}</td><td>value</td>`,
    );
    const data = charts["kpi-total_deposits"]!.option.series![0]!.data!;
    expect(data[data.length - 1]).to.deep.equal([5, Number(Number(wei).toPrecision(12))]);
    expect(html).to.contain("No value is declared an amount: values are shown as recorded.");
    // Its accounts are still known: the mechanism declares them.
    expect((embeddedData(html).explorers["explorer"] as { fields: string[] }).fields).to.deep.equal(["balance"]);
  });

  it("sim report: a folder that records no declarations (an older Lockstep's) gets a report that says so", async function () {
    const run = await starterRun();
    const old = join(ROOT, "starter-old");
    cpSync(run.dir, old, { recursive: true });
    const manifest = readJson(join(old, "manifest.json"));
    for (const field of DECLARATION_FIELDS) delete manifest[field];
    writeFileSync(join(old, "manifest.json"), JSON.stringify(manifest));
    const { html } = await reportOf(old);
    expect(html).to.contain("The folder records no units (an older Lockstep wrote it): values are shown as recorded.");
    expect(html).to.contain("The run folder records no flows (an older Lockstep wrote it)");
  });

  it("sim report: exits 2 with one line naming the field when manifest.json's units are damaged", async function () {
    const run = await starterRun();
    const damaged = join(ROOT, "starter-damaged-units");
    cpSync(run.dir, damaged, { recursive: true });
    const manifest = readJson(join(damaged, "manifest.json"));
    (manifest["units"] as Record<string, Record<string, unknown>>)["balance"]!["decimals"] = -1;
    writeFileSync(join(damaged, "manifest.json"), JSON.stringify(manifest));
    const { value: code, stdout, stderr } = await capture(() => simReport({ in: damaged }));
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr).to.equal(
      `error: ${join(damaged, "manifest.json")}: field units.balance.decimals = -1; expected an integer in 0..77 (18 for an amount in wei).\n`,
    );
  });
});

describe("report: a user's experiment (a sweep of the starter)", function () {
  this.timeout(300_000);

  it("sim sweep: the summary prints the starter's amounts in TOK", async function () {
    const { stdout } = await starterSweep();
    for (const subset of ["0: feeBps=0", "1: feeBps=50"]) {
      expect(stdout).to.match(
        new RegExp(`  ${subset}  total_deposits [\\d.e+]+ TOK \\[p5 [\\d.e+]+ TOK, p95 [\\d.e+]+ TOK\\]`),
      );
    }
    expect(stdout).not.to.contain(" tok");
  });

  it("experiment report: each KPI against feeBps in TOK, its points the means of the runs' exact finals", async function () {
    const { dir } = await starterSweep();
    const r = await writeReport({ in: dir });
    const html = readFileSync(r.path, "utf8");
    const charts = embeddedData(html).charts as Record<string, { option: ChartOption }>;
    const spec = readJson(join(dir, "experiment.json"));
    expect(spec["units"]).to.deep.include({ total_deposits: TOK, fees_collected: TOK });
    expect(spec["stepSeconds"]).to.equal(86_400);
    const summary = spec["summary"] as { subset: number; kpis: Record<string, { mean: number }> }[];
    for (const k of ["total_deposits", "fees_collected"]) {
      const chart = charts[`sweep-feeBps-${k}`]!.option;
      expect(axisName(chart.yAxis), k).to.equal("TOK (whole tokens)");
      expect(axisName(chart.xAxis), k).to.equal("feeBps (basis points)");
      const mean = chart.series!.find((s) => s.name === `mean ${k}`)!.data as [number, number][];
      expect(
        mean.map(([fee]) => fee),
        k,
      ).to.deep.equal([0, 50]);
      mean.forEach(([, y], subset) => {
        const expected = summary[subset]!.kpis[k]!.mean / 1e18;
        expect(Math.abs(y - expected), `${k} at subset ${subset}: ${y} against ${expected}`).to.be.at.most(
          1e-9 * Math.max(1, expected),
        );
      });
      const fan = charts[`fan-${k}`]!.option;
      expect(axisName(fan.xAxis), k).to.equal("step (day); 0 = initial state");
      expect(axisName(fan.yAxis), k).to.equal("TOK (whole tokens)");
    }
    expect(html).to.contain("4 runs in 2 parameter sets. Amounts in whole tokens (wei / 10^18).");
    expect(html).to.contain(`<th class="num">total_deposits (TOK)</th>`);
    expect(html).to.contain("<dt>mechanism</dt><dd>starter-vault</dd>");
  });
});
