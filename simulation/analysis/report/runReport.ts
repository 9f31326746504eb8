/**
 * The report of one run: parity first (the first divergence, every diverged variable), then KPIs, the value flows,
 * the action mix and gas, the system's variables, per-role totals, and a picker over every entity.
 */
import type { SeriesOption } from "echarts";
import type { Flow } from "../../engine/types.js";
import { GLOBAL_VARIABLES } from "../../model/variables.js";
import { toJson } from "../files.js";
import { COLORS, comparisonChart, frame, linesChart, slug, valueAxis } from "./charts.js";
import { formatExact, formatGap, formatInUnit, formatNumber, formatRounded, plotValue } from "./format.js";
import type { Block, Cell, Chart, ExplorerBlock, FieldSeries, ReportPage, Section, TableBlock } from "./page.js";
import type { ActionRow, RunData } from "./readRunFolder.js";
import { ENTITY_FIELD_UNITS, unitOf, type Unit } from "./units.js";

type Value = bigint | number | undefined;

const GLOBALS = new Set(GLOBAL_VARIABLES);
const ENTITY_FIELDS = Object.keys(ENTITY_FIELD_UNITS);

/** `<entity>.<field>` for a per-entity variable; undefined for a global one. */
export function entityOf(variable: string): { entity: string; field: string } | undefined {
  if (GLOBALS.has(variable) || variable.startsWith("release.")) return undefined;
  const dot = variable.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const entity = variable.slice(0, dot);
  const field = variable.slice(dot + 1);
  return ENTITY_FIELDS.includes(field) && !entity.includes(".") ? { entity, field } : undefined;
}

/** An entity's role from its id: `seller-12` is a seller; a singleton (`keeper`) is its own role. */
export function roleOf(entity: string): string {
  return entity.replace(/-\d+$/, "");
}

/** The column that holds what happened: the chain's when the run has one, else the model's. */
function decisive(run: RunData, variable: string): readonly Value[] {
  const t = run.trace;
  return (t.hasChain ? t.column(`${variable}:chain`) : t.column(`${variable}:model`)) ?? [];
}

export function runReport(run: RunData, flows: readonly Flow[]): ReportPage {
  const { manifest: m, trace } = run;
  const divergedAt = new Map<string, number[]>();
  trace.diverged.forEach((vars, i) => {
    for (const v of vars) {
      const list = divergedAt.get(v) ?? [];
      list.push(trace.timesteps[i]!);
      divergedAt.set(v, list);
    }
  });
  const ctx: Ctx = { run, flows, divergedAt };
  const sections: Section[] = [
    overview(ctx),
    parity(ctx),
    kpis(ctx),
    flowsSection(ctx),
    activity(ctx),
    systemVariables(ctx),
    roles(ctx),
    entities(ctx),
  ];
  const diverged = (m.divergences ?? 0) > 0;
  return {
    kind: "run",
    title: `${m.scenario}, seed ${m.seed}`,
    subtitle: `${m.mode} run, ${m.steps} steps. Amounts in whole tokens (wei / 10^18) unless marked wei.`,
    status: {
      text: m.mode !== "lockstep" ? m.status : diverged ? `${m.divergences} divergences` : "parity",
      tone: m.status === "parity" ? "ok" : diverged || m.status === "stopped" ? "bad" : "muted",
    },
    sections,
    generator: "",
  };
}

interface Ctx {
  readonly run: RunData;
  readonly flows: readonly Flow[];
  readonly divergedAt: ReadonlyMap<string, readonly number[]>;
}

// ------------------------------------------------------------------ overview

