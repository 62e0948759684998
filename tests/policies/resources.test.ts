import {
  containerResources,
  ephemeralStorage,
  limitsNotBelowRequests,
  namespaceQuota,
  parseQuantity,
} from "../../policies/resources";
import { compliantCronJob, compliantPod, compliantStatefulSet } from "./fixtures/hygiene";
import { compliantNamespaceSet } from "./fixtures/resources";
import { clone, compliantDeployment, messagesOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const container = (deployment: any) => deployment.spec.template.spec.containers[0];

describe("parseQuantity", () => {
  test.each([
    ["250m", 0.25],
    ["1", 1],
    ["0.5", 0.5],
    [".5", 0.5],
    [2, 2],
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1G", 1e9],
    ["1e3", 1000],
    ["1E", 1e18],
    ["100n", 1e-7],
  ])("%s", (value, expected) => {
    expect(parseQuantity(value)).toBe(expected);
  });
  test.each(["", "abc", "1 Gi", "1gi", "-1", "1.5.2", "Mi"])("%j is not a quantity", (value) => {
    expect(parseQuantity(value)).toBeUndefined();
  });
});

describe("container-resources", () => {
  test("the compliant fixture passes; an ephemeral container needs no resources", async () => {
    const deployment = clone(compliantDeployment());
    deployment.spec.template.spec.ephemeralContainers = [{ name: "debug", image: "busybox:1.36" }];
    expect(await messagesOf(containerResources, [deployment])).toEqual([]);
  });
  test("each missing request and limit is reported, init containers included", async () => {
    const deployment = clone(compliantDeployment());
    delete container(deployment).resources.requests.cpu;
    delete container(deployment).resources.limits.memory;
    deployment.spec.template.spec.initContainers = [
      { name: "migrate", image: "ghcr.io/toolboxai/backend:1.4.0" },
    ];
    expect(await messagesOf(containerResources, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" sets no requests.cpu',
      'Deployment toolboxai/api: container "api" sets no limits.memory',
      'Deployment toolboxai/api: initContainer "migrate" sets no requests.cpu',
      'Deployment toolboxai/api: initContainer "migrate" sets no requests.memory',
      'Deployment toolboxai/api: initContainer "migrate" sets no limits.cpu',
      'Deployment toolboxai/api: initContainer "migrate" sets no limits.memory',
    ]);
  });
  test("a zero limit, in any spelling, is no bound", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).resources = {
      requests: { cpu: "0", memory: "0" },
      limits: { cpu: "0m", memory: 0 },
    };
    expect(await messagesOf(containerResources, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" limits.cpu is 0m, which the runtime reads as no limit; set a positive limit',
      'Deployment toolboxai/api: container "api" limits.memory is 0, which the runtime reads as no limit; set a positive limit',
    ]);
  });
  test("a CronJob is checked too; the required resources are configurable", async () => {
    const cronJob = compliantCronJob();
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    delete pod.containers[0].resources.limits.cpu;
    expect(await messagesOf(containerResources, [cronJob])).toEqual([
      'CronJob toolboxai/report: container "report" sets no limits.cpu',
    ]);
    const config = {
      "container-resources": { limits: ["memory", "ephemeral-storage"] },
    };
    expect(await messagesOf(containerResources, [cronJob], config)).toEqual([
      'CronJob toolboxai/report: container "report" sets no limits.ephemeral-storage',
    ]);
  });
});

describe("limits-not-below-requests", () => {
  test("the compliant fixture passes; equal values in different units pass", async () => {
    expect(await messagesOf(limitsNotBelowRequests, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    container(deployment).resources = {
      requests: { cpu: "1000m", memory: "1024Mi" },
      limits: { cpu: 1, memory: "1Gi" },
    };
    expect(await messagesOf(limitsNotBelowRequests, [deployment])).toEqual([]);
  });
  test("a limit below its request", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).resources.limits = { cpu: "200m", memory: "256Mi" };
    expect(await messagesOf(limitsNotBelowRequests, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" limits.cpu 200m is below requests.cpu 250m',
      'Deployment toolboxai/api: container "api" limits.memory 256Mi is below requests.memory 512Mi',
    ]);
  });
  test("values that are not quantities, on a StatefulSet", async () => {
    const statefulSet = compliantStatefulSet();
    container(statefulSet).resources.requests.memory = "512MB";
    container(statefulSet).resources.limits["ephemeral-storage"] = "lots";
    expect(await messagesOf(limitsNotBelowRequests, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: container "postgres" requests.memory "512MB" is not a ' +
        "Kubernetes quantity",
      'StatefulSet toolboxai/postgres: container "postgres" limits.ephemeral-storage "lots" is ' +
        "not a Kubernetes quantity",
    ]);
  });
});

