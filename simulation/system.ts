/**
 * Lockstep's mechanism system as the engine sees it: how to deploy the contracts on a
 * chain target, and how to build the model world that mirrors them. Scenarios supply
 * only the SystemConfig their parameters imply.
 */
import { canonicalArg } from "./analysis/values.js";
import { createChainBackend } from "./chain/backend.js";
import { deploySystem, predictAddresses } from "./chain/deploy.js";
import { createInProcessSender } from "./chain/sender.js";
import { remoteSenderOf } from "./chain/remote.js";
import { scaleDurations } from "./engine/timeScale.js";
import type { Account, Mechanisms, ModelBackend, Outcome } from "./engine/types.js";
import type { SystemAddresses, SystemConfig } from "./model/system.js";
import { modelWords, toVariableList, toVariables } from "./model/variables.js";
import { applyToWorld, createWorld, type World } from "./model/world.js";

export function lockstepMechanisms<P>(configOf: (params: P, startTime: bigint) => SystemConfig): Mechanisms<P, World> {
  return {
    config: configOf,
    async chain(params, env, target) {
      // A remote target brings its own sender (signing, nonces, journal); an in-process chain is reset and impersonated.
      if (target.kind === "in-process") await target.fresh();
      const sender = target.kind === "remote" ? remoteSenderOf(target) : createInProcessSender(target.provider);
      const config = scaleDurations(configOf(params, env.startTime), env.timeScale);
      const addresses = await deploySystem(sender, config, env.keys);
      return { backend: createChainBackend(target.provider, sender, config, addresses), deployment: addresses };
    },
    model(params, env, deployment) {
      const config = scaleDurations(configOf(params, env.startTime), env.timeScale);
      const addresses = (deployment as SystemAddresses | undefined) ?? predictAddresses(config, env.keys);
      return createModelBackend(createWorld(config, addresses, (id) => env.keys.addressOf(id)));
    },
  };
}

export function createModelBackend(world: World): ModelBackend<World> {
  const releaseNames = world.config.releases.map((r) => r.name);
  let cached: { accounts: readonly Account[]; addresses: `0x${string}`[]; ids: string[] } | undefined;
  // A run samples the same account list step after step: its addresses and ids are listed once.
  const layoutOf = (accounts: readonly Account[]): { addresses: `0x${string}`[]; ids: string[] } => {
    if (cached?.accounts !== accounts) {
      cached = { accounts, addresses: accounts.map((a) => a.address), ids: accounts.map((a) => a.id) };
    }
    return cached;
  };
  return {
    world,
    apply(action, sender, now): Outcome {
      const result = applyToWorld(world, action.kind, action.args, { sender, now });
      if (result.ok) return { ok: true, timestamp: now };
      return {
        ok: false,
        error: { name: result.error.errorName, args: result.error.args.map(canonicalArg) },
        timestamp: now,
      };
    },
    sample(accounts) {
      const { addresses, ids } = layoutOf(accounts);
      return toVariables(modelWords(world, addresses), releaseNames, ids);
    },
    sampleList(accounts) {
      const { addresses, ids } = layoutOf(accounts);
      return toVariableList(modelWords(world, addresses), releaseNames, ids);
    },
  };
}
