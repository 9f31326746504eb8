import { expect } from "chai";
import { newMarket, type CommerceView } from "../../simulation/agents/market.js";
import {
  expectedMargin,
  LIST,
  OUT,
  recruitProbability,
  responsiveStrategy,
} from "../../simulation/agents/sellerEconomics.js";
import { defaults } from "../../simulation/engine/params.js";
import { rngFromString } from "../../simulation/engine/rng.js";
import type { Address } from "../../simulation/model/types.js";
import type { World } from "../../simulation/model/world.js";
import { bosonCommerceSchema } from "../../simulation/scenarios/boson-commerce.js";
import { runFromRequest } from "../helpers/run.js";

const SELLER = "0x00000000000000000000000000000000000000aa" as Address;
const TOKEN = 10n ** 18n;

/** A view with only what a seller's expectation reads: the fee, its split, and the seller's private traits. */
function viewWith(
  feeBps: number,
  ecoBps = 5_000,
  aggregatorPointsBps = 5_000,
  margin = 0.05,
  quality = 1,
): CommerceView {
  const market = newMarket((name) => rngFromString(name));
  market.traits.set(SELLER, { adaptive: false, margin, basePrice: 50n * TOKEN });
  market.quality.set(SELLER, quality);
  const world = {
    fees: { feeBps: BigInt(feeBps), ecoBps: BigInt(ecoBps) },
    escrow: { aggregatorPointsBps: BigInt(aggregatorPointsBps) },
  } as unknown as World;
  return { world, market };
}

describe("agents/sellerEconomics: the responsive seller", () => {
  const p = defaults(bosonCommerceSchema);

  // margin 5%, quality 1 (no faults), fee rewards return (1 - 50%) x (1 - 50%) = 25% of the fee, the deposit
  // (10% of the price) costs 1% a step, the threshold is 1%: it lists while 0.05 - 0.75 f - 0.001 >= 0.01,
  // that is while f <= 5.2%.
  it("lists while its expected margin clears the threshold, and leaves when the fee exceeds its margin", () => {
    expect(responsiveStrategy(viewWith(0), SELLER, p)).to.equal(LIST);
    expect(responsiveStrategy(viewWith(520), SELLER, p)).to.equal(LIST);
    expect(responsiveStrategy(viewWith(530), SELLER, p)).to.equal(OUT);
    expect(responsiveStrategy(viewWith(1_000), SELLER, p)).to.equal(OUT);
    // (chai's closeTo is taken over by hardhat's bigint matchers once a chain has run: compare by hand)
    expect(Math.abs(expectedMargin(viewWith(400), SELLER, p) - (0.05 - 0.75 * 0.04 - 0.001))).to.be.lessThan(1e-12);
  });

  it("counts the fee rewards that come back: with all of the fee returned, no fee drives it away", () => {
    expect(responsiveStrategy(viewWith(1_000, 0, 0), SELLER, p)).to.equal(LIST);
  });

  it("counts its dispute losses: a seller of lower quality leaves at a lower fee", () => {
    // quality 0.5: complaints 0.02 + 0.3 x 0.5 = 17% of redemptions, half of them faults refunded at 80%: 6.8%.
    expect(responsiveStrategy(viewWith(0, 5_000, 5_000, 0.05, 0.5), SELLER, p)).to.equal(OUT);
    expect(responsiveStrategy(viewWith(0, 5_000, 5_000, 0.1, 0.5), SELLER, p)).to.equal(LIST);
    expect(responsiveStrategy(viewWith(400, 5_000, 5_000, 0.1, 0.5), SELLER, p)).to.equal(OUT);
  });

  it("recruitment rises with the fee rewards aggregators earn, from the base rate with none", () => {
    const view = viewWith(100);
    const none = {
      ...view,
      world: { ...view.world, escrow: { sellerAggregator: new Map() } },
    } as unknown as CommerceView;
    expect(recruitProbability(none, 3, p, 10)).to.equal(p.aggregators.recruitBase);
    expect(recruitProbability(none, 3, { ...p, aggregators: { ...p.aggregators, recruitBase: 1 } }, 10)).to.equal(1);
  });
});

describe("agents/seller: responsive sellers in a run", function () {
  this.timeout(120_000);
  const run = (set: string) =>
    runFromRequest({
      scenario: "boson-commerce",
      mode: "model",
      seed: "1",
      steps: "24",
      set: `sellers.adaptiveShare=0 aggregators.recruitBase=1 ${set}`,
    });

  // Every seller recruited (recruitBase 1), so only their own decisions differ between the two fees.
  it("a high fee drives responsive sellers out: fewer list, more stay out, fewer quality redemptions", async () => {
    const low = (await run("fees.feeBps=0")).result;
    const high = (await run("fees.feeBps=1000")).result;
    expect(Number(high.kpis["strategy_out"])).to.be.greaterThan(Number(low.kpis["strategy_out"]));
    expect(Number(high.kpis["listing_sellers"])).to.be.lessThan(Number(low.kpis["listing_sellers"]));
    expect(Number(high.kpis["quality_redemptions"])).to.be.lessThan(Number(low.kpis["quality_redemptions"]));
  });
});
