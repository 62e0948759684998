// Grafana's provisioning: the datasources (fixed UIDs, so dashboards can name them) with links
// from log lines to their traces and from spans to their logs, and the dashboard provider that
// loads the dashboards of ./dashboards from a mounted folder. Served under the gateway's
// /grafana/ path, never published on its own.
import type { Endpoint } from "../model/workload";

export const datasourceUids = {
  prometheus: "prometheus",
  loki: "loki",
  jaeger: "jaeger",
  postgres: "postgres",
} as const;
export type DatasourceUid = (typeof datasourceUids)[keyof typeof datasourceUids];

/** The datasource type of each provisioned UID, as panels must name it. */
export const datasourceTypes: Readonly<Record<DatasourceUid, string>> = {
  prometheus: "prometheus",
  loki: "loki",
  jaeger: "jaeger",
  postgres: "grafana-postgresql-datasource",
};

export interface GrafanaDatasourceOptions {
  readonly prometheus: Endpoint;
  readonly loki: Endpoint;
  /** Jaeger's query API and UI. */
  readonly jaeger: Endpoint;
  readonly postgres: Endpoint & {
    readonly database: string;
    /** A role with read-only rights (pg_read_all_stats, SELECT), never the application's. */
    readonly user: string;
    /** The mounted file with its password; Grafana expands `$__file{…}` when provisioning. */
    readonly passwordFile: string;
  };
}

const url = (endpoint: Endpoint) => `http://${endpoint.host}:${endpoint.port}`;

export function grafanaDatasources(options: GrafanaDatasourceOptions): Record<string, unknown> {
  return {
    apiVersion: 1,
    // Provisioning owns the datasources: ones removed here are removed from Grafana.
    prune: true,
    datasources: [
      {
        name: "Prometheus",
        uid: datasourceUids.prometheus,
        type: datasourceTypes.prometheus,
        access: "proxy",
        url: url(options.prometheus),
        isDefault: true,
        editable: false,
        jsonData: { httpMethod: "POST", timeInterval: "30s" },
      },
      {
        name: "Loki",
        uid: datasourceUids.loki,
        type: datasourceTypes.loki,
        access: "proxy",
        url: url(options.loki),
        editable: false,
        jsonData: {
          // A log line carrying a trace ID links to the trace in Jaeger.
          derivedFields: [
            {
              name: "TraceID",
              matcherRegex: '(?:trace_id|traceID|traceId)[=:"\\s]+(\\w+)',
              url: "$${__value.raw}",
              datasourceUid: datasourceUids.jaeger,
            },
          ],
        },
      },
      {
        name: "Jaeger",
        uid: datasourceUids.jaeger,
        type: datasourceTypes.jaeger,
        access: "proxy",
        url: url(options.jaeger),
        editable: false,
        jsonData: {
          // A span links to the logs of its service and pod around its time.
          tracesToLogsV2: {
            datasourceUid: datasourceUids.loki,
            spanStartTimeShift: "-5m",
            spanEndTimeShift: "5m",
            filterByTraceID: true,
            customQuery: false,
            tags: [{ key: "service.name", value: "app" }],
          },
        },
      },
      {
        name: "PostgreSQL",
        uid: datasourceUids.postgres,
        type: datasourceTypes.postgres,
        url: `${options.postgres.host}:${options.postgres.port}`,
        user: options.postgres.user,
        editable: false,
        jsonData: {
          database: options.postgres.database,
          sslmode: "disable",
          postgresVersion: 1700,
          maxOpenConns: 5,
        },
        secureJsonData: { password: `$__file{${options.postgres.passwordFile}}` },
      },
    ],
  };
}

/** The dashboard provider: every JSON file under `folder`, read-only in the UI. */
export function grafanaDashboardProvider(folder: string): Record<string, unknown> {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "toolboxai",
        folder: "ToolboxAI",
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: folder, foldersFromFilesStructure: false },
      },
    ],
  };
}
