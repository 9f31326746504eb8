import { Redis } from "ioredis";
import { UserError } from "../engine/errors.js";
import { shownUrl } from "./protocol.js";

/** Checks that Redis at `url` answers, once: bad input (exit code 2) when it does not. */
export async function probe(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The reason (ECONNREFUSED, a timeout) comes as an event; the failed command says only that the connection closed.
  let reason: Error | undefined;
  client.on("error", (e: Error) => (reason ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new UserError(
      `Invalid option --queue = ${JSON.stringify(shownUrl(url))}: expected a Redis that answers (${reason?.message ?? (e instanceof Error ? e.message : String(e))}): start redis-server there, or give its address.`,
    );
  } finally {
    client.disconnect();
  }
}