function overview({ run }: Ctx): Section {
  const m = run.manifest;
  const facts: { label: string; value: string; tone?: "ok" | "bad" | "muted" }[] = [
    { label: "scenario", value: m.scenario },
    { label: "mode", value: m.mode },
    { label: "steps", value: String(m.steps) },
    { label: "seed", value: String(m.seed) },
    {
      label: "status",
      value: m.status,
      tone: m.status === "parity" ? "ok" : m.status === "diverged" ? "bad" : "muted",
    },
  ];
  if (m.comparisons !== undefined) {
    facts.push({
      label: "comparisons",
      value: `${m.variables ?? "?"} variables × ${run.trace.timesteps.length} samples = ${m.comparisons}`,
    });
  }
  if (m.divergences !== undefined)
    facts.push({ label: "divergences", value: String(m.divergences), tone: m.divergences > 0 ? "bad" : "ok" });
  if (m.actions !== undefined)
    facts.push({ label: "actions", value: `${m.actions.total} (${m.actions.reverted} reverted)` });
  if (m.gasUsed !== undefined) facts.push({ label: "gas used", value: formatExact(BigInt(m.gasUsed), 0) });
  if (m.wallSeconds !== undefined) facts.push({ label: "wall time", value: `${m.wallSeconds.toFixed(1)} s` });
  if (m.git !== undefined) facts.push({ label: "git commit", value: m.git });
  if (m.toolchain !== undefined) {
    facts.push({
      label: "toolchain",
      value: Object.entries(m.toolchain)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    });
  }
  if (m.chain !== undefined)
    facts.push({
      label: "chain",
      value: Object.entries(m.chain)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    });
  if (m.traceHash !== undefined) facts.push({ label: "trace hash", value: m.traceHash });
  const blocks: Block[] = [{ kind: "facts", facts }];
  const d = m.firstDivergence;
  if (d !== undefined) {
    blocks.push({
      kind: "note",
      tone: "bad",
      text: `First divergence: step ${d.step}, substep ${d.substep}, ${d.variable}: model ${d.model}, chain ${d.chain} (seed ${d.seed}). Details under Parity.`,
    });
  }
  if (m.set.length > 0 || m.modelSet.length > 0) {
    const text = [
      ...m.set.map((a) => `--set        ${a.path}=${a.value}   (model and chain)`),
      ...m.modelSet.map(
        (a) => `--model-set  ${a.path}=${a.value}   (model only: an assumption checked against the contracts)`,
      ),
    ].join("\n");
    blocks.push({ kind: "code", title: "Parameter changes", text });
  }
  blocks.push({ kind: "code", title: "Replay this run", text: replayCommand(run) });
  if (m.params !== undefined)
    blocks.push({ kind: "code", title: "Parameters (chain and agents)", text: toJson(m.params, 2), collapsed: true });
  if (m.modelParams !== undefined && m.modelSet.length > 0) {
    blocks.push({ kind: "code", title: "Parameters (model)", text: toJson(m.modelParams, 2), collapsed: true });
  }
  return { id: "overview", title: "Run", blocks };
}

function replayCommand(run: RunData): string {
  const m = run.manifest;
  const parts = [`npx hardhat sim run --scenario ${m.scenario} --seed ${m.seed} --steps ${m.steps}`];
  if (m.mode !== "lockstep") parts.push(`--mode ${m.mode}`);
  if (m.set.length > 0) parts.push(`--set "${m.set.map((a) => `${a.path}=${a.value}`).join(" ")}"`);
  if (m.modelSet.length > 0) parts.push(`--model-set "${m.modelSet.map((a) => `${a.path}=${a.value}`).join(" ")}"`);
  return parts.join(" ");
}

// ------------------------------------------------------------------ parity

function parity(ctx: Ctx): Section {
  const { run, divergedAt } = ctx;
  const m = run.manifest;
  const blocks: Block[] = [];
  const d = m.firstDivergence;
  if (m.mode !== "lockstep") {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `A ${m.mode}-mode run compares nothing: only the ${m.mode === "model" ? "model" : "chain"} ran.`,
    });
    return { id: "parity", title: "Parity", blocks };
  }
  if (d === undefined) {
    blocks.push({
      kind: "note",
      tone: "ok",
      text: `Model and chain agreed: ${m.comparisons ?? "all"} comparisons, every action's outcome the same on both sides.`,
    });
    return { id: "parity", title: "Parity", blocks };
  }
  const unit = unitOf(d.variable, ctx.flows);
  const mv = /^-?\d+$/.test(d.model) ? BigInt(d.model) : undefined;
  const cv = /^-?\d+$/.test(d.chain) ? BigInt(d.chain) : undefined;
  blocks.push({
    kind: "table",
    title: "First divergence",
    columns: ["step", "substep", "variable", "model", "chain", "chain − model", "seed"],
    numeric: [0, 5, 6],
    rows: [
      [
        d.step,
        d.substep,
        { text: d.variable, tone: "bad" },
        exactCell(d.model, mv, unit),
        exactCell(d.chain, cv, unit),
        mv !== undefined && cv !== undefined
          ? { text: formatGap(cv - mv, unit), title: `${formatExact(cv - mv, 0)}${unit.decimals > 0 ? " wei" : ""}` }
          : "–",
        d.seed,
      ],
    ],
  });
  const sampled = !d.variable.startsWith("outcome");
  blocks.push(
    actionsTable(
      d.actions,
      namesOf(run),
      sampled
        ? `Actions of step ${d.step} (the state is sampled after the step)`
        : `Actions of substep ${d.substep} of step ${d.step}`,
    ),
  );
  const rows = [...divergedAt.entries()]
    .map(([v, ts]) => ({ v, ts, first: ts[0] ?? 0 }))
    .sort(
      (a, b) =>
        a.first - b.first ||
        Number(entityOf(a.v) !== undefined) - Number(entityOf(b.v) !== undefined) ||
        a.v.localeCompare(b.v),
    );
  const table: TableBlock = {
    kind: "table",
    title: `Diverged variables (${rows.length})`,
    columns: ["variable", "first step", "samples diverged", "largest |chain − model|"],
    numeric: [1, 2, 3],
    searchable: rows.length > 15,
    limit: 25,
    rows: rows.map(({ v, ts }) => {
      const unit = unitOf(v, ctx.flows);
      return [v, ts[0] ?? "–", ts.length, maxGap(run, v, unit)];
    }),
  };
  blocks.push(table);
  if (rows.length > 0) {
    blocks.push({
      kind: "charts",
      title: "Every diverged variable",
      intro:
        "Chain solid, model dashed, red triangles where the two differ beyond tolerance; the violet steps (right axis) are chain − model in the raw unit, so a one-wei difference shows.",
      columns: 2,
      charts: rows.map(({ v }) => variableChart(ctx, v, `div-${slug(v)}`, true)),
    });
  }
  return { id: "parity", title: "Parity", blocks };
}

