// ToolboxAI: one stack per environment (Pulumi.<stack>.yaml). The configuration is validated
// before any resource is registered; then the data tier, the application tier, the gateway and
// the backups are composed in the platform's namespace, and the monitoring tier in its own
// (node-exporter, which needs the node itself, in a third).
import * as k8s from "./components/kubernetes/api";
import * as pulumi from "@pulumi/pulumi";
import {
  AgentCoordinator,
  Backend,
  Backups,
  Celery,
  Dashboard,
  Gateway,
  KubernetesRenderer,
  loadPlatformConfig,
  McpServer,
  grafanaEndpointOf,
  Monitoring,
  otlpEndpointOf,
  NamespaceBudget,
  PlatformNamespace,
  PlatformSecrets,
  Postgres,
  PriorityClasses,
  publicUrlOf,
  Redis,
  RobloxSync,
} from "./components";

const config = loadPlatformConfig();
const { services } = config;
const instance = `toolboxai-${config.environment}`;
// The monitoring tier has its own namespace; node-exporter, which needs the node itself, another.
const monitoringNamespaceName = `${config.namespace}-monitoring`;
const nodeExporterNamespaceName = `${config.namespace}-node-exporter`;
const grafanaReader = "grafana_reader";

// With renderDir set, the provider writes the manifests it would apply into that folder and
// touches no cluster (the end-to-end check); otherwise it applies them with server-side apply.
const provider = new k8s.Provider("kubernetes", {
  ...(config.renderDir
    ? { renderYamlToDirectory: config.renderDir }
    : config.kubernetesContext
      ? { context: config.kubernetesContext }
      : {}),
  enableServerSideApply: true,
});
const withProvider = { providers: { kubernetes: provider } };
if (config.skipAwait) {
  void pulumi.log.warn(
    "toolboxai:skipAwait is true: the provider reports workloads created without waiting for " +
      "them to become ready. Meant for control planes without kubelets (npm run e2e) only.",
  );
}

const namespace = new PlatformNamespace(
  "namespace",
  { name: config.namespace, instance, protect: config.protectData },
  withProvider,
);
const priorityClasses = new PriorityClasses("priority", { instance }, withProvider);
const monitoringNamespace = new PlatformNamespace(
  "monitoring-namespace",
  { name: monitoringNamespaceName, instance, protect: config.protectData },
  withProvider,
);
const nodeExporterNamespace = new PlatformNamespace(
  "node-exporter-namespace",
  { name: nodeExporterNamespaceName, instance, podSecurity: "privileged" },
  withProvider,
);
/** A renderer into one of the stack's namespaces. */
const rendererFor = (target: PlatformNamespace) =>
  new KubernetesRenderer({
    namespace: target.name,
    instance,
    ingressControllerNamespace: config.ingressControllerNamespace,
    dependsOn: [target, priorityClasses],
    priorityClassNames: priorityClasses.names,
    protectData: config.protectData,
    skipAwait: config.skipAwait,
  });
const renderer = rendererFor(namespace);
const monitoringRenderer = rendererFor(monitoringNamespace);
const nodeExporterRenderer = rendererFor(nodeExporterNamespace);

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
    | "backupS3AccessKeyId"
    | "backupS3SecretAccessKey",
) {
  const value = config.suppliedSecrets[key];
  return value === undefined ? undefined : pulumi.secret(value);
}

const postgres = new Postgres(
  "postgres",
  {
    settings: services.postgres,
    exporter: services.postgresExporter,
    renderer,
    databaseName: config.databaseName,
    user: config.databaseUser,
    password: secrets.values.postgresPassword,
    reader: { user: grafanaReader, password: secrets.values.postgresReaderPassword },
  },
  withProvider,
);
const redis = new Redis(
  "redis",
  {
    settings: services.redis,
    exporter: services.redisExporter,
    renderer,
    password: secrets.values.redisPassword,
  },
  withProvider,
);

