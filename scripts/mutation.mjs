// `npm run mutation`: mutants of Lockstep's contracts, each checked by a default lockstep run and by a fuzz
// campaign of a fixed budget. Operators: relational boundary, arithmetic operator, rounding direction, deleted
// statement or state write, swapped arguments, removed access check. A mutant whose compiled bytecode equals the
// original's, or that is named in EQUIVALENT below with the reason, is equivalent (not counted as missed); one that
// does not compile is stillborn. Work happens in a copy of the repository (node_modules linked), so the tree stays
// as it is. Results: mutation/results.json and a table per contract and operator.
//
//   npm run mutation [-- --limit N] [--list [--ids-list]] [--only VoucherEscrow,FeeManager] [--fuzz-runs 10] [--fuzz-depth 200] [--every K]
//                    [--ids VoucherEscrow-007,FeeMath-002] [--list] [--table] [--work work] [--results results.json]
// --every K takes every K-th mutant of each contract (--offset J starts at the J-th instead of the first); --ids runs those again and updates their verdicts in
// mutation/results.json; --list counts the mutants and builds nothing; --minutes M starts no mutant after M minutes
// (the rest of the sample is counted as not run); --table writes the table again from mutation/results.json.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import process from "node:process";

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const limit = Number(opt("limit", "100000"));
const every = Number(opt("every", "1"));
const offset = Number(opt("offset", "0"));
const only = opt("only", undefined)?.split(",");
const fuzzRuns = opt("fuzz-runs", "10");
const fuzzDepth = opt("fuzz-depth", "200");
const listOnly = args.includes("--list");
const tableOnly = args.includes("--table");
const idsOpt = opt("ids", undefined);
const minutes = Number(opt("minutes", "100000"));
// Another working copy and results file let a second run go beside the first (--work work2 --results try.json).
const resultsFile = join(root, "mutation", opt("results", "results.json"));
const ids = idsOpt !== undefined ? new Set(idsOpt.split(",")) : undefined;

/** The contracts mutated, each with the mechanism it belongs to. */
const TARGETS = [
  { file: "contracts/fees/FeeManager.sol", contract: "FeeManager", mechanism: "fees" },
  { file: "contracts/libraries/FeeMath.sol", contract: "FeeMath", mechanism: "fees" },
  { file: "contracts/vouchers/VoucherEscrow.sol", contract: "VoucherEscrow", mechanism: "vouchers" },
  { file: "contracts/rewards/RewardsDistributor.sol", contract: "RewardsDistributor", mechanism: "rewards" },
  { file: "contracts/libraries/EmissionMath.sol", contract: "EmissionMath", mechanism: "rewards" },
];

/** The contracts whose runtime bytecode decides whether a mutant changed anything. */
const DEPLOYED = [
  { file: "contracts/fees/FeeManager.sol", contract: "FeeManager" },
  { file: "contracts/vouchers/VoucherEscrow.sol", contract: "VoucherEscrow" },
  { file: "contracts/rewards/RewardsDistributor.sol", contract: "RewardsDistributor" },
];

/** Mutants known to be equivalent, by id, with why (checked by hand). */
const EQUIVALENT = {
  "VoucherEscrow-165":
    "_releaseSplit's bpsOfDown(buyerPercentBps, deposits) for bpsOfDown(deposits, buyerPercentBps): mulDiv floors the full 512-bit product, which commutes",
  "FeeManager-009":
    "protocolFee's bpsOfDown(_feeBps, price) for bpsOfDown(price, _feeBps): mulDiv floors the full 512-bit product, which commutes",
  "EmissionMath-001":
    "linearEmitted's `epochs <= cliffEpochs` as `<`: at epochs == cliffEpochs the formula gives mulDiv(total, min(0, duration), duration) = 0, the early return's value",
  "EmissionMath-017":
    "halvingEmitted's `wholePeriods < 256` as `<=`: at wholePeriods == 256 the partial period adds mulDiv(total >> 257, r, halvingEpochs), and total >> 257 is 0 for any uint256",
  "RewardsDistributor-054":
    "feeEpoch's `block.timestamp < _startTimestamp` as `<=`: at block.timestamp == start the formula gives (start - start) / epochSeconds = 0, the early return's value",
  "RewardsDistributor-062":
    "_split's mulDiv(budget, points, totalPoints) as mulDiv(points, budget, totalPoints): mulDiv floors the full 512-bit product, which commutes",
  "FeeMath-001":
    "bpsOfDown's two parameters swapped in its declaration: the body then computes mulDiv(bps, amount, 10_000), and mulDiv floors the full 512-bit product, which commutes",
};

