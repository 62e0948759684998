// The five Grafana dashboards of the source design, as code: a typed subset of Grafana's
// dashboard JSON model, built by a pure function so tests can check every panel's datasource, its
// place on the grid and every query (each metric name against the catalog, each PromQL
// expression with the real promtool). Panels are written as compact specs, one array per row;
// `layout` numbers them and places them on Grafana's 24-column grid.
import { datasourceTypes, datasourceUids, type DatasourceUid } from "./grafana-config";
import { metricNamesOf } from "./metrics-catalog";

export type PanelType = "timeseries" | "stat" | "gauge" | "table" | "logs";

export interface DatasourceRef {
  readonly type: string;
  readonly uid: DatasourceUid;
}

/** A PromQL (Prometheus) or LogQL (Loki) query. */
export interface ExprTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  readonly legendFormat?: string;
  /** One evaluation at the end of the time range, as a table wants it. */
  readonly instant?: boolean;
  readonly format?: "time_series" | "table";
}

/** A raw SQL query of the PostgreSQL datasource. */
export interface SqlTarget {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly rawSql: string;
  readonly format: "table";
  readonly rawQuery: true;
  readonly editorMode: "code";
}

export type Target = ExprTarget | SqlTarget;

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface FieldOverride {
  readonly matcher: { readonly id: string; readonly options: string };
  readonly properties: readonly { readonly id: string; readonly value: unknown }[];
}

export interface FieldConfig {
  readonly defaults: { readonly unit?: string; readonly min?: number; readonly max?: number };
  readonly overrides: readonly FieldOverride[];
}

export interface LogsOptions {
  readonly showTime: boolean;
  readonly wrapLogMessage: boolean;
  readonly enableLogDetails: boolean;
  readonly sortOrder: "Descending" | "Ascending";
  readonly dedupStrategy: "none";
}

export interface Panel {
  readonly id: number;
  readonly type: PanelType;
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: DatasourceRef;
  readonly targets: readonly Target[];
  readonly fieldConfig: FieldConfig;
  readonly options?: LogsOptions;
}

/** A variable whose values a Prometheus query lists, e.g. `label_values(metric, label)`. */
export interface QueryVariable {
  readonly type: "query";
  readonly name: string;
  readonly label: string;
  readonly datasource: DatasourceRef;
  readonly query: string;
  readonly definition: string;
  /** 1: when the dashboard loads; 2: when the time range changes. */
  readonly refresh: 1 | 2;
  readonly includeAll: boolean;
  readonly multi: boolean;
  /** 1: alphabetical, ascending. */
  readonly sort: number;
}

export interface VariableOption {
  readonly text: string;
  readonly value: string;
  readonly selected: boolean;
}

/** A variable with a fixed list of values (comma-separated in `query`). */
export interface CustomVariable {
  readonly type: "custom";
  readonly name: string;
  readonly label: string;
  readonly query: string;
  readonly includeAll: boolean;
  readonly multi: boolean;
  readonly current: { readonly text: string; readonly value: string };
  readonly options: readonly VariableOption[];
}

export type Variable = QueryVariable | CustomVariable;

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: "browser";
  readonly schemaVersion: 39;
  readonly editable: false;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

export interface DashboardOptions {
  /** The stack's environment: a tag of every dashboard and a label of every log line. */
  readonly environment: string;
  /** The app jobs (Prometheus job names) the `job` variable offers. */
  readonly appJobs: readonly string[];
}

/** Grafana's grid is 24 columns wide. */
export const gridColumns = 24;

// ---- Panel specs and the builder ---------------------------------------------------------------

type QuerySpec =
  | {
      readonly expr: string;
      readonly legendFormat?: string;
      readonly instant?: boolean;
      readonly format?: "table";
    }
  | { readonly rawSql: string };

interface Look {
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
}

interface PanelSpec extends Look {
  readonly type: PanelType;
  readonly title: string;
  readonly description: string;
  readonly datasource: DatasourceUid;
  readonly queries: readonly QuerySpec[];
  readonly overrides?: readonly FieldOverride[];
  readonly options?: LogsOptions;
}

