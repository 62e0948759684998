// `npm run policy -- --manifests`: reading any Kubernetes YAML, and the command end to end.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { readManifests } from "../../policies/runner/manifests";
import { clone, compliantDeployment } from "./support";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "toolboxai-manifests-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const deploymentYaml = stringify(compliantDeployment());

test("multi-document files and nested folders map each object to its Pulumi type", () => {
  const dir = folder({
    "a.yaml": `${deploymentYaml}---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: toolboxai}\n---\n`,
    "nested/b.yml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n",
    "notes.txt": "not yaml, not read",
  });
  const { resources, skipped } = readManifests(dir, checkedKubernetesTypes);
  expect(resources.map((resource) => [resource.type, resource.name])).toEqual([
    ["kubernetes:apps/v1:Deployment", "api"],
    ["kubernetes:core/v1:Service", "api"],
    ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "x"],
  ]);
  expect(skipped).toEqual([]);
});

test("unknown kinds are reported as skipped, with file and document index", () => {
  const dir = folder({
    "crd.yaml": `${deploymentYaml}---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\n`,
  });
  expect(readManifests(dir, checkedKubernetesTypes).skipped).toEqual([
    {
      file: path.join(dir, "crd.yaml"),
      index: 1,
      reason: "cert-manager.io/v1 Certificate is not checked by this pack",
    },
  ]);
});

test("an old apiVersion of a checked kind is read, so no-deprecated-apis can report it", () => {
  const old = { ...compliantDeployment(), apiVersion: "extensions/v1beta1" };
  const { resources, skipped } = readManifests(
    folder({ "old.yaml": stringify(old) }),
    checkedKubernetesTypes,
  );
  expect(resources.map((resource) => resource.type)).toEqual([
    "kubernetes:extensions/v1beta1:Deployment",
  ]);
  expect(skipped).toEqual([]);
});

test("bad input names the file and document index", () => {
  const invalid = folder({ "bad.yaml": `${deploymentYaml}---\nkind: [unclosed\n` });
  expect(() => readManifests(invalid, checkedKubernetesTypes)).toThrow(
    new RegExp(`^${path.join(invalid, "bad.yaml")}: document 1: invalid YAML: `),
  );
  const noKind = folder({ "x.yaml": "metadata: {name: y}\n" });
  expect(() => readManifests(noKind, checkedKubernetesTypes)).toThrow(
    `${path.join(noKind, "x.yaml")}: document 0: missing apiVersion or kind`,
  );
  expect(() => readManifests("/nonexistent/path", checkedKubernetesTypes)).toThrow(
    "/nonexistent/path: no such file or folder",
  );
});

function policyCommand(...args: string[]) {
  const result = spawnSync("npx", ["tsx", "tools/policy.ts", ...args], {
    cwd: path.resolve(__dirname, "..", ".."),
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("the command checks manifests, prints JSON, and exits 1 on a mandatory violation", () => {
  const privileged = clone(compliantDeployment());
  privileged.spec.template.spec.containers[0].securityContext.privileged = true;
  const dir = folder({ "deploy.yaml": stringify(privileged) });
  const result = policyCommand("--manifests", dir, "--env", "production", "--format", "json");
  expect(result.status).toBe(1);
  const report = JSON.parse(result.stdout);
  const violation = report.violations.find(
    (finding: { policy: string }) => finding.policy === "no-privileged-containers",
  );
  expect(violation).toMatchObject({
    severity: "critical",
    enforcement: "mandatory",
    resource: {
      type: "kubernetes:apps/v1:Deployment",
      name: "api",
      namespace: "toolboxai",
      kind: "Deployment",
    },
  });
  expect(report.summary.passed).toBe(false);
});

test("the command refuses ambiguous or bad arguments with exit 2", () => {
  const result = policyCommand("--manifests", "/nonexistent/path");
  expect(result.status).toBe(2);
  expect(result.stderr).toContain("/nonexistent/path: no such file or folder");
  expect(policyCommand("--env", "production").stderr).toContain(
    "give exactly one of --stack <name> or --manifests <path>",
  );
});
