/**
 * The starter's agents: savers who deposit and, now and then, withdraw. A policy reads the view
 * (the model's state, which parity keeps equal to the chain's) and returns Actions; randomness
 * comes only from ctx.rng, the agent's own seeded stream, so a seed reproduces a run.
 */
import type { Action, AgentContext } from "lockstep";
import { balanceOf, type VaultState } from "./model.js";

export interface StarterParams {
  readonly savers: number;
  readonly feeBps: number;
  readonly maxDeposit: bigint;
  readonly withdrawProbability: number;
}

/** A saver deposits up to `maxDeposit` a step, and sometimes asks for more than it holds (which must revert alike). */
export function saverPolicy(vault: VaultState, ctx: AgentContext<StarterParams>): Action[] {
  const actions: Action[] = [];
  const held = balanceOf(vault, ctx.self.address);
  if (held > 0n && ctx.rng.chance(ctx.params.withdrawProbability)) {
    // One time in five, one wei more than the balance: the contract reverts, and so must the model.
    const amount = ctx.rng.chance(0.2) ? held + 1n : ctx.rng.bigint(1n, held);
    actions.push({ agent: ctx.self.id, kind: "withdraw", args: { amount } });
  } else {
    actions.push({ agent: ctx.self.id, kind: "deposit", args: { amount: ctx.rng.bigint(0n, ctx.params.maxDeposit) } });
  }
  return actions;
}
