/** A one-line progress bar on a terminal; a line per tenth of the way elsewhere (CI logs). */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  extra: () => string = () => "",
): (done: number, total: number) => void {
  const started = performance.now();
  let lastTenth = -1;
  return (done, total) => {
    const elapsed = (performance.now() - started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
    const text = `${label} ${done}/${total}${extra()} (${elapsed.toFixed(1)}s, eta ${eta.toFixed(1)}s)`;
    if (stream.isTTY) {
      const width = 30;
      const filled = Math.round((done / total) * width);
      stream.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
      if (done === total) stream.write("\n");
    } else {
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${text}\n`);
      }
    }
  };
}
