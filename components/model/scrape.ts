// What a workload offers Prometheus: one target per metrics endpoint its spec declares. A pure
// function of the rendered spec and where it is reached, so that the monitoring tier derives its
// scrape jobs from what was rendered, and no renderer depends on the monitoring tier.
import type { RecordedWorkload } from "./record";
import type { WorkloadSpec } from "./workload";

/** One declared metrics endpoint of a deployed workload. */
export interface ScrapeTarget {
  /** The workload (its `app.kubernetes.io/name` label). */
  readonly workload: string;
  readonly namespace: string;
  /** Where the workload is reached (its Service, or its name on a Docker network). */
  readonly host: string;
  /** The container port's name. */
  readonly port: string;
  readonly portNumber: number;
  /** Default "/metrics". */
  readonly path?: string;
  /** The job's name, when the workload names it. */
  readonly job?: string;
  /** The metric families the workload declared there. */
  readonly families?: readonly string[];
}

/** The scrape targets a workload declares: one per metrics endpoint of its spec. */
export function scrapeTargetsOf(
  spec: WorkloadSpec,
  namespace: string,
  host: string,
): ScrapeTarget[] {
  const ports = spec.containers.flatMap((container) => container.ports ?? []);
  return (spec.metrics ?? []).map((metrics) => ({
    workload: spec.name,
    namespace,
    host,
    port: metrics.port,
    portNumber: ports.find((port) => port.name === metrics.port)!.port,
    path: metrics.path,
    ...(metrics.job ? { job: metrics.job } : {}),
    families: metrics.families,
  }));
}

/** The scrape targets of every workload a tier rendered. */
export function scrapeTargetsOfRecord(workloads: readonly RecordedWorkload[]): ScrapeTarget[] {
  return workloads.flatMap(({ spec, namespace, host }) => scrapeTargetsOf(spec, namespace, host));
}
