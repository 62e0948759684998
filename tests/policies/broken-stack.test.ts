// A deliberately broken stack file (tests/fixtures/Pulumi.broken.yaml) passes the program's
// config schema but not the policy pack: the pack names each problem.
import * as path from "node:path";
import { policies } from "../../policies/pack";
import { readPolicyConfig, runPolicies, type Finding } from "../../policies/runner";
import { projectRoot, readStackConfig, runProgram } from "../../tools/engine/mock-engine";
import { toRunnerResources } from "../../tools/policy-resources";

let findings: Finding[];

beforeAll(async () => {
  const config = readStackConfig(
    "production",
    projectRoot,
    path.join(projectRoot, "tests", "fixtures", "Pulumi.broken.yaml"),
  );
  const run = await runProgram("production", { config });
  findings = await runPolicies(policies, toRunnerResources(run), {
    config: readPolicyConfig(path.join(projectRoot, "policies", "config", "production.json")),
    packEnforcementLevel: "mandatory",
  });
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
      // One backend replica; the production exemptions name the `toolboxai` namespace only.
      "replicas-min: Deployment toolboxai-broken/backend",
      "replicas-min: Deployment toolboxai-broken/celery-beat",
      "replicas-min: Deployment toolboxai-broken/flower",
      "replicas-min: StatefulSet toolboxai-broken/postgres",
      "replicas-min: StatefulSet toolboxai-broken/redis",
    ].sort(),
  );
  expect(mandatory.find((finding) => finding.policy === "ingress-tls")?.message).toBe(
    'Ingress toolboxai-broken/gateway: host "broken.toolboxai.example" is not covered by spec.tls hosts (none)',
  );
});
