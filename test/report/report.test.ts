import { expect } from "chai";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { slug } from "../../simulation/analysis/report/charts.js";
import { formatExact } from "../../simulation/analysis/report/format.js";
import { parse as parseCsv } from "csv-parse/sync";
import { writeReport } from "../../simulation/analysis/report/writeReport.js";
import { toPlotNumber } from "../../simulation/analysis/values.js";
import { simReport } from "../../simulation/cli/report.js";
import { declarationsOf, scenario as loadScenario } from "../helpers/run.js";
import { buildExperimentFixture, fixtureKpis, SMALL_SWEEP } from "./experimentFixture.js";
import { capture, divergedRun, embeddedData, parityRun, readJson, ROOT, sweepFolder } from "./fixtures.js";

/** The last row of a run's trace.csv, by column. */
function lastRow(dir: string): Map<string, string> {
  const rows = parseCsv(readFileSync(join(dir, "trace.csv"), "utf8"));
  const header = rows[0]!;
  const last = rows[rows.length - 1]!;
  return new Map(header.map((h, i) => [h, last[i] ?? ""]));
}

/** What an experiment of boson-commerce records of its declarations (units, flows, parameter units). */
const boson = await declarationsOf("boson-commerce");

const plotted = (wei: string): number => Number(toPlotNumber(BigInt(wei), 18).toPrecision(12));

