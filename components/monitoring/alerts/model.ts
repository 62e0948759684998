// The Prometheus alerting rules as rendered into the rule file, and the stack's settings for them.
import type {
  AlertThresholds,
  DatabaseSettings,
  PlatformKind,
  RedisSettings,
} from "../../config/schema";

export type Severity = "critical" | "warning" | "none";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; a Prometheus duration. */
  readonly for: string;
  readonly labels: { readonly severity: Severity; readonly service: string };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook_url: string;
  };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export interface AlertSettings {
  readonly thresholds: AlertThresholds;
  /** Alert when the last successful backup is older than this (the stack's RPO). */
  readonly recoveryPointObjectiveMinutes: number;
  /** The app jobs (Prometheus job names) whose health, errors and latency are watched. */
  readonly appJobs: readonly string[];
  /** Where the runbooks live; each alert links to `<runbookBaseUrl>#<alert in lowercase>`. */
  readonly runbookBaseUrl: string;
  /**
   * What the rules run on: the alerts reading a source only Kubernetes offers (the nodes,
   * kube-state-metrics, cert-manager) are left out on Docker, where their series never exist.
   */
  readonly platform: PlatformKind;
  /**
   * How PostgreSQL runs (`database`): which series its rules read (../postgres-series.ts), and,
   * for a CloudNativePG cluster, the standbys the primary should stream to (`instances` − 1), how
   * many confirm each commit (`synchronousStandbys`) and whether it archives. The single server
   * reads `engine` only.
   */
  readonly database: DatabaseAlertSettings;
  /** How Redis runs (`redis`): one server, or a primary, `replicas` and a Sentinel per server. */
  readonly redis: Pick<RedisSettings, "mode" | "replicas">;
}

/** The stack's `database` as the alert rules read it, and whether the cluster archives. */
export interface DatabaseAlertSettings extends Pick<
  DatabaseSettings,
  "engine" | "instances" | "synchronousStandbys"
> {
  /**
   * Whether a CloudNativePG cluster archives its WAL and takes daily base backups to the stack's
   * bucket (`backup.storage.type` s3: production): the archive's alerts. The single server archives
   * nothing, whatever this says.
   */
  readonly archived: boolean;
}
