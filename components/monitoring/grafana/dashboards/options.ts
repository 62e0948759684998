// The stack's inputs to the dashboards.
import type { DatabaseEngine, PlatformKind } from "../../../config/schema";

export interface DashboardOptions {
  /** The stack's environment: a tag of every dashboard and a label of every log line. */
  readonly environment: string;
  /** The app jobs (Prometheus job names) the `job` variable offers. */
  readonly appJobs: readonly string[];
  /**
   * What the dashboards run on: the panels of the sources only Kubernetes offers (nodes,
   * cAdvisor, kube-state-metrics, pod logs) are left out on Docker, where series carry no
   * namespace and tell replicas apart by address.
   */
  readonly platform: PlatformKind;
  /**
   * How PostgreSQL runs (`database.engine`): the series the database dashboard reads
   * (../../postgres-series.ts), and whether it has standbys whose replication lag it shows.
   */
  readonly databaseEngine: DatabaseEngine;
}
