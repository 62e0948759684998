// The alert rules of the platform, generated from the stack's thresholds: every alert of the
// source design plus the standard ones a platform team expects (Watchdog, crash loops,
// unavailable replicas, backup freshness). Each carries a severity, a summary, a description and
// a runbook in docs/ALERTS.md, and a `service` label by which Alertmanager groups it and lets a
// critical alert silence the warnings of the same service. Annotations template labels only (no
// $value), so that `promtool test rules` can state them exactly.
import type { AlertThresholds } from "../config/schema";

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
}

/** A Prometheus regex matching exactly these job names. */
function jobMatcher(jobs: readonly string[]): string {
  return jobs.map((job) => job.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/** The restore check runs daily: two missed or failed days in a row raise a warning. */
export const restoreCheckMaxAgeSeconds = 2 * 86400;

export function alertRuleGroups(settings: AlertSettings): RuleGroup[] {
  const { thresholds: t, runbookBaseUrl } = settings;
  const apps = `job=~"${jobMatcher(settings.appJobs)}"`;
  const rule = (
    alert: string,
    severity: Severity,
    service: string,
    expr: string,
    duration: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: duration,
    labels: { severity, service },
    annotations: {
      summary,
      description,
      runbook_url: `${runbookBaseUrl}#${alert.toLowerCase()}`,
    },
  });
  const ratio = (percent: number) => String(percent / 100);

  return [
    {
      name: "toolboxai-nodes",
      rules: [
        rule(
          "HostHighCpu",
          "warning",
          "node",
          `1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > ${ratio(t.cpuPercent)}`,
          "10m",
          `Node {{ $labels.instance }} CPU above ${t.cpuPercent}%`,
          "The node's CPU has been busier than the threshold for 10 minutes.",
        ),
        rule(
          "HostHighMemory",
          "warning",
          "node",
          `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > ${ratio(t.memoryPercent)}`,
          "5m",
          `Node {{ $labels.instance }} memory above ${t.memoryPercent}%`,
          "Memory in use on the node has been above the threshold for 5 minutes.",
        ),
        rule(
          "HostDiskAlmostFull",
          "critical",
          "node",
          `node_filesystem_avail_bytes{fstype!~"^(fuse.*|tmpfs|cifs|nfs)"} / node_filesystem_size_bytes < ${ratio(t.diskFreePercent)} and on (instance, device, mountpoint) node_filesystem_readonly == 0`,
          "2m",
          `Node {{ $labels.instance }} filesystem {{ $labels.mountpoint }} below ${t.diskFreePercent}% free`,
          "A writable filesystem on {{ $labels.device }} has less free space than the threshold.",
        ),
      ],
    },
    {
      name: "toolboxai-data",
      rules: [
        rule(
          "PostgresDown",
          "critical",
          "postgres",
          "pg_up == 0",
          "1m",
          "PostgreSQL is down",
          "postgres-exporter cannot connect to PostgreSQL: the application cannot read or write data.",
        ),
        rule(
          "PostgresTooManyConnections",
          "warning",
          "postgres",
          `sum by (instance) (pg_stat_activity_count) > min by (instance) (pg_settings_max_connections) * ${ratio(t.postgresConnectionsPercent)}`,
          "2m",
          `PostgreSQL connections above ${t.postgresConnectionsPercent}% of max_connections`,
          "New connections will soon be refused: look for connection leaks or raise max_connections.",
        ),
        rule(
          "RedisDown",
          "critical",
          "redis",
          "redis_up == 0",
          "1m",
          "Redis is down",
          "redis_exporter cannot connect to Redis: Celery's broker and the cache are gone.",
        ),
        rule(
          "BackupTooOld",
          "critical",
          "{{ $labels.cronjob }}",
          `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob=~".*backup.*"}) > ${settings.recoveryPointObjectiveMinutes * 60}`,
          "5m",
          `The last successful backup is older than the ${settings.recoveryPointObjectiveMinutes}-minute recovery point objective`,
          "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not succeeded within the recovery point objective: a restore now would lose more data than allowed.",
        ),
        rule(
          "RestoreCheckFailing",
          "warning",
          "{{ $labels.cronjob }}",
          `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{cronjob=~".*restore-check.*"}) > ${restoreCheckMaxAgeSeconds}`,
          "5m",
          "The daily restore check has not succeeded for two days",
          "CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not restored a backup successfully for two days: the backups may not restore.",
        ),
      ],
    },
    {
      name: "toolboxai-services",
      rules: [
        rule(
          "TargetDown",
          "critical",
          "{{ $labels.job }}",
          `up{${apps}} == 0`,
          "2m",
          "{{ $labels.job }} is not answering its health and metrics endpoint",
          "Prometheus cannot scrape {{ $labels.instance }} of {{ $labels.job }}: the service is down or unreachable.",
        ),
        rule(
          "HighErrorRate",
          "critical",
          "{{ $labels.job }}",
          `sum by (job) (rate(http_requests_total{${apps}, status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{${apps}}[5m])) > ${ratio(t.errorRatePercent)}`,
          "5m",
          `{{ $labels.job }} answers more than ${t.errorRatePercent}% of requests with 5xx`,
          "Server errors of {{ $labels.job }} have been above the threshold for 5 minutes.",
        ),
        rule(
          "SlowResponses",
          "warning",
          "{{ $labels.job }}",
          `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${apps}}[5m]))) > ${t.slowResponseMilliseconds / 1000}`,
          "10m",
          `{{ $labels.job }}'s 95th-percentile response time is above ${t.slowResponseMilliseconds} ms`,
          "Requests to {{ $labels.job }} have been slower than the threshold for 10 minutes.",
        ),
        rule(
          "CertificateExpiringSoon",
          "warning",
          "gateway",
          `(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400 < ${t.certificateDays}`,
          "1h",
          `Certificate {{ $labels.name }} expires in less than ${t.certificateDays} days`,
          "cert-manager has not renewed {{ $labels.namespace }}/{{ $labels.name }} in time.",
        ),
      ],
    },
    {
      name: "toolboxai-kubernetes",
      rules: [
        rule(
          "PodCrashLooping",
          "warning",
          "{{ $labels.container }}",
          'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
          "15m",
          "Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} is crash looping",
          "The container keeps exiting and Kubernetes keeps backing off its restarts.",
        ),
        rule(
          "ReplicasUnavailable",
          "warning",
          "{{ $labels.deployment }}",
          "kube_deployment_spec_replicas > kube_deployment_status_replicas_available",
          "15m",
          "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas",
          "Fewer replicas are available than the Deployment asks for, for 15 minutes.",
        ),
        rule(
          "Watchdog",
          "none",
          "watchdog",
          "vector(1)",
          "0s",
          "Always firing: the alerting pipeline works",
          "This alert always fires. If a receiver stops getting it, Prometheus or Alertmanager is broken.",
        ),
      ],
    },
  ];
}

/** Every alert name the platform defines (for docs and tests). */
export function alertNamesOf(groups: readonly RuleGroup[]): string[] {
  return groups.flatMap((group) => group.rules.map((rule) => rule.alert));
}
