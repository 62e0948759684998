// `npm run preflight`: the prerequisites each stack derives from its stack file, the report and
// exit codes against a fake cluster, and the kubectl adapter (read-only, absent vs. unreachable).
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { validatedStackConfig } from "../tools/engine/stack-config";
import { runPreflightCommand } from "../tools/preflight";
import { ClusterError, kubectlReader } from "../tools/preflight/kubectl";
import {
  requirementsOf,
  type ClusterReader,
  type KubeObject,
} from "../tools/preflight/requirements";
import { withScratchDir } from "../tools/scratch";

const configOf = validatedStackConfig;

/** A cluster holding exactly `objects`, keyed "resource/name" or "resource/namespace/name". */
function fakeCluster(objects: Record<string, KubeObject>, pods: KubeObject[] = []): ClusterReader {
  return {
    get: async (resource, name, namespace) =>
      objects[namespace ? `${resource}/${namespace}/${name}` : `${resource}/${name}`],
    list: async (resource) => {
      if (resource === "pods") return pods;
      return Object.entries(objects)
        .filter(([key]) => key.startsWith(`${resource}/`))
        .map(([, object]) => object);
    },
  };
}

const ready = (type: string) => ({ status: { conditions: [{ type, status: "True" }] } });

/** Everything production needs. */
const productionCluster: Record<string, KubeObject> = {
  "storageclasses/ssd": { metadata: { name: "ssd" } },
  "apiservices/v1beta1.metrics.k8s.io": ready("Available"),
  "namespaces/ingress-nginx": {},
  "ingressclasses/nginx": {},
  "customresourcedefinitions/certificates.cert-manager.io": {},
  "customresourcedefinitions/clusterissuers.cert-manager.io": {},
  "clusterissuers.cert-manager.io/letsencrypt-production": ready("Ready"),
  "customresourcedefinitions/stacks.pulumi.com": {},
  "namespaces/pulumi-kubernetes-operator": {},
};
const dnsPod = { metadata: { name: "coredns-1" } };

async function preflight(stack: string, cluster: ClusterReader) {
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
    { cluster },
  );
  return { code, stdout, stderr };
}

describe("what each stack needs from its cluster", () => {
  test("production: its StorageClass, the metrics API, ingress, cert-manager and its issuer, DNS", () => {
    expect(requirementsOf(configOf("production")).map((requirement) => requirement.name)).toEqual([
      "StorageClass ssd",
      "the metrics API (APIService v1beta1.metrics.k8s.io)",
      "Namespace ingress-nginx",
      "IngressClass nginx",
      "cert-manager (CRDs certificates and clusterissuers.cert-manager.io)",
      "ClusterIssuer letsencrypt-production",
      "the Pulumi Kubernetes Operator v2 (CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator)",
      "cluster DNS (pods labelled k8s-app=kube-dns in kube-system)",
    ]);
  });

  test("Argo CD delivery needs Argo CD's CRDs and namespace instead of the operator", async () => {
    const config = configOf("production");
    const argocd = {
      ...config,
      delivery: {
        mode: "argocd" as const,
        repository: "https://github.com/toolboxai/infrastructure.git",
        branch: "deploy",
        path: "manifests",
        argocdNamespace: "gitops",
        retryLimit: 5,
      },
    };
    const requirement = requirementsOf(argocd).find((candidate) => candidate.name.includes("Argo"));
    expect(requirement?.name).toBe(
      "Argo CD (CRDs applications and appprojects.argoproj.io, namespace gitops)",
    );
    expect(requirementsOf(argocd).some((candidate) => candidate.name.includes("Operator"))).toBe(
      false,
    );
    expect(await requirement!.check(fakeCluster({ "namespaces/gitops": {} }))).toEqual({
      present: false,
      detail: "missing CRD applications.argoproj.io, CRD appprojects.argoproj.io",
    });
    expect(
      await requirement!.check(
        fakeCluster({
          "customresourcedefinitions/applications.argoproj.io": {},
          "customresourcedefinitions/appprojects.argoproj.io": {},
          "namespaces/gitops": {},
        }),
      ),
    ).toEqual({ present: true, detail: "found" });
  });

  test("staging names StorageClass standard and its own issuer; no autoscaler, no metrics API", () => {
    const names = requirementsOf(configOf("staging")).map((requirement) => requirement.name);
    expect(names).toContain("StorageClass standard");
    expect(names).toContain("ClusterIssuer letsencrypt-staging");
    expect(names.some((name) => name.includes("metrics API"))).toBe(false);
  });

  test("dev: a default StorageClass, no TLS", () => {
    expect(requirementsOf(configOf("dev")).map((requirement) => requirement.name)).toEqual([
      "a default StorageClass",
      "Namespace ingress-nginx",
      "IngressClass nginx",
      "cluster DNS (pods labelled k8s-app=kube-dns in kube-system)",
    ]);
  });
});