const ACCESS =
  /(NotBuyer|NotResolver|NotSeller|NotOfferSeller|NotParty|NotSource|_requireBuyer|_requireResolver|_requireParty)/;

/** Every mutant of one source: { id, operator, line, before, after, source }. */
function mutantsOf(target, text) {
  const lines = text.split("\n");
  const out = [];
  const add = (operator, i, after) => {
    if (after === lines[i]) return;
    const source = [...lines.slice(0, i), after, ...lines.slice(i + 1)].join("\n");
    out.push({ operator, line: i + 1, before: lines[i].trim(), after: after.trim(), source });
  };
  // Constructors are left alone: a deployment's checks are no Action's to reach (the scenarios deploy fixed values).
  let depth = 0;
  let inConstructor = false;
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "");
    const t = code.trim();
    if (/^constructor\(/.test(t)) inConstructor = true;
    if (inConstructor) {
      depth += (code.match(/\{/g) ?? []).length - (code.match(/\}/g) ?? []).length;
      if (depth <= 0 && code.includes("}")) {
        inConstructor = false;
        depth = 0;
      }
      return;
    }
    if (t === "" || t.startsWith("///") || t.startsWith("*") || /^(import|pragma|error|event|\/\/)/.test(t)) return;
    // Relational boundaries: < <-> <=, > <-> >= (comparisons only, not shifts or arrows).
    for (const [re, to] of [
      [/ < /g, " <= "],
      [/ <= /g, " < "],
      [/ > /g, " >= "],
      [/ >= /g, " > "],
    ]) {
      let m;
      const r = new RegExp(re.source, "g");
      while ((m = r.exec(code)) !== null)
        add("relational boundary", i, line.slice(0, m.index) + to + line.slice(m.index + m[0].length));
    }
    // Arithmetic operators: + <-> -, * <-> /, += <-> -=.
    for (const [re, to] of [
      [/ \+ /g, " - "],
      [/ - /g, " + "],
      [/ \* /g, " / "],
      [/ \/ /g, " * "],
      [/ \+= /g, " -= "],
      [/ -= /g, " += "],
    ]) {
      let m;
      const r = new RegExp(re.source, "g");
      while ((m = r.exec(code)) !== null)
        add("arithmetic operator", i, line.slice(0, m.index) + to + line.slice(m.index + m[0].length));
    }
    // Rounding direction: a floor division through mulDiv rounds up instead.
    const md = /Math\.mulDiv\(([^;]*)\)/.exec(code);
    if (md !== null && !md[1].includes("Rounding")) {
      add("rounding direction", i, line.replace(md[0], `Math.mulDiv(${md[1]}, Math.Rounding.Ceil)`));
    }
    // Deleted statement or state write: an assignment, an increment, a call statement, an emit.
    if (
      /^(_\w+|ex\.\w+|offer\.\w+|\w+\[[^\]]*\])[^=;]*(=|\+=|-=)[^=]/.test(t) ||
      /^(\+\+|--)_/.test(t) ||
      /^emit /.test(t) ||
      /^_(accrueFees|burn|mint|credit|setState|setDisputeState|cancel|release\w*)\(/.test(t)
    ) {
      if (t.endsWith(";") && !ACCESS.test(t)) add("deleted statement", i, line.replace(t, "// (deleted)"));
    }
    // Removed access check.
    if (ACCESS.test(t) && (t.startsWith("if (") || t.startsWith("_require")) && t.endsWith(";")) {
      add("removed access check", i, line.replace(t, "// (access check removed)"));
    }
    if (/\bonlyOwner\b/.test(code) && /function /.test(code))
      add("removed access check", i, line.replace(/ onlyOwner/, ""));
    // Swapped arguments: two adjacent arguments of a call to one of the contract's own functions.
    const call =
      /\b(_release|_releaseSplit|_split|accruePoints|bpsOfDown|splitFee|mulDiv|linearEmitted|halvingEmitted)\(([^()]*)\)/.exec(
        code,
      );
    if (call !== null) {
      const parts = call[2].split(",").map((p) => p.trim());
      for (let k = 0; k + 1 < parts.length; k++) {
        if (parts[k] === parts[k + 1]) continue;
        const swapped = [...parts];
        [swapped[k], swapped[k + 1]] = [swapped[k + 1], swapped[k]];
        add("swapped arguments", i, line.replace(call[0], `${call[1]}(${swapped.join(", ")})`));
      }
    }
  });
  return out.map((m, k) => ({ ...m, id: `${target.contract}-${String(k + 1).padStart(3, "0")}` }));
}

