import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre from "hardhat";
import { simFit, type FitArgs } from "../../simulation/cli/fit.js";
import { simRun } from "../../simulation/cli/run.js";
import { MAX_UINT256 } from "../../simulation/model/erc20.js";
import { distance, ks, log10OnePlus, statisticsOf } from "../../simulation/fit/statistics.js";
import { capture } from "../helpers/capture.js";

interface FitJson {
  readonly fitted: readonly { path: string; value: number; interval: [number, number]; identifiable: boolean }[];
  readonly goodness: { ratio: number };
}

async function fitCmd(args: FitArgs): Promise<{ code: number; stdout: string; stderr: string }> {
  const { value, stdout, stderr } = await capture(() => simFit(hre, args));
  return { code: value, stdout, stderr };
}

function only(dir: string, prefix: string): string {
  const found = readdirSync(dir).filter((d) => d.startsWith(prefix));
  expect(found, `${prefix}* in ${dir}`).to.have.length(1);
  return join(dir, found[0]!);
}

/** The known answer: what the observed run's agents did. */
const TRUTH = { "buyers.commitProbability": 0.3, "buyers.redeemProbability": 0.6 } as const;
/** The tolerance the README states. */
const TOLERANCE = 0.1;

describe("fit: behavioural parameters from observed statistics", function () {
  this.timeout(120_000);
  let root: string;
  let observed: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "lockstep-fit-"));
    // An observation with a known answer: a run of 40 buyers over 12 monthly steps with the parameters above.
    const run = await capture(() =>
      simRun(hre, {
        scenario: "fees-and-rewards",
        mode: "model",
        steps: "12",
        set: `population.buyers=40 buyers.commitProbability=${TRUTH["buyers.commitProbability"]} buyers.redeemProbability=${TRUTH["buyers.redeemProbability"]}`,
        out: join(root, "observed"),
      }),
    );
    expect(run.value, run.stderr).to.equal(0);
    observed = only(join(root, "observed"), "fees-and-rewards-");
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it("fit: recovers the known commit and redeem probabilities from other starting values, and says it cannot tell a parameter with no effect apart", async () => {
    // The search starts from the scenario's defaults (0.6 and 0.85), not from the observed folder's values.
    const r = await fitCmd({
      observed,
      param: "buyers.commitProbability=0..1 buyers.redeemProbability=0..1 market.complaintPopularityPenalty=0..1",
      out: join(root, "fit"),
    });
    expect(r.code, r.stderr).to.equal(0);
    const f = JSON.parse(readFileSync(join(only(join(root, "fit"), "fit-"), "fit.json"), "utf8")) as FitJson;
    const by = (path: string) => f.fitted.find((x) => x.path === path)!;
    for (const [path, truth] of Object.entries(TRUTH)) {
      const p = by(path);
      expect(p.identifiable, path).to.equal(true);
      expect(Math.abs(p.value - truth), `${path} = ${p.value}, truth ${truth}`).to.be.at.most(TOLERANCE);
      expect(p.interval[0], `${path} interval`).to.be.at.most(truth);
      expect(p.interval[1], `${path} interval`).to.be.at.least(truth);
    }
    // No complaints in this scenario: the popularity penalty changes nothing the distance sees.
    expect(by("market.complaintPopularityPenalty").identifiable).to.equal(false);
    expect(r.stdout).to.match(
      / {2}market\.complaintPopularityPenalty: cannot be told apart: the distance changes by 0 across 0\.\.1/,
    );
    expect(f.goodness.ratio).to.be.below(1.5);
    process.stdout.write(
      `      measured: ${Object.keys(TRUTH)
        .map(
          (p) =>
            `${p} ${by(p).value.toFixed(3)} [${by(p)
              .interval.map((x) => x.toFixed(3))
              .join(", ")}]`,
        )
        .join("; ")}; goodness ${f.goodness.ratio.toFixed(2)}\n`,
    );
  });

  it("fit: the goodness of fit says so when no value of the parameters reproduces the observation", async () => {
    // Five buyers cannot commit as often as forty did, whatever their commit probability.
    const r = await fitCmd({
      observed,
      param: "buyers.commitProbability=0..1",
      set: "population.buyers=5",
      budget: "18",
      out: join(root, "misfit"),
    });
    expect(r.code, r.stderr).to.equal(0);
    const f = JSON.parse(readFileSync(join(only(join(root, "misfit"), "fit-"), "fit.json"), "utf8")) as FitJson;
    expect(f.goodness.ratio).to.be.above(2);
    expect(r.stdout).to.include("the model does not reproduce what was observed with these parameters");
  });

  it("fit: bad input is one line and exit code 2", async () => {
    const cases: [FitArgs, string][] = [
      [
        { param: "buyers.commitProbability=0..1" },
        "Missing option --observed: expected the folder of sim observe (or of any run) to fit to.",
      ],
      [
        { observed },
        'Missing option --param: expected path=min..max, for example --param "buyers.commitProbability=0..1".',
      ],
      [
        { observed: root, param: "buyers.commitProbability=0..1" },
        `Invalid option --observed = ${JSON.stringify(root)}: expected the folder of sim observe or of a run (manifest.json and trace.csv).`,
      ],
      [
        { observed, param: "buyers.commitProbability=0..2" },
        'Invalid --param "buyers.commitProbability=0..2": expected min < max within 0..1.',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await fitCmd({ ...args, out: join(root, "bad") });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.equal(`error: ${message}\n`);
    }
  });
});

