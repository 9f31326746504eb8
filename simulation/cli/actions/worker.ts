import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { UserError } from "../../engine/errors.js";
import { parseQueueUrl } from "../../queue/protocol.js";
import { serveQueue } from "../../queue/worker.js";

export default async function workerAction(
  args: { readonly queue?: string | undefined },
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  try {
    if (args.queue === undefined)
      throw new UserError("Missing option --queue: expected a Redis address, for example redis://127.0.0.1:6379.");
    const url = parseQueueUrl(args.queue);
    // No build here: several workers started at once on one machine would race on Hardhat's compile cache. A
    // checkout not built (or built from other sources) has other bytecode, and the worker refuses, saying so.
    process.exitCode = await serveQueue(hre, url);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = 2;
  }
}