function exactCell(text: string, v: bigint | undefined, unit: Unit): Cell {
  if (v === undefined) return text;
  return { text: formatInUnit(v, unit), title: `${text}${unit.decimals > 0 ? " wei" : ""}` };
}

function maxGap(run: RunData, v: string, unit: Unit): Cell {
  const ms = run.trace.column(`${v}:model`) ?? [];
  const cs = run.trace.column(`${v}:chain`) ?? [];
  let best: bigint | undefined;
  ms.forEach((mv, i) => {
    const cv = cs[i];
    if (typeof mv !== "bigint" || typeof cv !== "bigint") return;
    const gap = cv > mv ? cv - mv : mv - cv;
    if (best === undefined || gap > best) best = gap;
  });
  if (best === undefined) return "–";
  return { text: formatGap(best, unit), title: `${formatExact(best, 0)}${unit.decimals > 0 ? " wei" : ""}` };
}

/** Addresses the run knows by name: every agent that sent an action, and the deployed contracts. */
function namesOf(run: RunData): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, address] of Object.entries(run.manifest.contracts ?? {})) {
    if (typeof address === "string") names.set(address.toLowerCase(), name);
  }
  for (const a of run.actions) if (a.sender !== undefined) names.set(a.sender.toLowerCase(), a.agent);
  return names;
}

function actionsTable(actions: readonly ActionRow[], names: ReadonlyMap<string, string>, title: string): TableBlock {
  return {
    kind: "table",
    title: `${title}: ${actions.length}`,
    columns: ["step", "substep", "agent", "action", "arguments", "model", "chain", "gas"],
    numeric: [0, 7],
    wrap: [4],
    searchable: actions.length > 20,
    limit: 30,
    rows: actions.map((a) => [
      a.step + 1,
      a.substep,
      a.agent,
      a.diverged ? { text: a.kind, tone: "bad", title: "model and chain disagree on this action's outcome" } : a.kind,
      {
        text: shortArgs(a.args, names),
        title: Object.entries(a.args)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n"),
      },
      outcomeCell(a.model),
      outcomeCell(a.chain),
      a.chain?.gasUsed ?? "–",
    ]),
  };
}

/**
 * Arguments as a token engineer reads them: addresses by the agent or contract they belong to, amounts in wei as
 * whole tokens in the command line's notation (`5000e18`), the uint256 maximum as `max`.
 */
function shortArgs(
  args: Readonly<Record<string, string | number | boolean>>,
  names: ReadonlyMap<string, string>,
): string {
  return Object.entries(args)
    .map(([k, v]) => {
      const s = String(v);
      if (/^0x[0-9a-fA-F]{40}$/.test(s))
        return `${k}=${names.get(s.toLowerCase()) ?? `${s.slice(0, 8)}…${s.slice(-4)}`}`;
      if (/^\d{16,}$/.test(s)) {
        const x = BigInt(s);
        return `${k}=${x === MAX_UINT256 ? "max" : `${formatRounded(x, 18, 6).replace(/,/g, "")}e18`}`;
      }
      return `${k}=${s.length > 24 ? `${s.slice(0, 12)}…${s.slice(-6)}` : s}`;
    })
    .join(", ");
}

const MAX_UINT256 = (1n << 256n) - 1n;

function outcomeCell(o: ActionRow["model"]): Cell {
  if (o === undefined) return "–";
  return o.status === "success" ? { text: "ok", tone: "ok" } : { text: o.error ?? o.status, tone: "warn" };
}

