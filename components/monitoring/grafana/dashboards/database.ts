// The "Database performance" dashboard, from the series of the stack's database engine
// (../../postgres-series.ts): a CloudNativePG cluster's adds its standbys' replication lag.
import { datasourceUids } from "../../grafana-config";
import { dashboard } from "../dashboard";
import type { Dashboard } from "../model";
import {
  postgresSeries,
  selectorOf,
  type PostgresSeries,
  type Series,
} from "../../postgres-series";
import { bytes, count, gauge, perSecond, percent, q, seconds, stat, timeseries } from "../panels";
import { labelsOf, matching, sumRate } from "../promql";
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
  const { ns, replica } = labels;
  const pg = postgresSeries[options.databaseEngine];
  const at = (series: Series) => selectorOf(series, ns);
  const rate = (by: string, series: Series) =>
    sumRate(by, series.metric, matching(series.matchers ?? "", ns));
  const tuples = (operation: keyof PostgresSeries["rows"]) =>
    q(rate("", pg.rows[operation]), operation);
  const hitRatio = (by: string) =>
    `${rate(by, pg.blocksHit)} / (${rate(by, pg.blocksHit)} + ${rate(by, pg.blocksRead)})`;
  // Each instance's connections against its own max_connections.
  const connectionsUsed = `sum by (${replica}) (${at(pg.connections)}) / max by (${replica}) (${at(pg.maxConnections)})`;
  // Every instance of a cluster holds every database: each counts once.
  const sizes = `max by (datname) (${at(pg.databaseSize)})`;
  // postgres-exporter's lock query; CloudNativePG's default queries have none.
  const locks = pg.locks
    ? [
        timeseries(
          "Locks by mode",
          "Locks held or awaited, by mode: contention shows as exclusive locks piling up.",
          count,
          q(`sum by (mode) (${at(pg.locks)})`, "{{mode}}"),
        ),
      ]
    : [];
  // The single server has no standby: no replication lag to show.
  const replication = pg.replication
    ? [
        timeseries(
          "Replication lag",
          `Seconds each standby's replay is behind the primary, by ${replica} (the primary shows 0).`,
          seconds,
          q(`max by (${replica}) (${at(pg.replication.lag)})`, `{{${replica}}}`),
        ),
      ]
    : [];
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
          `1 when ${pg.exporter} reaches PostgreSQL${pg.replication ? ", on every instance" : ""}.`,
          {},
          q(`min(${at(pg.up)})`),
        ),
        gauge(
          "Connections used",
          "Connections open against max_connections, on the busiest instance.",
          percent,
          q(`max(${connectionsUsed})`),
        ),
        stat(
          "Cache hit ratio",
          "Share of block reads served from shared buffers.",
          percent,
          q(hitRatio("")),
        ),
        stat("Database size", "Size on disk of all databases.", bytes, q(`sum(${sizes})`)),
      ],
      [
        timeseries(
          "Connections vs max_connections",
          `Open connections by state against max_connections, by ${replica}.`,
          count,
          q(`sum by (${replica}, state) (${at(pg.connections)})`, `{{${replica}}} {{state}}`),
          q(`max by (${replica}) (${at(pg.maxConnections)})`, `{{${replica}}} max_connections`),
        ),
        timeseries(
          "Transactions",
          "Commits and rollbacks per second.",
          perSecond,
          q(rate("", pg.commits), "commits"),
          q(rate("", pg.rollbacks), "rollbacks"),
        ),
      ],
      [
        timeseries(
          "Cache hit ratio by database",
          "blks_hit / (blks_hit + blks_read) of each database: below 0.99 the working set outgrows shared_buffers.",
          percent,
          q(hitRatio("datname"), "{{datname}}"),
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
        ...locks,
        ...replication,
        timeseries(
          "Deadlocks",
          "Deadlocks detected, per database.",
          count,
          q(`sum by (datname) (increase(${at(pg.deadlocks)}[$__rate_interval]))`, "{{datname}}"),
        ),
        timeseries(
          "Database size",
          "Size on disk of each database.",
          bytes,
          q(sizes, "{{datname}}"),
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
