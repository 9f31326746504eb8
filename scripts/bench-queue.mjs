// Measures experiments through the queue (npm run bench:queue; --quick for a short check that it works).
// Starts its own redis-server on a free loopback port and its own `sim worker` processes, runs sweeps as
// `npx hardhat sim sweep` subprocesses (the coordinator), and prints and writes bench/queue.json:
// - runs/s of a model-mode Monte Carlo (boson-commerce, 60 steps) on 1 and 2 queue workers and on the local pool of
//   1 and 2 workers, each the marginal rate between a small and a large sweep (fixed start-up costs cancel out);
// - the coordinator's CPU time per run (its overhead: taking a result from Redis, decoding it, recording it), and
//   its peak memory (VmHWM), for 1,000 and 10,000 model-mode runs of fees-and-rewards through the queue.
// It asserts nothing: speed is measured, not tested. Figures move with the machine's load: run it on a quiet one.
import { spawn } from "node:child_process";
import console from "node:console";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { clearInterval, setInterval, setTimeout } from "node:timers";

const quick = process.argv.includes("--quick");
const root = join(import.meta.dirname, "..");
const cli = join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
const work = mkdtempSync(join(tmpdir(), "lockstep-bench-queue-"));
const TICK = 100; // clock ticks per second of /proc/<pid>/stat on Linux

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** CPU seconds (user + system) and peak RSS (MiB) of a live process, from /proc. */
function usage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(f[11]) + Number(f[12])) / TICK;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { cpu, peakMiB: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return undefined;
  }
}

/** `npx hardhat sim <args>`; resolves with its wall time, its CPU seconds and peak memory (read every 50 ms). */
function sim(args) {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, "sim", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  let last = { cpu: 0, peakMiB: 0 };
  // Maxima: the last reading may be of the exited process (a zombie keeps its CPU times, not its memory).
  const timer = setInterval(() => {
    const u = usage(child.pid);
    if (u !== undefined) last = { cpu: Math.max(last.cpu, u.cpu), peakMiB: Math.max(last.peakMiB, u.peakMiB) };
  }, 50);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`sim ${args.join(" ")} exited with ${code}:\n${out}`));
      resolve({ wallSeconds: (performance.now() - started) / 1000, ...last, out });
    });
  });
}

function startRedis(port) {
  return spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
}

function startWorker(url) {
  const child = spawn(process.execPath, [cli, "sim", "worker", "--queue", url], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const ready = new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes("waiting for experiments")) {
        clearInterval(t);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`worker exited:\n${out}`));
      }
    }, 50);
  });
  return { child, ready };
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });

let sweeps = 0;
/** A sweep of `runs` runs; `where` is ["--queue", url] or ["--workers", n]. */
async function sweep(scenario, steps, runs, where) {
  const out = join(work, `sweep-${sweeps++}`);
  const r = await sim([
    "sweep",
    "--scenario",
    scenario,
    "--grid",
    scenario === "boson-commerce" ? "fees.feeBps=50,100" : "fees.feeBps=25,50",
    "--runs",
    String(runs / 2),
    "--steps",
    String(steps),
    "--seed",
    String(sweeps),
    "--out",
    out,
    ...where,
  ]);
  const folder = join(out, readdirSync(out)[0]);
  const spec = JSON.parse(readFileSync(join(folder, "experiment.json"), "utf8"));
  rmSync(out, { recursive: true, force: true });
  if (spec.runs.completed !== runs) throw new Error(`sweep recorded ${spec.runs.completed} of ${runs} runs`);
  return { ...r, experimentSeconds: spec.wallSeconds };
}

/** Runs/s between a small and a large sweep: the extra runs over the extra time (start-up costs cancel out). */
async function marginalRate(where, small, large) {
  const a = await sweep("boson-commerce", 60, small, where);
  const b = await sweep("boson-commerce", 60, large, where);
  return {
    runsPerSecond: (large - small) / (b.experimentSeconds - a.experimentSeconds),
    // The coordinator's own CPU per run (its workers are other processes, here or elsewhere).
    coordinatorCpuMsPerRun: ((b.cpu - a.cpu) * 1000) / (large - small),
    experimentSeconds: [a.experimentSeconds, b.experimentSeconds],
    peakMiB: [a.peakMiB, b.peakMiB],
  };
}

const results = { quick, date: new Date().toISOString(), node: process.version, load: os.loadavg() };
const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = startRedis(port);
let workers = [];
try {
  await new Promise((r) => setTimeout(r, 300));
  const [small, large] = quick ? [10, 40] : [40, 160];
  for (const n of [1, 2]) {
    const rate = await marginalRate(["--workers", String(n)], small, large);
    results[`local${n}`] = rate;
    console.log(
      `local pool, ${n} worker(s): ${rate.runsPerSecond.toFixed(1)} runs/s; coordinator ${rate.coordinatorCpuMsPerRun.toFixed(2)} ms CPU per run`,
    );
  }
  for (const n of [1, 2]) {
    workers = Array.from({ length: n }, () => startWorker(url));
    await Promise.all(workers.map((w) => w.ready));
    const rate = await marginalRate(["--queue", url], small, large);
    results[`queue${n}`] = rate;
    console.log(
      `queue, ${n} worker(s): ${rate.runsPerSecond.toFixed(1)} runs/s; coordinator ${rate.coordinatorCpuMsPerRun.toFixed(2)} ms CPU per run`,
    );
    if (n === 2) break;
    await Promise.all(workers.map((w) => stop(w.child)));
  }
  // 2 queue workers still up: the coordinator's cost per run and its memory, 1,000 against 10,000 runs.
  const [few, many] = quick ? [200, 2_000] : [1_000, 10_000];
  const a = await sweep("fees-and-rewards", 4, few, ["--queue", url]);
  const b = await sweep("fees-and-rewards", 4, many, ["--queue", url]);
  results.coordinator = {
    runs: [few, many],
    cpuSeconds: [a.cpu, b.cpu],
    wallSeconds: [a.wallSeconds, b.wallSeconds],
    peakMiB: [a.peakMiB, b.peakMiB],
    cpuMsPerRun: ((b.cpu - a.cpu) * 1000) / (many - few),
    runsPerSecond: (many - few) / (b.experimentSeconds - a.experimentSeconds),
  };
  const c = results.coordinator;
  console.log(
    `coordinator: ${few} runs: ${a.wallSeconds.toFixed(1)} s, ${a.cpu.toFixed(1)} CPU s, peak ${a.peakMiB.toFixed(0)} MiB; ` +
      `${many} runs: ${b.wallSeconds.toFixed(1)} s, ${b.cpu.toFixed(1)} CPU s, peak ${b.peakMiB.toFixed(0)} MiB`,
  );
  console.log(
    `coordinator overhead: ${c.cpuMsPerRun.toFixed(2)} ms CPU per run; ${c.runsPerSecond.toFixed(0)} runs/s recorded (fees-and-rewards, 4 steps, 2 workers)`,
  );
} finally {
  await Promise.all(workers.map((w) => stop(w.child)));
  await stop(redis);
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(join(root, "bench"), { recursive: true });
writeFileSync(join(root, "bench", "queue.json"), JSON.stringify(results, null, 2) + "\n");
console.log("Raw figures: bench/queue.json");
