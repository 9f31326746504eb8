import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { summarize } from "../../simulation/analysis/stats.js";
import {
  messageSink,
  openStore,
  query,
  readFinalKpis,
  readRuns,
  readStepsSummary,
  runRowFromError,
  runRowFromResult,
  type RunIds,
  type SinkOptions,
  type Store,
  type StoreMessage,
} from "../../simulation/analysis/store.js";
import { toPlotNumber } from "../../simulation/analysis/values.js";
import { rngFromString } from "../../simulation/engine/rng.js";
import type { ActionRecord, RunSink } from "../../simulation/engine/run.js";
import type { StepSample, TraceLayout } from "../../simulation/analysis/trace.js";
import { prepare } from "../helpers/run.js";
import { executeRun } from "../../simulation/engine/execute.js";
import {
  actionOf,
  BIG,
  HUGE,
  layoutOf,
  paramsFor,
  qualityAt,
  resultOf,
  revenueAt,
  runRowOf,
  sampleOf,
  tempFolder,
} from "./resultsFixture.js";

/** Drives a sink as runScenario does: begin, samples 0..steps with two actions per step, then the runs row. */
async function writeRun(store: Store, sink: RunSink, ids: RunIds, steps: number): Promise<void> {
  await sink.begin(layoutOf(ids));
  await sink.sample(sampleOf(ids, 0));
  for (let step = 0; step < steps; step++) {
    await sink.action(actionOf(step, 0));
    await sink.action(actionOf(step, 1));
    await sink.sample(sampleOf(ids, step + 1));
  }
  await store.recordRun(runRowOf(ids, steps));
}

const ALL: SinkOptions = { variables: true };