/** Drops the keys whose value is undefined, so the dashboard survives a JSON round trip. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

const datasource = (uid: DatasourceUid): DatasourceRef => ({ type: datasourceTypes[uid], uid });

const q = (expr: string, legendFormat?: string): QuerySpec => compact({ expr, legendFormat });

const percent: Look = { unit: "percentunit", min: 0, max: 1 };
const requestsPerSecond: Look = { unit: "reqps", min: 0 };
const perSecond: Look = { unit: "ops", min: 0 };
const seconds: Look = { unit: "s", min: 0 };
const bytes: Look = { unit: "bytes", min: 0 };
const count: Look = { unit: "short", min: 0 };

function prometheusPanel(type: "timeseries" | "stat" | "gauge" | "table") {
  return (title: string, description: string, look: Look, ...queries: QuerySpec[]): PanelSpec => ({
    type,
    title,
    description,
    datasource: datasourceUids.prometheus,
    queries,
    ...look,
  });
}
const timeseries = prometheusPanel("timeseries");
const stat = prometheusPanel("stat");
const gauge = prometheusPanel("gauge");
const table = prometheusPanel("table");

/** Rows of panels of one height: the tallest panel type of the row decides. */
const heights: Readonly<Record<PanelType, number>> = {
  stat: 4,
  gauge: 5,
  timeseries: 8,
  table: 9,
  logs: 12,
};

function refId(index: number): string {
  return String.fromCharCode("A".charCodeAt(0) + index);
}

function target(spec: QuerySpec, uid: DatasourceUid, index: number): Target {
  const base = { refId: refId(index), datasource: datasource(uid) };
  if ("rawSql" in spec) {
    return { ...base, rawSql: spec.rawSql, format: "table", rawQuery: true, editorMode: "code" };
  }
  return compact({ ...base, ...spec });
}

function panel(spec: PanelSpec, id: number, gridPos: GridPos): Panel {
  return compact({
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos,
    datasource: datasource(spec.datasource),
    targets: spec.queries.map((query, index) => target(query, spec.datasource, index)),
    fieldConfig: {
      defaults: compact({ unit: spec.unit, min: spec.min, max: spec.max }),
      overrides: spec.overrides ?? [],
    },
    options: spec.options,
  });
}

/**
 * Numbers the panels from 1 and places them row by row: the panels of a row share the 24
 * columns (the first ones a column wider when they do not divide evenly) and the row's height.
 */
function layout(rows: readonly (readonly PanelSpec[])[]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    if (row.length === 0 || row.length > gridColumns) {
      throw new Error(`A dashboard row holds 1 to ${gridColumns} panels, not ${row.length}`);
    }
    const width = Math.floor(gridColumns / row.length);
    const wider = gridColumns - width * row.length;
    const h = Math.max(...row.map((spec) => heights[spec.type]));
    let x = 0;
    row.forEach((spec, index) => {
      const w = width + (index < wider ? 1 : 0);
      panels.push(panel(spec, panels.length + 1, { x, y, w, h }));
      x += w;
    });
    y += h;
  }
  return panels;
}

// ---- Queries ------------------------------------------------------------------------------------

const ns = 'namespace="$namespace"';
const jobs = 'job=~"$job"';
/** Pod containers only: cAdvisor's pod-level (container="") series would count twice. */
const containers = `${ns}, container!=""`;

const rate = (metric: string, matchers: string) => `rate(${metric}{${matchers}}[$__rate_interval])`;
const sumRate = (by: string, metric: string, matchers: string) =>
  `${by ? `sum by (${by}) ` : "sum"}(${rate(metric, matchers)})`;
const quantile = (phi: number, by: string, family: string, matchers: string) =>
  `histogram_quantile(${phi}, sum by (${[by, "le"].filter(Boolean).join(", ")}) (${rate(`${family}_bucket`, matchers)}))`;

/** Requests answered with 5xx among all requests, per `by` (or in total). */
const errorShare = (by: string, matchers: string) =>
  `${sumRate(by, "http_requests_total", `${matchers}, status=~"5.."`)} / ${sumRate(by, "http_requests_total", matchers)}`;

// ---- Variables ----------------------------------------------------------------------------------

