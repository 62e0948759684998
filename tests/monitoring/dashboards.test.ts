// The Grafana dashboards: the five of the design with their fixed UIDs, panels on the 24-column
// grid without overlaps, every datasource a provisioned one, every metric one that an exporter,
// Prometheus or an app produces, and every PromQL expression accepted by the real promtool. On
// Docker, only the panels whose series exist there: no node, cAdvisor, kube-state or pod-log one.
// The database dashboard reads the series of the stack's database engine: postgres-exporter's on
// the single server, a CloudNativePG cluster's (and its standbys' replication lag) otherwise; each
// engine's dashboards are checked against what that engine's exporters produce.
import { backendMetricFamilies } from "../../components/app/backend";
import { flowerMetricFamilies } from "../../components/app/celery";
import { httpMetricFamilies } from "../../components/app/wiring";
import {
  dashboardFiles,
  dashboardMetricNames,
  dashboards,
  longestQueriesSql,
  prometheusExpressions,
  type Dashboard,
  type GridPos,
  type Panel,
} from "../../components/monitoring/grafana";
import type { DatabaseEngine } from "../../components/config/schema";
import { datasourceTypes, datasourceUids } from "../../components/monitoring/grafana-config";
import {
  exporterMetrics,
  exporterMetricsOn,
  histogramSeries,
  prometheusBuiltins,
} from "../../components/monitoring/metrics-catalog";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";

const appJobs = ["backend", "mcp-server", "agent-coordinator", "roblox-sync", "flower"];
const all = dashboards({
  environment: "dev",
  appJobs,
  platform: "kubernetes",
  databaseEngine: "single",
});
const onCluster = dashboards({
  environment: "dev",
  appJobs,
  platform: "kubernetes",
  databaseEngine: "cloudnative-pg",
});
const onDocker = dashboards({
  environment: "dev",
  appJobs,
  platform: "docker",
  databaseEngine: "single",
});
const byUid = (uid: string, list: readonly Dashboard[] = all): Dashboard =>
  list.find((item) => item.uid === uid)!;

// ---- Checks, each a function so a test can show it fails ----------------------------------------

/** Problems of a panel layout: outside the 24 columns, or two panels on the same cells. */
function layoutProblems(panels: readonly Panel[]): string[] {
  const problems: string[] = [];
  const fits = ({ x, y, w, h }: GridPos) =>
    [x, y, w, h].every(Number.isInteger) && x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= 24;
  const overlap = (a: GridPos, b: GridPos) =>
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  panels.forEach((panel, index) => {
    if (!fits(panel.gridPos)) problems.push(`panel ${panel.id} is off the grid`);
    for (const other of panels.slice(index + 1)) {
      if (overlap(panel.gridPos, other.gridPos)) {
        problems.push(`panels ${panel.id} and ${other.id} overlap`);
      }
    }
  });
  return problems;
}

/** The names not in `allowed`. */
function unknownMetrics(names: readonly string[], allowed: ReadonlySet<string>): string[] {
  return names.filter((name) => !allowed.has(name));
}

/** The histograms among the app families: Prometheus exposes them as _bucket, _sum, _count. */
const histogramFamilies = new Set(["http_request_duration_seconds", "flower_task_runtime_seconds"]);

const appMetrics = [
  ...httpMetricFamilies,
  ...backendMetricFamilies,
  ...flowerMetricFamilies,
].flatMap((family) => (histogramFamilies.has(family) ? histogramSeries(family) : [family]));
/** On Kubernetes: the exporters of every job, the job postgres's those of the engine. */
const kubernetesMetrics = (engine: DatabaseEngine): ReadonlySet<string> =>
  new Set([...Object.values(exporterMetrics(engine)).flat(), ...prometheusBuiltins, ...appMetrics]);
const allowedMetrics = kubernetesMetrics("single");
const clusterMetrics = kubernetesMetrics("cloudnative-pg");

/** On Docker: the exporters of every job but the platform's own (Docker runs none). */
const dockerMetrics: ReadonlySet<string> = new Set([
  ...exporterMetricsOn("docker", "single"),
  ...prometheusBuiltins,
  ...appMetrics,
]);

/** Grafana's variables as the promtool check substitutes them. */
const substitutions: readonly (readonly [string, string])[] = [
  ["$__rate_interval", "5m"],
  ["$__interval", "1m"],
  ["$__range", "1h"],
  ["$namespace", "toolboxai"],
  ["$job", "backend"],
];

