// The namespace budget is derived from the workloads: exact sums, surge pods, storage.
import {
  addFootprints,
  emptyFootprint,
  footprintOf,
  limitRangeLimits,
  quotaHard,
} from "../components/kubernetes/budget";
import { httpProbes, type WorkloadSpec } from "../components/model/workload";

const container = (name: string, cpu: string, memory: string) => ({
  name,
  image: { repository: "example/app", tag: "1.0.0" },
  probes: httpProbes("http", "/"),
  ports: [{ name: "http", port: 8080 }],
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu, memory } },
});

const api: WorkloadSpec = {
  name: "api",
  component: "api",
  zones: ["backend"],
  replicas: 2,
  autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilizationPercent: 70 },
  containers: [container("api", "1", "1Gi"), container("sidecar", "200m", "256Mi")],
};

const database: WorkloadSpec = {
  name: "db",
  component: "database",
  kind: "stateful",
  zones: ["database"],
  replicas: 1,
  persistentVolume: { mountPath: "/data", size: "10Gi", storageClass: "" },
  containers: [container("db", "2", "4Gi")],
};

test("a rolling, autoscaled workload counts its maximum plus one surge pod", () => {
  expect(footprintOf(api)).toEqual({
    pods: 6,
    requestsCpu: 6 * 200,
    requestsMemory: 6 * 256 * 2 ** 20,
    limitsCpu: 6 * 1200,
    limitsMemory: 6 * 1280 * 2 ** 20,
    claims: 0,
    storage: 0,
    maxContainerCpu: 1000,
    maxContainerMemory: 2 ** 30,
  });
});

test("a stateful workload has no surge pod and claims its storage; Recreate has no surge", () => {
  expect(footprintOf(database)).toMatchObject({ pods: 1, claims: 1, storage: 10 * 2 ** 30 });
  expect(footprintOf({ ...api, autoscaling: undefined, updateStrategy: "recreate" }).pods).toBe(2);
});

test("quota and limit range render as Kubernetes quantities", () => {
  const total = addFootprints(
    addFootprints(emptyFootprint, footprintOf(api)),
    footprintOf(database),
  );
  expect(quotaHard(total, 0)).toEqual({
    pods: "7",
    "requests.cpu": "1300m",
    "requests.memory": "1664Mi",
    "limits.cpu": "9200m",
    "limits.memory": "11776Mi",
    persistentvolumeclaims: "1",
    "requests.storage": "10240Mi",
  });
  // 25 % headroom, each figure rounded up: the peak never lands on the limit.
  expect(quotaHard(total, 25)).toEqual({
    pods: "9",
    "requests.cpu": "1625m",
    "requests.memory": "2080Mi",
    "limits.cpu": "11500m",
    "limits.memory": "14720Mi",
    persistentvolumeclaims: "2",
    "requests.storage": "12800Mi",
  });
  expect(limitRangeLimits(total)[0].max).toEqual({ cpu: "2000m", memory: "4096Mi" });
});

test("the LimitRange's defaults never exceed its cap (the API server refuses that)", () => {
  const nodeAgent: WorkloadSpec = {
    name: "node-agent",
    component: "monitoring",
    kind: "daemon",
    zones: ["monitoring"],
    replicas: 3,
    containers: [container("node-agent", "200m", "64Mi")],
  };
  expect(limitRangeLimits(footprintOf(nodeAgent))[0]).toEqual({
    type: "Container",
    defaultRequest: { cpu: "100m", memory: "64Mi" },
    default: { cpu: "200m", memory: "64Mi" },
    max: { cpu: "200m", memory: "64Mi" },
  });
  // A daemon has no surge pod; a roomy namespace keeps the usual defaults.
  expect(footprintOf(nodeAgent).pods).toBe(3);
  expect(limitRangeLimits(footprintOf(api))[0]).toMatchObject({
    defaultRequest: { cpu: "100m", memory: "128Mi" },
    default: { cpu: "500m", memory: "512Mi" },
  });
});