const namespaceVariable: QueryVariable = {
  type: "query",
  name: "namespace",
  label: "Namespace",
  datasource: datasource(datasourceUids.prometheus),
  query: "label_values(kube_pod_status_phase, namespace)",
  definition: "label_values(kube_pod_status_phase, namespace)",
  refresh: 1,
  includeAll: false,
  multi: false,
  sort: 1,
};

function jobVariable(appJobs: readonly string[]): CustomVariable {
  return {
    type: "custom",
    name: "job",
    label: "Job",
    // Grafana splits a custom variable's values at unescaped commas.
    query: appJobs.map((job) => job.replace(/,/g, "\\,")).join(","),
    includeAll: true,
    multi: true,
    current: { text: "All", value: "$__all" },
    options: [
      { text: "All", value: "$__all", selected: true },
      ...appJobs.map((job) => ({ text: job, value: job, selected: false })),
    ],
  };
}

function dashboard(
  uid: string,
  title: string,
  tags: readonly string[],
  variables: readonly Variable[],
  rows: readonly (readonly PanelSpec[])[],
): Dashboard {
  return {
    uid,
    title,
    tags,
    timezone: "browser",
    schemaVersion: 39,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "30s",
    templating: { list: variables },
    panels: layout(rows),
  };
}

// ---- The dashboards -----------------------------------------------------------------------------

function unified(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const requests = `${ns}, ${jobs}`;
  return dashboard(
    "toolboxai-unified",
    "ToolboxAI unified overview",
    tags("overview"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        timeseries(
          "Node CPU usage",
          "Share of CPU time each node spends outside idle.",
          percent,
          q(
            `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`,
            "{{instance}}",
          ),
        ),
        timeseries(
          "Node memory usage",
          "Share of each node's memory not available to new processes.",
          percent,
          q("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "{{instance}}"),
        ),
        stat(
          "Service health",
          "Share of each scrape job's targets that answer (1 = all up).",
          percent,
          q("avg by (job) (up)", "{{job}}"),
        ),
      ],
      [
        timeseries(
          "CPU per pod (cores)",
          "CPU used by the containers of each pod of the namespace (cAdvisor).",
          count,
          q(sumRate("pod", "container_cpu_usage_seconds_total", containers), "{{pod}}"),
        ),
        timeseries(
          "Memory per pod",
          "Working-set memory of the containers of each pod: what the OOM killer judges.",
          bytes,
          q(`sum by (pod) (container_memory_working_set_bytes{${containers}})`, "{{pod}}"),
        ),
      ],
      [
        timeseries(
          "Request rate per job",
          "HTTP requests per second answered by each app job.",
          requestsPerSecond,
          q(sumRate("job", "http_requests_total", requests), "{{job}}"),
        ),
        timeseries(
          "Error rate per job",
          "Share of each app job's HTTP requests answered with 5xx.",
          percent,
          q(errorShare("job", requests), "{{job}}"),
        ),
      ],
      [
        {
          type: "logs",
          title: "Error log lines",
          description: `Log lines of the namespace's pods that mention an error (Loki, environment ${options.environment}).`,
          datasource: datasourceUids.loki,
          queries: [
            {
              expr: `{${ns}, environment=${JSON.stringify(options.environment)}} |~ "(?i)(error|exception|traceback)"`,
            },
          ],
          options: {
            showTime: true,
            wrapLogMessage: true,
            enableLogDetails: true,
            sortOrder: "Descending",
            dedupStrategy: "none",
          },
        },
      ],
    ],
  );
}

