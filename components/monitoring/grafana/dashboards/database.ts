// The "Database performance" dashboard.
import { datasourceUids } from "../../grafana-config";
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import { bytes, count, gauge, perSecond, percent, q, stat, timeseries } from "../panels";
import { labelsOf, selector, sumRate } from "../promql";
import { variablesOf } from "../variables";
import type { DashboardOptions } from "./options";

/** The statements running longest now; read-only, over pg_stat_activity. */
export const longestQueriesSql = [
  "SELECT pid,",
  "  usename AS user_name,",
  "  datname AS database,",
  "  state,",
  "  wait_event_type,",
  "  EXTRACT(EPOCH FROM now() - query_start) AS duration_seconds,",
  "  left(query, 200) AS query",
  "FROM pg_stat_activity",
  "WHERE state <> 'idle' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
  "ORDER BY query_start ASC NULLS LAST",
  "LIMIT 20",
].join("\n");

export function database(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const labels = labelsOf(options.platform);
  const { ns } = labels;
  const pg = (metric: string) => selector(metric, ns);
  const tuples = (operation: string) =>
    q(sumRate("", `pg_stat_database_tup_${operation}`, ns), operation);
  const blocks = (kind: "hit" | "read") => sumRate("datname", `pg_stat_database_blks_${kind}`, ns);
  return dashboard(
    {
      uid: "toolboxai-database",
      title: "Database performance",
      tags: tags("database"),
      variables: variablesOf(labels),
      platform: options.platform,
    },
    [
      [
        stat(
          "PostgreSQL up",
          "1 when postgres-exporter reaches PostgreSQL.",
          {},
          q(`min(${pg("pg_up")})`),
        ),
        gauge(
          "Connections used",
          "Connections open against max_connections.",
          percent,
          q(`sum(${pg("pg_stat_activity_count")}) / max(${pg("pg_settings_max_connections")})`),
        ),
        stat(
          "Cache hit ratio",
          "Share of block reads served from shared buffers.",
          percent,
          q(
            `${sumRate("", "pg_stat_database_blks_hit", ns)} / (${sumRate("", "pg_stat_database_blks_hit", ns)} + ${sumRate("", "pg_stat_database_blks_read", ns)})`,
          ),
        ),
        stat(
          "Database size",
          "Size on disk of all databases.",
          bytes,
          q(`sum(${pg("pg_database_size_bytes")})`),
        ),
      ],
      [
        timeseries(
          "Connections vs max_connections",
          "Open connections by state against the server's max_connections.",
          count,
          q(`sum by (state) (${pg("pg_stat_activity_count")})`, "{{state}}"),
          q(`max(${pg("pg_settings_max_connections")})`, "max_connections"),
        ),
        timeseries(
          "Transactions",
          "Commits and rollbacks per second.",
          perSecond,
          q(sumRate("", "pg_stat_database_xact_commit", ns), "commits"),
          q(sumRate("", "pg_stat_database_xact_rollback", ns), "rollbacks"),
        ),
      ],
      [
        timeseries(
          "Cache hit ratio by database",
          "blks_hit / (blks_hit + blks_read) of each database: below 0.99 the working set outgrows shared_buffers.",
          percent,
          q(`${blocks("hit")} / (${blocks("hit")} + ${blocks("read")})`, "{{datname}}"),
        ),
        timeseries(
          "Rows",
          "Rows fetched, inserted, updated and deleted per second.",
          perSecond,
          tuples("fetched"),
          tuples("inserted"),
          tuples("updated"),
          tuples("deleted"),
        ),
      ],
      [
        timeseries(
          "Locks by mode",
          "Locks held or awaited, by mode: contention shows as exclusive locks piling up.",
          count,
          q(`sum by (mode) (${pg("pg_locks_count")})`, "{{mode}}"),
        ),
        timeseries(
          "Deadlocks",
          "Deadlocks detected, per database.",
          count,
          q(
            `sum by (datname) (increase(${pg("pg_stat_database_deadlocks")}[$__rate_interval]))`,
            "{{datname}}",
          ),
        ),
        timeseries(
          "Database size",
          "Size on disk of each database.",
          bytes,
          q(`sum by (datname) (${pg("pg_database_size_bytes")})`, "{{datname}}"),
        ),
      ],
      [
        {
          type: "table",
          title: "Longest-running queries",
          description:
            "Statements running now, oldest first, read from pg_stat_activity by a read-only role.",
          datasource: datasourceUids.postgres,
          queries: [{ rawSql: longestQueriesSql }],
          overrides: [
            {
              matcher: { id: "byName", options: "duration_seconds" },
              properties: [{ id: "unit", value: "s" }],
            },
          ],
        },
      ],
    ],
  );
}