describe("the report and exit codes", () => {
  test("an empty cluster: every prerequisite missing, each with why and what to install; exit 1", async () => {
    const { code, stdout } = await preflight("production", fakeCluster({}));
    expect(code).toBe(1);
    expect(stdout).toContain("Preflight of stack production against kube context (current):");
    expect(stdout).toContain("MISSING  StorageClass ssd: not found");
    expect(stdout).toContain(
      "needed because the volumes of postgres, redis, prometheus, alertmanager, loki and jaeger use it",
    );
    expect(stdout).toContain(
      "MISSING  the metrics API (APIService v1beta1.metrics.k8s.io): not registered",
    );
    expect(stdout).toContain("to fix: install metrics-server");
    expect(stdout).toContain(
      "MISSING  cert-manager (CRDs certificates and clusterissuers.cert-manager.io): missing CRD certificates.cert-manager.io, clusterissuers.cert-manager.io",
    );
    expect(stdout).toContain(
      "MISSING  cluster DNS (pods labelled k8s-app=kube-dns in kube-system): 0 pod(s)",
    );
    expect(stdout).toContain(
      "MISSING  the Pulumi Kubernetes Operator v2 (CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator): missing CRD stacks.pulumi.com, namespace pulumi-kubernetes-operator",
    );
    expect(stdout).toContain("8 of 8 prerequisites missing.");
    expect(stdout).toContain("a CNI that enforces NetworkPolicy");
  });

  test("a complete cluster: all present, exit 0", async () => {
    const { code, stdout } = await preflight(
      "production",
      fakeCluster(productionCluster, [dnsPod]),
    );
    expect(stdout).toContain("All 8 prerequisites are present.");
    expect(stdout).not.toContain("MISSING");
    expect(code).toBe(0);
  });

  test("registered is not enough: an unavailable metrics API and an issuer not Ready are missing", async () => {
    const cluster = fakeCluster(
      {
        ...productionCluster,
        "apiservices/v1beta1.metrics.k8s.io": {
          status: { conditions: [{ type: "Available", status: "False" }] },
        },
        "clusterissuers.cert-manager.io/letsencrypt-production": {},
      },
      [dnsPod],
    );
    const { code, stdout } = await preflight("production", cluster);
    expect(code).toBe(1);
    expect(stdout).toContain("registered but not Available");
    expect(stdout).toContain("MISSING  ClusterIssuer letsencrypt-production: found but not Ready");
    expect(stdout).toContain("2 of 8 prerequisites missing.");
  });

  test("dev finds the default StorageClass by its annotation", async () => {
    const plain = { metadata: { name: "standard" } };
    const marked = {
      metadata: {
        name: "local-path",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
    };
    const withoutDefault = await preflight(
      "dev",
      fakeCluster(
        {
          "storageclasses/standard": plain,
          "namespaces/ingress-nginx": {},
          "ingressclasses/nginx": {},
        },
        [dnsPod],
      ),
    );
    expect(withoutDefault.stdout).toContain(
      "MISSING  a default StorageClass: no default among: standard",
    );
    expect(withoutDefault.code).toBe(1);
    const withDefault = await preflight(
      "dev",
      fakeCluster(
        {
          "storageclasses/standard": plain,
          "storageclasses/local-path": marked,
          "namespaces/ingress-nginx": {},
          "ingressclasses/nginx": {},
        },
        [dnsPod],
      ),
    );
    expect(withDefault.stdout).toContain("present  a default StorageClass: default: local-path");
    expect(withDefault.code).toBe(0);
  });

  test("a cluster that cannot be asked, or an unknown stack, is exit 2 with the reason", async () => {
    const unreachable: ClusterReader = {
      get: async () => {
        throw new ClusterError("cannot ask the cluster (kubectl get storageclasses ssd): refused");
      },
      list: async () => [],
    };
    const failed = await preflight("production", unreachable);
    expect(failed).toMatchObject({ code: 2, stdout: "" });
    expect(failed.stderr).toBe(
      "cannot ask the cluster (kubectl get storageclasses ssd): refused\n",
    );
    const unknown = await preflight("prod", fakeCluster({}));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'unknown stack "prod": no Pulumi.prod.yaml; stacks: dev, production, staging\n',
    );
  });
});

