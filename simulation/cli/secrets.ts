/**
 * Secrets of a remote run (a mnemonic, private keys, an RPC URL with an API key) must never
 * be printed or written. The code never formats them into a message; as a second line of
 * defence, everything the process writes to stdout and stderr during a remote run, and every
 * error message it reports, is scrubbed of the secrets it knows.
 */
export class Secrets {
  private readonly items = new Set<string>();

  /** Remembers a secret (for hex keys also without `0x` and in either case); short values are not secrets. */
  add(secret: string | undefined): void {
    if (secret === undefined) return;
    const s = secret.trim();
    if (s.length < 8) return;
    this.items.add(s);
    if (/^(0x)?[0-9a-fA-F]+$/.test(s)) {
      const bare = s.replace(/^0x/, "");
      for (const v of [bare, bare.toLowerCase(), bare.toUpperCase()]) this.items.add(v);
    }
    // A mnemonic written with other spacing.
    if (/\s/.test(s)) this.items.add(s.split(/\s+/).join(" "));
  }

  get size(): number {
    return this.items.size;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of [...this.items].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join("<redacted>");
    }
    return out;
  }

  /** Scrubs everything written to stdout and stderr until the returned function is called. */
  guardStreams(): () => void {
    const restore: (() => void)[] = [];
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      const scrub = (chunk: unknown): unknown =>
        typeof chunk === "string"
          ? this.scrub(chunk)
          : chunk instanceof Uint8Array
            ? this.scrub(Buffer.from(chunk).toString("utf8"))
            : chunk;
      stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
        return (original as (...a: unknown[]) => boolean).call(this, scrub(chunk), ...rest);
      } as typeof stream.write;
      restore.push(() => {
        stream.write = original;
      });
    }
    return () => {
      for (const r of restore) r();
    };
  }
}
