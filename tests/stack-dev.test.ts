import { kubernetesFormConfig } from "../tools/engine/stack-config";
import { describeStack } from "./support/stack-checks";

// Dev's Kubernetes form (kind, k3d): the stack file with platform=kubernetes and without the
// docker key. The Docker form is tested in stack-dev-docker.test.ts.
describeStack("dev", {
  overrides: kubernetesFormConfig,
  namespace: "toolboxai-dev",
  publicUrl: "http://toolboxai.localtest.me",
  // Pulumi.dev.yaml: alerts go to the local sink.
  alertSink: true,
  replicas: {
    backend: 1,
    dashboard: 1,
    "mcp-server": 1,
    "agent-coordinator": 1,
    "celery-worker": 1,
    "celery-beat": 1,
    flower: 1,
    "roblox-sync": 1,
    gateway: 1,
    postgres: 1,
    redis: 1,
  },
  // Exemptions are reported as advisory findings: see policies/config/dev.json.
  advisories: ["policy-exemptions-in-use: stack"],
  // components/backup: every RPO, kept the stack's retention, to its recovery keys.
  backups: {
    jobs: ["postgres-backup", "redis-backup"],
    cron: "0 */4 * * *",
    retentionDays: 7,
    recipients: 1,
  },
  quotaHeadroomPercent: 25,
  // Pulumi.dev.yaml sets toolboxai:protectData: false: dev is disposable.
  protectedResources: [],
  autoscaled: {},
});
