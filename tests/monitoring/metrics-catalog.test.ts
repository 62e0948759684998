// The PromQL lexer that finds which metrics an alert or panel reads, and what each platform's and
// database engine's exporters produce.
import { databaseEngines, type DatabaseEngine } from "../../components/config/schema";
import {
  exporterMetrics,
  exporterMetricsOn,
  histogramSeries,
  metricNamesOf,
  postgresMetrics,
} from "../../components/monitoring/metrics-catalog";

test("metric names, not functions, labels, grouping lists, durations or numbers", () => {
  expect(
    metricNamesOf(
      'sum by (job, le) (rate(http_request_duration_seconds_bucket{job=~"a|b", le!="x"}[5m] offset 1h)) * 1e3 > on (instance) group_left (node) node_load1 and vector(1)',
    ),
  ).toEqual(["http_request_duration_seconds_bucket", "node_load1"]);
});

test("a bare selector, recording-rule names with colons, and keywords in any case", () => {
  expect(metricNamesOf("up == 0")).toEqual(["up"]);
  expect(metricNamesOf("job:http_requests:rate5m > bool 3 OR absent(up)")).toEqual([
    "job:http_requests:rate5m",
    "up",
  ]);
});

test("strings never count as metrics", () => {
  expect(metricNamesOf('label_replace(up, "dst", "not_a_metric", "src", "(.*)")')).toEqual(["up"]);
});

test("a histogram family's series", () => {
  expect(histogramSeries("http_request_duration_seconds")).toEqual([
    "http_request_duration_seconds_bucket",
    "http_request_duration_seconds_sum",
    "http_request_duration_seconds_count",
  ]);
});

test("Docker runs no exporter of the platform's own; Kubernetes runs every one", () => {
  for (const engine of databaseEngines) {
    expect(exporterMetricsOn("kubernetes", engine)).toEqual(
      Object.values(exporterMetrics(engine)).flat(),
    );
  }
  const docker = exporterMetricsOn("docker", "single");
  expect(docker).toEqual(
    expect.arrayContaining(["pg_up", "redis_up", "prometheus_tsdb_head_series"]),
  );
  for (const metric of [
    "node_cpu_seconds_total",
    "kube_pod_status_phase",
    "container_cpu_usage_seconds_total",
    "certmanager_certificate_expiration_timestamp_seconds",
  ]) {
    expect(docker).not.toContain(metric);
  }
});

test("the job postgres produces pg_* families on the single server, cnpg_* ones on a cluster", () => {
  const postgresOf = (engine: DatabaseEngine) => exporterMetrics(engine).postgres;
  expect(postgresOf("single")).toEqual(postgresMetrics.single);
  expect(postgresOf("cloudnative-pg")).toEqual(postgresMetrics["cloudnative-pg"]);
  expect(postgresOf("single")).toEqual(expect.arrayContaining(["pg_up", "pg_locks_count"]));
  expect(postgresOf("single").filter((name) => !name.startsWith("pg_"))).toEqual([]);
  expect(postgresOf("cloudnative-pg")).toEqual(
    expect.arrayContaining(["cnpg_collector_up", "cnpg_pg_replication_lag"]),
  );
  expect(postgresOf("cloudnative-pg").filter((name) => !name.startsWith("cnpg_"))).toEqual([]);
  // Only the job postgres differs.
  const others = (engine: DatabaseEngine) =>
    Object.entries(exporterMetrics(engine)).filter(([job]) => job !== "postgres");
  expect(others("cloudnative-pg")).toEqual(others("single"));
  expect(exporterMetricsOn("kubernetes", "cloudnative-pg")).not.toContain("pg_up");
});