/** Model and chain of one variable over the run, as a chart. */
function variableChart(ctx: Ctx, v: string, id: string, withDifference = false): Chart {
  const { run, divergedAt } = ctx;
  const unit = unitOf(v, ctx.flows);
  const ms = run.trace.column(`${v}:model`);
  const cs = run.trace.column(`${v}:chain`);
  const plot = (col: readonly Value[]) => col.map((x) => (x === undefined ? null : plotValue(x, unit)));
  const gaps =
    withDifference && ms !== undefined && cs !== undefined
      ? ms.map((mv, i) => {
          const cv = cs[i];
          return typeof mv === "bigint" && typeof cv === "bigint" ? cv - mv : undefined;
        })
      : undefined;
  // Dust (under a millionth of a token) is drawn in wei, anything larger in whole tokens.
  const largest = (gaps ?? []).reduce<bigint>(
    (a, g) => (g === undefined ? a : g < 0n ? (-g > a ? -g : a) : g > a ? g : a),
    0n,
  );
  const gapUnit: Unit =
    unit.decimals > 0 && largest < 10n ** BigInt(Math.max(0, unit.decimals - 6)) ? { label: "wei", decimals: 0 } : unit;
  const difference = gaps?.map((g) => (g === undefined ? null : plotValue(g, gapUnit)));
  return comparisonChart({
    id,
    title: v,
    timesteps: run.trace.timesteps,
    ...(ms !== undefined ? { model: plot(ms) } : {}),
    ...(cs !== undefined ? { chain: plot(cs) } : {}),
    diverged: divergedAt.get(v) ?? [],
    unit,
    ...(difference !== undefined ? { difference, differenceUnit: gapUnit.label } : {}),
  });
}

// ------------------------------------------------------------------ KPIs

function kpis(ctx: Ctx): Section {
  const { run } = ctx;
  const t = run.trace;
  const finals = run.manifest.kpis;
  const rows: Cell[][] = t.kpis.map((k) => {
    const unit = unitOf(`kpi:${k}`, ctx.flows);
    const raw = finals[k];
    const v =
      raw === undefined ? undefined : typeof raw === "number" ? raw : /^-?\d+$/.test(raw) ? BigInt(raw) : Number(raw);
    return [
      k,
      { text: formatInUnit(v, unit), title: raw === undefined ? "" : `${raw}${unit.decimals > 0 ? " wei" : ""}` },
      unit.label,
    ];
  });
  const charts = t.kpis.map((k, i) => {
    const unit = unitOf(`kpi:${k}`, ctx.flows);
    const col = t.column(`kpi:${k}`) ?? [];
    return linesChart({
      id: `kpi-${slug(k)}`,
      title: k,
      unit,
      xMax: t.timesteps[t.timesteps.length - 1] ?? 0,
      height: 240,
      lines: [
        {
          name: k,
          data: t.timesteps.map((ts, j) => [ts, col[j] === undefined ? null : plotValue(col[j]!, unit)] as const),
          color: COLORS.palette[i % COLORS.palette.length]!,
          area: true,
        },
      ],
    });
  });
  return {
    id: "kpis",
    title: "KPIs",
    intro:
      "The scenario's key indicators after every step (the model's view). Counts are cumulative unless named a rate.",
    blocks: [
      { kind: "table", title: "At the end of the run", columns: ["KPI", "final value", "unit"], numeric: [1], rows },
      { kind: "charts", columns: 3, charts },
    ],
  };
}

// ------------------------------------------------------------------ flows

function flowsSection(ctx: Ctx): Section {
  const { run, flows } = ctx;
  const blocks: Block[] = [];
  if (flows.length === 0) {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `Scenario ${run.manifest.scenario} declares no flows, so there is no stock-and-flow diagram.`,
    });
    return { id: "flows", title: "Value flows", blocks };
  }
  const finalOf = (column: string): bigint | number | undefined => {
    const col = column.startsWith("kpi:") ? run.trace.column(column) : decisive(run, column);
    if (col === undefined || col.length === 0) return undefined;
    return col[col.length - 1];
  };
  const missing: string[] = [];
  const zero: string[] = [];
  const byUnit = new Map<string, { flow: Flow; total: bigint | number }[]>();
  for (const f of flows) {
    const total = finalOf(f.total);
    if (total === undefined) {
      missing.push(`${f.from} → ${f.to} (${f.total})`);
      continue;
    }
    const list = byUnit.get(f.unit) ?? [];
    list.push({ flow: f, total });
    byUnit.set(f.unit, list);
  }
  const charts: Chart[] = [];
  for (const [unitLabel, list] of byUnit) {
    const unit: Unit = { label: unitLabel, decimals: list[0]!.flow.decimals };
    const live = list.filter(({ total }) => (typeof total === "bigint" ? total > 0n : total > 0));
    for (const { flow } of list.filter((x) => !live.includes(x)))
      zero.push(`${flow.from} → ${flow.to} (${flow.label}, ${unitLabel})`);
    if (live.length === 0) continue;
    // Flows under 2% of the largest would be hairlines with overlapping labels: they are drawn again, enlarged.
    const value = (x: { total: bigint | number }) => plotValue(x.total, unit);
    const largest = Math.max(...live.map(value));
    const small = live.filter((x) => value(x) < SMALL_FLOW * largest);
    const zoom = small.length > 0 && small.length < live.length;
    charts.push(sankey(`flows-${slug(unitLabel)}`, unit, live, zoom ? new Set(small.map((x) => x.flow)) : new Set()));
    if (zoom) charts.push(sankey(`flows-${slug(unitLabel)}-small`, unit, small, new Set(), true));
  }
  blocks.push({
    kind: "charts",
    intro:
      "Stocks are boxes, flows are arrows, labelled with what flowed during the whole run. A stock whose outflows are smaller than its inflows still holds the difference (the escrow holds the prices of open exchanges). One diagram per token: widths are comparable only within a diagram.",
    columns: 1,
    charts,
  });
  if (zero.length > 0)
    blocks.push({ kind: "note", tone: "info", text: `Nothing flowed during this run along: ${zero.join("; ")}.` });
  if (missing.length > 0) {
    blocks.push({
      kind: "note",
      tone: "warn",
      text: `Declared flows whose total is not a column of this run's trace (skipped): ${missing.join("; ")}.`,
    });
  }
  blocks.push({
    kind: "table",
    title: "Flows",
    columns: ["from", "to", "what", "total", "trace column"],
    numeric: [3],
    rows: flows.map((f) => {
      const total = finalOf(f.total);
      return [
        f.from,
        f.to,
        f.label,
        { text: formatInUnit(total, { label: f.unit, decimals: f.decimals }), title: String(total ?? "") },
        f.total,
      ];
    }),
  });
  return { id: "flows", title: "Value flows", blocks };
}

