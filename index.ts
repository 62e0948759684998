// ToolboxAI: one stack per environment (Pulumi.<stack>.yaml). The configuration is validated
// before any resource is registered; then the platform (a Kubernetes cluster, or a local Docker
// engine for dev) is set up, and the data tier, the application tier, the gateway, the backups
// and the monitoring tier are composed on it from the same components.
import * as pulumi from "@pulumi/pulumi";
import {
  acceptsExampleValues,
  AgentCoordinator,
  Backend,
  Backups,
  Celery,
  Dashboard,
  deliverStack,
  dockerPlatform,
  Gateway,
  grafanaEndpointOf,
  ImageBuilds,
  kubernetesPlatform,
  loadPlatformConfig,
  McpServer,
  Monitoring,
  otlpEndpointOf,
  otlpLogsEndpointOf,
  PlatformSecrets,
  CloudNativePgOperator,
  Postgres,
  PostgresCluster,
  Redis,
  RobloxSync,
  scrapeTargetsOfRecord,
} from "./components";

// TOOLBOXAI_ACCEPT_EXAMPLE_VALUES=1 (the project's own test runs only) lets `pulumi up` deploy the
// stack files' example values with a warning; without it, it refuses them (README, "Deploy your
// own").
const config = loadPlatformConfig({ acceptExampleValues: acceptsExampleValues(process.env) });
const instance = `toolboxai-${config.environment}`;
const grafanaReader = "grafana_reader";

const platform = (config.platform === "docker" ? dockerPlatform : kubernetesPlatform)(
  config,
  instance,
);
const { renderer, opts: withProvider } = platform;

// Images the stack builds from a context (none unless it names one) replace their pulled ones.
const services = Object.values(config.services).some((settings) => settings?.build)
  ? new ImageBuilds(
      "images",
      { services: config.services, platform: config.platform, registry: config.imageRegistry },
      withProvider,
    ).services
  : config.services;

const secrets = new PlatformSecrets("secrets", {
  supplied: config.suppliedSecrets,
  // The passwords the data stores were initialised with live as long as their data.
  protect: config.protectData
    ? ["postgresPassword", "redisPassword", "postgresReaderPassword"]
    : [],
});

/** A secret only the stack can supply (receivers', bucket credentials); undefined when it did not. */
function suppliedSecret(
  key:
    | "alertPagerRoutingKey"
    | "alertChatWebhookUrl"
    | "alertWebhookToken"
    | "backupS3AccessKeyId"
    | "backupS3SecretAccessKey",
) {
  const value = config.suppliedSecrets[key];
  return value === undefined ? undefined : pulumi.secret(value);
}

// PostgreSQL: one server, or a CloudNativePG cluster with failover (`database.engine`), whose
// operator the stack installs unless the cluster has one (`database.operator`).
const operator =
  services.postgresOperator && platform.foundation
    ? new CloudNativePgOperator(
        "postgres-operator",
        {
          settings: services.postgresOperator,
          namespace: config.database.operatorNamespace,
          instance,
          priorityClassName: platform.foundation.priorityClassNames.critical,
          headroomPercent: config.quotaHeadroomPercent,
          namespaceOpts: platform.foundation.applyOpts,
        },
        withProvider,
      )
    : undefined;
// The bucket's credentials; not set, in a preview or an accepted update (loadPlatformConfig
// warned): empty.
const bucketCredentials =
  config.backup?.storage.type === "s3"
    ? {
        accessKeyId: suppliedSecret("backupS3AccessKeyId") ?? pulumi.secret(""),
        secretAccessKey: suppliedSecret("backupS3SecretAccessKey") ?? pulumi.secret(""),
      }
    : undefined;
