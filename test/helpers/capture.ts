/** Runs a command in this process with what it prints to stdout and stderr captured. */
export async function capture<T>(body: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  const writeErr = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  let stderr = "";
  let stdout = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { value: await body(), stdout, stderr };
  } finally {
    process.stderr.write = writeErr;
    process.stdout.write = writeOut;
  }
}