const telemetry = {
  otlpEndpoint: otlpEndpointOf(monitoringNamespaceName),
  environment: config.environment,
};
const wiring = {
  environment: config.environment,
  telemetry,
  logLevel: config.logLevel,
  database: { endpoint: postgres.endpoint, name: postgres.databaseName, user: postgres.user },
  redis: redis.endpoint,
  secrets: {
    databasePassword: secrets.values.postgresPassword,
    redisPassword: secrets.values.redisPassword,
    jwtSecret: secrets.values.jwtSecret,
    appSecretKey: secrets.values.appSecretKey,
  },
};

const mcpServer = new McpServer(
  "mcp-server",
  { settings: services.mcpServer, renderer, wiring },
  withProvider,
);
const agentCoordinator = new AgentCoordinator(
  "agent-coordinator",
  { settings: services.agentCoordinator, renderer, wiring, mcpServer: mcpServer.endpoint },
  withProvider,
);
const backend = new Backend(
  "backend",
  {
    settings: services.backend,
    renderer,
    wiring,
    publicUrl: publicUrlOf(config.domain, config.tlsIssuer),
    mcpServer: mcpServer.endpoint,
    agentCoordinator: agentCoordinator.endpoint,
  },
  withProvider,
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
  withProvider,
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
    grafana: grafanaEndpointOf(monitoringNamespaceName),
    ingress: {
      namespace: namespace.name,
      instance,
      className: config.ingressClassName,
      tlsIssuer: config.tlsIssuer,
      skipAwait: config.skipAwait,
      dependsOn: [namespace],
    },
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
        },
        redis: {
          endpoint: redis.endpoint,
          password: secrets.values.redisPassword,
          size: services.redis.storage!.size,
        },
        bucketCredentials:
          config.backup.storage.type === "s3"
            ? {
                accessKeyId: suppliedSecret("backupS3AccessKeyId")!,
                secretAccessKey: suppliedSecret("backupS3SecretAccessKey")!,
              }
            : undefined,
      },
      withProvider,
    )
  : undefined;

// After the applications: Prometheus scrapes every metrics endpoint they declared.
new Monitoring(
  "monitoring",
  {
    environment: config.environment,
    instance,
    publicUrl: gateway.publicUrl,
    services,
    settings: config.monitoring,
    recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
    namespaces: {
      platform: namespace.name,
      monitoring: monitoringNamespace.name,
      nodeExporter: nodeExporterNamespace.name,
    },
    renderer: monitoringRenderer,
    nodeRenderer: nodeExporterRenderer,
    scrapeTargets: renderer.scrapeTargets,
    certManagerNamespace: config.tlsIssuer ? "cert-manager" : undefined,
    postgres: { ...postgres.endpoint, database: postgres.databaseName, readerUser: grafanaReader },
    grafanaAdminPassword: secrets.values.grafanaAdminPassword,
    postgresReaderPassword: secrets.values.postgresReaderPassword,
    receivers: {
      pagerRoutingKey: suppliedSecret("alertPagerRoutingKey"),
      chatWebhookUrl: suppliedSecret("alertChatWebhookUrl"),
    },
  },
  withProvider,
);

// Last: each namespace's quota is sized from every workload rendered into it above.
for (const [budget, target, rendered] of [
  ["namespace-budget", namespace, renderer],
  ["monitoring-namespace-budget", monitoringNamespace, monitoringRenderer],
  ["node-exporter-namespace-budget", nodeExporterNamespace, nodeExporterRenderer],
] as const) {
  new NamespaceBudget(
    budget,
    {
      namespace: target.name,
      instance,
      footprint: rendered.footprint,
      headroomPercent: config.quotaHeadroomPercent,
      dependsOn: [target],
    },
    withProvider,
  );
}

export const publicUrl = gateway.publicUrl;
export const namespaces = [namespace.name, monitoringNamespace.name, nodeExporterNamespace.name];
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
/** Names only: where each secret lives and which were generated, never a value. */
export const secretNames = {
  generated: secrets.generated,
  kubernetesSecrets: [renderer, monitoringRenderer, nodeExporterRenderer].flatMap(
    (rendered) => rendered.secretNames,
  ),
};
