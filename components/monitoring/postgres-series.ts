// PostgreSQL's series as each database engine (`database.engine`) exports them, in one place: the
// alert rules and the "Database performance" dashboard read from here which series express
// PostgreSQL's up, connections, max_connections, transactions, cache blocks, rows, deadlocks,
// database size, replication and the continuous archive, never a family by name. Both engines
// are scraped by the job "postgres". The single server's postgres-exporter sidecar exports pg_*
// families. A
// CloudNativePG cluster's instances export, on their metrics port, the instance manager's
// cnpg_collector_* gauges and the results of the operator's default monitoring queries
// (ConfigMap cnpg-default-monitoring of vendor/cloudnative-pg/: `cnpg_<query>_<column>`), and no
// pg_* family. The metrics catalog lists what each engine produces; a test holds every series
// here to it, and the cnpg_* families to the vendored ConfigMap.
import type { DatabaseEngine } from "../config/schema";

/** The scrape job of PostgreSQL's metrics, with either engine. */
export const postgresJob = "postgres";

/** A metric, and the label matchers that pick the series meant (none: every series of it). */
export interface Series {
  readonly metric: string;
  readonly matchers?: string;
}

/** A replicated engine's standbys, as its instances report them. */
export interface ReplicationSeries {
  /** Seconds a standby's replay is behind the primary: 0 on the primary and when caught up. */
  readonly lag: Series;
  /** 1 on a standby (in recovery), 0 on the primary. */
  readonly inRecovery: Series;
  /** On the primary: the standbys streaming WAL from it (0 on a standby). */
  readonly streamingStandbys: Series;
}

/**
 * A cluster's continuous archive (WAL and base backups to a bucket), as its primary reports it:
 * the default query pg_stat_archiver's columns (-1 where PostgreSQL has no time: nothing archived,
 * or nothing failed, since the statistics' reset) and the instance manager's gauges.
 */
export interface ArchiveSeries {
  /** Epoch of the latest WAL segment archived. */
  readonly lastArchivedTime: Series;
  /** Epoch of the latest failed attempt to archive one. */
  readonly lastFailedTime: Series;
  /** Seconds since the latest WAL segment archived. */
  readonly secondsSinceLastArchival: Series;
  /** Complete WAL segments waiting to be archived (`.ready` in pg_wal/archive_status). */
  readonly segmentsReady: Series;
  /**
   * Epoch of the newest base backup in the archive's catalog: set on the primary (0 while there
   * is none); a standby reports 0, a demoted primary its last value.
   */
  readonly lastBaseBackupTime: Series;
}

export interface PostgresSeries {
  /** What exports them, as descriptions name it. */
  readonly exporter: string;
  /**
   * The labels telling one instance's series from another's in the alert rules: the single
   * server's `instance` (Docker's series have it too), a cluster instance's pod.
   */
  readonly instanceLabels: string;
  /** Per instance: 1 when PostgreSQL answers the exporter, 0 when not. */
  readonly up: Series;
  /** Per instance: the open connections, by `datname` and `state`. */
  readonly connections: Series;
  /** Per instance: the server's max_connections. */
  readonly maxConnections: Series;
  /** Counters per instance and `datname`. */
  readonly commits: Series;
  readonly rollbacks: Series;
  readonly blocksHit: Series;
  readonly blocksRead: Series;
  readonly rows: {
    readonly fetched: Series;
    readonly inserted: Series;
    readonly updated: Series;
    readonly deleted: Series;
  };
  readonly deadlocks: Series;
  /** Per instance: each database's size on disk, by `datname`. */
  readonly databaseSize: Series;
  /** Locks held or awaited, by `mode`; absent where the exporter has no lock query. */
  readonly locks?: Series;
  /** Absent on an engine without standbys. */
  readonly replication?: ReplicationSeries;
  /** Absent on an engine that cannot archive (the single server's backups are dumps). */
  readonly archive?: ArchiveSeries;
}

