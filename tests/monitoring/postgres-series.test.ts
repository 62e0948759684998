// PostgreSQL's series per database engine (components/monitoring/postgres-series.ts): each engine's
// are exactly the families the metrics catalog lists for the job "postgres" with it, the single
// server's pg_* and a cluster's cnpg_* only; and every cnpg_* family, and every label the rules
// and dashboard read of one, is one that CloudNativePG's instances export: a column of the default
// monitoring queries the stack applies (the vendored release's ConfigMap), or the instance
// manager's own gauge.
import { parse } from "yaml";
import { databaseEngines } from "../../components/config/schema";
import { releaseObject } from "../../components/data/cloudnative-pg/release";
import { alertRuleGroups } from "../../components/monitoring/alerts";
import { dashboards, prometheusExpressions } from "../../components/monitoring/grafana";
import { postgresMetrics } from "../../components/monitoring/metrics-catalog";
import {
  postgresFamilies,
  postgresSeries,
  selectorOf,
} from "../../components/monitoring/postgres-series";
import { validatedStackConfig } from "../../tools/engine/stack-config";

interface QueryColumn {
  readonly usage: string;
}
interface Query {
  readonly name?: string;
  readonly metrics: readonly Record<string, QueryColumn>[];
}

/** The default monitoring queries: `cnpg_<query>_<column>` of each value column, its labels. */
function defaultQueryFamilies(): Map<string, string[]> {
  const configMap = releaseObject("ConfigMap", "cnpg-default-monitoring") as unknown as {
    data: { queries: string };
  };
  const queries = parse(configMap.data.queries) as Record<string, Query>;
  const families = new Map<string, string[]>();
  for (const [key, query] of Object.entries(queries)) {
    const columns = query.metrics.flatMap((column) => Object.entries(column));
    const labels = columns.filter(([, column]) => column.usage === "LABEL").map(([name]) => name);
    for (const [column, { usage }] of columns) {
      if (usage !== "LABEL") families.set(`cnpg_${query.name ?? key}_${column}`, labels);
    }
  }
  return families;
}

/**
 * The instance manager's own gauges this program reads (CloudNativePG's
 * pkg/management/postgres/webserver/metricserver/pg_collector.go, not in the ConfigMap), and
 * their labels.
 */
const instanceManagerGauges = new Map([
  ["cnpg_collector_up", ["cluster"]],
  ["cnpg_collector_pg_wal_archive_status", ["value"]],
  ["cnpg_collector_last_available_backup_timestamp", []],
]);

/** The families CloudNativePG's instances export (among those above), and their labels. */
function clusterFamilies(): Map<string, string[]> {
  return new Map([...defaultQueryFamilies(), ...instanceManagerGauges]);
}

/** The labels Prometheus gives every series of a scrape target (../../components/monitoring/prometheus-config.ts). */
const targetLabels = ["job", "instance", "namespace", "pod", "container"];

/**
 * What of the selectors `exported` lacks: a family it does not have, or `metric{label}` for a
 * label matched that is neither the family's nor a target's.
 */
function unexported(selectors: readonly string[], exported: Map<string, string[]>): string[] {
  return selectors.flatMap((selector) => {
    const [, metric, matchers = ""] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(selector)!;
    const labels = exported.get(metric);
    if (!labels) return [metric];
    return [...matchers.matchAll(/([a-zA-Z_]+)=/g)]
      .map(([, label]) => label)
      .filter((label) => !labels.includes(label) && !targetLabels.includes(label))
      .map((label) => `${metric}{${label}}`);
  });
}

test("each engine's series are the catalog's families of the job postgres with that engine", () => {
  for (const engine of databaseEngines) {
    expect({ engine, families: postgresFamilies(engine).sort() }).toEqual({
      engine,
      families: [...postgresMetrics[engine]].sort(),
    });
  }
  expect(postgresFamilies("single").every((name) => name.startsWith("pg_"))).toBe(true);
  expect(postgresFamilies("cloudnative-pg").every((name) => name.startsWith("cnpg_"))).toBe(true);
});

