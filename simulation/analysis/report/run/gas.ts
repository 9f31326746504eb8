/** Gas per Action kind: successful chain transactions' mean, minimum, maximum and total, as charts and a table. */
import { COLORS, frame } from "../charts.js";
import { formatExact } from "../format.js";
import type { Block } from "../page.js";
import type { ActionRow } from "../readRunFolder.js";

/** The gas blocks of the activity section; none when no transaction succeeded on a chain (a model-mode run). */
export function gasBlocks(actions: readonly ActionRow[], failed: (a: ActionRow) => boolean): Block[] {
  const blocks: Block[] = [];
  const gas = new Map<string, { n: number; total: bigint; min: bigint; max: bigint; reverted: number }>();
  for (const a of actions) {
    const g = gas.get(a.kind) ?? { n: 0, total: 0n, min: -1n, max: 0n, reverted: 0 };
    if (failed(a)) g.reverted++;
    const used = a.chain?.gasUsed;
    if (used !== undefined && a.chain?.status === "success") {
      const u = BigInt(used);
      g.n++;
      g.total += u;
      g.min = g.min < 0n || u < g.min ? u : g.min;
      g.max = u > g.max ? u : g.max;
    }
    gas.set(a.kind, g);
  }
  const kinds = [...gas.entries()]
    .filter(([, g]) => g.n > 0)
    .sort((a, b) => Number(b[1].total / BigInt(b[1].n) - a[1].total / BigInt(a[1].n)));
  const allGas = kinds.reduce((s, [, g]) => s + g.total, 0n);
  if (kinds.length > 0) {
    const mean = (g: { n: number; total: bigint }) => Number(g.total / BigInt(g.n));
    blocks.push({
      kind: "charts",
      columns: 2,
      charts: [
        {
          id: "gas-mean",
          height: Math.max(300, 24 * kinds.length + 110),
          format: { unit: "gas" },
          option: {
            ...frame("Gas per action, by kind", "successful transactions; bar = mean, whisker marks = min and max"),
            tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
            xAxis: { type: "value", name: "gas per transaction", nameLocation: "middle", nameGap: 26 },
            yAxis: {
              type: "category",
              data: kinds.map(([k]) => k).reverse(),
              name: "action kind",
              axisLabel: { fontSize: 11 },
            },
            series: [
              {
                type: "bar",
                name: "mean gas",
                data: kinds.map(([, g]) => mean(g)).reverse(),
                itemStyle: { color: COLORS.chain },
              },
              {
                type: "scatter",
                name: "min",
                symbol: "rect",
                symbolSize: [2, 12],
                data: kinds.map(([, g]) => Number(g.min)).reverse(),
                itemStyle: { color: "#111827" },
              },
              {
                type: "scatter",
                name: "max",
                symbol: "rect",
                symbolSize: [2, 12],
                data: kinds.map(([, g]) => Number(g.max)).reverse(),
                itemStyle: { color: COLORS.diverged },
              },
            ],
          },
        },
        {
          id: "gas-share",
          height: Math.max(300, 24 * kinds.length + 110),
          format: { unit: "gas" },
          option: {
            ...frame("Total gas, by kind", `${formatExact(allGas, 0)} gas over the run`),
            tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
            xAxis: { type: "value", name: "gas over the run", nameLocation: "middle", nameGap: 26 },
            yAxis: {
              type: "category",
              data: [...kinds].sort((a, b) => Number(a[1].total - b[1].total)).map(([k]) => k),
              name: "action kind",
              axisLabel: { fontSize: 11 },
            },
            series: [
              {
                type: "bar",
                name: "total gas",
                data: [...kinds].sort((a, b) => Number(a[1].total - b[1].total)).map(([, g]) => Number(g.total)),
                itemStyle: { color: "#0891b2" },
              },
            ],
          },
        },
      ],
    });
    blocks.push({
      kind: "table",
      title: "Gas by action kind",
      columns: ["action", "transactions", "reverted", "mean gas", "min", "max", "total gas", "share"],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows: kinds.map(([k, g]) => [
        k,
        g.n,
        g.reverted,
        formatExact(g.total / BigInt(g.n), 0),
        formatExact(g.min, 0),
        formatExact(g.max, 0),
        formatExact(g.total, 0),
        allGas > 0n ? `${((Number(g.total) / Number(allGas)) * 100).toFixed(1)}%` : "–",
      ]),
    });
  }
  return blocks;
}
