/**
 * The commerce seller: recruited by its aggregator (more readily the more fee rewards the
 * aggregator's points earn), it lists one product at a time, keeps its deposit topped up, answers
 * disputes and claims rewards. Whether and at what price it lists each step is its strategy:
 * a responsive seller lists at its base price while its expected margin after fees, fee rewards,
 * dispute losses and the deposit's cost clears its threshold, and leaves (withdraws its funds)
 * otherwise; an adaptive seller learns among listing at its base price, at a discount, at a
 * premium, or staying out, from its own profit (epsilon-greedy), and now and then copies a
 * better-earning peer (learning.ts).
 */
import { actsIn, type Action, type AgentContext, type Policy } from "../engine/types.js";
import { MAX_UINT256, balanceOf } from "../model/erc20.js";
import { availableFunds, DisputeState, ExchangeState, isSeller } from "../model/vouchers.js";
import { act, claimIfAny, NONE, offerTerms, type CommerceParams } from "./commerce.js";
import { adaptive, epsilonGreedy } from "./learning.js";
import type { CommerceView } from "./market.js";
import {
  OUT,
  recruitProbability,
  responsiveStrategy,
  SELLER_STRATEGIES,
  sellerTraits,
  sellerWealth,
  strategyPrice,
} from "./sellerEconomics.js";

type Ctx = AgentContext<CommerceParams>;
type CommercePolicy = Policy<CommerceParams, CommerceView>;

const SUBSTEPS = ["onboard", "redeem", "resolve", "rewards"];

/** Listing (or leaving) by the strategy played, then the day-to-day of a seller. */
function sellerActs(view: CommerceView, ctx: Ctx, arm: number): Action[] {
  const me = ctx.self.address;
  const w = view.world;
  const out: Action[] = [];
  switch (ctx.substep) {
    case "onboard": {
      if (arm < 0) return out;
      const registered = isSeller(w.escrow, me);
      if (arm === OUT) {
        const funds = registered ? availableFunds(w.escrow, me) : 0n;
        if (funds > 0n) out.push(act(ctx, "withdrawFunds", { amount: funds }, { leaving: true }));
        return out;
      }
      const price = strategyPrice(sellerTraits(view.market, me, ctx.params), arm);
      const latest = view.market.latestOffer.get(me);
      const offer = latest === undefined ? undefined : w.escrow.offers.get(latest)!;
      const relist = offer === undefined || offer.quantityAvailable === 0n || offer.price !== price;
      if (!relist) return topUp(view, ctx, offer.sellerDeposit + offer.disputeResolverFee, out);
      const terms = offerTerms(ctx, price);
      const perUnit = (terms["sellerDeposit"] as bigint) + (terms["disputeResolverFee"] as bigint);
      if (!registered) {
        out.push(act(ctx, "approve", { token: "exchange", spender: w.addresses.escrow, amount: MAX_UINT256 }));
        out.push(act(ctx, "registerSeller", { aggregator: ctx.addressOf(String(ctx.self.attrs["aggregator"])) }));
        out.push(act(ctx, "depositFunds", { amount: perUnit * BigInt(ctx.params.sellers.topUpUnits) }));
      } else topUp(view, ctx, perUnit, out);
      out.push(act(ctx, "createOffer", terms));
      return out;
    }
    case "redeem":
      for (const id of view.market.openBySeller.get(me) ?? NONE) {
        const ex = w.escrow.exchanges.get(id)!;
        if (ex.state === ExchangeState.Committed && ctx.rng.chance(ctx.params.sellers.revokeProbability)) {
          out.push(act(ctx, "revokeVoucher", { exchangeId: id }));
        }
      }
      return out;
    case "resolve":
      for (const id of view.market.openBySeller.get(me) ?? NONE) {
        const ex = w.escrow.exchanges.get(id)!;
        if (ex.disputeState !== DisputeState.Resolving || ex.sellerProposed) continue;
        const fault = view.market.faults.get(id) === true;
        out.push(
          act(ctx, "proposeResolution", { exchangeId: id, buyerPercentBps: fault ? ctx.params.sellers.refundBps : 0 }),
        );
      }
      return out;
    case "rewards":
      return claimIfAny(view, ctx);
    default:
      return out;
  }
}

/** Deposits up to topUpUnits vouchers' worth when fewer than two are covered. */
function topUp(view: CommerceView, ctx: Ctx, perUnit: bigint, out: Action[]): Action[] {
  const me = ctx.self.address;
  if (availableFunds(view.world.escrow, me) >= 2n * perUnit) return out;
  const want = perUnit * BigInt(ctx.params.sellers.topUpUnits);
  const have = balanceOf(view.world.exchangeToken, me);
  const amt = have < want ? have : want;
  if (amt > 0n) out.push(act(ctx, "depositFunds", { amount: amt }));
  return out;
}

const learnt = adaptive<CommerceParams, CommerceView>({
  arms: SELLER_STRATEGIES,
  learning: (view) => view.market.learning,
  learner: (p) => epsilonGreedy(p.sellers.epsilon),
  score: (view, ctx) => sellerWealth(view, ctx.self.address, ctx.params),
  learnIn: "rewards",
  chooseIn: "onboard",
  imitation: (p) => p.sellers.imitateProbability,
  stepSize: (p) => (p.sellers.learningRate === 0 ? undefined : p.sellers.learningRate),
  adapts: (view, ctx) => sellerTraits(view.market, ctx.self.address, ctx.params).adaptive,
  fixedArm: (view, ctx) => responsiveStrategy(view, ctx.self.address, ctx.params),
  substeps: SUBSTEPS,
  act: sellerActs,
});

/**
 * A seller arriving (a newcomer) after step 0 is recruited by an aggregator with recruitProbability, drawn
 * once from its own stream; one not recruited never acts. The founding sellers (alive at step 0) are in.
 * A recruited seller plays its strategy every step.
 */
export const sellerPolicy: CommercePolicy = actsIn(learnt.substeps ?? SUBSTEPS, (view: CommerceView, ctx: Ctx) => {
  if (!view.market.learning.memories.has(ctx.self.id)) {
    if (ctx.substep !== "onboard" || !ctx.newcomers.includes(ctx.self)) return [];
    // The founding sellers, alive at step 0, are in from the start; later ones are recruited.
    let aggregators = 0;
    for (const a of ctx.population) if (a.role === "aggregator") aggregators++;
    if (ctx.step > 0 && !ctx.rng.chance(recruitProbability(view, aggregators, ctx.params, ctx.step))) return [];
  }
  return learnt(view, ctx);
});