describe("report: a run", function () {
  this.timeout(300_000);

  it("sim run: prints the report command to run next", async function () {
    const run = await divergedRun();
    expect(run.code).to.equal(1);
    expect(run.stdout).to.contain(`Next: npx hardhat sim report --in ${run.dir}\n`);
    expect(run.reported).to.equal(false);
  });

  it("sim run --report: writes report.html into the run folder and prints its path", async function () {
    const run = await parityRun();
    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain(`Report: ${join(run.dir, "report.html")}\n`);
    expect(run.reported).to.equal(true);
  });

  it("sim report: holds the run's data: each final KPI of manifest.json, exact in the table and as the chart's last point", async function () {
    const run = await divergedRun();
    const { value: code, stdout } = await capture(() => simReport({ in: run.dir }));
    expect(code).to.equal(0);
    expect(stdout).to.match(/^Report \(run, \d+ charts, [\d.]+ MB\): .*report\.html\n$/);
    const html = readFileSync(join(run.dir, "report.html"), "utf8");
    const data = embeddedData(html);
    const kpis = readJson(join(run.dir, "manifest.json"))["kpis"] as Record<string, string | number>;
    for (const k of ["protocol_revenue", "circulating_supply", "buyer_payments"]) {
      const wei = kpis[k] as string;
      const series = data.charts[`kpi-${slug(k)}`]!.option.series![0]!;
      expect(series.data![series.data!.length - 1], k).to.deep.equal([4, plotted(wei)]);
      expect(html, k).to.contain(`${formatExact(BigInt(wei), 18)} `);
    }
    const commits = data.charts["kpi-commits"]!.option.series![0]!;
    expect(commits.data![commits.data!.length - 1]).to.deep.equal([4, kpis["commits"]]);
  });

  it("sim report: the KPIs a scenario groups (kpiGroups) share one chart, the legend without their common prefix", async function () {
    const run = await divergedRun();
    const html = readFileSync((await writeReport({ in: run.dir, out: join(run.dir, "kpi-groups.html") })).path, "utf8");
    const charts = embeddedData(html).charts;
    const strategies = charts["kpis-Seller-strategies-share-of-recruited-sellers"]?.option as unknown as
      { series: { name: string }[] } | undefined;
    expect(strategies, "the strategies' chart").to.not.equal(undefined);
    expect(strategies!.series.map((x) => x.name)).to.deep.equal(["list", "discount", "premium", "out"]);
    // A grouped KPI is not charted again alone; one outside every group is.
    expect(charts["kpi-strategy_list"]).to.equal(undefined);
    expect(charts["kpi-mean_price"]).to.not.equal(undefined);
  });

  it("sim report: references no http(s) URL for a script or a style, and inlines ECharts", async function () {
    const run = await divergedRun();
    await writeReport({ in: run.dir });
    const html = readFileSync(join(run.dir, "report.html"), "utf8");
    expect(html).not.to.match(/<script[^>]*\bsrc=/i);
    expect(html).not.to.match(/<link\b/i);
    expect(html).not.to.match(/@import/i);
    expect(html).not.to.match(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.to.match(/(src|href)=["']?(https?:)?\/\//i);
    expect(html).to.contain(
      readFileSync(createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js"), "utf8").slice(0, 2000),
    );
    expect(html.match(/<script/g)).to.have.length(3);
  });

  it("sim report: the first divergence table gives step, substep, variable, both values and the seed", async function () {
    const run = await divergedRun();
    const d = readJson(join(run.dir, "manifest.json"))["firstDivergence"] as Record<string, string | number>;
    const html = readFileSync(join(run.dir, "report.html"), "utf8");
    // The aggregators' share, perturbed on the model's side, shows first in the aggregator's PointsAccrued event at a
    // completion: an action's divergence, its two events as text.
    expect(d["variable"]).to.match(/^events of completeExchange by \S+ differ at \d+$/);
    expect(d["model"]).to.match(/^rewards\.PointsAccrued\(/);
    const table = html.slice(
      html.indexOf("<h3>First divergence</h3>"),
      html.indexOf("</table>", html.indexOf("<h3>First divergence</h3>")),
    );
    expect(table).to.contain(`<td class="num">${d["step"]}</td><td>${d["substep"]}</td>`);
    expect(table).to.contain(`>${d["variable"]}</td>`);
    expect(table).to.contain(`<td>${d["model"]}</td><td>${d["chain"]}</td><td class="num">–</td>`);
    expect(table).to.contain(`<td class="num">${d["seed"]}</td>`);
    expect(html).to.contain(
      `Actions of substep ${d["substep"]} of step ${d["step"]}: ${(d["actions"] as unknown as unknown[]).length}`,
    );
  });

  it("sim report: charts every variable that diverged, and no other in the parity section", async function () {
    const run = await divergedRun();
    const rows = parseCsv(readFileSync(join(run.dir, "trace.csv"), "utf8"));
    const col = rows[0]!.indexOf("diverged");
    const diverged = new Set(rows.slice(1).flatMap((r) => r[col]!.split(";").filter((v) => v !== "")));
    expect(diverged.size).to.be.greaterThan(10);
    const data = embeddedData(readFileSync(join(run.dir, "report.html"), "utf8"));
    const charted = Object.keys(data.charts).filter((id) => id.startsWith("div-"));
    expect(new Set(charted)).to.deep.equal(new Set([...diverged].map((v) => `div-${slug(v)}`)));
    for (const v of diverged) {
      const series = data.charts[`div-${slug(v)}`]!.option.series!.map((s) => s.name);
      expect(series, v).to.include.members(["chain", "model", "diverged"]);
    }
  });

  it("sim report: the flow diagram's totals are the trace's final values, and add up to the circulating supply", async function () {
    const run = await divergedRun();
    const flows = (await loadScenario("boson-commerce")).flows!;
    const last = lastRow(run.dir);
    const finalOf = (column: string): bigint =>
      BigInt(last.get(column.startsWith("kpi:") ? column : `${column}:chain`)!);
    const intoCirculating = flows
      .filter((f) => f.to === "Circulating supply")
      .reduce((s, f) => s + finalOf(f.total), 0n);
    expect(intoCirculating).to.equal(BigInt(last.get("kpi:circulating_supply")!));
    const out = ["kpi:seller_proceeds", "kpi:buyer_refunds", "kpi:dispute_splits", "escrow.protocolFeesCollected"];
    expect(out.reduce((s, c) => s + finalOf(c), 0n) <= finalOf("kpi:buyer_payments")).to.equal(true);
    const html = readFileSync(join(run.dir, "report.html"), "utf8");
    const data = embeddedData(html);
    const sankey = data.charts["flows-LSG"]!.option.series![0] as unknown as {
      links: { source: string; target: string; value: number }[];
    };
    const emitted = sankey.links.find((l) => l.source === "Emission schedule")!;
    expect(emitted.value).to.equal(plotted(last.get("rewards.totalEmitted:chain")!));
    for (const f of flows) expect(html, f.total).to.contain(`<td>${f.total}</td>`);
  });

  it("sim report: boson-commerce's report groups as its declarations say: action kinds, global variables, units of accounts and KPIs", async function () {
    const run = await divergedRun();
    const html = readFileSync((await writeReport({ in: run.dir, out: join(run.dir, "groups.html") })).path, "utf8");
    const mix = embeddedData(html).charts["action-mix"]!.option as unknown as {
      xAxis: { name: string };
      series: { name: string; itemStyle: { color: string } }[];
    };
    expect(mix.xAxis.name).to.equal("step (month)");
    expect(mix.series.map((x) => [x.name, x.itemStyle.color])).to.deep.equal([
      ["commits", "#1d4ed8"],
      ["redemptions", "#059669"],
      ["completions", "#65a30d"],
      ["cancellations", "#f59e0b"],
      ["disputes", "#db2777"],
      ["dispute settlement", "#c084fc"],
      ["rewards and vesting", "#0891b2"],
      ["funds", "#94a3b8"],
      ["onboarding and listing", "#cbd5e1"],
      ["reverts", "#dc2626"],
    ]);
    const system = html.slice(html.indexOf('<section class="report" id="system">'), html.indexOf('id="roles"'));
    expect([...system.matchAll(/<h3>(.*?)<\/h3>/g)].map((m) => m[1])).to.deep.equal([
      "escrow",
      "fees",
      "rewards",
      "tokens",
      "release wallets",
      // What every contract holds (compared since sim fuzz): a group of its own, by its first name segment.
      "holdings",
    ]);
    for (const field of ["funds (xUSD)", "exchangeToken (xUSD)", "governanceToken (LSG)", "claimableRewards (LSG)"])
      expect(html, field).to.contain(`<th class="num">${field}</th>`);
    for (const [kpi, unit] of [
      ["protocol_revenue", "xUSD"],
      ["circulating_supply", "LSG"],
      ["buyer_payments", "xUSD"],
      ["commits", "commits"],
      ["buyers", "buyers"],
    ])
      expect(html, kpi).to.match(new RegExp(`<td>${kpi}</td><td class="num"[^>]*>[^<]*</td><td>${unit}</td>`));
  });

  it("sim report: exits 2 with one line when --in is missing, absent, not a results folder, or --out is a folder", async function () {
    const empty = join(ROOT, "empty");
    mkdirSync(empty, { recursive: true });
    const run = await divergedRun();
    const cases: [Parameters<typeof simReport>[0], string][] = [
      [
        {},
        "Missing option --in: expected a run, experiment or fuzz campaign folder, for example results/boson-commerce-1-0a7c687b.",
      ],
      [{ in: join(ROOT, "nope") }, `Invalid option --in = ${JSON.stringify(join(ROOT, "nope"))}: no such folder.`],
      [
        { in: empty },
        `Invalid option --in = ${JSON.stringify(empty)}: expected a run folder (manifest.json and trace.csv), an experiment folder (experiment.json or results.duckdb) or a fuzz campaign folder (campaign.json).`,
      ],
      [
        { in: run.dir, out: empty },
        `Invalid option --out = ${JSON.stringify(empty)}: a folder; expected an HTML file path.`,
      ],
    ];
    for (const [args, message] of cases) {
      const { value: code, stdout, stderr } = await capture(() => simReport(args));
      expect(code, message).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr).to.equal(`error: ${message}\n`);
    }
  });
});

describe("report: an experiment", function () {
  this.timeout(120_000);

  it("experiment report: a sweep charts each KPI against the swept parameter, with the mean of its runs", async function () {
    const dir = await sweepFolder();
    const r = await writeReport({ in: dir, out: join(dir, "sweep.html") });
    expect(r.kind).to.equal("experiment");
    const html = readFileSync(r.path, "utf8");
    const data = embeddedData(html);
    const chart = data.charts["sweep-fees-feeBps-quality_redemptions"]!;
    const mean = chart.option.series!.find((s) => s.name === "mean quality_redemptions")!;
    const expected = [25, 50, 100].map((fee, subset) => {
      const xs = [0, 1, 2].map(
        (run) => fixtureKpis(fee, 5000, subset, run, SMALL_SWEEP.steps)["quality_redemptions"] as number,
      );
      return [fee, Number((xs.reduce((a, b) => a + b, 0) / xs.length).toPrecision(12))];
    });
    expect(mean.data).to.deep.equal(expected);
    const revenue = data.charts["fan-protocol_revenue"]!.option.series!;
    expect(revenue.map((s) => s.name)).to.include("feeBps=100");
    expect(html).to.contain("Skipped: not an A/B test (experiment.json has no ab field).");
    expect(html).to.contain("Skipped: not an optimisation (experiment.json has no optimize field).");
    expect(html).to.contain("The same in every run (not charted): aggregators.");
  });

  it("experiment report: two swept parameters give a heatmap per KPI", async function () {
    const dir = await buildExperimentFixture(join(ROOT, "sweep2"), {
      declarations: boson,
      kind: "sweep",
      subsets: [25, 100].flatMap((f) => [3000, 5000].map((e) => ({ "fees.feeBps": f, "fees.ecoBps": e }))),
      runs: 2,
      steps: 3,
      extra: { seeds: "independent" },
    });
    const html = readFileSync((await writeReport({ in: dir })).path, "utf8");
    const data = embeddedData(html);
    const heat = data.charts["heat-circulating_supply"]!.option.series![0]!;
    expect(heat.data).to.have.length(4);
    expect(heat.data).to.deep.include([0, 1, 755_000]);
    // How the subsets were seeded, which says what their differences can mean.
    expect(html).to.contain("Each subset ran on seeds of its own (--independent-seeds)");
    expect(html).to.not.contain("common random numbers");
  });

  it("experiment report: A/B shows both arms and the paired difference with the experiment's interval in whole tokens", async function () {
    const dir = await buildExperimentFixture(join(ROOT, "ab"), {
      declarations: boson,
      kind: "ab",
      subsets: [{ "fees.feeBps": 50 }, { "fees.feeBps": 100 }],
      runs: 6,
      steps: 4,
      extra: {
        ab: {
          difference: "B - A",
          pairs: 6,
          kpis: { protocol_revenue: { meanDiff: 1.2e19, ci: [0.9e19, 1.5e19], pValue: 0.001 } },
        },
      },
    });
    const html = readFileSync((await writeReport({ in: dir })).path, "utf8");
    expect(html).to.contain("Paired differences (B (fees.feeBps=100) − A (fees.feeBps=50))");
    expect(html).to.match(
      /<td>protocol_revenue<\/td><td class="num">[\d.]+<\/td><td>\[9, 15\]<\/td><td class="num tone-ok">0\.001<\/td>/,
    );
    const data = embeddedData(html);
    expect(data.charts["ab-arms-protocol_revenue"]!.option.series!.map((s) => s.name)).to.deep.equal([
      "quartiles",
      "runs",
    ]);
    expect(data.charts["ab-diff-protocol_revenue"]!.option.series!.map((s) => s.name)).to.include("interval");
  });

  it("experiment report: optimisation shows the objective per generation, the best candidates and the chain's confirmation", async function () {
    const dir = await buildExperimentFixture(join(ROOT, "optimize"), {
      declarations: boson,
      kind: "optimize",
      subsets: [{ "fees.feeBps": 30 }, { "fees.feeBps": 60 }],
      runs: 2,
      steps: 3,
      extra: {
        optimize: {
          objective: "quality_redemptions",
          history: [1, 2, 3].map((generation) => ({ generation, best: 30 + generation, mean: 20 + generation })),
          best: [{ values: { "fees.feeBps": 31 }, objective: 44.5 }],
          confirmation: [
            {
              rank: 1,
              values: { "fees.feeBps": 31 },
              modelObjective: 44.5,
              chainObjective: 44.5,
              runs: 5,
              divergences: 0,
            },
          ],
        },
      },
    });
    const html = readFileSync((await writeReport({ in: dir })).path, "utf8");
    const data = embeddedData(html);
    expect(data.charts["opt-history"]!.option.series!.map((s) => s.data)).to.deep.equal([
      [
        [1, 31],
        [2, 32],
        [3, 33],
      ],
      [
        [1, 21],
        [2, 22],
        [3, 23],
      ],
    ]);
    expect(data.charts["opt-confirmation"]!.option.series!.map((s) => s.name)).to.deep.equal([
      "modelObjective",
      "chainObjective",
    ]);
    expect(html).to.contain("<h3>Best candidates</h3>");
    expect(html).to.contain("<td>fees.feeBps=31</td>");
  });

  it("experiment report: a flat objective and a tied ranking are said so, not shown as a best and a confirmation", async function () {
    const optimizeWith = async (name: string, verdicts: Record<string, unknown>): Promise<string> => {
      const dir = await buildExperimentFixture(join(ROOT, name), {
        declarations: boson,
        kind: "optimize",
        subsets: [{ "fees.feeBps": 30 }, { "fees.feeBps": 60 }],
        runs: 2,
        steps: 3,
        extra: {
          optimize: {
            objective: "quality_redemptions",
            best: [{ values: { "fees.feeBps": 31 }, objective: 44.5 }],
            ...verdicts,
          },
        },
      });
      return readFileSync((await writeReport({ in: dir })).path, "utf8");
    };
    const flat = await optimizeWith("optimize-flat", {
      flatness: { verdict: "flat", test: "randomized complete block F-test, seeds as blocks", pValue: 0.61 },
      ranking: { verdict: "tie", pairs: [] },
      rankingConfirmed: false,
    });
    expect(flat).to.contain(
      "Flat objective: quality_redemptions does not vary over the searched range beyond its noise",
    );
    expect(flat).to.contain("The ranking is a tie: no difference between the best candidates exceeds the noise.");
    expect(flat).to.not.contain("does NOT confirm");
    const confirmed = await optimizeWith("optimize-varies", {
      flatness: { verdict: "varies", test: "randomized complete block F-test, seeds as blocks", pValue: 0.001 },
      ranking: { verdict: "confirmed", pairs: [] },
      rankingConfirmed: true,
    });
    expect(confirmed).to.contain("quality_redemptions varies over the searched range beyond its noise");
    expect(confirmed).to.contain("The chain confirms the model's ranking of the best candidates");
    expect(confirmed).to.not.contain("Flat objective");
  });

  it("experiment report: a folder without experiment.json still gets a report, with a note; one whose results.duckdb has no steps table is refused", async function () {
    const dir = await buildExperimentFixture(join(ROOT, "bare"), {
      kind: "montecarlo",
      subsets: [{}],
      runs: 3,
      steps: 2,
      omit: ["experiment.json"],
    });
    const stepless = await buildExperimentFixture(join(ROOT, "stepless"), {
      kind: "montecarlo",
      subsets: [{}],
      runs: 3,
      steps: 2,
      omit: ["experiment.json", "steps"],
    });
    let refused = "";
    await writeReport({ in: stepless }).catch((e: Error) => (refused = e.message));
    expect(refused).to.equal(
      `${join(stepless, "results.duckdb")}: no table steps; expected the results.duckdb an experiment writes.`,
    );
    const html = readFileSync((await writeReport({ in: dir })).path, "utf8");
    expect(html).to.contain("No experiment.json in the folder: the kind of experiment is inferred from the runs.");
    expect(html).to.contain("<h1>montecarlo of boson-commerce");
  });
});