function security(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const failed = `${ns}, result!="success"`;
  return dashboard(
    "toolboxai-security",
    "Security",
    tags("security"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        stat(
          "Sign-in attempts",
          "Authentication attempts over the selected time range.",
          count,
          q(`sum(increase(toolboxai_auth_attempts_total{${ns}}[$__range]))`),
        ),
        stat(
          "Failed sign-ins",
          "Authentication attempts over the selected time range whose result is not success.",
          count,
          q(`sum(increase(toolboxai_auth_attempts_total{${failed}}[$__range]))`),
        ),
        stat(
          "Active sessions",
          "Sessions the backend currently holds.",
          count,
          q(`sum(toolboxai_active_sessions{${ns}})`),
        ),
        stat(
          "Firing alerts",
          "Alerts firing now, the always-firing Watchdog excluded.",
          count,
          q('count(ALERTS{alertstate="firing", alertname!="Watchdog"}) or vector(0)'),
        ),
      ],
      [
        timeseries(
          "Authentication attempts by result",
          "Sign-in attempts per second, by result.",
          perSecond,
          q(sumRate("result", "toolboxai_auth_attempts_total", ns), "{{result}}"),
        ),
        timeseries(
          "Failed sign-in share",
          "Share of sign-in attempts that fail: a rise suggests credential stuffing.",
          percent,
          q(
            `${sumRate("", "toolboxai_auth_attempts_total", failed)} / ${sumRate("", "toolboxai_auth_attempts_total", ns)}`,
            "failed",
          ),
        ),
      ],
      [
        timeseries(
          "Rate-limited requests",
          "Requests refused by the backend's rate limiter, per pod: API abuse shows here first.",
          requestsPerSecond,
          q(sumRate("pod", "toolboxai_rate_limited_requests_total", ns), "{{pod}}"),
        ),
        timeseries(
          "4xx responses by handler",
          "Client errors per handler and status: probing and scraping show as 401, 403 and 404.",
          requestsPerSecond,
          q(
            sumRate("handler, status", "http_requests_total", `${ns}, ${jobs}, status=~"4.."`),
            "{{handler}} {{status}}",
          ),
        ),
      ],
      [
        table(
          "Firing alerts",
          "The alerts firing now, with their severity and service.",
          {},
          {
            expr: 'sum by (alertname, severity, service) (ALERTS{alertstate="firing"})',
            instant: true,
            format: "table",
          },
        ),
        timeseries(
          "Active sessions",
          "Sessions the backend holds, per pod.",
          count,
          q(`sum by (pod) (toolboxai_active_sessions{${ns}})`, "{{pod}}"),
        ),
      ],
    ],
  );
}

function loadBalancing(options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const requests = `${ns}, ${jobs}`;
  return dashboard(
    "toolboxai-load-balancing",
    "Load balancing",
    tags("load-balancing"),
    [namespaceVariable, jobVariable(options.appJobs)],
    [
      [
        timeseries(
          "Request rate by pod",
          "HTTP requests per second each pod answers: the replicas of a job should carry alike.",
          requestsPerSecond,
          q(sumRate("job, pod", "http_requests_total", requests), "{{job}} {{pod}}"),
        ),
        timeseries(
          "Traffic share by pod",
          "Each pod's share of its job's requests.",
          percent,
          q(
            `${sumRate("job, pod", "http_requests_total", requests)} / on (job) group_left ${sumRate("job", "http_requests_total", requests)}`,
            "{{job}} {{pod}}",
          ),
        ),
      ],
      [
        timeseries(
          "Response time p50 / p95 per job",
          "Median and 95th-percentile HTTP response time of each job.",
          seconds,
          q(quantile(0.5, "job", "http_request_duration_seconds", requests), "{{job}} p50"),
          q(quantile(0.95, "job", "http_request_duration_seconds", requests), "{{job}} p95"),
        ),
        timeseries(
          "Response time p95 per pod",
          "95th-percentile response time of each pod: one slow replica shows here.",
          seconds,
          q(quantile(0.95, "job, pod", "http_request_duration_seconds", requests), "{{pod}}"),
        ),
      ],
      [
        timeseries(
          "Replicas available vs desired",
          "Available replicas of each Deployment against the replicas its spec asks for.",
          count,
          q(
            `sum by (deployment) (kube_deployment_status_replicas_available{${ns}})`,
            "{{deployment}} available",
          ),
          q(`sum by (deployment) (kube_deployment_spec_replicas{${ns}})`, "{{deployment}} desired"),
        ),
        timeseries(
          "Autoscaler replicas vs maximum",
          "Current replicas of each HorizontalPodAutoscaler against its maximum: at the maximum it cannot absorb more load.",
          count,
          q(
            `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{${ns}})`,
            "{{horizontalpodautoscaler}} current",
          ),
          q(
            `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{${ns}})`,
            "{{horizontalpodautoscaler}} max",
          ),
        ),
      ],
      [
        timeseries(
          "CPU throttling by pod",
          "Share of CFS periods in which a pod's containers were throttled at their CPU limit.",
          percent,
          q(
            `${sumRate("pod", "container_cpu_cfs_throttled_periods_total", containers)} / ${sumRate("pod", "container_cpu_cfs_periods_total", containers)}`,
            "{{pod}}",
          ),
        ),
        timeseries(
          "Network traffic by pod",
          "Bytes per second each pod receives (positive) and sends (negative).",
          { unit: "Bps" },
          q(sumRate("pod", "container_network_receive_bytes_total", ns), "{{pod}} received"),
          q(`-${sumRate("pod", "container_network_transmit_bytes_total", ns)}`, "{{pod}} sent"),
        ),
      ],
    ],
  );
}

