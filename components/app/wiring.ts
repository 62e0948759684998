// How the Python services (backend, Celery, MCP server, agent coordinator) find the data stores
// and their secrets: endpoints as plain variables, every credential as a file.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import type { SentinelEndpoint } from "../data/redis";
import { httpProbes, type Endpoint, type SecretFile, type WorkloadSpec } from "../model/workload";
import { scaling } from "../model/service";

/** Where the applications send traces (Jaeger's OTLP/HTTP receiver) and, if so, their logs. */
export interface TelemetryWiring {
  readonly otlpEndpoint: string;
  /** Loki's OTLP endpoint where the platform collects no logs (Docker); none on a cluster. */
  readonly otlpLogsEndpoint?: string;
  readonly environment: string;
}

/** OpenTelemetry's standard variables: the service, its platform and environment, the exporter. */
export function telemetryEnvironment(
  service: string,
  telemetry: TelemetryWiring,
): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=toolboxai,deployment.environment.name=${telemetry.environment}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: telemetry.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    ...(telemetry.otlpLogsEndpoint
      ? { OTEL_LOGS_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: telemetry.otlpLogsEndpoint }
      : {}),
  };
}

/** The connection a service exporting traces needs: Jaeger's OTLP/HTTP port. */
export const traceExport = { zone: "monitoring", ports: ["otlp-http"] } as const;

export interface DataWiring {
  readonly environment: string;
  readonly telemetry: TelemetryWiring;
  readonly logLevel: string;
  readonly database: { readonly endpoint: Endpoint; readonly name: string; readonly user: string };
  readonly redis: Endpoint;
  /** In Sentinel mode: clients ask the Sentinels for the primary instead of `redis`. */
  readonly sentinel?: SentinelEndpoint;
  /** Secret Outputs. */
  readonly secrets: {
    readonly databasePassword: pulumi.Output<string>;
    readonly redisPassword: pulumi.Output<string>;
    readonly jwtSecret: pulumi.Output<string>;
    readonly appSecretKey: pulumi.Output<string>;
  };
}

/** Redis database 0 carries Celery's broker, 1 its results. */
const brokerDatabase = 0;
const resultDatabase = 1;

/** Plain variables every Python service gets: where things are, never what the keys are. */
export function dataEnvironment(wiring: DataWiring): Record<string, string> {
  return {
    ENVIRONMENT: wiring.environment,
    LOG_LEVEL: wiring.logLevel.toUpperCase(),
    DATABASE_HOST: wiring.database.endpoint.host,
    DATABASE_PORT: String(wiring.database.endpoint.port),
    DATABASE_NAME: wiring.database.name,
    DATABASE_USER: wiring.database.user,
    ...(wiring.sentinel
      ? {
          REDIS_SENTINEL_HOSTS: wiring.sentinel.hosts.join(","),
          REDIS_SENTINEL_MASTER: wiring.sentinel.master,
        }
      : { REDIS_HOST: wiring.redis.host, REDIS_PORT: String(wiring.redis.port) }),
  };
}

/**
 * Celery's URL of a Redis database: the server's, or in Sentinel mode kombu's list of every
 * Sentinel (`sentinel://:pw@host:port/db;…`), the master's name in REDIS_SENTINEL_MASTER.
 */
function redisUrl(wiring: DataWiring, database: number): pulumi.Output<string> {
  const { sentinel, redis } = wiring;
  return pulumi.secret(
    wiring.secrets.redisPassword.apply((password) =>
      sentinel
        ? sentinel.hosts.map((host) => `sentinel://:${password}@${host}/${database}`).join(";")
        : `redis://:${password}@${redis.host}:${redis.port}/${database}`,
    ),
  );
}

/** Credential files; URLs that embed a password are files too (CELERY_BROKER_URL_FILE …). */
export function dataSecretFiles(wiring: DataWiring): SecretFile[] {
  return [
    { name: "database-password", value: wiring.secrets.databasePassword },
    { name: "redis-password", value: wiring.secrets.redisPassword },
    { name: "jwt-secret", value: wiring.secrets.jwtSecret },
    { name: "app-secret-key", value: wiring.secrets.appSecretKey },
    { name: "celery-broker-url", value: redisUrl(wiring, brokerDatabase) },
    { name: "celery-result-backend", value: redisUrl(wiring, resultDatabase) },
  ];
}

/**
 * The metric families every HTTP service of the platform exposes on /metrics (the FastAPI
 * instrumentator's names: labels `handler`, `method`, `status`).
 */
export const httpMetricFamilies = ["http_requests_total", "http_request_duration_seconds"];

export interface PythonHttpServiceOptions {
  readonly name: string;
  readonly component: string;
  readonly zones: WorkloadSpec["zones"];
  readonly port: number;
  readonly settings: ServiceSettings;
  readonly wiring: DataWiring;
  /** Variables beyond the data wiring. */
  readonly env?: Readonly<Record<string, string>>;
  /** Metric families beyond the HTTP ones that the service promises to expose. */
  readonly metricFamilies?: readonly string[];
}

/** The shape shared by the backend, MCP server and agent coordinator: one HTTP port serving
 * /health and /metrics, the data wiring, a writable /tmp. */
export function pythonHttpService(options: PythonHttpServiceOptions): WorkloadSpec {
  return {
    name: options.name,
    component: options.component,
    zones: options.zones,
    ...scaling(options.settings),
    secretFiles: dataSecretFiles(options.wiring),
    egress: [traceExport],
    metrics: [
      {
        port: "http",
        path: "/metrics",
        families: [...httpMetricFamilies, ...(options.metricFamilies ?? [])],
      },
    ],
    containers: [
      {
        name: options.name,
        image: options.settings.image,
        ports: [{ name: "http", port: options.port }],
        env: {
          ...dataEnvironment(options.wiring),
          ...telemetryEnvironment(options.name, options.wiring.telemetry),
          PORT: String(options.port),
          ...options.env,
        },
        probes: httpProbes("http", "/health"),
        resources: options.settings.resources,
        writablePaths: ["/tmp"],
      },
    ],
  };
}
