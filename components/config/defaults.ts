// Per-service defaults: what a service gets when its stack file says nothing about it. Sized for
// a small dev cluster; staging and production raise them in their stack files. Third-party
// images are pinned here; the application's own images have no default tag, because which build
// runs in which environment is a per-stack decision.
import type { ImageRef, Resources, ServiceName, ServiceOverrides } from "./schema";

export interface ServiceDefaults {
  /** Undefined: the stack file must set it (application images). */
  readonly image?: ImageRef;
  readonly replicas: number;
  readonly resources: Resources;
  readonly maxUnavailable: number;
  readonly internetEgress: boolean;
  readonly storage?: { readonly size: string; readonly storageClass: string };
}

function resources(
  cpuRequest: string,
  memoryRequest: string,
  cpuLimit: string,
  memoryLimit: string,
) {
  return {
    requests: { cpu: cpuRequest, memory: memoryRequest },
    limits: { cpu: cpuLimit, memory: memoryLimit },
  };
}

const small = resources("50m", "64Mi", "200m", "128Mi");

/**
 * Where the alerts' runbooks live (`monitoring.runbookBaseUrl`): docs/ALERTS.md of this
 * repository, one section per alert. A fork points it at its own copy.
 */
export const defaultRunbookBaseUrl =
  "https://github.com/toolboxai/infrastructure/blob/main/docs/ALERTS.md";

/**
 * The local alert sink's requests and limits (`monitoring.alertSink`): it runs the gateway's
 * image (`services.gateway.image`) and logs a few notifications a minute at most.
 */
export const alertSinkResources: Resources = resources("10m", "16Mi", "100m", "64Mi");