/** Flows under this share of a diagram's largest are labelled in a second, enlarged diagram. */
const SMALL_FLOW = 0.02;

function sankey(
  id: string,
  unit: Unit,
  list: readonly { flow: Flow; total: bigint | number }[],
  unlabelled: ReadonlySet<Flow>,
  enlarged = false,
): Chart {
  const names: string[] = [];
  const inflow = new Map<string, number>();
  const outflow = new Map<string, number>();
  const links = list.map(({ flow, total }) => {
    for (const n of [flow.from, flow.to]) if (!names.includes(n)) names.push(n);
    const value = plotValue(total, unit);
    outflow.set(flow.from, (outflow.get(flow.from) ?? 0) + value);
    inflow.set(flow.to, (inflow.get(flow.to) ?? 0) + value);
    return {
      source: flow.from,
      target: flow.to,
      value,
      edgeLabel: { show: !unlabelled.has(flow), formatter: `${flow.label}: ${formatNumber(value)}` },
    };
  });
  const through = (n: string) => Math.max(inflow.get(n) ?? 0, outflow.get(n) ?? 0);
  const largest = Math.max(...names.map(through));
  // A stock all of whose flows are unlabelled here is labelled in the enlarged diagram.
  const quiet = (n: string) =>
    list.filter((x) => x.flow.from === n || x.flow.to === n).every((x) => unlabelled.has(x.flow));
  const subtitle = enlarged
    ? `flows under ${SMALL_FLOW * 100}% of the largest, enlarged; in whole ${unit.label} tokens`
    : `arrows: what flowed, in whole ${unit.label} tokens; boxes: the larger of in- and outflow` +
      (unlabelled.size > 0 ? `; flows under ${SMALL_FLOW * 100}% of the largest are labelled below` : "");
  return {
    id,
    height: Math.max(340, 110 + 58 * names.length),
    format: { unit: unit.label },
    option: {
      ...frame(enlarged ? `Small value flows in ${unit.label}` : `Value flows in ${unit.label} over the run`, subtitle),
      tooltip: { trigger: "item", confine: true },
      legend: { show: true, top: 44, right: 8, left: "auto", data: [`${unit.label} flows`] },
      series: [
        {
          type: "sankey",
          name: `${unit.label} flows`,
          left: 16,
          right: 240,
          top: 86,
          // Sinks in the last column read best for the whole picture; a chain of small flows reads best left-aligned.
          nodeAlign: enlarged ? "left" : "justify",
          bottom: 16,
          nodeGap: 34,
          nodeWidth: 16,
          draggable: false,
          // Nodes keep the order the scenario declares its flows in, which keeps its arrows from crossing.
          layoutIterations: 0,
          emphasis: { focus: "adjacency" },
          lineStyle: { color: "gradient", opacity: 0.35, curveness: 0.5 },
          edgeLabel: { show: true, fontSize: 11, color: "#1f2937", textBorderColor: "#ffffff", textBorderWidth: 3 },
          label: { fontSize: 12, color: "#111827", textBorderColor: "#ffffff", textBorderWidth: 3 },
          data: names.map((n, i) => ({
            name: n,
            itemStyle: { color: COLORS.palette[i % COLORS.palette.length]! },
            label: {
              show: !quiet(n) || through(n) >= SMALL_FLOW * largest,
              position: "top",
              align: "left",
              formatter: `${n}: ${formatNumber(through(n))} ${unit.label}`,
            },
          })),
          links,
        } as SeriesOption,
      ],
    },
  };
}

// ------------------------------------------------------------------ activity