const run = (cwd, cmd, cmdArgs, timeoutMs) => {
  const r = spawnSync(cmd, cmdArgs, { cwd, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, CI: "1" } });
  return { code: r.status ?? (r.signal ? 124 : 1), out: (r.stdout ?? "") + (r.stderr ?? "") };
};

/** The runtime bytecode without the compiler's metadata (its CBOR tail names the source's hash, so any edit changes it). */
const stripMetadata = (hex) => {
  const code = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (code.length < 4) return code;
  const cbor = parseInt(code.slice(-4), 16);
  return cbor * 2 + 4 <= code.length ? code.slice(0, code.length - cbor * 2 - 4) : code;
};

/** One hash over the runtime bytecode of every contract Lockstep deploys (libraries are inlined into them). */
function bytecodeOf(work) {
  const hash = createHash("sha256");
  for (const t of DEPLOYED) {
    const file = join(work, "artifacts", t.file, `${t.contract}.json`);
    if (!existsSync(file)) return undefined;
    const a = JSON.parse(readFileSync(file, "utf8"));
    hash.update(`${t.contract}:${stripMetadata(a.deployedBytecode ?? "")}\n`);
  }
  return hash.digest("hex");
}

// The table: per mechanism and operator, the mutants generated, the equivalent and stillborn ones, and how many of
// the rest (non-equivalent, compiled) each check caught.
function writeTable(results, sample) {
  const notRun = sample - results.length;
  const rows = new Map();
  for (const r of results) {
    for (const key of [`${r.mechanism} / ${r.operator}`, `${r.mechanism} / all`, `all / all`]) {
      const row = rows.get(key) ?? { all: 0, equivalent: 0, stillborn: 0, n: 0, lockstep: 0, fuzz: 0, either: 0 };
      row.all++;
      if (r.status === "equivalent") row.equivalent++;
      else if (r.status === "stillborn") row.stillborn++;
      else {
        row.n++;
        if (r.lockstep.caught) row.lockstep++;
        if (r.fuzz.caught) row.fuzz++;
        if (r.status === "caught") row.either++;
      }
      rows.set(key, row);
    }
  }
  const share = (a, n) => (n === 0 ? "-" : `${a}/${n} (${Math.round((100 * a) / n)}%)`);
  const lines = [
    "| mechanism / operator | mutants | equivalent | stillborn | lockstep run caught | fuzz campaign caught | either |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const [k, r] of [...rows].sort())
    lines.push(
      `| ${k} | ${r.all} | ${r.equivalent} | ${r.stillborn} | ${share(r.lockstep, r.n)} | ${share(r.fuzz, r.n)} | ${share(r.either, r.n)} |`,
    );
  const equivalent = results.filter((r) => r.status === "equivalent");
  lines.push(
    "",
    `Equivalent (${equivalent.length}): ${equivalent.map((r) => `${r.id} (${r.why})`).join("; ") || "none"}.`,
  );
  const survivors = results.filter((r) => r.status !== "equivalent" && r.status !== "stillborn" && !r.fuzz.caught);
  lines.push(
    `Not caught by fuzz (${survivors.length}): ${survivors.map((r) => `${r.id} line ${r.line} ${r.operator}: ${r.after.startsWith("//") ? `\`${r.before}\` removed` : `\`${r.after}\``}${r.lockstep.caught ? " (lockstep run caught it)" : ""}`).join("; ") || "none"}.`,
  );
  const unshrunk = results.filter((r) => r.fuzz?.caught && r.fuzz.replay === undefined);
  if (unshrunk.length > 0)
    lines.push(
      `Caught by fuzz without a replay (the campaign stopped on an error): ${unshrunk.map((r) => `${r.id} (${r.fuzz.why})`).join("; ")}.`,
    );
  if (notRun > 0)
    lines.push(`Not run (--minutes passed before they started): ${notRun} of the ${sample} mutants sampled.`);
  writeFileSync(resultsFile.replace(/\.json$/, ".md"), lines.join("\n") + "\n");
  process.stdout.write(lines.join("\n") + "\n");
}

/**
 * With --every K, every K-th mutant of each operator in a contract (the first of each always; with --offset J, the
 * J-th, J+K-th...: another sample of the same size), so that a sample keeps the operators' mix: one index over the whole file would follow the file's order and skip a small operator's few.
 */
function sampleOf(mutants) {
  const seen = new Map();
  return mutants.filter((m) => {
    const k = seen.get(m.operator) ?? 0;
    seen.set(m.operator, k + 1);
    return k % every === offset % every;
  });
}

if (tableOnly) {
  // The table again from mutation/results.json, with the equivalents named since by hand.
  const saved = JSON.parse(readFileSync(resultsFile, "utf8"));
  const results = saved.results.map((r) =>
    EQUIVALENT[r.id] !== undefined ? { ...r, status: "equivalent", why: EQUIVALENT[r.id] } : r,
  );
  writeTable(results, saved.sample ?? results.length);
  process.exit(0);
}

if (listOnly) {
  // How many mutants each contract and operator gives (with --every, the sample), without building anything.
  for (const target of TARGETS) {
    if (only !== undefined && !only.includes(target.contract)) continue;
    const all = mutantsOf(target, readFileSync(join(root, target.file), "utf8"));
    const sample = sampleOf(all);
    const by = new Map();
    for (const m of sample) by.set(m.operator, (by.get(m.operator) ?? 0) + 1);
    const counts = [...by].map(([o, n]) => `${o} ${n}`).join(", ");
    process.stdout.write(`${target.contract}: ${sample.length} of ${all.length} (${counts})\n`);
    if (args.includes("--ids-list")) process.stdout.write(`  ${sample.map((m) => m.id).join(",")}\n`);
  }
  process.exit(0);
}

// The working copy.
const work = join(root, "mutation", opt("work", "work"));
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const entry of [
  "contracts",
  "simulation",
  "templates",
  "examples",
  "test",
  "types",
  "scripts",
  "hardhat.config.ts",
  "package.json",
  "tsconfig.json",
]) {
  if (existsSync(join(root, entry))) cpSync(join(root, entry), join(work, entry), { recursive: true });
}
symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
const hh = join(root, "node_modules", ".bin", "hardhat");
const say = (s) => process.stderr.write(s + "\n");
say("building the unmutated contracts in the working copy...");
let b = run(work, hh, ["build", "--quiet"], 600_000);
if (b.code !== 0) throw new Error(`the unmutated build failed:\n${b.out}`);
const original = bytecodeOf(work);