export const serviceDefaults: Record<ServiceName, ServiceDefaults> = {
  backend: {
    replicas: 1,
    resources: resources("250m", "512Mi", "1", "1Gi"),
    maxUnavailable: 1,
    // LLM provider APIs are called over public HTTPS.
    internetEgress: true,
  },
  dashboard: { replicas: 1, resources: small, maxUnavailable: 1, internetEgress: false },
  mcpServer: {
    replicas: 1,
    resources: resources("100m", "256Mi", "500m", "512Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  agentCoordinator: {
    replicas: 1,
    resources: resources("100m", "256Mi", "500m", "512Mi"),
    maxUnavailable: 1,
    internetEgress: true,
  },
  celeryWorker: {
    replicas: 2,
    resources: resources("250m", "512Mi", "1", "1Gi"),
    maxUnavailable: 1,
    internetEgress: true,
  },
  celeryBeat: {
    replicas: 1,
    resources: resources("50m", "128Mi", "200m", "256Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  flower: {
    replicas: 1,
    resources: resources("50m", "128Mi", "200m", "256Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  robloxSync: {
    replicas: 1,
    resources: resources("50m", "128Mi", "200m", "256Mi"),
    maxUnavailable: 1,
    // The Roblox Open Cloud APIs are public HTTPS endpoints.
    internetEgress: true,
  },
  gateway: {
    image: { repository: "nginxinc/nginx-unprivileged", tag: "1.28.0-alpine" },
    replicas: 1,
    resources: small,
    maxUnavailable: 1,
    internetEgress: false,
  },
  postgres: {
    image: { repository: "postgres", tag: "16.10-alpine" },
    replicas: 1,
    resources: resources("250m", "512Mi", "1", "1Gi"),
    maxUnavailable: 1,
    internetEgress: false,
    storage: { size: "10Gi", storageClass: "" },
  },
  // The CloudNativePG operator (`database.engine: cloudnative-pg`, `database.operator: install`).
  postgresOperator: {
    image: { repository: "ghcr.io/cloudnative-pg/cloudnative-pg", tag: "1.29.2" },
    // Two, one the leader: a failover needs the operator, which must not wait for a reschedule.
    replicas: 2,
    resources: resources("100m", "128Mi", "500m", "256Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  postgresExporter: {
    image: { repository: "quay.io/prometheuscommunity/postgres-exporter", tag: "v0.17.1" },
    replicas: 1,
    resources: small,
    maxUnavailable: 1,
    internetEgress: false,
  },
  redis: {
    image: { repository: "redis", tag: "7.4.5-alpine" },
    replicas: 1,
    resources: resources("100m", "128Mi", "500m", "512Mi"),
    maxUnavailable: 1,
    internetEgress: false,
    storage: { size: "2Gi", storageClass: "" },
  },
  // The Sentinel beside each Redis server (`redis.mode: sentinel`): Redis's own binary, so its
  // image is redis's unless set.
  redisSentinel: {
    replicas: 1,
    resources: resources("50m", "32Mi", "200m", "64Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  redisExporter: {
    // The -alpine variant: the default tag is built FROM scratch, without the wget that the
    // Docker health check runs.
    image: { repository: "oliver006/redis_exporter", tag: "v1.74.0-alpine" },
    replicas: 1,
    resources: small,
    maxUnavailable: 1,
    internetEgress: false,
  },
  // The monitoring tier (components/monitoring), on the current line of each part
  // (Prometheus 3, Loki 3, Alloy instead of Promtail, Jaeger v2). promtool, amtool and jaeger in
  // scripts/install-monitoring-tools.sh are built from the same releases.
  prometheus: {
    image: { repository: "prom/prometheus", tag: "v3.16.0" },
    replicas: 1,
    resources: resources("200m", "512Mi", "1", "2Gi"),
    maxUnavailable: 1,
    internetEgress: false,
    storage: { size: "10Gi", storageClass: "" },
  },
  alertmanager: {
    image: { repository: "prom/alertmanager", tag: "v0.35.0" },
    replicas: 1,
    resources: small,
    maxUnavailable: 1,
    // Pager and chat receivers are public HTTPS APIs.
    internetEgress: true,
    storage: { size: "1Gi", storageClass: "" },
  },
  grafana: {
    image: { repository: "grafana/grafana", tag: "12.2.1" },
    replicas: 1,
    resources: resources("100m", "256Mi", "500m", "512Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  loki: {
    image: { repository: "grafana/loki", tag: "3.5.7" },
    replicas: 1,
    resources: resources("100m", "256Mi", "1", "1Gi"),
    maxUnavailable: 1,
    internetEgress: false,
    storage: { size: "10Gi", storageClass: "" },
  },
  alloy: {
    image: { repository: "grafana/alloy", tag: "v1.11.3" },
    replicas: 1,
    resources: resources("100m", "128Mi", "500m", "512Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  jaeger: {
    image: { repository: "jaegertracing/jaeger", tag: "2.13.0" },
    replicas: 1,
    resources: resources("100m", "256Mi", "500m", "1Gi"),
    maxUnavailable: 1,
    internetEgress: false,
    storage: { size: "5Gi", storageClass: "" },
  },
  nodeExporter: {
    image: { repository: "prom/node-exporter", tag: "v1.10.2" },
    // A daemon: the node count its namespace's quota is sized for.
    replicas: 10,
    resources: resources("50m", "32Mi", "200m", "64Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  kubeStateMetrics: {
    image: {
      repository: "registry.k8s.io/kube-state-metrics/kube-state-metrics",
      tag: "v2.17.0",
    },
    replicas: 1,
    resources: resources("50m", "64Mi", "200m", "256Mi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
  // The backup, restore and verification jobs (components/backup): PostgreSQL 16's client and
  // server programs, redis-cli and age, built from images/backup-tools/Dockerfile. Sized for the
  // verification job, which runs a throwaway PostgreSQL server.
  backup: {
    image: { repository: "ghcr.io/toolboxai/backup-tools", tag: "1.0.0" },
    replicas: 1,
    resources: resources("100m", "256Mi", "1", "1Gi"),
    maxUnavailable: 1,
    internetEgress: false,
  },
};

/** Services that run the backend image unless their stack config names another. */
/**
 * PostgreSQL's image in a CloudNativePG cluster (`database.engine: cloudnative-pg`): the
 * operator's "system" operand image, PostgreSQL with Barman Cloud, which archives the WAL.
 */
export const cloudNativePgPostgresImage: ImageRef = {
  repository: "ghcr.io/cloudnative-pg/postgresql",
  tag: "16.10-system-bookworm",
};

export const backendImageServices: ReadonlySet<ServiceName> = new Set([
  "celeryWorker",
  "celeryBeat",
  "flower",
]);

/** Services that must run exactly one pod: a scheduler, unreplicated data stores, sidecars. */
export const singletonServices: ReadonlySet<ServiceName> = new Set([
  "backup",
  "celeryBeat",
  "postgres",
  "postgresExporter",
  "redis",
  "redisExporter",
  "prometheus",
  "alertmanager",
  "grafana",
  "loki",
  "alloy",
  "jaeger",
  "kubeStateMetrics",
]);

export type { ServiceOverrides };
