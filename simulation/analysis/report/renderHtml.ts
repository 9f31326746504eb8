/**
 * One self-contained HTML file from a ReportPage: the styles, the page's data as JSON, ECharts' minified build
 * (read from node_modules now, inlined) and the page's script. Nothing is fetched when the file is opened: it works
 * offline, from file://, and can be mailed or attached to an issue as is.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Block, Cell, Chart, ReportPage, TableBlock } from "./page.js";

const require = createRequire(import.meta.url);

/** The inlined charting library: its minified build and version. */
export function chartingLibrary(): { readonly source: string; readonly version: string } {
  const source = readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
  const version = (JSON.parse(readFileSync(require.resolve("echarts/package.json"), "utf8")) as { version: string })
    .version;
  return { source, version };
}

export function renderHtml(page: ReportPage): string {
  const library = chartingLibrary();
  const charts: Record<string, Pick<Chart, "option" | "format">> = {};
  const explorers: Record<string, unknown> = {};
  const ids = new Set<string>();
  const html: string[] = [];
  let tables = 0;

  const chartDiv = (c: Chart, attr = "data-chart"): string => {
    if (ids.has(c.id)) throw new Error(`Duplicate chart id ${c.id} in the report (this is a bug in Lockstep).`);
    ids.add(c.id);
    return `<div class="card"><div class="chart" id="chart-${esc(c.id)}" ${attr}="${esc(c.id)}" style="height:${c.height}px"></div></div>`;
  };

  const block = (b: Block): string => {
    switch (b.kind) {
      case "charts": {
        for (const c of b.charts)
          charts[c.id] = { option: c.option, ...(c.format !== undefined ? { format: c.format } : {}) };
        return (
          `<div class="block">${b.title !== undefined ? `<h3>${esc(b.title)}</h3>` : ""}` +
          `${b.intro !== undefined ? `<p class="intro">${esc(b.intro)}</p>` : ""}` +
          `<div class="grid cols-${b.columns}">${b.charts.map((c) => chartDiv(c)).join("")}</div></div>`
        );
      }
      case "table":
        return table(b, `table-${++tables}`);
      case "note":
        return `<div class="block"><div class="note ${b.tone}">${esc(b.text)}</div></div>`;
      case "code": {
        const pre = `<pre class="code">${esc(b.text)}</pre>`;
        if (b.collapsed === true)
          return `<div class="block"><details><summary>${esc(b.title ?? "Details")}</summary>${pre}</details></div>`;
        return `<div class="block">${b.title !== undefined ? `<h3>${esc(b.title)}</h3>` : ""}${pre}</div>`;
      }
      case "facts":
        return (
          `<div class="block"><dl class="facts">` +
          b.facts
            .map(
              (f) =>
                `<div><dt>${esc(f.label)}</dt><dd${f.tone ? ` class="tone-${f.tone}"` : ""}>${esc(f.value)}</dd></div>`,
            )
            .join("") +
          `</dl></div>`
        );
      case "explorer": {
        explorers[b.id] = {
          entities: b.entities,
          fields: b.fields,
          templates: b.templates.map((t) => ({ id: t.id, option: t.option, format: t.format })),
          timesteps: b.timesteps,
          data: b.data,
          initial: b.initial,
        };
        const list = `${b.id}-entities`;
        return (
          `<div class="block explorer" id="${esc(b.id)}">` +
          `<div class="explorer-bar"><label>Entity <input type="search" list="${esc(list)}" value="${esc(b.initial)}" aria-label="entity id"></label>` +
          `<span class="explorer-status"></span></div>` +
          `<datalist id="${esc(list)}">${b.entities.map((e) => `<option value="${esc(e.id)}">${esc(e.role)}</option>`).join("")}</datalist>` +
          `<div class="grid cols-3">${b.templates.map((t) => chartDiv(t, "data-explorer-chart")).join("")}</div></div>`
        );
      }
    }
  };

  html.push(`<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">`);
  html.push(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
  html.push(
    `<meta name="generator" content="${esc(page.generator || `Lockstep sim report, ECharts ${library.version}`)}">`,
  );
  html.push(`<title>Lockstep ${page.kind} report: ${esc(page.title)}</title>`);
  html.push(`<style>\n${readAsset("report.css")}</style>\n</head>\n<body>`);
  html.push(
    `<header class="page"><div class="kind">Lockstep ${page.kind} report</div><h1>${esc(page.title)}` +
      (page.status !== undefined ? ` <span class="badge ${page.status.tone}">${esc(page.status.text)}</span>` : "") +
      `</h1><p>${esc(page.subtitle)}</p></header>`,
  );
  html.push(
    `<nav class="toc">${page.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join("")}</nav>\n<main>`,
  );
  for (const s of page.sections) {
    html.push(
      `<section class="report" id="${esc(s.id)}"><h2>${esc(s.title)}</h2>` +
        (s.intro !== undefined ? `<p class="intro">${esc(s.intro)}</p>` : "") +
        s.blocks.map(block).join("\n") +
        `</section>`,
    );
  }
  html.push(
    `</main>\n<footer>${esc(page.generator || "Lockstep")}: charts by Apache ECharts ${esc(library.version)}, inlined; no network access needed.</footer>`,
  );
  html.push(`<script id="lockstep-data" type="application/json">${jsonForScript({ charts, explorers })}</script>`);
  html.push(`<script>\n${scriptSafe(library.source)}\n</script>`);
  html.push(`<script>\n${scriptSafe(readAsset("report.js"))}\n</script>`);
  html.push(`</body>\n</html>\n`);
  return html.join("\n");
}

function table(b: TableBlock, id: string): string {
  const numeric = new Set(b.numeric ?? []);
  const wrap = new Set(b.wrap ?? []);
  const limit = b.limit ?? Infinity;
  const head = b.columns.map((c, i) => `<th${numeric.has(i) ? ' class="num"' : ""}>${esc(c)}</th>`).join("");
  const rows = b.rows
    .map((row, r) => {
      const extra = r >= limit;
      const pick =
        b.picks !== undefined ? ` data-pick="${esc(b.picks)}" data-entity="${esc(cellText(row[0] ?? ""))}"` : "";
      return (
        `<tr${extra ? ' class="extra" hidden' : ""}${pick}>` +
        row.map((c, i) => cell(c, numeric.has(i), wrap.has(i))).join("") +
        `</tr>`
      );
    })
    .join("");
  const tools =
    b.searchable === true
      ? `<div class="table-tools"><input type="search" placeholder="Filter rows…" data-filter="${id}" aria-label="filter rows"><span class="count">${b.rows.length} rows</span></div>`
      : "";
  const more =
    b.rows.length > limit ? `<button class="more" data-more="${id}">Show all ${b.rows.length} rows</button>` : "";
  return (
    `<div class="block">${b.title !== undefined ? `<h3>${esc(b.title)}</h3>` : ""}${tools}` +
    `<div class="table-wrap"><table id="${id}"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${more}</div></div>`
  );
}

function cellText(c: Cell): string {
  return typeof c === "object" ? c.text : String(c);
}

function cell(c: Cell, numeric: boolean, wrap: boolean): string {
  const tone = typeof c === "object" && c.tone !== undefined ? `tone-${c.tone}` : "";
  const cls = [numeric ? "num" : "", wrap ? "wrap" : "", tone].filter((x) => x !== "");
  const title = typeof c === "object" && c.title !== undefined && c.title !== "" ? ` title="${esc(c.title)}"` : "";
  return `<td${cls.length > 0 ? ` class="${cls.join(" ")}"` : ""}${title}>${esc(cellText(c))}</td>`;
}

function readAsset(name: string): string {
  return readFileSync(join(import.meta.dirname, "assets", name), "utf8");
}

/** HTML text and attribute escaping. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JSON that cannot close its <script> element (every `<` escaped). */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Script text that cannot close its <script> element early. */
function scriptSafe(source: string): string {
  return source.replace(/<\/script/gi, "<\\/script");
}
