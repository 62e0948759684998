// Where the applications' logs go. On a cluster, Alloy reads every pod's log through the API. On
// Docker nothing reads the engine's socket (that would give the shipper root on the host) or the
// host's log files, so the applications send their logs themselves, over OTLP, to Loki's native
// OTLP endpoint, as they send their traces to Jaeger.
import type { WorkloadRenderer } from "../model/renderer";
import type { ClusterView } from "../platform/platform";
import { lokiHttpPort } from "./loki-config";

/** Loki's OTLP logs endpoint when the platform collects no logs; undefined on a cluster. */
export function otlpLogsEndpointOf(
  renderer: WorkloadRenderer,
  cluster: ClusterView | undefined,
): string | undefined {
  return cluster ? undefined : `http://${renderer.hostOf("loki")}:${lokiHttpPort}/otlp/v1/logs`;
}