function substitute(expr: string): string {
  return substitutions.reduce((text, [variable, value]) => text.split(variable).join(value), expr);
}

/** Every PromQL target of the dashboards as a recording rule, one group per dashboard. */
function recordingRules(list: readonly Dashboard[]) {
  return {
    groups: list.map((item) => ({
      name: `dashboard-${item.uid}`,
      rules: item.panels.flatMap((panel) =>
        panel.targets.flatMap((target) =>
          "expr" in target && target.datasource.uid === datasourceUids.prometheus
            ? [
                {
                  record: `dashboard:${item.uid}:${panel.id}:${target.refId}`.replace(
                    /[^a-zA-Z0-9_:]/g,
                    "_",
                  ),
                  expr: substitute(target.expr),
                },
              ]
            : [],
        ),
      ),
    })),
  };
}

/** The dashboard's variables its queries use (Grafana's own `$__…` aside). */
function usedVariables(item: Dashboard): Set<string> {
  const texts = item.panels.flatMap((panel) =>
    panel.targets.map((target) => ("expr" in target ? target.expr : target.rawSql)),
  );
  return new Set(
    texts.flatMap((text) =>
      [...text.matchAll(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)/g)]
        .map(([, name]) => name)
        .filter((name) => !name.startsWith("__")),
    ),
  );
}

// ---- Tests --------------------------------------------------------------------------------------

test("the five dashboards of the design, with their fixed UIDs and titles", () => {
  expect(all.map((item) => [item.uid, item.title])).toEqual([
    ["toolboxai-unified", "ToolboxAI unified overview"],
    ["toolboxai-security", "Security"],
    ["toolboxai-load-balancing", "Load balancing"],
    ["toolboxai-overview", "ToolboxAI overview"],
    ["toolboxai-database", "Database performance"],
  ]);
  expect(new Set(all.map((item) => item.uid)).size).toBe(all.length);
  for (const item of all) {
    expect(item.uid).toMatch(/^toolboxai(-[a-z0-9]+)+$/);
    expect(item.uid.length).toBeLessThanOrEqual(40);
    expect(item.tags).toEqual(expect.arrayContaining(["toolboxai", "dev"]));
    expect(item).toMatchObject({
      timezone: "browser",
      schemaVersion: 39,
      editable: false,
      time: { from: "now-6h", to: "now" },
      refresh: "30s",
    });
  }
});

test("the job variable offers the app jobs; without app jobs there are no dashboards", () => {
  const job = byUid("toolboxai-load-balancing").templating.list.find(
    (variable) => variable.name === "job",
  );
  expect(job).toMatchObject({ type: "custom", query: appJobs.join(","), includeAll: true });
  expect(() =>
    dashboards({
      environment: "dev",
      appJobs: [],
      platform: "kubernetes",
      databaseEngine: "single",
    }),
  ).toThrow(/app job/);
});

