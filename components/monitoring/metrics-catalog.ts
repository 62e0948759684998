// The metric families the monitoring tier may query: those its exporters produce (the names
// below are from each exporter's documentation for the pinned version, and only the ones this
// program uses) and those the applications declare in their WorkloadSpecs. The alert rules and
// dashboards are tested against this list, so a query of a metric nobody produces fails a test.
import type { DatabaseEngine, PlatformKind } from "../config/schema";
import { redisSentinelJob } from "../data/redis";
import { postgresJob } from "./postgres-series";

/**
 * What only a platform offers the monitoring tier, beyond the workloads' endpoints, Prometheus
 * and Alertmanager: on Kubernetes, the cluster's exporters (the fixed scrape jobs of
 * prometheus-config.ts, named here by job) and the pod logs Alloy ships to Loki. Docker has no
 * node or cluster to export, and its logs stay with `docker logs`: a dashboard panel or an alert
 * that reads one of these sources is left out there.
 */
export type PlatformSource =
  "node-exporter" | "kube-state-metrics" | "kubelet-cadvisor" | "cert-manager" | "pod-logs";

/** The sources each platform offers. */
export const platformSources: Readonly<Record<PlatformKind, readonly PlatformSource[]>> = {
  kubernetes: [
    "node-exporter",
    "kube-state-metrics",
    "kubelet-cadvisor",
    "cert-manager",
    "pod-logs",
  ],
  docker: [],
};

/** Whether the platform offers the source; no source: every platform does. */
export function offers(platform: PlatformKind, source: PlatformSource | undefined): boolean {
  return source === undefined || platformSources[platform].includes(source);
}

/**
 * What the job "postgres" produces with each database engine, among the families used here:
 * postgres-exporter's (the single server's sidecar), or a CloudNativePG instance's, which are its
 * instance manager's `cnpg_collector_*` and the operator's default monitoring queries'
 * (`cnpg_<query>_<column>` of ConfigMap cnpg-default-monitoring in vendor/cloudnative-pg/), and
 * no pg_* family.
 */
export const postgresMetrics: Readonly<Record<DatabaseEngine, readonly string[]>> = {
  single: [
    "pg_up",
    "pg_stat_activity_count",
    "pg_settings_max_connections",
    "pg_stat_database_xact_commit",
    "pg_stat_database_xact_rollback",
    "pg_stat_database_deadlocks",
    "pg_stat_database_blks_hit",
    "pg_stat_database_blks_read",
    "pg_stat_database_tup_fetched",
    "pg_stat_database_tup_inserted",
    "pg_stat_database_tup_updated",
    "pg_stat_database_tup_deleted",
    "pg_locks_count",
    "pg_database_size_bytes",
  ],
  "cloudnative-pg": [
    "cnpg_collector_up",
    "cnpg_backends_total",
    "cnpg_pg_settings_setting",
    "cnpg_pg_stat_database_xact_commit",
    "cnpg_pg_stat_database_xact_rollback",
    "cnpg_pg_stat_database_deadlocks",
    "cnpg_pg_stat_database_blks_hit",
    "cnpg_pg_stat_database_blks_read",
    "cnpg_pg_stat_database_tup_fetched",
    "cnpg_pg_stat_database_tup_inserted",
    "cnpg_pg_stat_database_tup_updated",
    "cnpg_pg_stat_database_tup_deleted",
    "cnpg_pg_database_size_bytes",
    "cnpg_pg_replication_lag",
    "cnpg_pg_replication_in_recovery",
    "cnpg_pg_replication_streaming_replicas",
    "cnpg_pg_stat_archiver_last_archived_time",
    "cnpg_pg_stat_archiver_last_failed_time",
    "cnpg_pg_stat_archiver_seconds_since_last_archival",
    "cnpg_collector_pg_wal_archive_status",
    "cnpg_collector_last_available_backup_timestamp",
  ],
};

/**
 * What each deployed exporter (by scrape job) produces, among the families used here, with the
 * stack's database engine.
 */
export function exporterMetrics(
  engine: DatabaseEngine,
): Readonly<Record<string, readonly string[]>> {
  return {
    "node-exporter": [
      "node_cpu_seconds_total",
      "node_memory_MemAvailable_bytes",
      "node_memory_MemTotal_bytes",
      "node_filesystem_avail_bytes",
      "node_filesystem_size_bytes",
      "node_filesystem_readonly",
      "node_network_receive_bytes_total",
      "node_network_transmit_bytes_total",
      "node_load1",
    ],
    "kube-state-metrics": [
      "kube_pod_container_status_waiting_reason",
      "kube_pod_container_status_restarts_total",
      "kube_pod_status_phase",
      "kube_deployment_spec_replicas",
      "kube_deployment_status_replicas_available",
      "kube_statefulset_status_replicas_ready",
      "kube_horizontalpodautoscaler_status_current_replicas",
      "kube_horizontalpodautoscaler_spec_max_replicas",
      "kube_cronjob_status_last_successful_time",
    ],
    "kubelet-cadvisor": [
      "container_cpu_usage_seconds_total",
      "container_memory_working_set_bytes",
      "container_cpu_cfs_throttled_periods_total",
      "container_cpu_cfs_periods_total",
      "container_network_receive_bytes_total",
      "container_network_transmit_bytes_total",
    ],
    [postgresJob]: postgresMetrics[engine],
    redis: [
      "redis_up",
      "redis_connected_clients",
      "redis_memory_used_bytes",
      "redis_memory_max_bytes",
      "redis_commands_processed_total",
      "redis_keyspace_hits_total",
      "redis_keyspace_misses_total",
      "redis_db_keys",
      "redis_instance_info",
    ],
    // The Sentinels' exporters, in Sentinel mode: what each Sentinel sees of the set.
    [redisSentinelJob]: ["redis_sentinel_master_ok_sentinels", "redis_sentinel_master_ok_slaves"],
    "cert-manager": ["certmanager_certificate_expiration_timestamp_seconds"],
    prometheus: ["prometheus_tsdb_head_series", "prometheus_rule_evaluation_failures_total"],
    alertmanager: ["alertmanager_notifications_failed_total"],
  };
}

/**
 * What the exporters the platform runs produce, with the stack's database engine: every job's
 * but the sources' it lacks.
 */
export function exporterMetricsOn(platform: PlatformKind, engine: DatabaseEngine): string[] {
  const lacking = new Set<string>(
    platformSources.kubernetes.filter((source) => !offers(platform, source)),
  );
  return Object.entries(exporterMetrics(engine))
    .filter(([job]) => !lacking.has(job))
    .flatMap(([, metrics]) => metrics);
}

/** Series Prometheus makes itself for every target, and its own functions' outputs. */
export const prometheusBuiltins: readonly string[] = ["up", "scrape_duration_seconds", "ALERTS"];

/** The suffixes Prometheus exposes for a histogram family. */
export function histogramSeries(family: string): string[] {
  return [`${family}_bucket`, `${family}_sum`, `${family}_count`];
}

const keywords = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression selects. A small lexer, enough for the expressions of
 * this program: strings, label matchers, range and grouping lists, numbers and function calls
 * are dropped; what remains are metric names.
 */
export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...stripped.matchAll(/(?<![a-zA-Z0-9_:.])[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)]
    .filter((match) => match[1] !== "(")
    .map((match) => match[0])
    .filter((name) => !keywords.has(name.toLowerCase()));
  return [...new Set(names)];
}
