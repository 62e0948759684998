// The stack's inputs to the dashboards.
export interface DashboardOptions {
  /** The stack's environment: a tag of every dashboard and a label of every log line. */
  readonly environment: string;
  /** The app jobs (Prometheus job names) the `job` variable offers. */
  readonly appJobs: readonly string[];
}