describe("store", () => {
  let dir: string;
  let cleanup: () => void;
  let store: Store;

  beforeEach(async () => {
    ({ dir, cleanup } = tempFolder("store"));
    store = await openStore(join(dir, "results.duckdb"));
  });

  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it("sinkFor: writes one steps row per sample, KPIs as doubles through toPlotNumber, for two runs", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 1, run: 3 };
    await writeRun(store, store.sinkFor(a, ALL), a, 3);
    await writeRun(store, store.sinkFor(b, ALL), b, 2);
    const rows = await query(store, "SELECT * FROM steps ORDER BY subset, run, timestep");
    expect(rows).to.have.length(4 + 3);
    expect(Object.keys(rows[0]!)).to.deep.equal([
      "simulation",
      "subset",
      "run",
      "timestep",
      "substep",
      "revenue",
      "quality",
    ]);
    const expected = [...[0, 1, 2, 3].map((t) => [a, t] as const), ...[0, 1, 2].map((t) => [b, t] as const)].map(
      ([ids, t]) => ({
        ...ids,
        timestep: t,
        substep: t === 0 ? "init" : "settle",
        revenue: toPlotNumber(revenueAt(ids, t)),
        quality: qualityAt(ids, t),
      }),
    );
    expect(rows).to.deep.equal(expected);
    expect(store.kpis).to.deep.equal(["revenue", "quality"]);
  });

  it("sinkFor: writes every variable at every sample, exact strings with double twins and the diverged flag", async () => {
    const ids = { simulation: 0, subset: 0, run: 1 };
    await writeRun(store, store.sinkFor(ids, ALL), ids, 3);
    const rows = await query(store, "SELECT * FROM variables WHERE timestep = 2 ORDER BY variable");
    expect(rows).to.deep.equal([
      {
        ...ids,
        timestep: 2,
        substep: "settle",
        variable: "balance:alice",
        model: (BIG + 2n).toString(),
        chain: (BIG + 3n).toString(),
        model_f64: toPlotNumber(BIG + 2n),
        chain_f64: toPlotNumber(BIG + 3n),
        diverged: true,
      },
      {
        ...ids,
        timestep: 2,
        substep: "settle",
        variable: "rate",
        model: "0.5",
        chain: "0.5",
        model_f64: 0.5,
        chain_f64: 0.5,
        diverged: false,
      },
      {
        ...ids,
        timestep: 2,
        substep: "settle",
        variable: "supply",
        model: HUGE.toString(),
        chain: HUGE.toString(),
        model_f64: toPlotNumber(HUGE),
        chain_f64: toPlotNumber(HUGE),
        diverged: false,
      },
    ]);
    const [count] = await query(store, "SELECT count(*) AS n, count(*) FILTER (WHERE diverged) AS d FROM variables");
    expect(count).to.deep.equal({ n: 3 * 4, d: 1 });
  });

  it("sinkFor: writes no variables when asked not to, and null for a side the run lacks", async () => {
    const off = { simulation: 0, subset: 0, run: 0 };
    await writeRun(store, store.sinkFor(off, { variables: false }), off, 2);
    expect(await query(store, "SELECT count(*) AS n FROM variables")).to.deep.equal([{ n: 0 }]);
    expect(await query(store, "SELECT count(*) AS n FROM steps")).to.deep.equal([{ n: 3 }]);

    const modelOnly = { simulation: 0, subset: 0, run: 1 };
    const sink = store.sinkFor(modelOnly, ALL);
    await sink.begin({ ...layoutOf(modelOnly), chain: false });
    const { chain: _chain, ...sample } = sampleOf(modelOnly, 0);
    await sink.sample(sample);
    await store.recordRun(runRowOf(modelOnly, 0));
    const rows = await query(
      store,
      "SELECT variable, model, chain, model_f64, chain_f64 FROM variables WHERE run = 1 ORDER BY variable",
    );
    expect(rows.map((r) => [r["variable"], r["chain"], r["chain_f64"]])).to.deep.equal([
      ["balance:alice", null, null],
      ["rate", null, null],
      ["supply", null, null],
    ]);
    expect(rows[0]!["model"]).to.equal(BIG.toString());
  });

  it("sinkFor: writes actions in order with seq, JSON arguments, both outcomes and gas", async () => {
    const ids = { simulation: 2, subset: 1, run: 0 };
    await writeRun(store, store.sinkFor(ids, ALL), ids, 2);
    const rows = await query(store, "SELECT * FROM actions ORDER BY seq");
    expect(rows.map((r) => [r["seq"], r["step"], r["kind"]])).to.deep.equal([
      [0, 0, "createOffer"],
      [1, 0, "commit"],
      [2, 1, "createOffer"],
      [3, 1, "commit"],
    ]);
    expect(rows[3]).to.deep.equal({
      ...ids,
      seq: 3,
      step: 1,
      substep: "commit",
      agent: "buyer-1",
      kind: "commit",
      args: JSON.stringify(actionOf(1, 1).args),
      model_status: "reverted",
      model_error: "VoucherEscrowInvalidState(7, 2)",
      chain_status: "reverted",
      chain_error: "VoucherEscrowInvalidState(7, 2)",
      tx_hash: `0x${"b".padStart(64, "0")}`,
      gas_used: 21001,
      diverged: false,
    });
    expect(JSON.parse(String(rows[0]!["args"]))).to.deep.equal(actionOf(0, 0).args);
  });

  it("recordRun: round-trips a runs row exactly through readRuns (bigints, NaN, nested params)", async () => {
    const ids = { simulation: 0, subset: 2, run: 5 };
    const row = runRowOf(ids, 4, {
      firstDivergence: {
        step: 2,
        substep: "settle",
        variable: "balance:alice",
        model: "1",
        chain: "2",
        seed: 7,
        actions: [actionOf(1, 0)],
      },
    });
    await store.recordRun(row);
    const [back] = await readRuns(store);
    expect(back).to.deep.equal(row);
    expect(back!.params["offers"]).to.deep.equal({ priceMin: BIG, enabled: true });
    const [raw] = await query(store, "SELECT kpis, seed, gas_used FROM runs");
    expect(JSON.parse(String(raw!["kpis"]))).to.deep.equal({
      revenue: revenueAt(ids, 4).toString(),
      quality: qualityAt(ids, 4),
      nothing: "NaN",
    });
    expect(raw!["seed"]).to.equal(4_000_000_005);
    expect(raw!["gas_used"]).to.equal((10n ** 21n).toString());
  });

  it("recordRun: replaces the row of a run recorded again, and stores a failed run's error", async () => {
    const ids = { simulation: 0, subset: 0, run: 0 };
    await store.recordRun(runRowOf(ids, 3));
    const base = { ...ids, scenario: "x", mode: "model" as const, seed: 1, steps: 3, params: {}, modelParams: {} };
    await store.recordRun(runRowFromError(base, new RangeError("step 2: out of gas")));
    const runs = await readRuns(store);
    expect(runs).to.deep.equal([
      {
        ...ids,
        scenario: "x",
        mode: "model",
        seed: 1,
        steps: 3,
        params: {},
        modelParams: {},
        status: "failed",
        error: "RangeError: step 2: out of gas",
      },
    ]);
  });

  it("runRowFromResult: takes status, counts, KPIs and wall time from the RunResult", async () => {
    const ids = { simulation: 1, subset: 0, run: 2 };
    const params = paramsFor(ids);
    const row = runRowFromResult(
      { ...ids, scenario: "s", mode: "model", seed: 9, steps: 3, params, modelParams: params },
      resultOf(3),
    );
    expect(row).to.deep.equal({
      ...ids,
      scenario: "s",
      mode: "model",
      seed: 9,
      steps: 3,
      params,
      modelParams: params,
      status: "parity",
      divergences: 0,
      traceHash: "cd".repeat(32),
      kpis: { revenue: 5n * BIG, quality: 1.25 },
      actions: 4,
      reverted: 1,
      gasUsed: 123_456n,
      wallSeconds: 2.5,
    });
    await store.recordRun(row);
    expect(await readRuns(store)).to.deep.equal([row]);
  });

  it("readStepsSummary: computes per subset and timestep the same mean, sd and quantiles as stats.summarize", async () => {
    // Two subsets of 9 runs; quality drawn from a pinned stream so runs differ.
    const rng = rngFromString("store-summary");
    const values = new Map<string, number[]>();
    for (const subset of [0, 1]) {
      for (let run = 0; run < 9; run++) {
        const ids = { simulation: 0, subset, run };
        const sink = store.sinkFor(ids, { variables: false });
        await sink.begin(layoutOf(ids));
        for (let t = 0; t <= 3; t++) {
          const quality = rng.normal(10 * subset + t, 2);
          const key = `${subset}/${t}`;
          values.set(key, [...(values.get(key) ?? []), quality]);
          await sink.sample({ ...sampleOf(ids, t), kpis: { revenue: BIG, quality } });
        }
        await store.recordRun(runRowOf(ids, 3));
      }
    }
    const summary = await readStepsSummary(store, "quality");
    expect(summary).to.have.length(2 * 4);
    for (const row of summary) {
      const s = summarize(values.get(`${row.subset}/${row.timestep}`)!);
      expect(row.simulation).to.equal(0);
      expect(row.n).to.equal(9);
      for (const k of ["mean", "sd", "p5", "p50", "p95"] as const) {
        expect(Math.abs(row[k] - s[k]), `${k} at ${row.subset}/${row.timestep}`).to.be.below(
          1e-12 * Math.max(1, Math.abs(s[k])),
        );
      }
    }
    expect(summary.map((r) => `${r.subset}/${r.timestep}`)).to.deep.equal([
      "0/0",
      "0/1",
      "0/2",
      "0/3",
      "1/0",
      "1/1",
      "1/2",
      "1/3",
    ]);
  });

  it("readStepsSummary: gives NaN sd for a single run and names the KPIs when asked for an unknown one", async () => {
    const ids = { simulation: 0, subset: 0, run: 0 };
    await writeRun(store, store.sinkFor(ids, ALL), ids, 1);
    const [first] = await readStepsSummary(store, "quality");
    expect(first).to.include({ n: 1, mean: qualityAt(ids, 0), p5: qualityAt(ids, 0), p95: qualityAt(ids, 0) });
    expect(first!.sd).to.be.NaN;
    let message = "";
    await readStepsSummary(store, "nope").catch((e: Error) => (message = e.message));
    expect(message).to.equal('Unknown KPI "nope": expected one of revenue, quality.');
  });

  it("readFinalKpis: gives each run's final KPIs as numbers and exactly, failed runs with none", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 0, run: 1 };
    await store.recordRun(runRowOf(a, 5));
    await store.recordRun(
      runRowFromError({ ...b, scenario: "x", mode: "model", seed: 2, steps: 5, params: {}, modelParams: {} }, "boom"),
    );
    const finals = await readFinalKpis(store);
    expect(finals).to.have.length(2);
    expect(finals[0]!.exact).to.deep.equal({ revenue: revenueAt(a, 5), quality: qualityAt(a, 5), nothing: NaN });
    expect(finals[0]!.kpis).to.deep.equal({
      revenue: toPlotNumber(revenueAt(a, 5)),
      quality: qualityAt(a, 5),
      nothing: NaN,
    });
    expect(finals[0]).to.include({ seed: 4_000_000_000, status: "diverged" });
    expect(finals[1]).to.deep.equal({ ...b, seed: 2, status: "failed", kpis: {}, exact: {} });
  });

  it("query: returns plain rows, bigints as numbers when safe and as decimal strings otherwise", async () => {
    const rows = await query(
      store,
      "SELECT 42::BIGINT AS small, (2::HUGEINT ** 100)::HUGEINT AS big, $1 AS p, [1, 2]::BIGINT[] AS l, {'a': 9007199254740993::UBIGINT} AS s",
      ["text"],
    );
    expect(rows).to.deep.equal([
      { small: 42, big: (2n ** 100n).toString(), p: "text", l: [1, 2], s: { a: "9007199254740993" } },
    ]);
  });

  it("write: gives the same tables when the rows travel as structured-cloned messages (a worker's path)", async () => {
    const ids = { simulation: 0, subset: 1, run: 1 };
    const posted: string[] = [];
    const sink = messageSink(ids, ALL, (m: StoreMessage) => {
      posted.push(m.type);
      return store.write(structuredClone(m));
    });
    await writeRun(store, sink, ids, 3);
    const other = tempFolder("store-direct");
    const direct = await openStore(join(other.dir, "results.duckdb"));
    try {
      await writeRun(direct, direct.sinkFor(ids, ALL), ids, 3);
      for (const table of ["steps", "variables", "actions", "runs"]) {
        const sql = `SELECT * FROM ${table} ORDER BY ALL`;
        expect(await query(store, sql), table).to.deep.equal(await query(direct, sql));
      }
    } finally {
      await direct.close();
      other.cleanup();
    }
    expect(posted.slice(0, 3)).to.deep.equal(["begin", "sample", "action"]);
  });

  it("write: keeps each run's call order when a run reports a new KPI while another run is open (no awaits)", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 0, run: 1 };
    const pending: (void | Promise<void>)[] = [];
    // Run a has KPIs revenue, quality; run b adds "fresh" while run a keeps writing: the column is added once run a
    // is recorded, and run b's rows land after it.
    pending.push(store.write({ type: "begin", ids: a, layout: layoutOf(a), options: ALL }));
    pending.push(store.write({ type: "sample", ids: a, sample: sampleOf(a, 0) }));
    pending.push(store.write({ type: "begin", ids: b, layout: layoutOf(b, ["revenue", "fresh"]), options: ALL }));
    pending.push(
      store.write({ type: "sample", ids: b, sample: { ...sampleOf(b, 0), kpis: { revenue: 1n, fresh: 2.5 } } }),
    );
    for (let t = 1; t <= 3; t++) {
      pending.push(store.write({ type: "action", ids: a, record: actionOf(t - 1, 0) }));
      pending.push(store.write({ type: "sample", ids: a, sample: sampleOf(a, t) }));
    }
    pending.push(store.write({ type: "run", row: runRowOf(a, 3) }));
    pending.push(store.write({ type: "run", row: runRowOf(b, 0) }));
    await Promise.all(pending);
    expect(store.kpis).to.deep.equal(["revenue", "quality", "fresh"]);
    const rows = await query(store, "SELECT run, timestep, revenue, quality, fresh FROM steps ORDER BY run, timestep");
    expect(rows).to.deep.equal([
      ...[0, 1, 2, 3].map((t) => ({
        run: 0,
        timestep: t,
        revenue: toPlotNumber(revenueAt(a, t)),
        quality: qualityAt(a, t),
        fresh: null,
      })),
      { run: 1, timestep: 0, revenue: 1, quality: null, fresh: 2.5 },
    ]);
    expect(await query(store, "SELECT seq, step FROM actions ORDER BY seq")).to.deep.equal([
      { seq: 0, step: 0 },
      { seq: 1, step: 1 },
      { seq: 2, step: 2 },
    ]);
  });

  it("recordRun: a run's rows are seen only once its runs row commits them, together (flushed or not)", async () => {
    await store.close();
    // Appenders flushed every 2 rows: the run's rows reach DuckDB long before its runs row does.
    store = await openStore(join(dir, "flushed.duckdb"), { flushRows: 2 });
    const a = { simulation: 0, subset: 0, run: 0 };
    const sink = store.sinkFor(a, ALL);
    await sink.begin(layoutOf(a));
    for (let t = 0; t <= 2; t++) await sink.sample(sampleOf(a, t));
    await sink.action(actionOf(0, 0));
    const counts =
      "SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(*) FROM steps) AS s, (SELECT count(*) FROM variables) AS v, (SELECT count(*) FROM actions) AS a";
    expect(await query(store, counts)).to.deep.equal([{ r: 0, s: 0, v: 0, a: 0 }]);
    await store.recordRun(runRowOf(a, 2));
    expect(await query(store, counts)).to.deep.equal([{ r: 1, s: 3, v: 9, a: 1 }]);
  });

  it("abandonRun: a run stopped or failed leaves no row, and the runs recorded beside it stay whole", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 0, run: 1 };
    const sa = store.sinkFor(a, ALL);
    const sb = store.sinkFor(b, ALL);
    await sa.begin(layoutOf(a));
    await sb.begin(layoutOf(b));
    for (let t = 0; t <= 3; t++) {
      await sa.sample(sampleOf(a, t));
      await sb.sample(sampleOf(b, t));
      await sa.action(actionOf(t, 0));
    }
    await store.abandonRun(a);
    await store.recordRun(runRowOf(b, 3));
    for (const table of ["steps", "variables", "actions", "runs"]) {
      expect(await query(store, `SELECT DISTINCT run FROM ${table}`), table).to.deep.equal(
        table === "actions" ? [] : [{ run: 1 }],
      );
    }
    // The same run can begin again after it was abandoned.
    await writeRun(store, store.sinkFor(a, ALL), a, 1);
    expect(await query(store, "SELECT count(*) AS n FROM steps WHERE run = 0")).to.deep.equal([{ n: 2 }]);
  });

  it("close: runs still open are not kept; the file reopens with the recorded runs only", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 0, run: 1 };
    await writeRun(store, store.sinkFor(a, ALL), a, 2);
    const sb = store.sinkFor(b, ALL);
    await sb.begin(layoutOf(b));
    await sb.sample(sampleOf(b, 0));
    await store.close();
    store = await openStore(join(dir, "results.duckdb"));
    expect(await query(store, "SELECT DISTINCT run FROM steps UNION ALL SELECT run FROM runs")).to.deep.equal([
      { run: 0 },
      { run: 0 },
    ]);
  });

  it("Store: flushes appenders every flushRows rows, so buffered rows stay bounded", async () => {
    await store.close();
    store = await openStore(join(dir, "bounded.duckdb"), { flushRows: 5 });
    const ids = { simulation: 0, subset: 0, run: 0 };
    const sink = store.sinkFor(ids, ALL); // 1 steps row + 3 variables rows per sample
    await sink.begin(layoutOf(ids));
    let maxBuffered = 0;
    for (let t = 0; t < 50; t++) {
      await sink.sample(sampleOf(ids, t));
      maxBuffered = Math.max(maxBuffered, store.bufferedRows);
    }
    expect(maxBuffered).to.be.below(5);
    expect(maxBuffered).to.be.above(0);
    await store.recordRun(runRowOf(ids, 49));
    expect(await query(store, "SELECT count(*) AS n FROM variables")).to.deep.equal([{ n: 150 }]);
  });

  it("discardRun: removes a run's rows from every table so it can run again", async () => {
    const a = { simulation: 0, subset: 0, run: 0 };
    const b = { simulation: 0, subset: 0, run: 1 };
    await writeRun(store, store.sinkFor(a, ALL), a, 2);
    await writeRun(store, store.sinkFor(b, ALL), b, 2);
    await store.discardRun(a);
    for (const table of ["steps", "variables", "actions", "runs"]) {
      expect(await query(store, `SELECT DISTINCT run FROM ${table}`), table).to.deep.equal([{ run: 1 }]);
    }
    await writeRun(store, store.sinkFor(a, ALL), a, 2);
    expect(await query(store, "SELECT count(*) AS n FROM steps WHERE run = 0")).to.deep.equal([{ n: 3 }]);
  });

  it("Store: refuses a run that begins twice, rows of a run that has not begun, and a layout of another run", async () => {
    const ids = { simulation: 0, subset: 0, run: 0 };
    await store.beginRun(ids, layoutOf(ids), ALL);
    expect(() => store.beginRun(ids, layoutOf(ids), ALL)).to.throw(
      "run 0/0/0 began twice: discardRun(ids) before running it again (this is a bug in Lockstep; please report it with the run folder)",
    );
    const other = { simulation: 0, subset: 0, run: 1 };
    expect(() => store.appendSample(other, sampleOf(other, 0))).to.throw(
      "sample for run 0/0/1, which has not begun (or has ended)",
    );
    expect(() => store.appendAction(other, actionOf(0, 0))).to.throw("action for run 0/0/1, which has not begun");
    expect(() => store.beginRun(other, layoutOf(ids), ALL)).to.throw(
      "the sink of run 0/0/1 received the layout of run 0/0/0",
    );
    await store.recordRun(runRowOf(ids, 0));
    expect(() => store.appendSample(ids, sampleOf(ids, 1))).to.throw(
      "sample for run 0/0/0, which has not begun (or has ended)",
    );
  });

  it("openStore: reopens a store with its KPI columns and rows, and read-only refuses writes", async () => {
    const ids = { simulation: 0, subset: 0, run: 0 };
    await writeRun(store, store.sinkFor(ids, ALL), ids, 2);
    await store.close();
    const path = join(dir, "results.duckdb");
    store = await openStore(path, { readOnly: true });
    expect(store.kpis).to.deep.equal(["revenue", "quality"]);
    expect(await query(store, "SELECT count(*) AS n FROM steps")).to.deep.equal([{ n: 3 }]);
    expect(() => store.recordRun(runRowOf(ids, 1))).to.throw(
      `The results store ${path} is open read-only: open it without readOnly to write.`,
    );
    await store.close();
    expect(() => store.query("SELECT 1")).to.throw(`The results store ${path} is closed: open it again to read.`);
    store = await openStore(path);
    await writeRun(store, store.sinkFor({ ...ids, run: 1 }, ALL), { ...ids, run: 1 }, 1);
    expect(await query(store, "SELECT count(*) AS n FROM steps")).to.deep.equal([{ n: 5 }]);
  });

  it("sinkFor: stores a real model-mode run as the engine produced it (fees-and-rewards, 4 steps)", async () => {
    const prepared = await prepare({ scenario: "fees-and-rewards", mode: "model", steps: "4", seed: "3" });
    const ids = { simulation: 0, subset: 1, run: 2 };
    const inner = store.sinkFor(ids, ALL);
    let layout: TraceLayout | undefined;
    const samples: StepSample[] = [];
    const actions: ActionRecord[] = [];
    const tee: RunSink = {
      begin: (l) => ((layout = l), inner.begin(l)),
      sample: (x) => (samples.push(x), inner.sample(x)),
      action: (r) => (actions.push(r), inner.action(r)),
    };
    const { result } = await executeRun(prepared, { sink: tee, ...ids });
    const base = {
      ...ids,
      scenario: prepared.scenario.name,
      mode: prepared.mode,
      seed: prepared.seed,
      steps: prepared.steps,
    };
    const row = runRowFromResult({ ...base, params: prepared.params, modelParams: prepared.modelParams }, result);
    await store.recordRun(row);

    expect(samples).to.have.length(5);
    expect(store.kpis).to.deep.equal(layout!.kpis);
    const steps = await query(store, "SELECT * FROM steps ORDER BY timestep");
    expect(steps).to.deep.equal(
      samples.map((x) => {
        const kpis: Record<string, number> = {};
        for (const k of layout!.kpis) {
          const v = x.kpis[k]!;
          kpis[k] = typeof v === "bigint" ? toPlotNumber(v) : v;
        }
        return { ...ids, timestep: x.timestep, substep: x.substep, ...kpis };
      }),
    );
    const variables = await query(store, "SELECT timestep, variable, model, chain FROM variables");
    expect(variables).to.have.length(5 * layout!.variables.length);
    expect(variables.every((v) => v["chain"] === null)).to.equal(true);
    const last = samples[4]!;
    for (const v of variables.filter((r) => r["timestep"] === 4)) {
      expect(v["model"], String(v["variable"])).to.equal(String(last.model!.get(String(v["variable"]))));
    }
    const stored = await query(store, "SELECT seq, step, agent, kind, args FROM actions ORDER BY seq");
    expect(stored).to.have.length(result.actions.total);
    expect(stored).to.deep.equal(
      actions.map((r, seq) => ({ seq, step: r.step, agent: r.agent, kind: r.kind, args: JSON.stringify(r.args) })),
    );
    const [back] = await readRuns(store);
    expect(back).to.deep.equal({ ...row, params: prepared.params, modelParams: prepared.modelParams });
    const [final] = await readFinalKpis(store);
    expect(final!.exact).to.deep.equal(result.kpis);
  });

  it("openStore: refuses to open a missing database read-only", async () => {
    const path = join(dir, "missing.duckdb");
    let message = "";
    await openStore(path, { readOnly: true }).catch((e: Error) => (message = e.message));
    expect(message).to.equal(`No results database at ${path}: expected a folder written by an experiment or a run.`);
    expect(existsSync(path)).to.equal(false);
  });
});