describe("the kubectl adapter", () => {
  /** A fake kubectl that logs its arguments and answers like the real one. */
  function fakeKubectl(dir: string): { kubectl: string; log: string } {
    const kubectl = path.join(dir, "kubectl");
    const log = path.join(dir, "calls.log");
    writeFileSync(
      kubectl,
      `#!/bin/sh
echo "$@" >> "${log}"
case "$*" in
  *"storageclasses ssd"*) echo '{"metadata":{"name":"ssd"}}' ;;
  *"storageclasses -o json"*) echo '{"items":[{"metadata":{"name":"ssd"}}]}' ;;
  *"ingressclasses nginx"*) echo 'Error from server (NotFound): ingressclasses.networking.k8s.io "nginx" not found' >&2; exit 1 ;;
  *clusterissuers*) echo 'error: the server doesn'"'"'t have a resource type "clusterissuers"' >&2; exit 1 ;;
  *) echo 'The connection to the server localhost:8080 was refused' >&2; exit 1 ;;
esac
`,
    );
    chmodSync(kubectl, 0o755);
    return { kubectl, log };
  }

  test("gets and lists only, with the stack's context; absent objects and types read as absent", async () => {
    await withScratchDir("toolboxai-kubectl-", async (dir) => {
      const { kubectl, log } = fakeKubectl(dir);
      writeFileSync(path.join(dir, "kubeconfig"), "");
      const cluster = kubectlReader({
        kubectl,
        context: "prod-cluster",
        environment: { KUBECONFIG: path.join(dir, "kubeconfig") },
      });
      expect(await cluster.get("storageclasses", "ssd")).toEqual({ metadata: { name: "ssd" } });
      expect(await cluster.list("storageclasses")).toEqual([{ metadata: { name: "ssd" } }]);
      expect(await cluster.get("ingressclasses", "nginx")).toBeUndefined();
      expect(await cluster.list("clusterissuers.cert-manager.io")).toEqual([]);
      await expect(cluster.get("namespaces", "ingress-nginx")).rejects.toThrow(
        "cannot ask the cluster (kubectl --context prod-cluster get namespaces ingress-nginx): The connection to the server localhost:8080 was refused",
      );
      const calls = readFileSync(log, "utf8").trim().split("\n");
      expect(calls).toHaveLength(5);
      for (const call of calls) expect(call).toMatch(/^--context prod-cluster get \S+ .*-o json$/);
    });
  });

  test("no kubeconfig: the failure names KUBECONFIG and toolboxai:kubernetesContext", async () => {
    await withScratchDir("toolboxai-kubectl-", async (dir) => {
      const { kubectl } = fakeKubectl(dir);
      const unset = kubectlReader({ kubectl, environment: { HOME: dir } });
      await expect(unset.get("namespaces", "x")).rejects.toThrow(
        `no kubeconfig: KUBECONFIG is not set and ${path.join(dir, ".kube", "config")} does not ` +
          "exist. Point KUBECONFIG at your cluster's kubeconfig; the stack's " +
          "toolboxai:kubernetesContext (in Pulumi.<stack>.yaml) picks its context, empty for " +
          "the current one (The connection to the server localhost:8080 was refused)",
      );
      const wrong = kubectlReader({ kubectl, environment: { KUBECONFIG: path.join(dir, "none") } });
      await expect(wrong.list("namespaces")).rejects.toThrow(
        `no kubeconfig: KUBECONFIG names ${path.join(dir, "none")}, and none exists.`,
      );
      // With a kubeconfig (or inside a pod), kubectl's own words.
      writeFileSync(path.join(dir, "config"), "");
      const present = kubectlReader({
        kubectl,
        environment: { KUBECONFIG: path.join(dir, "config") },
      });
      await expect(present.get("namespaces", "x")).rejects.toThrow(
        "cannot ask the cluster (kubectl get namespaces x): The connection to the server",
      );
      const inPod = kubectlReader({ kubectl, environment: { KUBERNETES_SERVICE_HOST: "pod" } });
      await expect(inPod.get("namespaces", "x")).rejects.toThrow("cannot ask the cluster");
    });
  });

  test("no kubectl: a clear error, not a crash", async () => {
    const cluster = kubectlReader({ kubectl: "/nonexistent/kubectl" });
    await expect(cluster.get("storageclasses", "ssd")).rejects.toThrow(
      "cannot run /nonexistent/kubectl: install kubectl, or point KUBECTL at it",
    );
  });
});
