import { startProxy } from "./proxy";
(async () => {
  const p = await startProxy({ upstream: process.argv[2]!, refuse: process.argv[3] === "refuse" ? /^(evm_|hardhat_)/ : undefined as never, seed: 3,
    ...(process.argv[3] === "faulty" ? { error500: 0.05, resetBefore: 0.04, resetAfter: 0.04, delay: 0.1, delayMaxMs: 60 } : {}), lifetimeMs: 1_200_000 });
  console.log(p.url);
  setInterval(() => console.error(JSON.stringify(p.stats)), 5000);
})();