function overview(_options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  return dashboard(
    "toolboxai-overview",
    "ToolboxAI overview",
    tags("overview"),
    [namespaceVariable],
    [
      [
        stat(
          "Request rate",
          "HTTP requests per second across all services.",
          requestsPerSecond,
          q(sumRate("", "http_requests_total", ns)),
        ),
        stat(
          "Error share",
          "Share of all HTTP requests answered with 5xx.",
          percent,
          q(errorShare("", ns)),
        ),
        stat(
          "p95 latency",
          "95th-percentile HTTP response time across all services.",
          seconds,
          q(quantile(0.95, "", "http_request_duration_seconds", ns)),
        ),
        stat(
          "Celery workers online",
          "Celery workers Flower sees online.",
          count,
          q(`sum(flower_worker_online{${ns}})`),
        ),
        stat(
          "Task runtime p95",
          "95th-percentile runtime of Celery tasks.",
          seconds,
          q(quantile(0.95, "", "flower_task_runtime_seconds", ns)),
        ),
        stat(
          "Pod restarts",
          "Container restarts in the namespace over the selected time range.",
          count,
          q(`sum(increase(kube_pod_container_status_restarts_total{${ns}}[$__range]))`),
        ),
      ],
      [
        timeseries(
          "Request rate per job",
          "HTTP requests per second of each service.",
          requestsPerSecond,
          q(sumRate("job", "http_requests_total", ns), "{{job}}"),
        ),
        timeseries(
          "User activity",
          "Sessions the backend holds: the users signed in.",
          count,
          q(`sum(toolboxai_active_sessions{${ns}})`, "sessions"),
        ),
        timeseries(
          "Celery task events",
          "Task events per second Flower receives, by type (received, started, succeeded, failed …).",
          perSecond,
          q(sumRate("type", "flower_events_total", ns), "{{type}}"),
        ),
      ],
      [
        timeseries(
          "Redis clients",
          "Clients connected to Redis: Celery workers, the backend and Flower.",
          count,
          q(`sum by (pod) (redis_connected_clients{${ns}})`, "{{pod}}"),
        ),
        timeseries(
          "Redis memory",
          "Memory Redis uses against its maxmemory (0 when unlimited).",
          bytes,
          q(`sum by (pod) (redis_memory_used_bytes{${ns}})`, "{{pod}} used"),
          q(`sum by (pod) (redis_memory_max_bytes{${ns}})`, "{{pod}} max"),
        ),
        timeseries(
          "Redis hit rate",
          "Share of key lookups that find their key.",
          percent,
          q(
            `${sumRate("", "redis_keyspace_hits_total", ns)} / (${sumRate("", "redis_keyspace_hits_total", ns)} + ${sumRate("", "redis_keyspace_misses_total", ns)})`,
            "hit rate",
          ),
        ),
      ],
      [
        timeseries(
          "Pod restarts",
          "Container restarts per pod over the last hour: a climbing line is a crash loop.",
          count,
          q(
            `sum by (pod) (increase(kube_pod_container_status_restarts_total{${ns}}[1h]))`,
            "{{pod}}",
          ),
        ),
        timeseries(
          "Task runtime p50 / p95",
          "Median and 95th-percentile runtime of Celery tasks.",
          seconds,
          q(quantile(0.5, "", "flower_task_runtime_seconds", ns), "p50"),
          q(quantile(0.95, "", "flower_task_runtime_seconds", ns), "p95"),
        ),
        timeseries(
          "Namespace CPU and memory",
          "CPU (cores) and working-set memory (bytes) of all the namespace's containers.",
          count,
          q(sumRate("", "container_cpu_usage_seconds_total", containers), "CPU cores"),
          q(`sum(container_memory_working_set_bytes{${containers}}) / 2^30`, "memory GiB"),
        ),
      ],
    ],
  );
}

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