const of = (metric: string, matchers?: string): Series =>
  matchers === undefined ? { metric } : { metric, matchers };

/** PostgreSQL's series with each engine. */
export const postgresSeries: Readonly<Record<DatabaseEngine, PostgresSeries>> = {
  // postgres-exporter's default collectors. One server: no standby, so no replication series.
  single: {
    exporter: "postgres-exporter",
    instanceLabels: "instance",
    up: of("pg_up"),
    connections: of("pg_stat_activity_count"),
    maxConnections: of("pg_settings_max_connections"),
    commits: of("pg_stat_database_xact_commit"),
    rollbacks: of("pg_stat_database_xact_rollback"),
    blocksHit: of("pg_stat_database_blks_hit"),
    blocksRead: of("pg_stat_database_blks_read"),
    rows: {
      fetched: of("pg_stat_database_tup_fetched"),
      inserted: of("pg_stat_database_tup_inserted"),
      updated: of("pg_stat_database_tup_updated"),
      deleted: of("pg_stat_database_tup_deleted"),
    },
    deadlocks: of("pg_stat_database_deadlocks"),
    databaseSize: of("pg_database_size_bytes"),
    locks: of("pg_locks_count"),
  },
  // The instance manager's own `cnpg_collector_*` gauges, and the default queries: backends,
  // pg_settings, pg_stat_database, pg_database, pg_replication and pg_stat_archiver. They have
  // no lock query.
  "cloudnative-pg": {
    exporter: "CloudNativePG's instance manager",
    instanceLabels: "namespace, pod",
    up: of("cnpg_collector_up"),
    connections: of("cnpg_backends_total"),
    maxConnections: of("cnpg_pg_settings_setting", 'name="max_connections"'),
    commits: of("cnpg_pg_stat_database_xact_commit"),
    rollbacks: of("cnpg_pg_stat_database_xact_rollback"),
    blocksHit: of("cnpg_pg_stat_database_blks_hit"),
    blocksRead: of("cnpg_pg_stat_database_blks_read"),
    rows: {
      fetched: of("cnpg_pg_stat_database_tup_fetched"),
      inserted: of("cnpg_pg_stat_database_tup_inserted"),
      updated: of("cnpg_pg_stat_database_tup_updated"),
      deleted: of("cnpg_pg_stat_database_tup_deleted"),
    },
    deadlocks: of("cnpg_pg_stat_database_deadlocks"),
    databaseSize: of("cnpg_pg_database_size_bytes"),
    replication: {
      lag: of("cnpg_pg_replication_lag"),
      inRecovery: of("cnpg_pg_replication_in_recovery"),
      streamingStandbys: of("cnpg_pg_replication_streaming_replicas"),
    },
    archive: {
      lastArchivedTime: of("cnpg_pg_stat_archiver_last_archived_time"),
      lastFailedTime: of("cnpg_pg_stat_archiver_last_failed_time"),
      secondsSinceLastArchival: of("cnpg_pg_stat_archiver_seconds_since_last_archival"),
      segmentsReady: of("cnpg_collector_pg_wal_archive_status", 'value="ready"'),
      lastBaseBackupTime: of("cnpg_collector_last_available_backup_timestamp"),
    },
  },
};

/** The series' selector with more label matchers (empty ones left out): `metric{a, b}`. */
export function selectorOf(series: Series, ...matchers: string[]): string {
  const all = [series.matchers ?? "", ...matchers].filter(Boolean).join(", ");
  return all ? `${series.metric}{${all}}` : series.metric;
}

/** The series in a value: itself, or those of its fields, at any depth. */
function seriesIn(value: unknown): Series[] {
  if (typeof value !== "object" || value === null) return [];
  if ("metric" in value) return [value as Series];
  return Object.values(value).flatMap(seriesIn);
}

/** Every metric family the engine's series read. */
export function postgresFamilies(engine: DatabaseEngine): string[] {
  return [...new Set(seriesIn(postgresSeries[engine]).map((series) => series.metric))];
}
