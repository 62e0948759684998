import { describeStack } from "./support/stack-checks";

describeStack("production", {
  delivery: "operator",
  // Stand-ins for the bucket's credentials, set as `pulumi config set --secret` sets them (the
  // stack file's bucket is an example: components/config/examples.ts).
  secrets: {
    "toolboxai:backupS3AccessKeyId": "stack-test-stand-in-key-id",
    "toolboxai:backupS3SecretAccessKey": "stack-test-stand-in-secret-access-key",
  },
  namespace: "toolboxai",
  publicUrl: "https://app.toolboxai.example",
  tlsIssuer: "letsencrypt-production",
  replicas: {
    backend: 3,
    dashboard: 2,
    "mcp-server": 2,
    "agent-coordinator": 2,
    "celery-worker": 4,
    "celery-beat": 1,
    flower: 1,
    "roblox-sync": 2,
    gateway: 3,
    postgres: 3,
    // Sentinel mode: a primary and two replicas.
    redis: 3,
  },
  // A CloudNativePG cluster: a primary, a synchronous standby and a second standby.
  database: { instances: 3 },
  // Exemptions are reported as advisory findings: see policies/config/production.json.
  advisories: ["policy-exemptions-in-use: stack"],
  // components/backup: every RPO, kept the stack's retention, to its recovery keys.
  backups: {
    jobs: [
      "postgres-backup",
      "redis-backup",
      "postgres-restore-check",
      "postgres-archive-restore-check",
    ],
    cron: "*/15 * * * *",
    retentionDays: 30,
    recipients: 2,
    // Production keeps its backups in a bucket, which survives a lost cluster.
    bucket: {
      endpoint: "https://s3.eu-west-1.amazonaws.com",
      bucket: "toolboxai-backups-example",
      region: "eu-west-1",
      prefix: "production/",
    },
  },
  quotaHeadroomPercent: 25,
  // toolboxai:protectData defaults to true: the namespace (deleting it deletes the volume
  // claims), the data stores and the passwords their data was initialised with (the backups are
  // in the bucket, outside the stack).
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
  ],
  autoscaled: {
    backend: [3, 10],
    "mcp-server": [2, 6],
    "agent-coordinator": [2, 6],
    gateway: [3, 8],
    "celery-worker": [4, 12],
  },
});