function database(_options: DashboardOptions, tags: (topic: string) => string[]): Dashboard {
  const tuples = (operation: string) =>
    q(sumRate("", `pg_stat_database_tup_${operation}`, ns), operation);
  const blocks = (kind: "hit" | "read") => sumRate("datname", `pg_stat_database_blks_${kind}`, ns);
  return dashboard(
    "toolboxai-database",
    "Database performance",
    tags("database"),
    [namespaceVariable],
    [
      [
        stat(
          "PostgreSQL up",
          "1 when postgres-exporter reaches PostgreSQL.",
          {},
          q(`min(pg_up{${ns}})`),
        ),
        gauge(
          "Connections used",
          "Connections open against max_connections.",
          percent,
          q(`sum(pg_stat_activity_count{${ns}}) / max(pg_settings_max_connections{${ns}})`),
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
          q(`sum(pg_database_size_bytes{${ns}})`),
        ),
      ],
      [
        timeseries(
          "Connections vs max_connections",
          "Open connections by state against the server's max_connections.",
          count,
          q(`sum by (state) (pg_stat_activity_count{${ns}})`, "{{state}}"),
          q(`max(pg_settings_max_connections{${ns}})`, "max_connections"),
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
          q(`sum by (mode) (pg_locks_count{${ns}})`, "{{mode}}"),
        ),
        timeseries(
          "Deadlocks",
          "Deadlocks detected, per database.",
          count,
          q(
            `sum by (datname) (increase(pg_stat_database_deadlocks{${ns}}[$__rate_interval]))`,
            "{{datname}}",
          ),
        ),
        timeseries(
          "Database size",
          "Size on disk of each database.",
          bytes,
          q(`sum by (datname) (pg_database_size_bytes{${ns}})`, "{{datname}}"),
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

/** The five dashboards of the design. */
export function dashboards(options: DashboardOptions): Dashboard[] {
  if (options.appJobs.length === 0) {
    throw new Error("The dashboards need at least one app job for their `job` variable");
  }
  const tags = (topic: string) => ["toolboxai", options.environment, topic];
  return [unified, security, loadBalancing, overview, database].map((build) =>
    build(options, tags),
  );
}

/** The provisioning files: `<uid>.json` for the dashboard provider's folder. */
export function dashboardFiles(list: readonly Dashboard[]): Record<string, string> {
  return Object.fromEntries(
    list.map((item) => [`${item.uid}.json`, `${JSON.stringify(item, null, 2)}\n`]),
  );
}

const isPrometheus = (ref: DatasourceRef) => ref.uid === datasourceUids.prometheus;

/** Every PromQL expression of the dashboards' panels. */
export function prometheusExpressions(list: readonly Dashboard[]): string[] {
  return list.flatMap((item) =>
    item.panels.flatMap((each) =>
      each.targets.flatMap((t) => ("expr" in t && isPrometheus(t.datasource) ? [t.expr] : [])),
    ),
  );
}

/** The series selector of a `label_values(selector, label)` variable query. */
function variableSelector(query: string): string | undefined {
  return /^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim())?.[1];
}

/** The metric names the dashboards query: their PromQL targets' and variables'. */
export function dashboardMetricNames(list: readonly Dashboard[]): string[] {
  const selectors = list.flatMap((item) =>
    item.templating.list.flatMap((variable) => {
      if (variable.type !== "query" || !isPrometheus(variable.datasource)) return [];
      const selector = variableSelector(variable.query);
      return selector === undefined ? [] : [selector];
    }),
  );
  return [...new Set([...prometheusExpressions(list), ...selectors].flatMap(metricNamesOf))].sort();
}