const LOCKSTEP = [
  ["sim", "run", "--scenario", "fees-and-rewards", "--out", "results"],
  ["sim", "run", "--scenario", "boson-commerce", "--steps", "24", "--out", "results"],
];
// The fuzz campaigns: both scenarios as they are, and fees-and-rewards on a linear emission schedule (its default is
// the halving one, and boson-commerce's linear schedule has no cliff: a mutant of the linear schedule's cliff would
// otherwise be deployed by nothing). Each has the same budget.
const FUZZ = [
  ["sim", "fuzz", "--scenario", "fees-and-rewards", "--runs", fuzzRuns, "--depth", fuzzDepth, "--out", "results"],
  ["sim", "fuzz", "--scenario", "boson-commerce", "--runs", fuzzRuns, "--depth", fuzzDepth, "--out", "results"],
  [
    "sim",
    "fuzz",
    "--scenario",
    "fees-and-rewards",
    "--set",
    "rewards.durationEpochs=24 rewards.halvingEpochs=0",
    "--runs",
    fuzzRuns,
    "--depth",
    fuzzDepth,
    "--out",
    "results",
  ],
];
/**
 * The first command of `commands` that fails on the mutant, with the line that says why. A fuzz campaign that
 * found a failure left its shrunk replay in its folder: it is kept as mutation/replays/<id>.json, with its length.
 */