test("replication and the archive only on a cluster; locks only where the exporter has them", () => {
  expect(postgresSeries.single.replication).toBeUndefined();
  expect(postgresSeries.single.archive).toBeUndefined();
  expect(postgresSeries["cloudnative-pg"].archive).toEqual({
    lastArchivedTime: { metric: "cnpg_pg_stat_archiver_last_archived_time" },
    lastFailedTime: { metric: "cnpg_pg_stat_archiver_last_failed_time" },
    secondsSinceLastArchival: { metric: "cnpg_pg_stat_archiver_seconds_since_last_archival" },
    segmentsReady: { metric: "cnpg_collector_pg_wal_archive_status", matchers: 'value="ready"' },
    lastBaseBackupTime: { metric: "cnpg_collector_last_available_backup_timestamp" },
  });
  expect(postgresSeries.single.locks).toEqual({ metric: "pg_locks_count" });
  expect(postgresSeries["cloudnative-pg"].replication).toEqual({
    lag: { metric: "cnpg_pg_replication_lag" },
    inRecovery: { metric: "cnpg_pg_replication_in_recovery" },
    streamingStandbys: { metric: "cnpg_pg_replication_streaming_replicas" },
  });
  expect(postgresSeries["cloudnative-pg"].locks).toBeUndefined();
});

test("a series' selector: its own matchers first, then the caller's, empty ones left out", () => {
  const { maxConnections } = postgresSeries["cloudnative-pg"];
  expect(selectorOf(maxConnections)).toBe('cnpg_pg_settings_setting{name="max_connections"}');
  expect(selectorOf(maxConnections, "", 'namespace="$namespace"')).toBe(
    'cnpg_pg_settings_setting{name="max_connections", namespace="$namespace"}',
  );
  expect(selectorOf(postgresSeries.single.up)).toBe("pg_up");
  expect(selectorOf(postgresSeries.single.up, 'job="postgres"')).toBe('pg_up{job="postgres"}');
});

test("every cnpg_* family, and each label matched on one, is exported by CloudNativePG's instances", () => {
  const exported = clusterFamilies();
  const series = postgresSeries["cloudnative-pg"];
  expect(unexported(postgresMetrics["cloudnative-pg"], exported)).toEqual([]);
  // The series' own matchers, and the labels the rules and the dashboard group by.
  expect(
    unexported(
      [
        selectorOf(series.maxConnections),
        selectorOf(series.archive!.segmentsReady),
        `${series.connections.metric}{datname="", state=""}`,
        `${series.commits.metric}{datname=""}`,
        `${series.deadlocks.metric}{datname=""}`,
        `${series.databaseSize.metric}{datname=""}`,
      ],
      exported,
    ),
  ).toEqual([]);
  // The check can fail: a family or a label the queries do not have.
  expect(
    unexported(["cnpg_pg_replication_made_up", "cnpg_backends_total{mode=}"], exported),
  ).toEqual(["cnpg_pg_replication_made_up", "cnpg_backends_total{mode}"]);
});

test("the cluster's rules and database dashboard read only what its instances export", () => {
  const config = validatedStackConfig("production");
  const groups = alertRuleGroups({
    thresholds: config.monitoring.alerts,
    recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
    appJobs: ["backend"],
    runbookBaseUrl: "https://example.com/ALERTS.md",
    platform: "kubernetes",
    database: { ...config.database, engine: "cloudnative-pg", archived: true },
    redis: config.redis,
  });
  const database = dashboards({
    environment: "production",
    appJobs: ["backend"],
    platform: "kubernetes",
    databaseEngine: "cloudnative-pg",
  }).filter((item) => item.uid === "toolboxai-database");
  const exprs = [
    ...groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
    ...prometheusExpressions(database),
  ];
  // Every selector of a cnpg_* family, with its matchers.
  const selectors = exprs.flatMap((expr) =>
    [...expr.matchAll(/\bcnpg_[a-zA-Z0-9_]+(\{[^}]*\})?/g)].map(([selector]) => selector),
  );
  expect(selectors.length).toBeGreaterThan(15);
  expect(unexported([...new Set(selectors)], clusterFamilies())).toEqual([]);
});
