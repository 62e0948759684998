// The KubernetesWorkload component under the SDK's mocks: which children it creates for which
// spec, and that pods roll when their config or secrets change.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesWorkload } from "../components/kubernetes/workload";
import { captureResources } from "../tools/engine/mock-engine";
import { secretChecksum } from "../components/model/checksum";
import type { WorkloadSpec } from "../components/model/workload";
import { unitContext } from "./components/support";
import { smallWorkload } from "./fixtures/workload-specs";

/* eslint-disable @typescript-eslint/no-explicit-any -- captured inputs are inspected as JSON */

/** Everything the tests' renders registered, as the engine would record it. */
const created: { type: string; name: string; inputs: any }[] = [];

/** Renders under the mock engine, one component at a time (tools/engine/mock-engine.ts). */
async function render(construct: () => void): Promise<void> {
  created.push(...(await captureResources(construct)));
}

function spec(name: string, overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return smallWorkload(name, { component: "api", ...overrides });
}

function children(name: string) {
  return created.filter(
    (resource) => resource.name === name || resource.name.startsWith(`${name}-`),
  );
}
function kinds(name: string): string[] {
  return children(name)
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => resource.inputs.kind)
    .sort();
}
function workloadOf(name: string): any {
  return children(name).find((resource) =>
    ["Deployment", "StatefulSet"].includes(resource.inputs.kind),
  )!.inputs;
}

test("single replica: no budget, no autoscaler; replicated: both, and spread over nodes", async () => {
  await render(() => {
    new KubernetesWorkload("single", { spec: spec("single"), context: unitContext });
    new KubernetesWorkload("scaled", {
      spec: spec("scaled", {
        replicas: 2,
        maxUnavailable: 1,
        autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilizationPercent: 60 },
      }),
      context: unitContext,
    });
  });
  expect(kinds("single")).toEqual(["Deployment", "NetworkPolicy", "Service", "ServiceAccount"]);
  expect(kinds("scaled")).toEqual([
    "Deployment",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Service",
    "ServiceAccount",
  ]);
  expect(workloadOf("single").spec.template.spec.topologySpreadConstraints).toBeUndefined();
  const scaled = workloadOf("scaled");
  // The autoscaler owns the count; the Deployment does not pin it.
  expect(scaled.spec).not.toHaveProperty("replicas");
  expect(workloadOf("single").spec.replicas).toBe(1);
  expect(workloadOf("single").spec.template.spec.priorityClassName).toBe("unit-standard");
  expect(scaled.spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  const hpa = children("scaled").find(
    (resource) => resource.inputs.kind === "HorizontalPodAutoscaler",
  )!.inputs;
  expect(hpa.spec).toMatchObject({
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "scaled" },
    minReplicas: 2,
    maxReplicas: 5,
  });
  const account = children("single").find(
    (resource) => resource.inputs.kind === "ServiceAccount",
  )!.inputs;
  expect(account.automountServiceAccountToken).toBe(false);
});

test("pods roll when a secret changes, and the checksum reveals nothing of it", async () => {
  const withSecret = (name: string, value: string) =>
    new KubernetesWorkload(name, {
      spec: spec(name, {
        secretFiles: [{ name: "api-key", value: pulumi.secret(value) }],
        containers: [{ ...spec(name).containers[0], secretFiles: ["api-key"] }],
      }),
      context: unitContext,
    });
  await render(() => {
    withSecret("first", "a-secret-value-of-some-length");
    withSecret("changed", "another-secret-value-entirely");
    withSecret("same", "a-secret-value-of-some-length");
  });
  const checksum = (name: string): string =>
    workloadOf(name).spec.template.metadata.annotations["checksum.toolboxai.io/secrets"];
  expect(checksum("first")).toMatch(/^[0-9a-f]{64}$/);
  expect(checksum("changed")).not.toBe(checksum("first"));
  // Salted per workload: the same secret in two workloads gives unrelated checksums.
  expect(checksum("same")).not.toBe(checksum("first"));
  // Keyed by the stack's checksum key: without it, the digest cannot be recomputed from a guess.
  const material = JSON.stringify({ "api-key": "a-secret-value-of-some-length" });
  expect(checksum("first")).toBe(secretChecksum("unit-checksum-key", "first", material));
  expect(checksum("first")).not.toBe(secretChecksum("another-key", "first", material));
  expect(checksum("first")).not.toBe(createHash("sha256").update(material).digest("hex"));
});