describe("fit statistics: counts, amounts, delays and the distance", () => {
  const DAY = 86_400;
  const actions = [
    { kind: "commit", args: { offerId: "1" }, at: 1 * DAY },
    { kind: "redeem", args: { exchangeId: "7" }, at: 5 * DAY },
    { kind: "deposit", args: { amount: "999" }, at: 6 * DAY },
    { kind: "complete", args: { exchangeId: "7" }, at: 12 * DAY },
    { kind: "commit", args: { offerId: "1" }, at: 31 * DAY },
    { kind: "late", args: {}, at: 61 * DAY },
  ];

  it("statisticsOf: counts per step, amounts as log10(1 + v), delays from the previous action naming the same id", () => {
    const s = statisticsOf(actions, 30 * DAY, 2);
    expect(s.counts).to.deep.equal({ commit: [1, 1], redeem: [1, 0], deposit: [1, 0], complete: [1, 0] });
    expect(s.amounts).to.deep.equal({ "deposit.amount": [3] });
    expect(s.delays).to.deep.equal({
      "exchangeId: redeem→complete": [7 * DAY],
      "offerId: commit→commit": [30 * DAY],
    });
    expect(s.actions).to.equal(5); // the action past the last step is not counted
  });

  it("log10OnePlus: exact for small amounts, right to 12 digits for the largest uint256", () => {
    expect(log10OnePlus(0n)).to.equal(0);
    expect(log10OnePlus(9n)).to.equal(1);
    // (A plain difference: the suite's chai matchers take closeTo for bigints.)
    expect(Math.abs(log10OnePlus(MAX_UINT256) - 77.06367888997919)).to.be.below(1e-12);
  });

  it("ks and distance: zero between equal statistics, and a count that differs adds its chi-square", () => {
    expect(ks([1, 2, 3], [1, 2, 3])).to.equal(0);
    expect(ks([1, 2], [3, 4])).to.equal(1);
    expect(ks([1, 2, 3, 4], [3, 4, 5, 6])).to.equal(0.5);
    const s = statisticsOf(actions, 30 * DAY, 2);
    expect(distance(s, [s, s])).to.deep.equal({ counts: 0, amounts: 0, delays: 0, total: 0 });
    const more = statisticsOf([...actions, { kind: "commit", args: { offerId: "2" }, at: 2 * DAY }], 30 * DAY, 2);
    // Commits in step 0: 1 observed, 2 simulated: (1 - 2)^2 / (1 + 2 + 1) = 1/4, averaged over 2 steps.
    expect(distance(s, [more]).counts).to.equal(1 / 8);
  });
});