/** Action kinds grouped as a token engineer reads a market. Reverted actions count as "reverts" whatever their kind. */
const CATEGORY: Readonly<Record<string, string>> = {
  commitToOffer: "commits",
  redeemVoucher: "redemptions",
  completeExchange: "completions",
  cancelVoucher: "cancellations",
  expireVoucher: "cancellations",
  revokeVoucher: "revocations",
  raiseDispute: "disputes",
  escalateDispute: "escalations",
  proposeResolution: "dispute settlement",
  acceptResolution: "dispute settlement",
  retractDispute: "dispute settlement",
  expireDispute: "dispute settlement",
  decideDispute: "dispute settlement",
  refuseEscalatedDispute: "dispute settlement",
  expireEscalatedDispute: "dispute settlement",
  claim: "rewards and vesting",
  closeEpoch: "rewards and vesting",
  release: "rewards and vesting",
  depositFunds: "funds",
  withdrawFunds: "funds",
  mint: "onboarding and listing",
  approve: "onboarding and listing",
  registerSeller: "onboarding and listing",
  createOffer: "onboarding and listing",
  setFeeBps: "governance",
  setEcoBps: "governance",
};
const CATEGORY_ORDER = [
  "commits",
  "redemptions",
  "completions",
  "cancellations",
  "revocations",
  "disputes",
  "escalations",
  "dispute settlement",
  "rewards and vesting",
  "funds",
  "onboarding and listing",
  "governance",
  "other",
  "reverts",
];
const CATEGORY_COLORS: Readonly<Record<string, string>> = {
  commits: "#1d4ed8",
  redemptions: "#059669",
  completions: "#65a30d",
  cancellations: "#f59e0b",
  revocations: "#ea580c",
  disputes: "#db2777",
  escalations: "#9333ea",
  "dispute settlement": "#c084fc",
  "rewards and vesting": "#0891b2",
  funds: "#94a3b8",
  "onboarding and listing": "#cbd5e1",
  governance: "#4b5563",
  other: "#e5e7eb",
  reverts: "#dc2626",
};