const databaseUsers = {
  databaseName: config.databaseName,
  user: config.databaseUser,
  password: secrets.values.postgresPassword,
  reader: { user: grafanaReader, password: secrets.values.postgresReaderPassword },
};
const postgres =
  config.database.engine === "cloudnative-pg"
    ? new PostgresCluster(
        "postgres",
        {
          settings: services.postgres,
          renderer,
          database: config.database,
          ...databaseUsers,
          // WAL and base backups to the stack's bucket, where it has one (point-in-time recovery).
          archive:
            config.backup?.storage.type === "s3" && bucketCredentials
              ? {
                  ...config.backup.storage,
                  ...bucketCredentials,
                  retentionDays: config.backup.retentionDays,
                }
              : undefined,
        },
        { ...withProvider, dependsOn: operator ? [operator] : [] },
      )
    : new Postgres(
        "postgres",
        {
          settings: services.postgres,
          exporter: services.postgresExporter!,
          renderer,
          ...databaseUsers,
        },
        withProvider,
      );
const redis = new Redis(
  "redis",
  {
    settings: services.redis,
    exporter: services.redisExporter,
    topology: config.redis,
    sentinel: services.redisSentinel,
    renderer,
    password: secrets.values.redisPassword,
  },
  withProvider,
);

const telemetry = {
  otlpEndpoint: otlpEndpointOf(platform.monitoringRenderer),
  otlpLogsEndpoint: otlpLogsEndpointOf(platform.monitoringRenderer, platform.cluster),
  environment: config.environment,
};
const wiring = {
  environment: config.environment,
  telemetry,
  logLevel: config.logLevel,
  database: { endpoint: postgres.endpoint, name: postgres.databaseName, user: postgres.user },
  redis: redis.endpoint,
  sentinel: redis.sentinel,
  secrets: {
    databasePassword: secrets.values.postgresPassword,
    redisPassword: secrets.values.redisPassword,
    jwtSecret: secrets.values.jwtSecret,
    appSecretKey: secrets.values.appSecretKey,
  },
};

// The services that use the data stores start once the stores are ready: started with them, they
// fail their start-up checks and restart while a database initialises (a cluster's minute, a
// server's seconds on a busy node). Docker starts them after the stores' health checks instead.
const afterDataStores = platform.cluster
  ? { ...withProvider, dependsOn: [postgres, redis] }
  : withProvider;
const mcpServer = new McpServer(
  "mcp-server",
  { settings: services.mcpServer, renderer, wiring },
  afterDataStores,
);
const agentCoordinator = new AgentCoordinator(
  "agent-coordinator",
  { settings: services.agentCoordinator, renderer, wiring, mcpServer: mcpServer.endpoint },
  afterDataStores,
);
const backend = new Backend(
  "backend",
  {
    settings: services.backend,
    renderer,
    wiring,
    publicUrl: renderer.publicAddress(config.domain).url,
    mcpServer: mcpServer.endpoint,
    agentCoordinator: agentCoordinator.endpoint,
  },
  afterDataStores,
);
const celery = new Celery(
  "celery",
  {
    renderer,
    wiring,
    worker: services.celeryWorker,
    beat: services.celeryBeat,
    flower: services.flower && { ...services.flower, password: secrets.values.flowerPassword },
  },
  afterDataStores,
);
const dashboard = new Dashboard(
  "dashboard",
  { settings: services.dashboard, renderer },
  withProvider,
);
const gateway = new Gateway(
  "gateway",
  {
    settings: services.gateway,
    renderer,
    domain: config.domain,
    backend: backend.endpoint,
    dashboard: dashboard.endpoint,
    grafana: services.grafana && grafanaEndpointOf(platform.monitoringRenderer),
  },
  withProvider,
);
if (services.robloxSync) {
  new RobloxSync(
    "roblox-sync",
    {
      settings: services.robloxSync,
      renderer,
      environment: config.environment,
      telemetry,
      logLevel: config.logLevel,
      backend: backend.endpoint,
    },
    withProvider,
  );
}