test("apiAccess mounts the token and grants exactly the declared reads, per namespace", async () => {
  await render(() => {
    new KubernetesWorkload("collector", {
      spec: spec("collector", {
        apiAccess: {
          namespaced: [
            {
              namespaces: ["unit", "unit-apps"],
              rules: [
                {
                  apiGroups: [""],
                  resources: ["pods", "pods/log"],
                  verbs: ["get", "list", "watch"],
                },
              ],
            },
          ],
          cluster: [{ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }],
        },
      }),
      context: unitContext,
    });
  });
  const of = (kind: string) =>
    children("collector")
      .filter((resource) => resource.inputs.kind === kind)
      .map((resource) => resource.inputs);
  expect(
    of("Role").map((role) => [role.metadata.namespace, role.metadata.name, role.rules]),
  ).toEqual([
    [
      "unit",
      "collector-read",
      [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }],
    ],
    [
      "unit-apps",
      "collector-read",
      [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }],
    ],
  ]);
  const subject = { kind: "ServiceAccount", name: "collector", namespace: "unit" };
  expect(
    of("RoleBinding").map((binding) => [
      binding.metadata.namespace,
      binding.roleRef,
      binding.subjects,
    ]),
  ).toEqual([
    [
      "unit",
      { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "collector-read" },
      [subject],
    ],
    [
      "unit-apps",
      { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "collector-read" },
      [subject],
    ],
  ]);
  // Cluster-wide names carry the installation, so two stacks in one cluster do not collide.
  expect(of("ClusterRole")).toEqual([
    expect.objectContaining({
      metadata: expect.objectContaining({ name: "toolboxai-unit-collector-read" }),
      rules: [{ apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] }],
    }),
  ]);
  expect(of("ClusterRoleBinding")[0]).toMatchObject({
    roleRef: { kind: "ClusterRole", name: "toolboxai-unit-collector-read" },
    subjects: [subject],
  });
  expect(of("ServiceAccount")[0].automountServiceAccountToken).toBe(true);
  expect(workloadOf("collector").spec.template.spec.automountServiceAccountToken).toBe(true);
});

test("a daemon with host access: a DaemonSet with the node's PID and network and read-only host paths", async () => {
  await render(() => {
    new KubernetesWorkload("node-agent", {
      spec: spec("node-agent", {
        kind: "daemon",
        replicas: 3,
        host: {
          pid: true,
          network: true,
          readOnlyPaths: [{ name: "proc", hostPath: "/proc", mountPath: "/host/proc" }],
        },
      }),
      context: unitContext,
    });
  });
  expect(kinds("node-agent")).toEqual(["DaemonSet", "NetworkPolicy", "Service", "ServiceAccount"]);
  const daemon = children("node-agent").find(
    (resource) => resource.inputs.kind === "DaemonSet",
  )!.inputs;
  expect(daemon.spec.updateStrategy).toEqual({
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1 },
  });
  const pod = daemon.spec.template.spec;
  expect(pod).toMatchObject({
    hostPID: true,
    hostNetwork: true,
    dnsPolicy: "ClusterFirstWithHostNet",
  });
  expect(pod.volumes).toContainEqual({
    name: "host-proc",
    hostPath: { path: "/proc", type: "Directory" },
  });
  expect(pod.containers[0].volumeMounts).toContainEqual({
    name: "host-proc",
    mountPath: "/host/proc",
    readOnly: true,
    mountPropagation: "HostToContainer",
  });
  // Everything else of the secure defaults stays.
  expect(pod.containers[0].securityContext).toMatchObject({
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
  });
});
