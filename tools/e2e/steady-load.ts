// A steady request load through a Service of the node (load-generator.mjs, run inside the node's
// network namespace), for the zero-downtime check: started before a rollout, stopped after it.
import * as path from "node:path";
import { watchOutput, type ControlPlane } from "./control-plane";

export interface LoadReport {
  readonly requests: number;
  readonly seconds: number;
  /** Each failed request: when it was sent (ms after the start) and why it failed. */
  readonly failures: readonly { atMs: number; failure: string }[];
  /** Latency percentiles of the requests that succeeded, in ms; null when none did. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Writes: the ids of the rows the service acknowledged (201). */
  readonly acknowledged?: readonly number[];
  /** Writes and sign-ins: when each success came, in ms after the start. */
  readonly successesAtMs?: readonly number[];
}

/**
 * Starts `rate` GETs a second of `url` from inside the node, or POSTs: `write` (the reference
 * service's rows) or `login` (its sessions, kept in Redis); resolves once the first is sent.
 */
export async function startSteadyLoad(
  controlPlane: ControlPlane,
  url: string,
  rate: number,
  mode?: "write" | "login",
): Promise<{ stop(): Promise<LoadReport> }> {
  const script = path.join(__dirname, "load-generator.mjs");
  const load = controlPlane.spawnInNode([
    process.execPath,
    script,
    url,
    String(rate),
    ...(mode ? [mode] : []),
  ]);
  const watched = watchOutput(load, "started", "the load");
  await watched.ready;
  return {
    async stop() {
      load.stdin.end();
      const code = await watched.exited;
      const said = watched.output();
      const report = said.split("\n").find((line) => line.startsWith("{"));
      if (code !== 0 || !report) throw new Error(`the load ended badly (${code}): ${said}`);
      return JSON.parse(report) as LoadReport;
    },
  };
}

/** The longest stretch without a served request, in ms, from the successes' times. */
export function longestGapMs(successesAtMs: readonly number[]): number {
  const sorted = [...successesAtMs].sort((a, b) => a - b);
  return sorted.slice(1).reduce((gap, at, index) => Math.max(gap, at - sorted[index]), 0);
}
