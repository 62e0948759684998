// The monitoring tier's settings (`toolboxai:monitoring`): retention, alert thresholds and where
// alerts go besides the pager and chat receivers (a webhook, a local sink).
import { z } from "zod";
import { defaultRunbookBaseUrl } from "../defaults";
import { intRange, mapping, urlWithoutCredentials } from "./primitives";

/**
 * Alert thresholds of the monitoring tier (components/monitoring/alerts/). The CPU, memory,
 * disk and certificate defaults are the source design's.
 */
export const alertThresholdsSchema = z
  .object(
    {
      cpuPercent: intRange(50, 99)
        .default(80)
        .meta({ description: "Node CPU busy above this share, for 10 minutes." }),
      memoryPercent: intRange(50, 99)
        .default(85)
        .meta({ description: "Node memory used above this share, for 5 minutes." }),
      diskFreePercent: intRange(1, 50)
        .default(10)
        .meta({ description: "A node filesystem with less free space than this, for 2 minutes." }),
      certificateDays: intRange(1, 89)
        .default(30)
        .meta({ description: "The gateway certificate expires within this many days." }),
      errorRatePercent: intRange(1, 50).default(5).meta({
        description: "5xx responses above this share of an app's requests, for 5 minutes.",
      }),
      slowResponseMilliseconds: intRange(50, 60000).default(500).meta({
        description: "An app's 95th-percentile response time above this, for 10 minutes.",
      }),
      postgresConnectionsPercent: intRange(50, 99).default(80).meta({
        description: "PostgreSQL connections above this share of `max_connections`, for 2 minutes.",
      }),
      postgresReplicationLagSeconds: intRange(1, 3600)
        .default(30)
        .meta({
          description:
            "A standby replaying more than this many seconds behind the primary, for 5 minutes " +
            "(database.engine cloudnative-pg).",
        }),
    },
    mapping,
  )
  .strict()
  .meta({ description: "The alert thresholds (components/monitoring/alerts/)." });
export type AlertThresholds = z.output<typeof alertThresholdsSchema>;

const runbookUrlMessage =
  "must be an https:// URL without a fragment or query, such as " +
  "https://github.com/<owner>/<repo>/blob/main/docs/ALERTS.md (each alert adds #<alert name>)";

/** The monitoring tier's settings (`toolboxai:monitoring`). */
export const monitoringSchema = z
  .object(
    {
      metricsRetentionDays: intRange(1, 400)
        .default(15)
        .meta({ description: "Days Prometheus keeps samples." }),
      logRetentionDays: intRange(1, 400)
        .default(7)
        .meta({ description: "Days Loki keeps logs (the compactor deletes older chunks)." }),
      traceStorage: z
        .enum(["volume", "memory"], { error: "must be one of: volume, memory" })
        .default("volume")
        .meta({
          description:
            "Where Jaeger keeps traces: `volume` (Badger on a volume, for `traceRetentionDays`) " +
            "or `memory` (the newest 50,000 traces, lost on a restart: dev).",
        }),
      traceRetentionDays: intRange(1, 30)
        .default(3)
        .meta({ description: "Days Jaeger keeps traces when `traceStorage` is `volume`." }),
      runbookBaseUrl: urlWithoutCredentials(runbookUrlMessage)
        .regex(/^https:\/\/[^\s#?]+$/, { error: runbookUrlMessage })
        .default(defaultRunbookBaseUrl)
        .meta({
          description:
            "Each alert links to `<runbookBaseUrl>#<alert in lowercase>`. The default is this " +
            "repository's docs/ALERTS.md on GitHub, so a fork points it at its own.",
          allowed: "`https://` URL without credentials, fragment or query",
        }),
      alerts: alertThresholdsSchema.prefault({}),
      // Checked by ../alerting (its problems never show a query or a user:password part).
      alertWebhookUrl: z
        .string({ error: "must be text: an http(s) URL, or empty" })
        .default("")
        .meta({
          description:
            "Alertmanager also POSTs every routed alert (critical and warning, and when it " +
            "resolves) there, as its webhook JSON. Plain config, so it carries no credential: an " +
            "endpoint that needs one gets the secret `alertWebhookToken` as a bearer token. " +
            "Empty: no webhook.",
          allowed: '`""` or an `http(s)://` URL without a user:password part or query',
        }),
      alertSink: z
        .boolean({ error: "must be true or false" })
        .default(false)
        .meta({
          description:
            "Run `alert-sink`, a local receiver that logs each alert notification as one JSON " +
            "line on its stdout (dev: `docker logs <prefix>-alert-sink`); every routed " +
            "receiver also sends there.",
        }),
    },
    mapping,
  )
  .strict();
export type MonitoringSettings = z.output<typeof monitoringSchema>;