describe.each([
  ...all.map((item) => ["kubernetes", item.uid, item] as const),
  ...onCluster.map((item) => ["kubernetes with cloudnative-pg", item.uid, item] as const),
  ...onDocker.map((item) => ["docker", item.uid, item] as const),
])("%s dashboard %s", (platform, _uid, item) => {
  test("has panels with unique ids and descriptions", () => {
    expect(item.panels.length).toBeGreaterThanOrEqual(platform === "docker" ? 3 : 5);
    const ids = item.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of item.panels) {
      expect(panel.title).not.toBe("");
      expect(panel.description).not.toBe("");
      expect(panel.targets.length).toBeGreaterThan(0);
      const refIds = panel.targets.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  test("lays its panels within the 24 columns, none overlapping", () => {
    expect(layoutProblems(item.panels)).toEqual([]);
  });

  test("queries only provisioned datasources, each with its type", () => {
    const uids: readonly string[] = Object.values(datasourceUids);
    const refs = [
      ...item.panels.flatMap((panel) => [
        panel.datasource,
        ...panel.targets.map((target) => target.datasource),
      ]),
      ...item.templating.list.flatMap((variable) =>
        variable.type === "query" ? [variable.datasource] : [],
      ),
    ];
    for (const ref of refs) {
      expect(uids).toContain(ref.uid);
      expect(ref.type).toBe(datasourceTypes[ref.uid]);
    }
    for (const panel of item.panels) {
      for (const target of panel.targets) expect(target.datasource).toEqual(panel.datasource);
    }
  });

  test("survives a JSON round trip and serialises to valid JSON", () => {
    expect(JSON.parse(JSON.stringify(item))).toStrictEqual(item);
    const file = dashboardFiles([item])[`${item.uid}.json`];
    expect(typeof file).toBe("string");
    expect(JSON.parse(file)).toStrictEqual(item);
  });

  test("defines every variable its queries use, and uses every variable it defines", () => {
    const defined = item.templating.list.map((variable) => variable.name).sort();
    expect([...usedVariables(item)].sort()).toEqual(defined);
  });
});

test("every metric the dashboards query is produced by an exporter, Prometheus or an app", () => {
  const names = dashboardMetricNames(all);
  expect(names.length).toBeGreaterThan(30);
  expect(unknownMetrics(names, allowedMetrics)).toEqual([]);
  // With a CloudNativePG cluster, by its instances: the job postgres produces no pg_* family.
  expect(unknownMetrics(dashboardMetricNames(onCluster), clusterMetrics)).toEqual([]);
});

describe("with each database engine", () => {
  const database = (list: readonly Dashboard[]) => byUid("toolboxai-database", list);
  const titles = (item: Dashboard) => item.panels.map((panel) => panel.title);

  test("only the database dashboard differs", () => {
    expect(onCluster.map((item) => item.uid)).toEqual(all.map((item) => item.uid));
    for (const item of all.filter((each) => each.uid !== "toolboxai-database")) {
      expect(byUid(item.uid, onCluster)).toEqual(item);
    }
  });

  test("each reads its engine's families: the check can fail", () => {
    const single = dashboardMetricNames([database(all)]);
    const cluster = dashboardMetricNames([database(onCluster)]);
    expect(single.filter((name) => name.startsWith("cnpg_"))).toEqual([]);
    expect(cluster.filter((name) => name.startsWith("pg_"))).toEqual([]);
    expect(unknownMetrics(single, clusterMetrics)).toEqual(
      expect.arrayContaining(["pg_up", "pg_stat_activity_count", "pg_locks_count"]),
    );
    expect(unknownMetrics(cluster, allowedMetrics)).toEqual(
      expect.arrayContaining([
        "cnpg_collector_up",
        "cnpg_backends_total",
        "cnpg_pg_replication_lag",
      ]),
    );
  });

  test("a cluster shows its standbys' replication lag by pod; the single server, with none, does not", () => {
    expect(titles(database(onCluster))).toEqual([
      "PostgreSQL up",
      "Connections used",
      "Cache hit ratio",
      "Database size",
      "Connections vs max_connections",
      "Transactions",
      "Cache hit ratio by database",
      "Rows",
      "Replication lag",
      "Deadlocks",
      "Database size",
      "Longest-running queries",
    ]);
    const lag = database(onCluster).panels.find((panel) => panel.title === "Replication lag")!;
    expect(lag).toMatchObject({
      type: "timeseries",
      fieldConfig: { defaults: { unit: "s", min: 0 } },
      targets: [
        {
          expr: 'max by (pod) (cnpg_pg_replication_lag{namespace="$namespace"})',
          legendFormat: "{{pod}}",
        },
      ],
    });
    // The single server keeps its lock panel in that place (CloudNativePG's queries have none).
    expect(titles(database(all))).toEqual(
      titles(database(onCluster)).map((title) =>
        title === "Replication lag" ? "Locks by mode" : title,
      ),
    );
    expect(titles(database(onDocker))).toEqual(titles(database(all)));
  });

  test("max_connections is the setting of that name; connections are each instance's", () => {
    const exprs = prometheusExpressions([database(onCluster)]).join("\n");
    expect(exprs).toContain(
      'cnpg_pg_settings_setting{name="max_connections", namespace="$namespace"}',
    );
    expect(exprs).not.toMatch(/cnpg_pg_settings_setting\{(?!name="max_connections")/);
    expect(exprs).toContain(
      'max(sum by (pod) (cnpg_backends_total{namespace="$namespace"}) / max by (pod) (cnpg_pg_settings_setting{name="max_connections", namespace="$namespace"}))',
    );
    // Every instance holds every database: sizes count once, not once per instance.
    expect(exprs).toContain(
      'max by (datname) (cnpg_pg_database_size_bytes{namespace="$namespace"})',
    );
    expect(exprs).not.toMatch(/sum by \(datname\) \(cnpg_pg_database_size_bytes/);
  });
});

describe("on Docker", () => {
  /** The panel's metric names. */
  const metricsOfPanel = (item: Dashboard, panel: Panel) =>
    dashboardMetricNames([{ ...item, panels: [panel], templating: { list: [] } }]);
  /** Kubernetes's panels that Docker's dashboard lacks (a replica is a container there). */
  const leftOut = (item: Dashboard) => {
    const kept = new Set(
      byUid(item.uid, onDocker).panels.map((panel) => panel.title.replace(/\bcontainer\b/, "pod")),
    );
    return item.panels.filter((panel) => !kept.has(panel.title));
  };

  test("the five dashboards, each with fewer or the same panels", () => {
    expect(onDocker.map((item) => item.uid)).toEqual(all.map((item) => item.uid));
    for (const item of all) {
      expect(byUid(item.uid, onDocker).panels.length).toBe(
        item.panels.length - leftOut(item).length,
      );
    }
  });

  test("every metric the dashboards query is one Docker's scrape jobs provide", () => {
    const names = dashboardMetricNames(onDocker);
    expect(names.length).toBeGreaterThan(25);
    expect(unknownMetrics(names, dockerMetrics)).toEqual([]);
    // The check can fail: Kubernetes's dashboards read what Docker lacks.
    expect(unknownMetrics(dashboardMetricNames(all), dockerMetrics)).toEqual(
      expect.arrayContaining([
        "node_cpu_seconds_total",
        "container_cpu_usage_seconds_total",
        "kube_pod_status_phase",
      ]),
    );
  });

  test("leaves out the node, cAdvisor, kube-state and pod-log panels, and only them", () => {
    expect(
      Object.fromEntries(all.map((item) => [item.uid, leftOut(item).map((panel) => panel.title)])),
    ).toEqual({
      "toolboxai-unified": [
        "Node CPU usage",
        "Node memory usage",
        "CPU per pod (cores)",
        "Memory per pod",
        "Error log lines",
      ],
      "toolboxai-security": [],
      "toolboxai-load-balancing": [
        "Replicas available vs desired",
        "Autoscaler replicas vs maximum",
        "CPU throttling by pod",
        "Network traffic by pod",
      ],
      "toolboxai-overview": ["Pod restarts", "Pod restarts", "Namespace CPU and memory"],
      "toolboxai-database": [],
    });
    // Each reads pod logs or a metric Docker lacks: nothing is left out that would show data.
    for (const item of all) {
      for (const panel of leftOut(item)) {
        const lacking = metricsOfPanel(item, panel).filter((name) => !dockerMetrics.has(name));
        expect({ panel: panel.title, logs: panel.type === "logs", lacking }).toEqual({
          panel: panel.title,
          logs: panel.type === "logs",
          lacking: panel.type === "logs" ? [] : expect.arrayContaining([expect.any(String)]),
        });
      }
    }
  });

  test("no namespace variable, and no query of a namespace or pod label (series carry none)", () => {
    for (const item of onDocker) {
      expect(item.templating.list.map((variable) => variable.name)).not.toContain("namespace");
    }
    for (const expr of prometheusExpressions(onDocker)) {
      expect(expr).not.toMatch(/\b(namespace|pod)\b/);
    }
    const words = onDocker.flatMap((item) =>
      item.panels.flatMap((panel) => [panel.title, panel.description]),
    );
    expect(words.filter((text) => /\b(pods?|namespace)\b/i.test(text))).toEqual([]);
    expect(
      onDocker.flatMap((item) => item.panels).filter((panel) => panel.type === "logs"),
    ).toEqual([]);
  });

  test("replicas are told apart by address", () => {
    const exprs = prometheusExpressions([byUid("toolboxai-load-balancing", onDocker)]);
    expect(exprs).toContain(
      'sum by (job, instance) (rate(http_requests_total{job=~"$job"}[$__rate_interval]))',
    );
  });
});

test("a dashboard querying a metric nobody produces is reported", () => {
  expect(unknownMetrics(["up", "toolboxai_made_up_total"], allowedMetrics)).toEqual([
    "toolboxai_made_up_total",
  ]);
  const [first] = all;
  const [panel, ...others] = first.panels;
  const broken: Dashboard = {
    ...first,
    panels: [
      {
        ...panel,
        targets: [
          {
            ...panel.targets[0],
            expr: "sum by (job) (rate(toolboxai_made_up_total[$__rate_interval]))",
          },
        ],
      },
      ...others,
    ],
  };
  expect(unknownMetrics(dashboardMetricNames([broken]), allowedMetrics)).toEqual([
    "toolboxai_made_up_total",
  ]);
});

test("a broken layout is reported", () => {
  const [panel, other] = byUid("toolboxai-unified").panels;
  expect(layoutProblems([panel, { ...other, gridPos: { ...panel.gridPos, x: 2 } }])).toEqual([
    `panels ${panel.id} and ${other.id} overlap`,
  ]);
  expect(layoutProblems([{ ...panel, gridPos: { x: 20, y: 0, w: 8, h: 4 } }])).toEqual([
    `panel ${panel.id} is off the grid`,
  ]);
});

test("each dashboard shows what the design asks of it", () => {
  const metricsOf = (uid: string) => dashboardMetricNames([byUid(uid)]);
  expect(metricsOf("toolboxai-unified")).toEqual(
    expect.arrayContaining([
      "node_cpu_seconds_total",
      "node_memory_MemAvailable_bytes",
      "container_cpu_usage_seconds_total",
      "container_memory_working_set_bytes",
      "up",
      "http_requests_total",
    ]),
  );
  expect(metricsOf("toolboxai-security")).toEqual(
    expect.arrayContaining([
      "toolboxai_auth_attempts_total",
      "toolboxai_rate_limited_requests_total",
      "toolboxai_active_sessions",
      "http_requests_total",
      "ALERTS",
    ]),
  );
  expect(prometheusExpressions([byUid("toolboxai-security")]).join("\n")).toMatch(
    /by \(handler, status\) \(rate\(http_requests_total\{[^}]*status=~"4\.\."/,
  );
  expect(metricsOf("toolboxai-load-balancing")).toEqual(
    expect.arrayContaining([
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "kube_deployment_status_replicas_available",
      "kube_deployment_spec_replicas",
      "kube_horizontalpodautoscaler_status_current_replicas",
      "kube_horizontalpodautoscaler_spec_max_replicas",
      "container_cpu_cfs_throttled_periods_total",
      "container_cpu_cfs_periods_total",
    ]),
  );
  const latency = prometheusExpressions([byUid("toolboxai-load-balancing")]).join("\n");
  expect(latency).toContain("histogram_quantile(0.5, sum by (job, le)");
  expect(latency).toContain("histogram_quantile(0.95, sum by (job, le)");
  expect(metricsOf("toolboxai-overview")).toEqual(
    expect.arrayContaining([
      "http_requests_total",
      "http_request_duration_seconds_bucket",
      "flower_worker_online",
      "flower_task_runtime_seconds_bucket",
      "redis_connected_clients",
      "redis_memory_used_bytes",
      "redis_keyspace_hits_total",
      "redis_keyspace_misses_total",
      "kube_pod_container_status_restarts_total",
    ]),
  );
  expect(metricsOf("toolboxai-database")).toEqual(
    expect.arrayContaining([
      "pg_stat_activity_count",
      "pg_settings_max_connections",
      "pg_stat_database_xact_commit",
      "pg_stat_database_xact_rollback",
      "pg_stat_database_blks_hit",
      "pg_stat_database_blks_read",
      "pg_stat_database_tup_fetched",
      "pg_stat_database_tup_inserted",
      "pg_stat_database_tup_updated",
      "pg_stat_database_tup_deleted",
      "pg_locks_count",
      "pg_stat_database_deadlocks",
      "pg_database_size_bytes",
    ]),
  );
  // The namespace variable's query counts too.
  expect(metricsOf("toolboxai-database")).toContain("kube_pod_status_phase");
  expect(dashboardMetricNames([byUid("toolboxai-database", onCluster)])).toEqual([
    "cnpg_backends_total",
    "cnpg_collector_up",
    "cnpg_pg_database_size_bytes",
    "cnpg_pg_replication_lag",
    "cnpg_pg_settings_setting",
    "cnpg_pg_stat_database_blks_hit",
    "cnpg_pg_stat_database_blks_read",
    "cnpg_pg_stat_database_deadlocks",
    "cnpg_pg_stat_database_tup_deleted",
    "cnpg_pg_stat_database_tup_fetched",
    "cnpg_pg_stat_database_tup_inserted",
    "cnpg_pg_stat_database_tup_updated",
    "cnpg_pg_stat_database_xact_commit",
    "cnpg_pg_stat_database_xact_rollback",
    "kube_pod_status_phase",
  ]);
});

test("the unified dashboard has one Loki logs panel of the namespace's error lines (Kubernetes)", () => {
  const logs = all.flatMap((item) => item.panels.filter((panel) => panel.type === "logs"));
  expect(logs).toHaveLength(1);
  expect(byUid("toolboxai-unified").panels).toContain(logs[0]);
  const [panel] = logs;
  expect(panel.datasource).toEqual({ type: "loki", uid: datasourceUids.loki });
  expect(panel.targets).toHaveLength(1);
  expect(panel.targets[0]).toMatchObject({
    expr: expect.stringMatching(
      /^\{namespace="\$namespace", environment="dev"\} \|~ "\(\?i\)\(error\|[^"]*\)"$/,
    ),
  });
});

test("the database dashboard lists the longest-running queries with read-only SQL", () => {
  const sqlPanels = all.flatMap((item) =>
    item.panels.filter((panel) => panel.datasource.uid === datasourceUids.postgres),
  );
  expect(sqlPanels).toHaveLength(1);
  const [panel] = sqlPanels;
  expect(byUid("toolboxai-database").panels).toContain(panel);
  expect(panel.type).toBe("table");
  expect(panel.targets).toEqual([
    {
      refId: "A",
      datasource: { type: "grafana-postgresql-datasource", uid: "postgres" },
      rawSql: longestQueriesSql,
      format: "table",
      rawQuery: true,
      editorMode: "code",
    },
  ]);
  expect(longestQueriesSql).toMatch(/^SELECT\b/);
  expect(longestQueriesSql).toMatch(/\bFROM pg_stat_activity\b/);
  expect(longestQueriesSql).not.toContain(";");
  expect(longestQueriesSql).not.toMatch(
    /\b(INSERT|UPDATE|DELETE|DROP|ALTER|TRUNCATE|CREATE|GRANT|REVOKE|COPY|pg_terminate_backend|pg_cancel_backend)\b/i,
  );
});

describe("promtool", () => {
  const rules = recordingRules(all);
  const clusterRules = recordingRules(onCluster);
  const dockerRules = recordingRules(onDocker);

  test("the recording rules cover every PromQL target, with Grafana's variables substituted", () => {
    const exprs = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    expect(exprs).toHaveLength(prometheusExpressions(all).length);
    expect(dockerRules.groups.flatMap((group) => group.rules)).toHaveLength(
      prometheusExpressions(onDocker).length,
    );
    expect(clusterRules.groups.flatMap((group) => group.rules)).toHaveLength(
      prometheusExpressions(onCluster).length,
    );
    for (const expr of exprs) expect(expr).not.toContain("$");
    const records = rules.groups.flatMap((group) => group.rules.map((rule) => rule.record));
    expect(new Set(records).size).toBe(records.length);
    for (const record of records) expect(record).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
  });

  itWithTool("promtool")("promtool check rules parses every PromQL expression", () => {
    const result = runMonitoringTool(
      "promtool",
      ["check", "rules", "rules.yml", "cluster.yml", "docker.yml"],
      { "rules.yml": rules, "cluster.yml": clusterRules, "docker.yml": dockerRules },
    );
    expect({ status: result.status, output: result.output }).toEqual({
      status: 0,
      output: expect.stringContaining("SUCCESS"),
    });
  });

  itWithTool("promtool")("a broken expression or an unsubstituted variable is refused", () => {
    const [group, ...others] = rules.groups;
    const [rule, ...rest] = group.rules;
    const broken = (expr: string) =>
      runMonitoringTool("promtool", ["check", "rules", "rules.yml"], {
        "rules.yml": { groups: [{ ...group, rules: [{ ...rule, expr }, ...rest] }, ...others] },
      });
    // One closing parenthesis short.
    const unbalanced = broken(rule.expr.replace(/\)$/, ""));
    expect(unbalanced.status).not.toBe(0);
    expect(unbalanced.output).toContain(rule.record);
    expect(unbalanced.output).not.toContain("SUCCESS");
    // Grafana's variable left as it is.
    const unsubstituted = broken("rate(http_requests_total[$__rate_interval])");
    expect(unsubstituted.status).not.toBe(0);
    expect(unsubstituted.output).toContain(rule.record);
  });
});
