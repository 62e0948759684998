import { describeStack } from "./support/stack-checks";

describeStack("staging", {
  delivery: "operator",
  namespace: "toolboxai-staging",
  publicUrl: "https://staging.toolboxai.example",
  tlsIssuer: "letsencrypt-staging",
  replicas: {
    backend: 2,
    dashboard: 2,
    "mcp-server": 2,
    "agent-coordinator": 2,
    "celery-worker": 2,
    "celery-beat": 1,
    flower: 1,
    "roblox-sync": 2,
    gateway: 2,
    postgres: 2,
    redis: 1,
  },
  // A CloudNativePG cluster: a primary and a synchronous standby.
  database: { instances: 2 },
  // Exemptions are reported as advisory findings: see policies/config/staging.json.
  advisories: ["policy-exemptions-in-use: stack"],
  // components/backup: every RPO, kept the stack's retention, to its recovery keys.
  backups: {
    jobs: ["postgres-backup", "redis-backup", "postgres-restore-check"],
    cron: "0 * * * *",
    retentionDays: 30,
    recipients: 1,
  },
  quotaHeadroomPercent: 25,
  // toolboxai:protectData defaults to true: the namespace (deleting it deletes the volume
  // claims), the data stores and the passwords their data was initialised with.
  protectedResources: [
    "Namespace namespace",
    "Cluster postgres",
    "StatefulSet redis",
    "RandomPassword secrets-postgresPassword",
    "RandomPassword secrets-redisPassword",
    "Namespace monitoring-namespace",
    "RandomPassword secrets-postgresReaderPassword",
    "StatefulSet prometheus",
    "StatefulSet alertmanager",
    "StatefulSet loki",
    "StatefulSet jaeger",
    "PersistentVolumeClaim backups",
  ],
  autoscaled: {},
});
