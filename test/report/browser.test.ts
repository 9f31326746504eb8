/**
 * The reports in a real browser: Debian's headless Chromium, driven by playwright-core, opening each report from
 * file:// with no network. Any console error, page error or request leaving the file fails the test; every chart
 * container must hold a drawn SVG; a screenshot of each report is kept in test-artifacts/.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { writeReport } from "../../simulation/analysis/report/writeReport.js";
import { divergedRun, failedFuzz, starterRun, starterSweep, sweepFolder } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "..", "..", "test-artifacts");

interface Opened {
  readonly page: Page;
  readonly problems: string[];
}

describe("report: in headless Chromium", function () {
  this.timeout(300_000);
  let context: BrowserContext;
  let profile: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: install it with apt-get install -y --no-install-recommends chromium (.ci/run does).`,
      );
    }
    profile = mkdtempSync(join(tmpdir(), "lockstep-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async function () {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) problems.push(`request: ${r.url()}`);
    });
    page.on("requestfailed", (r) => problems.push(`failed request: ${r.url()}`));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-charts="done"]', { timeout: 120_000 });
    return { page, problems };
  }

  /**
   * page.click, and when it fails, what the page was like: the viewport, the scroll position, whether animation
   * frames still come, and the element's box over the next frames (moving, or frames stopped). This click timed
   * out once in a full run waiting for the row to be stable and not again in about 90 tries (alone, under CPU
   * load, in full runs); if it does, its message should say which of those it was.
   */
  async function clickExplained(page: Page, selector: string): Promise<void> {
    try {
      await page.click(selector);
    } catch (e) {
      const state = await page
        .evaluate(async (sel) => {
          // Runs in the page; this project's TypeScript has no DOM types.
          const w = globalThis as unknown as {
            document: {
              visibilityState: string;
              querySelector(
                s: string,
              ): { getBoundingClientRect(): Record<"left" | "top" | "width" | "height", number> } | null;
            };
            innerWidth: number;
            innerHeight: number;
            scrollY: number;
            requestAnimationFrame(f: () => void): number;
          };
          // No named functions in here: tsx would wrap them in a helper the page does not have.
          const el = w.document.querySelector(sel);
          const boxes: string[] = [];
          let frames = 0;
          for (let k = 0; k < 6; k++) {
            const r = el?.getBoundingClientRect();
            boxes.push(r === undefined ? "gone" : `${r.left},${r.top} ${r.width}x${r.height} @${w.scrollY}`);
            const ticked = await new Promise<boolean>((resolve) => {
              w.requestAnimationFrame(() => resolve(true));
              setTimeout(() => resolve(false), 1_000);
            });
            if (!ticked) break;
            frames++;
          }
          return {
            viewport: `${w.innerWidth}x${w.innerHeight}`,
            visibility: w.document.visibilityState,
            frames: `${frames} of 6 (each waited for up to 1 s)`,
            boxes,
          };
        }, selector)
        .catch((x: unknown) => `(the page could not be read: ${String(x)})`);
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nThe page then: ${JSON.stringify(state)}`);
    }
  }

  /** Ids of chart containers without a drawn SVG (an svg holding at least one path). */
  async function undrawn(page: Page): Promise<{ total: number; empty: string[] }> {
    return page.$$eval(".chart", (els) => ({
      total: els.length,
      empty: els.filter((e) => e.querySelector("svg path") === null).map((e) => e.id),
    }));
  }

  it("browser: a run's report renders every chart with no console error, and its entity picker works", async function () {
    const run = await divergedRun();
    const { path } = await writeReport({ in: run.dir });
    const { page, problems } = await open(path);
    const charts = await undrawn(page);
    expect(charts.total).to.be.greaterThan(60);
    expect(charts.empty).to.deep.equal([]);
    // Every chart has a title and a legend.
    const missing = await page.evaluate(() => {
      const w = globalThis as unknown as {
        lockstepReport: {
          instances: Record<string, { getOption(): { title?: { text?: string }[]; legend?: unknown[] } }>;
        };
      };
      return Object.entries(w.lockstepReport.instances)
        .filter(([, c]) => !c.getOption().title?.[0]?.text || (c.getOption().legend ?? []).length === 0)
        .map(([id]) => id);
    });
    expect(missing).to.deep.equal([]);
    // Pick another entity; the explorer's charts follow it.
    await page.fill("#explorer input", "buyer-3");
    await page.dispatchEvent("#explorer input", "change");
    expect(await page.textContent("#explorer .explorer-status")).to.equal("buyer-3 (buyer)");
    const title = await page.evaluate(() => {
      const w = globalThis as unknown as {
        lockstepReport: { instances: Record<string, { getOption(): { title: { text: string }[] } }> };
      };
      return w.lockstepReport.instances["explorer-exchangeToken"]!.getOption().title[0]!.text;
    });
    expect(title).to.equal("buyer-3.exchangeToken");
    // Filter the entity table.
    const table = await page.$eval("tr[data-pick]", (tr) => tr.closest("table")!.id);
    await page.fill(`input[data-filter="${table}"]`, "seller-1");
    const shown = await page.$$eval(`#${table} tbody tr:not([hidden])`, (trs) =>
      trs.map((tr) => tr.getAttribute("data-entity")),
    );
    expect(shown).to.deep.equal(["seller-1"]);
    await clickExplained(page, `#${table} tr[data-entity="seller-1"]`);
    expect(await page.textContent("#explorer .explorer-status")).to.equal("seller-1 (seller)");
    await page.locator("#entities").screenshot({ path: join(ARTIFACTS, "report-run-entities.png") });
    // The full-page screenshot last: Playwright takes it by resizing the viewport to the page's height and back,
    // and the charts answer a resize by laying themselves out again, so the rows below them move for a while.
    // Taken before the clicks, it left the entity row moving when the click wanted it still (the flaky failure:
    // "waiting for element to be stable").
    await page.screenshot({ path: join(ARTIFACTS, "report-run.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  /** A chart's title and its axes' names, as ECharts drew it. */
  async function drawn(page: Page, id: string): Promise<{ title: string; x: string; y: string }> {
    return page.evaluate((chart) => {
      const w = globalThis as unknown as {
        lockstepReport: {
          instances: Record<
            string,
            { getOption(): { title: { text: string }[]; xAxis: { name: string }[]; yAxis: { name: string }[] } }
          >;
        };
      };
      const o = w.lockstepReport.instances[chart]!.getOption();
      return { title: o.title[0]!.text, x: o.xAxis[0]!.name, y: o.yAxis[0]!.name };
    }, id);
  }

  it("browser: a user's run report (the starter) renders every chart, its explorer picks savers, its amounts in TOK", async function () {
    const run = await starterRun();
    const { path } = await writeReport({ in: run.dir, out: join(run.dir, "browser.html") });
    const { page, problems } = await open(path);
    const charts = await undrawn(page);
    expect(charts.total).to.be.greaterThan(5);
    expect(charts.empty).to.deep.equal([]);
    // The explorer opens on the first saver and lists every saver.
    expect(await page.textContent("#explorer .explorer-status")).to.equal("saver-0 (saver)");
    expect(
      await page.$$eval("#explorer-entities option", (os) => os.map((o) => o.getAttribute("value"))),
    ).to.deep.equal(["saver-0", "saver-1", "saver-2", "saver-3", "saver-4"]);
    await page.fill("#explorer input", "saver-3");
    await page.dispatchEvent("#explorer input", "change");
    expect(await page.textContent("#explorer .explorer-status")).to.equal("saver-3 (saver)");
    expect(await drawn(page, "explorer-balance")).to.deep.equal({
      title: "saver-3.balance",
      x: "step (day); 0 = initial state",
      y: "TOK (whole tokens)",
    });
    // The accounts' table: filter it down to one saver, and pick that saver by its row.
    const table = await page.$eval("tr[data-pick]", (tr) => tr.closest("table")!.id);
    await page.fill(`input[data-filter="${table}"]`, "saver-4");
    const shown = await page.$$eval(`#${table} tbody tr:not([hidden])`, (trs) =>
      trs.map((tr) => tr.getAttribute("data-entity")),
    );
    expect(shown).to.deep.equal(["saver-4"]);
    await clickExplained(page, `#${table} tr[data-entity="saver-4"]`);
    expect(await page.textContent("#explorer .explorer-status")).to.equal("saver-4 (saver)");
    // The KPIs as a reader sees them: in TOK.
    const kpiRows = await page.$$eval("#kpis table tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)),
    );
    expect(kpiRows.map((r) => [r[0], r[2]])).to.deep.equal([
      ["total_deposits", "TOK"],
      ["fees_collected", "TOK"],
    ]);
    for (const r of kpiRows) expect(r[1]).to.match(/^[\d,]+(\.\d+)? TOK$/);
    expect((await drawn(page, "kpi-total_deposits")).y).to.equal("TOK (whole tokens)");
    await page.locator("#entities").screenshot({ path: join(ARTIFACTS, "report-starter-entities.png") });
    await page.screenshot({ path: join(ARTIFACTS, "report-starter.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("browser: a user's sweep report (the starter) renders every chart with its KPIs in TOK", async function () {
    const { dir } = await starterSweep();
    const { path } = await writeReport({ in: dir, out: join(dir, "browser.html") });
    const { page, problems } = await open(path);
    const charts = await undrawn(page);
    expect(charts.total).to.equal(4);
    expect(charts.empty).to.deep.equal([]);
    expect(await drawn(page, "sweep-feeBps-total_deposits")).to.deep.equal({
      title: "total_deposits",
      x: "feeBps (basis points)",
      y: "TOK (whole tokens)",
    });
    expect((await drawn(page, "fan-fees_collected")).x).to.equal("step (day); 0 = initial state");
    await page.screenshot({ path: join(ARTIFACTS, "report-starter-sweep.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("browser: a sweep's report renders every chart with no console error", async function () {
    const dir = await sweepFolder();
    const { path } = await writeReport({ in: dir, out: join(dir, "browser.html") });
    const { page, problems } = await open(path);
    const charts = await undrawn(page);
    expect(charts.total).to.be.greaterThan(5);
    expect(charts.empty).to.deep.equal([]);
    await page.screenshot({ path: join(ARTIFACTS, "report-sweep.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("browser: a fuzz campaign's report shows its coverage and its shrunk failure with no console error, and filters its tables", async function () {
    const { dir } = await failedFuzz();
    const { path } = await writeReport({ in: dir, out: join(dir, "browser.html") });
    const { page, problems } = await open(path);
    expect(await page.$$eval("nav.toc a", (as) => as.map((a) => a.textContent))).to.deep.equal([
      "Campaign",
      "Coverage",
      "Failure",
    ]);
    // The failing Action's row: both outcomes shown, in the failure's tone.
    const failing = await page.$$eval("#failure tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td.tone-bad")].map((td) => td.textContent)),
    );
    expect(failing[failing.length - 1]).to.deep.equal(["success", "revert Panic(17)"]);
    // The functions table filters to one row.
    const table = await page.$eval("#coverage table", (t) => t.id);
    await page.fill(`input[data-filter="${table}"]`, "withdraw");
    const shown = await page.$$eval(`#${table} tbody tr:not([hidden]) td:first-child`, (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(shown).to.deep.equal(["vault.withdraw"]);
    await page.screenshot({ path: join(ARTIFACTS, "report-fuzz.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