const caughtBy = (commands, id) => {
  for (const c of commands) {
    const r = run(work, hh, c, 900_000);
    if (r.code === 0) continue;
    const lines = r.out.split("\n");
    const line =
      lines.find((l) => /Failure in sequence|First divergence|Invariants: broken|error:/.test(l)) ?? `exit ${r.code}`;
    const caught = { caught: true, by: c.slice(0, 4).join(" "), exit: r.code, why: line.slice(0, 300) };
    const folder = lines.find((l) => l.startsWith("Campaign folder: "))?.slice("Campaign folder: ".length);
    if (folder !== undefined && existsSync(resolve(work, folder, "replay.json"))) {
      const campaign = JSON.parse(readFileSync(resolve(work, folder, "campaign.json"), "utf8"));
      mkdirSync(join(root, "mutation", "replays"), { recursive: true });
      cpSync(resolve(work, folder, "replay.json"), join(root, "mutation", "replays", `${id}.json`));
      return {
        ...caught,
        replay: `mutation/replays/${id}.json`,
        foundAfterActions: campaign.failure.foundAfterActions,
        shrunkTo: campaign.failure.shrunkTo,
        failure: campaign.failure.failure,
      };
    }
    return caught;
  }
  return { caught: false };
};

// With --ids, only those mutants run again, and their verdicts replace the ones in mutation/results.json.
const previous =
  ids !== undefined && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")).results : [];
const results = [...previous];
const record = (r) => {
  const k = results.findIndex((x) => x.id === r.id);
  if (k >= 0) results[k] = r;
  else results.push(r);
};
let count = 0;
const campaignStarted = Date.now();
// The mutants to run, taken from the contracts in turn (one of each, then the next of each...), so that a run cut
// short by --minutes still covers every contract and operator.
const queues = [];
for (const target of TARGETS) {
  if (only !== undefined && !only.includes(target.contract)) continue;
  const path = join(work, target.file);
  const text = readFileSync(path, "utf8");
  const all = mutantsOf(target, text);
  const chosen = ids !== undefined ? all.filter((m) => ids.has(m.id)) : sampleOf(all);
  queues.push(chosen.map((m) => ({ m, target, path, text })));
}
const order = [];
for (let k = 0; queues.some((q) => k < q.length); k++) for (const q of queues) if (k < q.length) order.push(q[k]);
for (const { m, target, path, text } of order) {
  if (count >= limit || Date.now() - campaignStarted > minutes * 60_000) break;
  count++;
  const started = Date.now();
  writeFileSync(path, m.source);
  const build = run(work, hh, ["build", "--quiet"], 600_000);
  let verdict;
  if (build.code !== 0) verdict = { status: "stillborn" };
  else if (bytecodeOf(work) === original) {
    verdict = { status: "equivalent", why: "same bytecode as the original (metadata aside)" };
  } else if (EQUIVALENT[m.id] !== undefined) verdict = { status: "equivalent", why: EQUIVALENT[m.id] };
  else {
    const lockstep = caughtBy(LOCKSTEP, m.id);
    const fuzz = caughtBy(FUZZ, m.id);
    verdict = { status: lockstep.caught || fuzz.caught ? "caught" : "missed", lockstep, fuzz };
  }
  writeFileSync(path, text);
  const r = {
    id: m.id,
    mechanism: target.mechanism,
    contract: target.contract,
    operator: m.operator,
    line: m.line,
    before: m.before,
    after: m.after,
    ...verdict,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  record(r);
  say(
    `${m.id} ${m.operator} line ${m.line}: ${r.status}${r.lockstep ? ` (lockstep ${r.lockstep.caught ? "caught" : "missed"}, fuzz ${r.fuzz.caught ? `caught${r.fuzz.shrunkTo !== undefined ? `, shrunk to ${r.fuzz.shrunkTo}` : ""}` : "missed"})` : ""} in ${r.seconds}s`,
  );
  mkdirSync(join(root, "mutation"), { recursive: true });
  writeFileSync(
    resultsFile,
    JSON.stringify(
      {
        fuzzRuns,
        fuzzDepth,
        every,
        sample: order.length,
        seconds: Math.round((Date.now() - campaignStarted) / 1000),
        results,
      },
      null,
      2,
    ) + "\n",
  );
}
run(work, hh, ["build", "--quiet"], 600_000);

writeTable(results, order.length);
