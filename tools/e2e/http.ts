// HTTP from inside a private network namespace (the Docker engine's, the node's), where the
// addresses the e2e checks exist: `curl -i` run there, its answer parsed; and a poll for a value.

export interface Answer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/** Runs a command in the namespace: its exit code and output (stdout, then stderr). */
export type NamespaceRunner = (...command: string[]) => { code: number; output: string };

/** `curl -i URL` with `options`, run by `run`; status 0 when nothing answered. */
export function curlIn(run: NamespaceRunner, url: string, ...options: string[]): Answer {
  const result = run("curl", "-s", "-i", "--max-time", "10", ...options, url);
  const split = result.output.indexOf("\r\n\r\n");
  const headers = split >= 0 ? result.output.slice(0, split) : result.output;
  return {
    status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? 0),
    headers,
    body: split >= 0 ? result.output.slice(split + 4) : "",
  };
}

/** Polls `probe` every 2 s until it returns a value, for at most `seconds`. */
export async function waitFor<T>(
  seconds: number,
  what: string,
  probe: () => T | undefined,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
