// A deliberately broken stack file (tests/fixtures/Pulumi.broken.yaml) passes the program's
// config schema but not the policy pack: the pack names each problem.
import * as path from "node:path";
import type { Finding } from "../../policies/runner";
import { projectRoot, readStackConfig, runProgram } from "../../tools/engine/mock-engine";
import { toRunnerResources } from "../../tools/policy-resources";
import { packFindings } from "../support/pack";

let findings: Finding[];

beforeAll(async () => {
  const config = readStackConfig(
    "production",
    projectRoot,
    path.join(projectRoot, "tests", "fixtures", "Pulumi.broken.yaml"),
  );
  const run = await runProgram("production", { config });
  findings = await packFindings(toRunnerResources(run), "production");
});

test("the broken stack fails with the expected mandatory violations, and only those", () => {
  const mandatory = findings.filter((finding) => finding.enforcement === "mandatory");
  const where = (finding: Finding) => `${finding.policy}: ${finding.message.split(":")[0]}`;
  expect(mandatory.map(where).sort()).toEqual(
    [
      // The backend image (and the Celery services that reuse it) is from an unlisted registry.
      "image-registry-allowlist: Deployment toolboxai-broken/backend",
      "image-registry-allowlist: Deployment toolboxai-broken/celery-beat",
      "image-registry-allowlist: Deployment toolboxai-broken/celery-worker",
      "image-registry-allowlist: Deployment toolboxai-broken/flower",
      // No TLS issuer: the public host is served without a certificate.
      "ingress-tls: Ingress toolboxai-broken/gateway",
      // No backups, which production makes mandatory.
      "backup-schedule: StatefulSet toolboxai-broken/postgres",
      "backup-schedule: StatefulSet toolboxai-broken/redis",
      // One backend replica; the production exemptions name the `toolboxai` namespace only.
      "replicas-min: Deployment toolboxai-broken/backend",
      "replicas-min: Deployment toolboxai-broken/celery-beat",
      "replicas-min: Deployment toolboxai-broken/flower",
      "replicas-min: StatefulSet toolboxai-broken/postgres",
      "replicas-min: StatefulSet toolboxai-broken/redis",
      // Likewise the monitoring tier's exemptions (single instances, API tokens, node-exporter's
      // host access) name the production namespaces, so here they apply to nothing.
      ...["alloy", "grafana", "kube-state-metrics"].map(
        (name) => `replicas-min: Deployment toolboxai-broken-monitoring/${name}`,
      ),
      ...["alertmanager", "jaeger", "loki", "prometheus"].flatMap((name) => [
        `replicas-min: StatefulSet toolboxai-broken-monitoring/${name}`,
        `backup-schedule: StatefulSet toolboxai-broken-monitoring/${name}`,
      ]),
      ...[
        "Deployment toolboxai-broken-monitoring/alloy",
        "Deployment toolboxai-broken-monitoring/kube-state-metrics",
        "ServiceAccount toolboxai-broken-monitoring/alloy",
        "ServiceAccount toolboxai-broken-monitoring/kube-state-metrics",
        "ServiceAccount toolboxai-broken-monitoring/prometheus",
        "StatefulSet toolboxai-broken-monitoring/prometheus",
      ].map((object) => `service-account-token-automount: ${object}`),
      // Internet egress and API access (ipBlock 0.0.0.0/0), exempted by name in production's
      // namespaces only. None reaches the metadata server (netpol-no-metadata-egress).
      ...[
        "toolboxai-broken/agent-coordinator",
        "toolboxai-broken/backend",
        "toolboxai-broken/celery-worker",
        "toolboxai-broken/roblox-sync",
        "toolboxai-broken-monitoring/alertmanager",
        "toolboxai-broken-monitoring/alloy",
        "toolboxai-broken-monitoring/kube-state-metrics",
        "toolboxai-broken-monitoring/prometheus",
      ].map((policy) => `netpol-no-allow-all-peers: NetworkPolicy ${policy}`),
      // node-exporter's namespace enforces Pod Security "privileged"; its exemption names
      // production's namespace.
      "namespace-pod-security: Namespace toolboxai-broken-node-exporter",
      // Two host namespaces (PID and network), three host paths.
      ...["host-namespaces", "host-namespaces", "no-container-runtime-socket"].map(
        (policy) => `${policy}: DaemonSet toolboxai-broken-node-exporter/node-exporter`,
      ),
      ...["no-host-path-volumes", "volume-type-allowlist"].flatMap((policy) =>
        [1, 2, 3].map(() => `${policy}: DaemonSet toolboxai-broken-node-exporter/node-exporter`),
      ),
    ].sort(),
  );
  expect(mandatory.find((finding) => finding.policy === "ingress-tls")?.message).toBe(
    'Ingress toolboxai-broken/gateway: host "broken.toolboxai.example" is not covered by spec.tls hosts (none)',
  );
});