// Backups of both data stores, every recovery point objective (none when the stack sets no
// `backup`: the pack's backup-schedule rule says where that is not allowed).
const backups = config.backup
  ? new Backups(
      "backups",
      {
        renderer,
        settings: config.backup,
        service: services.backup,
        recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
        postgres: {
          endpoint: postgres.endpoint,
          database: postgres.databaseName,
          user: postgres.user,
          password: secrets.values.postgresPassword,
          size: services.postgres.storage!.size,
          archive: postgres instanceof PostgresCluster ? postgres.archive : undefined,
        },
        redis: {
          endpoint: redis.endpoint,
          sentinel: redis.sentinel,
          password: secrets.values.redisPassword,
          size: services.redis.storage!.size,
        },
        bucketCredentials,
      },
      withProvider,
    )
  : undefined;

// The applications, data stores and backups are all rendered: Prometheus scrapes every metrics
// endpoint they declared (rendering one of them after this point fails).
const applications = platform.renderer.close("the monitoring tier, which scrapes them");
new Monitoring(
  "monitoring",
  {
    environment: config.environment,
    instance,
    publicUrl: gateway.publicUrl,
    services,
    settings: config.monitoring,
    recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
    renderer: platform.monitoringRenderer,
    cluster: platform.cluster,
    scrapeTargets: scrapeTargetsOfRecord(applications.workloads),
    postgres: { ...postgres.endpoint, database: postgres.databaseName, readerUser: grafanaReader },
    database: {
      ...config.database,
      // The cluster archives its WAL and base backups where the stack has a bucket (as above).
      archived: config.database.engine === "cloudnative-pg" && config.backup?.storage.type === "s3",
    },
    redis: config.redis,
    grafanaAdminPassword: secrets.values.grafanaAdminPassword,
    postgresReaderPassword: secrets.values.postgresReaderPassword,
    receivers: {
      pagerRoutingKey: suppliedSecret("alertPagerRoutingKey"),
      chatWebhookUrl: suppliedSecret("alertChatWebhookUrl"),
      webhookToken: suppliedSecret("alertWebhookToken"),
    },
  },
  withProvider,
);

// Last: namespace quotas sized from every workload (Kubernetes); the file helper (Docker).
const platformOutputs = platform.close(operator?.flows);

// How a stack on a cluster keeps itself deployed: the operator's Stack, or Argo CD.
const delivered = platform.foundation
  ? deliverStack(
      {
        settings: config.delivery,
        stack: config.stack,
        instance,
        namespace: config.namespace,
        foundation: platform.foundation,
        quotaHeadroomPercent: config.quotaHeadroomPercent,
        backupsOnVolume: config.backup?.storage.type === "volume",
        cloudNativePg: config.database.engine === "cloudnative-pg",
        postgresOperator: operator && {
          namespace: operator.namespace,
          clusterRole: operator.clusterRole,
        },
      },
      withProvider,
    )
  : { outputs: { mode: "none" }, namespaces: [] };

export const publicUrl = gateway.publicUrl;
/** Where it runs: the platform, and its namespaces (Kubernetes) or its networks (Docker). */
export const runsOn = {
  platform: config.platform,
  ...("namespaces" in platformOutputs.names
    ? {
        namespaces: [
          ...platformOutputs.names.namespaces,
          ...delivered.namespaces,
          ...(operator ? [operator.namespace] : []),
        ],
      }
    : platformOutputs.names),
};
export const endpoints = {
  backend: backend.endpoint,
  dashboard: dashboard.endpoint,
  mcpServer: mcpServer.endpoint,
  agentCoordinator: agentCoordinator.endpoint,
  postgres: postgres.endpoint,
  redis: redis.endpoint,
  ...(celery.flowerEndpoint ? { flower: celery.flowerEndpoint } : {}),
};
/** The backup jobs, and the restore check's public key (every backup is encrypted to it too). */
export const backup = backups
  ? { jobs: backups.jobs, restoreCheckRecipient: backups.restoreCheckRecipient }
  : undefined;
/** How the stack keeps itself deployed (docs/DELIVERY.md). */
export const delivery = delivered.outputs;
/** Who may connect to each port, and where workloads connect beyond their zones (Kubernetes). */
export const networkFlows = platformOutputs.flows;
/** Names only: where each secret lives and which were generated, never a value. */
export const secretNames = {
  generated: secrets.generated,
  ...platformOutputs.secrets,
};
