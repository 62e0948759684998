// `npm run preflight` against a real kube-apiserver (scripts/control-plane.sh): a bare control
// plane lacks every prerequisite, and the report must say so; once the pieces exist, it must see
// them, and see through a metrics API that is registered but not available.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runPreflightCommand } from "../../tools/preflight";
import { kubectlReader } from "../../tools/preflight/kubectl";
import {
  controlPlaneScript,
  describeWithControlPlane,
  requireControlPlaneBin,
  startControlPlane,
} from "./control-plane";

const crds = path.resolve(__dirname, "..", "fixtures", "crds");
const describeCluster = describeWithControlPlane("the cluster tests");

describeCluster("preflight against a local kube-apiserver", () => {
  let dir: string;
  let kubectl: string;
  const env = () => ({ ...process.env, KUBECONFIG: path.join(dir, "admin.kubeconfig") });
  const apply = (manifest: string) =>
    execFileSync(kubectl, ["apply", "--server-side", "-f", "-"], { input: manifest, env: env() });

  async function preflight(stack: string) {
    let stdout = "";
    let stderr = "";
    const code = await runPreflightCommand(
      ["--stack", stack],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
        cwd: process.cwd(),
      },
      { cluster: kubectlReader({ kubectl, kubeconfig: path.join(dir, "admin.kubeconfig") }) },
    );
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    kubectl = path.join(requireControlPlaneBin(), "kubectl");
    dir = mkdtempSync(path.join(tmpdir(), "toolboxai-cluster-"));
    await startControlPlane(dir);
  });

  afterAll(() => {
    if (!dir) return;
    const pids = ["etcd", "kube-apiserver"].map((name) =>
      Number(readFileSync(path.join(dir, "run", `${name}.pid`), "utf8")),
    );
    execFileSync("bash", [controlPlaneScript, "stop", dir]);
    rmSync(dir, { recursive: true, force: true });
    // Nothing left running.
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  test("a bare control plane: every prerequisite of production is reported missing", async () => {
    const { code, stdout, stderr } = await preflight("production");
    expect(stderr).toBe("");
    expect(code).toBe(1);
    for (const line of [
      "MISSING  StorageClass ssd: not found",
      "MISSING  the metrics API (APIService v1beta1.metrics.k8s.io): not registered",
      "MISSING  Namespace ingress-nginx: not found",
      "MISSING  IngressClass nginx: not found",
      "MISSING  cert-manager (CRDs certificates and clusterissuers.cert-manager.io): missing CRD certificates.cert-manager.io, clusterissuers.cert-manager.io",
      "MISSING  ClusterIssuer letsencrypt-production: not found",
      "MISSING  the Pulumi Kubernetes Operator v2 (CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator): missing CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator",
      "MISSING  cluster DNS (pods labelled k8s-app=kube-dns in kube-system): 0 pod(s)",
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toContain("8 of 8 prerequisites missing.");
    const dev = await preflight("dev");
    expect(dev.stdout).toContain("MISSING  a default StorageClass: no StorageClass");
  });

  test("installed pieces are found; a registered but unavailable metrics API is not enough", async () => {
    const crd = (plural: string, kind: string, scope: string) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.cert-manager.io }
spec:
  group: cert-manager.io
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind} }
  scope: ${scope}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
    apply(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ssd
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: example.com/ssd
---
apiVersion: v1
kind: Namespace
metadata: { name: ingress-nginx }
---
apiVersion: v1
kind: Namespace
metadata: { name: pulumi-kubernetes-operator }
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: nginx }
spec: { controller: k8s.io/ingress-nginx }
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io }
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: { name: metrics-server, namespace: kube-system }
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: default, namespace: kube-system }
---
apiVersion: v1
kind: Pod
metadata: { name: coredns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec: { containers: [{ name: coredns, image: "registry.k8s.io/coredns/coredns:v1.12.1" }] }
---${crd("certificates", "Certificate", "Namespaced")}---${crd("clusterissuers", "ClusterIssuer", "Cluster")}`);
    // The operator's real CRD (tests/fixtures/crds), as its installation makes it.
    execFileSync(
      kubectl,
      [
        "apply",
        "--server-side",
        "-f",
        path.join(crds, "pulumi-kubernetes-operator", "pulumi.com_stacks.yaml"),
      ],
      { env: env(), stdio: "pipe" },
    );
    execFileSync(
      kubectl,
      [
        "wait",
        "--for=condition=Established",
        "crd/clusterissuers.cert-manager.io",
        "--timeout=60s",
      ],
      { env: env() },
    );
    apply(`
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: { name: letsencrypt-production }
spec: { acme: {} }
`);
    const status = JSON.stringify({ status: { conditions: [{ type: "Ready", status: "True" }] } });
    execFileSync(
      kubectl,
      [
        "patch",
        "clusterissuer",
        "letsencrypt-production",
        "--subresource=status",
        "--type=merge",
        "-p",
        status,
      ],
      { env: env() },
    );

    const { code, stdout } = await preflight("production");
    for (const line of [
      "present  StorageClass ssd: found",
      "present  Namespace ingress-nginx: found",
      "present  IngressClass nginx: found",
      "present  cert-manager (CRDs certificates and clusterissuers.cert-manager.io): found",
      "present  ClusterIssuer letsencrypt-production: ready",
      "present  cluster DNS (pods labelled k8s-app=kube-dns in kube-system): 1 pod(s)",
      "present  the Pulumi Kubernetes Operator v2 (CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator): found",
      // No metrics-server answers behind the APIService, so the API server marks it unavailable.
      "MISSING  the metrics API (APIService v1beta1.metrics.k8s.io): registered but not Available",
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toContain("1 of 8 prerequisites missing.");
    expect(code).toBe(1);
    const dev = await preflight("dev");
    expect(dev.stdout).toContain("present  a default StorageClass: default: ssd");
  });
});
