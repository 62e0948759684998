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
  redisExporter: {
    image: { repository: "oliver006/redis_exporter", tag: "v1.74.0" },
    replicas: 1,
    resources: small,
    maxUnavailable: 1,
    internetEgress: false,
  },
};

/** Services that run the backend image unless their stack config names another. */
export const backendImageServices: ReadonlySet<ServiceName> = new Set([
  "celeryWorker",
  "celeryBeat",
  "flower",
]);

/** Services that must run exactly one pod: a scheduler, unreplicated data stores, sidecars. */
export const singletonServices: ReadonlySet<ServiceName> = new Set([
  "celeryBeat",
  "postgres",
  "postgresExporter",
  "redis",
  "redisExporter",
]);

export type { ServiceOverrides };
