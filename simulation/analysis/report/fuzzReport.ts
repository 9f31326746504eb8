/**
 * The report of a fuzz campaign, drawn from its folder alone: what ran (budget, speed, vocabulary), the coverage on
 * each side (every contract function and custom error, reached or never reached), and the failure, if one was found,
 * with its shrunk sequence one row per Action and both sides' outcomes, and the commands that replay it.
 */
import { isAbsolute, relative } from "node:path";
import type { Block, Cell, Section, ReportPage, TableBlock } from "./page.js";
import type { CampaignSideCoverage, FuzzFolder } from "./readFuzzFolder.js";

export function fuzzReport(folder: FuzzFolder): ReportPage {
  const c = folder.campaign;
  return {
    kind: "fuzz",
    title: `${c.scenario}, seed ${c.seed}`,
    subtitle:
      `Fuzz campaign: ${c.sequences} sequences of up to ${c.depth} Actions, ${c.actions} Actions in all, ` +
      `each checked on the model and the chain.`,
    status: c.failure === null ? { text: "no failure", tone: "ok" } : { text: "1 failure", tone: "bad" },
    sections: [
      overview(folder),
      coverage(c.coverage.chain, c.coverage.model),
      ...(folder.replay !== undefined ? [failure(folder)] : []),
    ],
    generator: "",
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function overview({ campaign: c }: FuzzFolder): Section {
  const blocks: Block[] = [
    {
      kind: "facts",
      facts: [
        { label: "scenario", value: c.scenario },
        { label: "seed", value: String(c.seed) },
        { label: "sequences", value: `${c.sequences} of up to ${c.depth} Actions, in ${c.steps} steps of the clock` },
        { label: "actions", value: String(c.actions) },
        {
          label: "speed",
          value: `${c.fuzzSeconds.toFixed(1)} s, ${Math.round(c.actionsPerSecond)} actions/s (both sides checked)`,
        },
        {
          label: "status",
          value: c.failure === null ? "no failure" : c.failure.failure,
          tone: c.failure === null ? "ok" : "bad",
        },
        { label: "accounts", value: c.accounts.join(", ") },
      ],
    },
    {
      kind: "table",
      title: `Vocabulary (${plural(c.vocabulary.length, "Action kind")})`,
      columns: ["kind", "described by", "arguments"],
      wrap: [2],
      rows: c.vocabulary.map((k) => [k.kind, sourceName(k.source), k.args.join(", ") || "none"]),
      searchable: c.vocabulary.length > 12,
    },
  ];
  if (c.leftOut.length > 0) {
    blocks.push({
      kind: "note",
      tone: "warn",
      text: `Left out of the vocabulary: ${c.leftOut.map((l) => `${l.kind} (${l.reason})`).join("; ")}.`,
    });
  }
  return { id: "campaign", title: "Campaign", blocks };
}

const sourceName = (s: string): string =>
  s === "abi" ? "the ABI" : s === "agents" ? "the agents' Actions" : s === "declared" ? "its declaration" : s;

/** Every name either side saw or declared, sorted. */
function namesOf(
  chain: Readonly<Record<string, number>>,
  model: Readonly<Record<string, number>>,
  ...never: readonly (readonly string[])[]
) {
  return [...new Set([...Object.keys(chain), ...Object.keys(model), ...never.flat()])].sort();
}

function reachedCell(chain: number, model: number, word: string): Cell {
  if (chain > 0 && model > 0) return { text: `${word} on both`, tone: "ok" };
  if (chain > 0) return { text: `chain only`, tone: "bad" };
  if (model > 0) return { text: `model only`, tone: "bad" };
  return { text: "never", tone: "warn" };
}

function coverageTable(
  title: string,
  what: "functions" | "errors",
  chain: CampaignSideCoverage,
  model: CampaignSideCoverage,
): TableBlock {
  const never = what === "functions" ? "functionsNeverReached" : "errorsNeverReached";
  const names = namesOf(chain[what], model[what], chain[never], model[never]);
  const word = what === "functions" ? "succeeded" : "seen";
  return {
    kind: "table",
    title,
    columns: [
      what === "functions" ? "function" : "custom error",
      `chain: times ${word}`,
      `model: times ${word}`,
      "reached",
    ],
    numeric: [1, 2],
    rows: names.map((n) => {
      const a = chain[what][n] ?? 0;
      const b = model[what][n] ?? 0;
      return [n, a, b, reachedCell(a, b, word)];
    }),
    searchable: true,
  };
}

function coverage(chain: CampaignSideCoverage, model: CampaignSideCoverage): Section {
  const count = (side: CampaignSideCoverage, what: "functions" | "errors") => {
    const never = what === "functions" ? side.functionsNeverReached : side.errorsNeverReached;
    const declared = new Set([...Object.keys(side[what]), ...never]).size - extra(side, what).length;
    return `${declared - never.length}/${declared}`;
  };
  const blocks: Block[] = [
    {
      kind: "facts",
      facts: (["chain", "model"] as const).flatMap((s) => {
        const side = s === "chain" ? chain : model;
        return [
          { label: `${s}: functions succeeded`, value: count(side, "functions") },
          { label: `${s}: custom errors seen`, value: count(side, "errors") },
        ];
      }),
    },
  ];
  for (const [s, side] of [
    ["chain", chain],
    ["model", model],
  ] as const) {
    if (side.functionsNeverReached.length + side.errorsNeverReached.length === 0) continue;
    blocks.push({
      kind: "note",
      tone: "warn",
      text:
        `Never reached on the ${s}: functions ${side.functionsNeverReached.join(", ") || "none"}; ` +
        `custom errors ${side.errorsNeverReached.join(", ") || "none"}.`,
    });
  }
  const also = [...new Set([...extra(chain, "errors"), ...extra(model, "errors")])].sort();
  if (also.length > 0) {
    blocks.push({
      kind: "note",
      tone: "info",
      text: `Also seen, not declared by the contracts as custom errors: ${also.join(", ")}.`,
    });
  }
  blocks.push(
    coverageTable("Contract functions", "functions", chain, model),
    coverageTable("Custom errors", "errors", chain, model),
  );
  return {
    id: "coverage",
    title: "Coverage",
    intro:
      "Each side counted apart: a function is reached when a call to it succeeded, a custom error when a call " +
      "reverted with it. A name reached on one side only is a disagreement the oracle would have stopped on.",
    blocks,
  };
}

/** Names a side saw that the declaration does not hold (a Panic, a revert without data). */
function extra(side: CampaignSideCoverage, what: "functions" | "errors"): string[] {
  if (what === "functions") return [];
  return Object.keys(side.errors).filter((e) => /^Panic$|^Error$|^\(/.test(e));
}

const shortAddress = (v: string): string => (/^0x[0-9a-fA-F]{40}$/.test(v) ? `${v.slice(0, 6)}…${v.slice(-4)}` : v);

function argText(v: unknown): string {
  if (typeof v === "object" && v !== null && typeof (v as { bigint?: unknown }).bigint === "string")
    return (v as { bigint: string }).bigint;
  return typeof v === "string" ? shortAddress(v) : String(v);
}

/** Seconds after the first Action, as `+<days>d hh:mm:ss`. */
function offset(time: bigint, start: bigint): string {
  const s = time - start;
  const rest = Number(s % 86_400n);
  const hms = [Math.floor(rest / 3600), Math.floor(rest / 60) % 60, rest % 60]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  return `+${s / 86_400n}d ${hms}`;
}

function failure(folder: FuzzFolder): Section {
  const c = folder.campaign;
  const f = c.failure!;
  const r = folder.replay!;
  const start = r.steps.length > 0 ? BigInt(r.steps[0]!.time) : 0n;
  const failing = r.failure?.index;
  // The folder as the user would type it from here: relative when it is under the working folder.
  const rel = relative(process.cwd(), folder.dir);
  const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? folder.dir : rel;
  return {
    id: "failure",
    title: "Failure",
    blocks: [
      { kind: "note", tone: "bad", text: `Shrunk: ${f.failure}.` },
      {
        kind: "facts",
        facts: [
          { label: "sequence", value: String(f.sequence) },
          { label: "found", value: `${f.found} (after ${plural(f.foundAfterActions, "Action")})` },
          {
            label: "shrunk",
            value: `to ${plural(f.shrunkTo, "Action")}, in ${f.shrinkTries} replays (${f.shrinkSeconds.toFixed(1)} s)`,
          },
        ],
      },
      {
        kind: "table",
        title: "The shrunk sequence",
        columns: ["#", "time", "agent", "action", "model", "chain"],
        numeric: [0],
        wrap: [3],
        rows: r.steps.map((s, i) => {
          const args = Object.entries(s.args)
            .map(([k, v]) => `${k}=${argText(v)}`)
            .join(", ");
          const differ = s.model !== s.chain;
          const tone = i === failing ? "bad" : differ ? "warn" : undefined;
          const outcome = (text: string | undefined): Cell =>
            tone !== undefined ? { text: text ?? "", tone } : (text ?? "");
          return [
            i + 1,
            offset(BigInt(s.time), start),
            s.agent,
            `${s.kind}(${args})`,
            outcome(s.model),
            outcome(s.chain),
          ];
        }),
      },
      {
        kind: "code",
        title: "Replay it, bit for bit; export it as a mocha test",
        text:
          `npx hardhat sim fuzz --replay ${shown}/replay.json\n` +
          `npx hardhat sim fuzz --replay ${shown}/replay.json --export-test test/found.test.ts`,
      },
    ],
  };
}
