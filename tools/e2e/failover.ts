// A failover drill on the node: a steady load through the gateway, the primary's pod deleted, the
// new primary awaited, the load run on past it. What is judged (the gap, the data, the old
// primary's return) is each data store's own (tests/e2e/cluster-*failover.ts).
import { setTimeout as sleep } from "node:timers/promises";
import { eventually, type ControlPlane } from "./control-plane";
import { serviceUrl } from "./services";
import { longestGapMs, startSteadyLoad, type LoadReport } from "./steady-load";

/** The longest a failover may keep the store's clients from being served. */
export const failoverBudgetMs = 30_000;

export interface FailoverRun {
  /** The primary's pod before, and the one promoted ("" when none was within two minutes). */
  readonly before: string;
  readonly after: string;
  readonly report: LoadReport;
  /** The longest stretch without a served request, in ms. */
  readonly gapMs: number;
}

/**
 * Runs `rate` requests a second of `mode` to the gateway's `path`, deletes the pod `primary()`
 * names after 10 s, waits for `primary()` to name another, and stops the load 20 s later. With
 * `nodeLost`, the nodes are cordoned from the deletion until the new primary is named: the deleted
 * pod cannot come back at once, as when its node is lost (a StatefulSet recreates it in seconds,
 * before its peers' failover would start).
 */
export async function deletePrimaryUnderLoad(options: {
  readonly controlPlane: ControlPlane;
  readonly namespace: string;
  readonly path: string;
  readonly rate: number;
  readonly mode: "write" | "login";
  /** The primary's pod now ("" when it cannot be told). */
  readonly primary: () => string;
  readonly nodeLost?: boolean;
}): Promise<FailoverRun> {
  const { controlPlane, namespace, primary } = options;
  const before = primary();
  if (before === "") throw new Error("no primary to delete");
  const gateway = serviceUrl(controlPlane, [namespace], "gateway");
  const load = await startSteadyLoad(
    controlPlane,
    `${gateway}${options.path}`,
    options.rate,
    options.mode,
  );
  await sleep(10_000);
  const nodes = options.nodeLost
    ? controlPlane
        .kubectl(["get", "nodes", "-o", "jsonpath={.items[*].metadata.name}"])
        .output.trim()
        .split(/\s+/)
    : [];
  if (options.nodeLost && nodes.every((node) => node === "")) throw new Error("no node to cordon");
  let after = "";
  try {
    for (const node of nodes) cordon(controlPlane, "cordon", node);
    const deleted = controlPlane.kubectl([
      "delete",
      "pod",
      before,
      "--namespace",
      namespace,
      "--wait=false",
    ]);
    if (deleted.code !== 0) throw new Error(`kubectl delete pod ${before}: ${deleted.output}`);
    await eventually(120, () => {
      after = primary();
      return after !== before && after !== "" ? [] : [`the primary is still ${after || "unknown"}`];
    });
  } catch (error) {
    await load.stop();
    throw error;
  } finally {
    for (const node of nodes) cordon(controlPlane, "uncordon", node);
  }
  // Requests go on for a while on the new primary.
  await sleep(20_000);
  const report = await load.stop();
  return {
    before,
    after: after === before ? "" : after,
    report,
    gapMs: longestGapMs(report.successesAtMs ?? []),
  };
}

function cordon(controlPlane: ControlPlane, verb: "cordon" | "uncordon", node: string): void {
  const result = controlPlane.kubectl([verb, node]);
  if (result.code !== 0) throw new Error(`kubectl ${verb} ${node}: ${result.output}`);
}
