// The component library: config, the workload model, its Kubernetes and Docker renderings (the
// platforms), and the application, data, backup and monitoring components built on them.
export * from "./config";
export { PlatformSecrets } from "./secrets/platform-secrets";
export { kubernetesPlatform } from "./platform/kubernetes";
export { dockerPlatform } from "./platform/docker";
export type { Platform } from "./platform/platform";
export { scrapeTargetsOfRecord } from "./model/scrape";
export { PlatformNamespace } from "./kubernetes/namespace";
export { NamespaceBudget } from "./kubernetes/budget";
export { PriorityClasses } from "./kubernetes/priority";
export { KubernetesRenderer } from "./kubernetes/renderer";
export { KubernetesWorkload } from "./kubernetes/workload";
export { ImageBuilds } from "./images/image-builds";
export { CloudNativePgOperator } from "./data/cloudnative-pg/operator";
export { Postgres } from "./data/postgres";
export { PostgresCluster } from "./data/postgres-cluster";
export { Redis } from "./data/redis";
export { Backups } from "./backup/backups";
export { Backend } from "./app/backend";
export { McpServer } from "./app/mcp-server";
export { AgentCoordinator } from "./app/agent-coordinator";
export { Celery } from "./app/celery";
export { Dashboard } from "./app/dashboard";
export { RobloxSync } from "./app/roblox-sync";
export { Gateway } from "./app/gateway";
export { deliverStack } from "./delivery/stack-delivery";
export { grafanaEndpointOf, Monitoring, otlpEndpointOf } from "./monitoring/monitoring";
export { otlpLogsEndpointOf } from "./monitoring/log-shipping";