describe("ephemeral-storage-bounded", () => {
  test("the compliant fixture passes; an unbounded emptyDir passes when its users are limited", async () => {
    expect(await messagesOf(ephemeralStorage, [compliantDeployment()])).toEqual([]);
    const deployment = clone(compliantDeployment());
    delete deployment.spec.template.spec.volumes[1].emptyDir.sizeLimit;
    container(deployment).resources.limits["ephemeral-storage"] = "1Gi";
    expect(await messagesOf(ephemeralStorage, [deployment])).toEqual([]);
  });
  test("an emptyDir with no sizeLimit, mounted by a container with no ephemeral-storage limit", async () => {
    const pod = compliantPod();
    delete pod.spec.volumes[1].emptyDir.sizeLimit;
    pod.spec.volumes.push({ name: "cache", emptyDir: { medium: "Memory" } });
    pod.spec.initContainers = [
      {
        name: "warm",
        image: "ghcr.io/toolboxai/backend:1.4.0",
        volumeMounts: [{ name: "cache", mountPath: "/cache" }],
        resources: { limits: { "ephemeral-storage": "1Gi" } },
      },
    ];
    pod.spec.containers[0].volumeMounts.push({ name: "cache", mountPath: "/cache" });
    expect(await messagesOf(ephemeralStorage, [pod])).toEqual([
      'Pod toolboxai/api: emptyDir volume "api-tmp" has no sizeLimit and container "api", which ' +
        "mounts it, sets no limits.ephemeral-storage",
      'Pod toolboxai/api: emptyDir volume "cache" has no sizeLimit and container "api", which ' +
        "mounts it, sets no limits.ephemeral-storage",
    ]);
  });
});

describe("namespace-quota", () => {
  test("a namespace with a ResourceQuota and a LimitRange passes", async () => {
    const objects = [...compliantNamespaceSet(), compliantDeployment(), compliantCronJob()];
    expect(await messagesOf(namespaceQuota, objects)).toEqual([]);
  });
  test("objects running pods count whatever their kind (a ReplicationController)", async () => {
    const deployment = compliantDeployment("legacy", "legacy");
    const controller = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: deployment.metadata,
      spec: { selector: deployment.spec.selector.matchLabels, template: deployment.spec.template },
    };
    expect(await messagesOf(namespaceQuota, [...compliantNamespaceSet(), controller])).toEqual([
      "Namespace legacy: holds 1 pod-bearing object but no ResourceQuota and no LimitRange",
    ]);
  });
  test("a namespace with no pods needs neither", async () => {
    const [namespace] = compliantNamespaceSet("empty");
    expect(await messagesOf(namespaceQuota, [namespace, ...compliantNamespaceSet()])).toEqual([]);
  });
  test("a missing ResourceQuota, LimitRange, or both", async () => {
    const [namespace, quota] = compliantNamespaceSet();
    const [other, , otherLimits] = compliantNamespaceSet("other");
    const objects = [
      namespace,
      quota,
      compliantDeployment(),
      compliantStatefulSet(),
      other,
      otherLimits,
      compliantDeployment("web", "other"),
      compliantDeployment("lost", "unmanaged"),
    ];
    expect(await messagesOf(namespaceQuota, objects)).toEqual([
      "Namespace toolboxai: holds 2 pod-bearing objects but no LimitRange",
      "Namespace other: holds 1 pod-bearing object but no ResourceQuota",
      "Namespace unmanaged: holds 1 pod-bearing object but no ResourceQuota and no LimitRange",
    ]);
  });
  test("an object without a namespace counts as default; a Namespace can be exempted", async () => {
    const pod = compliantPod();
    delete pod.metadata.namespace;
    const [namespace] = compliantNamespaceSet();
    const objects = [namespace, compliantDeployment(), pod];
    expect(await messagesOf(namespaceQuota, objects)).toEqual([
      "Namespace toolboxai: holds 1 pod-bearing object but no ResourceQuota and no LimitRange",
      "Namespace default: holds 1 pod-bearing object but no ResourceQuota and no LimitRange",
    ]);
    const config = {
      "namespace-quota": {
        exemptions: [
          { kind: "Namespace", name: "toolboxai", reason: "quota owned by the cluster team" },
        ],
      },
    };
    expect(await messagesOf(namespaceQuota, objects, config)).toEqual([
      "Namespace default: holds 1 pod-bearing object but no ResourceQuota and no LimitRange",
    ]);
  });
});