function activity({ run }: Ctx): Section {
  const actions = run.actions;
  if (actions.length === 0) {
    return {
      id: "activity",
      title: "Actions and gas",
      blocks: [{ kind: "note", tone: "info", text: "No actions.ndjson in this run folder (or no actions)." }],
    };
  }
  const steps = run.manifest.steps;
  const counts = new Map<string, number[]>();
  const failed = (a: ActionRow) => (a.chain ?? a.model)?.status === "reverted";
  for (const a of actions) {
    const cat = failed(a) ? "reverts" : (CATEGORY[a.kind] ?? "other");
    const row = counts.get(cat) ?? new Array<number>(steps).fill(0);
    if (a.step >= 0 && a.step < steps) row[a.step]! += 1;
    counts.set(cat, row);
  }
  const stepsAxis = Array.from({ length: steps }, (_, i) => String(i + 1));
  const mix: Chart = {
    id: "action-mix",
    height: 340,
    format: { unit: "" },
    option: {
      ...frame(
        "Actions per step, by kind",
        "stacked; reverted actions (on the chain, or the model in model mode) counted apart",
      ),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      xAxis: { type: "category", data: stepsAxis, name: "step (month)", nameLocation: "middle", nameGap: 26 },
      yAxis: valueAxis("actions per step"),
      series: CATEGORY_ORDER.filter((c) => counts.has(c)).map(
        (c) =>
          ({
            type: "bar",
            name: c,
            stack: "actions",
            data: counts.get(c)!,
            itemStyle: { color: CATEGORY_COLORS[c] },
            barCategoryGap: "25%",
          }) as SeriesOption,
      ),
    },
  };
  // Gas: successful chain transactions by action kind.
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
  const blocks: Block[] = [{ kind: "charts", columns: 1, charts: [mix] }];
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
  const reverts = new Map<string, { kind: string; error: string; n: number; steps: Set<number>; diverged: number }>();
  for (const a of actions) {
    if (!failed(a)) continue;
    const error = (a.chain ?? a.model)?.error ?? "(no error data)";
    const key = `${a.kind} ${error.replace(/\(.*$/, "")}`;
    const r = reverts.get(key) ?? {
      kind: a.kind,
      error: error.replace(/\(.*$/, ""),
      n: 0,
      steps: new Set<number>(),
      diverged: 0,
    };
    r.n++;
    r.steps.add(a.step + 1);
    if (a.diverged) r.diverged++;
    reverts.set(key, r);
  }
  blocks.push(
    reverts.size === 0
      ? { kind: "note", tone: "ok", text: "No action reverted." }
      : {
          kind: "table",
          title: "Reverted actions, by custom error",
          columns: ["action", "error", "count", "steps", "model disagreed"],
          numeric: [2, 4],
          rows: [...reverts.values()]
            .sort((a, b) => b.n - a.n)
            .map((r) => [
              r.kind,
              r.error,
              r.n,
              [...r.steps].join(", "),
              r.diverged > 0 ? { text: String(r.diverged), tone: "bad" } : 0,
            ]),
        },
  );
  return {
    id: "activity",
    title: "Actions and gas",
    intro: `${actions.length} actions from actions.ndjson. Steps count from 1 (the first month).`,
    blocks,
  };
}

// ------------------------------------------------------------------ system variables

function systemVariables(ctx: Ctx): Section {
  const { run } = ctx;
  const globals = run.trace.variables.filter((v) => entityOf(v) === undefined);
  const groups = new Map<string, string[]>();
  const flat: string[] = [];
  for (const v of globals) {
    if (isFlatZero(run, v) && !ctx.divergedAt.has(v)) {
      flat.push(v);
      continue;
    }
    const g = v.startsWith("release.")
      ? "release wallets"
      : v.startsWith("exchangeToken.") || v.startsWith("governanceToken.")
        ? "tokens"
        : v.split(".")[0]!;
    const list = groups.get(g) ?? [];
    list.push(v);
    groups.set(g, list);
  }
  const blocks: Block[] = [...groups.entries()].map(([g, vars]) => ({
    kind: "charts" as const,
    title: g,
    columns: 3 as const,
    charts: vars.map((v) => variableChart(ctx, v, `var-${slug(v)}`)),
  }));
  if (flat.length > 0)
    blocks.push({
      kind: "note",
      tone: "info",
      text: `0 at every step on both sides (not charted): ${flat.join(", ")}.`,
    });
  return {
    id: "system",
    title: "System variables",
    intro: "Every global variable the Lens samples, chain solid and model dashed (they coincide where the two agree).",
    blocks,
  };
}

function isFlatZero(run: RunData, v: string): boolean {
  const zero = (col: readonly Value[] | undefined) =>
    col === undefined || col.every((x) => x === undefined || x === 0n || x === 0);
  return zero(run.trace.column(`${v}:model`)) && zero(run.trace.column(`${v}:chain`));
}

// ------------------------------------------------------------------ roles

interface EntityIndex {
  readonly entities: string[];
  readonly byRole: Map<string, string[]>;
}

function indexEntities(run: RunData): EntityIndex {
  const entities: string[] = [];
  const byRole = new Map<string, string[]>();
  for (const v of run.trace.variables) {
    const e = entityOf(v);
    if (e === undefined || entities.includes(e.entity)) continue;
    entities.push(e.entity);
    const r = roleOf(e.entity);
    const list = byRole.get(r) ?? [];
    list.push(e.entity);
    byRole.set(r, list);
  }
  return { entities, byRole };
}

function roles(ctx: Ctx): Section {
  const { run } = ctx;
  const { byRole } = indexEntities(run);
  const blocks: Block[] = [];
  const flat: string[] = [];
  // Accounts that are a role of their own (deployer, keeper, funds, holders) share one block.
  const singles: Chart[] = [];
  const singleNames: string[] = [];
  const t = run.trace;
  for (const [role, members] of byRole) {
    const charts: Chart[] = [];
    for (const field of ENTITY_FIELDS) {
      const unit = ENTITY_FIELD_UNITS[field]!;
      const sum = (side: "model" | "chain"): (bigint | undefined)[] | undefined => {
        const cols = members.map((e) => t.column(`${e}.${field}:${side}`));
        if (cols.every((c) => c === undefined)) return undefined;
        return t.timesteps.map((_, i) =>
          cols.reduce<bigint>((s, c) => s + (typeof c?.[i] === "bigint" ? (c[i] as bigint) : 0n), 0n),
        );
      };
      const ms = sum("model");
      const cs = sum("chain");
      if (ms === undefined && cs === undefined) continue;
      const diverged = new Set<number>();
      let divergedMembers = 0;
      for (const e of members) {
        const at = ctx.divergedAt.get(`${e}.${field}`);
        if (at === undefined) continue;
        divergedMembers++;
        for (const ts of at) diverged.add(ts);
      }
      const zero = (s: (bigint | undefined)[] | undefined) =>
        s === undefined || s.every((x) => x === undefined || x === 0n);
      if (zero(ms) && zero(cs) && diverged.size === 0) {
        flat.push(`${role}.${field}`);
        continue;
      }
      const plot = (s: (bigint | undefined)[]) => s.map((x) => (x === undefined ? null : plotValue(x, unit)));
      const n = members.length;
      charts.push(
        comparisonChart({
          id: `role-${slug(role)}-${field}`,
          title: n > 1 ? `Σ ${role}.${field}` : `${role}.${field}`,
          subtitle:
            (n > 1 ? `sum over ${n} ${role}s` : "one entity") +
            (divergedMembers > 0 ? `; ${divergedMembers} diverged` : ""),
          timesteps: t.timesteps,
          ...(ms !== undefined ? { model: plot(ms) } : {}),
          ...(cs !== undefined ? { chain: plot(cs) } : {}),
          diverged: [...diverged].sort((a, b) => a - b),
          unit,
        }),
      );
    }
    if (charts.length === 0) continue;
    if (members.length === 1) {
      singles.push(...charts);
      singleNames.push(role);
    } else blocks.push({ kind: "charts", title: `${role} (${members.length})`, columns: 3, charts });
  }
  if (singles.length > 0) {
    blocks.unshift({
      kind: "charts",
      title: `Single accounts: ${singleNames.join(", ")}`,
      columns: 3,
      charts: singles,
    });
  }
  if (flat.length > 0)
    blocks.push({
      kind: "note",
      tone: "info",
      text: `0 at every step on both sides for every member (not charted): ${flat.join(", ")}.`,
    });
  return {
    id: "roles",
    title: "Per-role totals",
    intro:
      "Per-entity variables summed over each role (an entity's role is its id without the index: seller-12 is a seller). Fields: funds = available in the escrow's ledger; exchangeToken and governanceToken = wallet balances; claimableRewards and claimableFees = owed by the rewards distributor.",
    blocks,
  };
}

// ------------------------------------------------------------------ entities

function entities(ctx: Ctx): Section {
  const { run } = ctx;
  const t = run.trace;
  const { entities: ids } = indexEntities(run);
  if (ids.length === 0)
    return {
      id: "entities",
      title: "Entities",
      blocks: [{ kind: "note", tone: "info", text: "This run has no per-entity variables." }],
    };
  const data: Record<string, Record<string, FieldSeries>> = {};
  const divergedCount = new Map<string, number>();
  for (const e of ids) {
    const fields: Record<string, FieldSeries> = {};
    for (const field of ENTITY_FIELDS) {
      const unit = ENTITY_FIELD_UNITS[field]!;
      const ms = t.column(`${e}.${field}:model`);
      const cs = t.column(`${e}.${field}:chain`);
      if (ms === undefined && cs === undefined) continue;
      const plot = (col: readonly Value[]) => col.map((x) => (x === undefined ? 0 : plotValue(x, unit)));
      const same = ms !== undefined && cs !== undefined && ms.every((x, i) => x === cs[i]);
      const d = ctx.divergedAt.get(`${e}.${field}`);
      if (d !== undefined) divergedCount.set(e, (divergedCount.get(e) ?? 0) + d.length);
      fields[field] = {
        ...(ms !== undefined ? { m: plot(ms) } : {}),
        ...(cs !== undefined && !same ? { c: plot(cs) } : {}),
        ...(d !== undefined ? { d } : {}),
      };
    }
    data[e] = fields;
  }
  const order = [...ids].sort(
    (a, b) =>
      (divergedCount.get(b) ?? 0) - (divergedCount.get(a) ?? 0) ||
      roleOf(a).localeCompare(roleOf(b)) ||
      Number(a.match(/(\d+)$/)?.[1] ?? -1) - Number(b.match(/(\d+)$/)?.[1] ?? -1) ||
      a.localeCompare(b),
  );
  const initial = order.find((e) => divergedCount.has(e)) ?? order.find((e) => roleOf(e) === "seller") ?? order[0]!;
  const templates: Chart[] = ENTITY_FIELDS.map((field) =>
    comparisonChart({
      id: `explorer-${field}`,
      title: field,
      timesteps: t.timesteps,
      ...(t.hasModel ? { model: [] } : {}),
      ...(t.hasChain ? { chain: [] } : {}),
      diverged: [0],
      unit: ENTITY_FIELD_UNITS[field]!,
      height: 240,
    }),
  );
  const explorer: ExplorerBlock = {
    kind: "explorer",
    id: "explorer",
    entities: order.map((id) => ({ id, role: roleOf(id) })),
    fields: ENTITY_FIELDS,
    templates,
    timesteps: t.timesteps,
    data,
    initial,
  };
  const last = t.timesteps.length - 1;
  const table: TableBlock = {
    kind: "table",
    title: `Entities (${ids.length}), at the end of the run`,
    columns: [
      "entity",
      "role",
      ...ENTITY_FIELDS.map((f) => `${f} (${ENTITY_FIELD_UNITS[f]!.label})`),
      "diverged samples",
    ],
    numeric: [2, 3, 4, 5, 6, 7],
    searchable: true,
    picks: "explorer",
    limit: 40,
    rows: order.map((e) => [
      e,
      roleOf(e),
      ...ENTITY_FIELDS.map((f) => {
        const v = decisive(run, `${e}.${f}`)[last];
        const dec = ENTITY_FIELD_UNITS[f]!.decimals;
        return typeof v === "bigint"
          ? { text: formatRounded(v, dec, 4), title: `${formatExact(v, dec)} (${v} wei)` }
          : "–";
      }),
      divergedCount.has(e) ? { text: String(divergedCount.get(e)), tone: "bad" } : 0,
    ]),
  };
  return {
    id: "entities",
    title: "Entities",
    intro: "Pick an entity (type its id, or click a row of the table) to see its variables on both sides over the run.",
    blocks: [explorer, table],
  };
}
