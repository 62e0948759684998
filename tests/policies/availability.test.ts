import {
  hpaSane,
  pdbExists,
  pdbSane,
  pdbUnhealthyPodEvictionPolicy,
  priorityClass,
  replicasMin,
  rolloutStrategy,
  statefulSetService,
  topologySpread,
} from "../../policies/availability";
import { clone, messagesOf } from "./support";
import {
  availabilityStack,
  find,
  hpaFor,
  pdbFor,
  prioritizedDeployment,
} from "./fixtures/availability";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const stack = () => clone(availabilityStack());
const podSpec = (workload: any) => workload.spec.template.spec;

describe("replicas-min", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(replicasMin, stack())).toEqual([]);
  });
  test("one replica, unset replicas, and an autoscaler minimum of 1 are reported", async () => {
    const objects = stack();
    find(objects, "Deployment", "api").spec.replicas = 1;
    delete find(objects, "StatefulSet", "postgres").spec.replicas;
    find(objects, "HorizontalPodAutoscaler", "web").spec.minReplicas = 1;
    expect(await messagesOf(replicasMin, objects)).toEqual([
      "Deployment toolboxai/api: runs 1 replica(s) (spec.replicas); at least 2 are required",
      "Deployment toolboxai/web: runs 1 replica(s) (minReplicas of HorizontalPodAutoscaler " +
        "toolboxai/web); at least 2 are required",
      "StatefulSet toolboxai/postgres: runs 1 replica(s) (spec.replicas unset, default 1); at " +
        "least 2 are required",
    ]);
  });
  test("an autoscaler without minReplicas counts as 1", async () => {
    const objects = stack();
    delete find(objects, "HorizontalPodAutoscaler", "web").spec.minReplicas;
    expect(await messagesOf(replicasMin, objects)).toEqual([
      "Deployment toolboxai/web: runs 1 replica(s) (minReplicas of HorizontalPodAutoscaler " +
        "toolboxai/web unset, default 1); at least 2 are required",
    ]);
  });
  test("a ReplicaSet is checked too", async () => {
    const replicaSet = { ...prioritizedDeployment("rs"), kind: "ReplicaSet" };
    replicaSet.spec.replicas = 1;
    expect(await messagesOf(replicasMin, [replicaSet])).toEqual([
      "ReplicaSet toolboxai/rs: runs 1 replica(s) (spec.replicas); at least 2 are required",
    ]);
  });
  test("minReplicas is configurable, and a singleton is exempted by name", async () => {
    const objects = stack();
    expect(await messagesOf(replicasMin, objects, { "replicas-min": { minReplicas: 3 } })).toEqual([
      "Deployment toolboxai/api: runs 2 replica(s) (spec.replicas); at least 3 are required",
      "Deployment toolboxai/web: runs 2 replica(s) (minReplicas of HorizontalPodAutoscaler " +
        "toolboxai/web); at least 3 are required",
      "StatefulSet toolboxai/postgres: runs 2 replica(s) (spec.replicas); at least 3 are " +
        "required",
    ]);
    find(objects, "Deployment", "api").spec.replicas = 1;
    const exempt = {
      "replicas-min": {
        exemptions: [{ kind: "Deployment", name: "api", reason: "a scheduler must run once" }],
      },
    };
    expect(await messagesOf(replicasMin, objects, exempt)).toEqual([]);
  });
});

describe("pdb-exists", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(pdbExists, stack())).toEqual([]);
  });
  test("replicated and autoscaled workloads without a budget are reported", async () => {
    const objects = stack().filter((object) => object.kind !== "PodDisruptionBudget");
    expect(await messagesOf(pdbExists, objects)).toEqual([
      "Deployment toolboxai/api: runs 2 replicas but no PodDisruptionBudget in namespace " +
        "toolboxai selects its pods",
      "Deployment toolboxai/web: is scaled by HorizontalPodAutoscaler toolboxai/web " +
        "(minReplicas 2) but no PodDisruptionBudget in namespace toolboxai selects its pods",
      "StatefulSet toolboxai/postgres: runs 2 replicas but no PodDisruptionBudget in namespace " +
        "toolboxai selects its pods",
    ]);
  });
  test("a budget in another namespace or with another selector does not count", async () => {
    const objects = stack();
    find(objects, "PodDisruptionBudget", "api").metadata.namespace = "other";
    find(objects, "PodDisruptionBudget", "web").spec.selector.matchLabels[
      "app.kubernetes.io/name"
    ] = "webx";
    expect(await messagesOf(pdbExists, objects)).toEqual([
      "Deployment toolboxai/api: runs 2 replicas but no PodDisruptionBudget in namespace " +
        "toolboxai selects its pods",
      "Deployment toolboxai/web: is scaled by HorizontalPodAutoscaler toolboxai/web " +
        "(minReplicas 2) but no PodDisruptionBudget in namespace toolboxai selects its pods",
    ]);
  });
  test("a replicated ReplicationController or Argo Rollout needs a budget too", async () => {
    const controller = prioritizedDeployment("legacy");
    Object.assign(controller, { apiVersion: "v1", kind: "ReplicationController" });
    controller.spec.selector = controller.spec.selector.matchLabels;
    const rollout = prioritizedDeployment("canary");
    Object.assign(rollout, { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout" });
    expect(await messagesOf(pdbExists, [controller, rollout, pdbFor(rollout)])).toEqual([
      "ReplicationController toolboxai/legacy: runs 2 replicas but no PodDisruptionBudget in " +
        "namespace toolboxai selects its pods",
    ]);
  });
  test("a singleton needs no budget; a workload without namespace is in default", async () => {
    const single = prioritizedDeployment("single");
    single.spec.replicas = 1;
    const unnamespaced = prioritizedDeployment("plain");
    delete unnamespaced.metadata.namespace;
    const budget = pdbFor(prioritizedDeployment("plain", "default"));
    expect(await messagesOf(pdbExists, [single, unnamespaced, budget])).toEqual([]);
    expect(await messagesOf(pdbExists, [unnamespaced])).toEqual([
      "Deployment plain: runs 2 replicas but no PodDisruptionBudget in namespace default " +
        "selects its pods",
    ]);
  });
});

describe("pdb-sane", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(pdbSane, stack())).toEqual([]);
  });
  test('maxUnavailable 0 and "0%" are reported', async () => {
    const objects = stack();
    find(objects, "PodDisruptionBudget", "api").spec.maxUnavailable = 0;
    find(objects, "PodDisruptionBudget", "web").spec.maxUnavailable = "0%";
    expect(await messagesOf(pdbSane, objects)).toEqual([
      "PodDisruptionBudget toolboxai/api: maxUnavailable is 0, so no pod can ever be evicted; " +
        "allow at least 1",
      'PodDisruptionBudget toolboxai/web: maxUnavailable is "0%", so no pod can ever be ' +
        "evicted; allow at least 1",
    ]);
  });
  test("minAvailable not below the replicas or the autoscaler minimum is reported", async () => {
    const objects = stack();
    const apiBudget = find(objects, "PodDisruptionBudget", "api").spec;
    delete apiBudget.maxUnavailable;
    apiBudget.minAvailable = 2;
    const webBudget = find(objects, "PodDisruptionBudget", "web").spec;
    delete webBudget.maxUnavailable;
    webBudget.minAvailable = "100%";
    const postgresBudget = find(objects, "PodDisruptionBudget", "postgres").spec;
    delete postgresBudget.maxUnavailable;
    postgresBudget.minAvailable = "50%"; // 1 of 2 pods: fine
    expect(await messagesOf(pdbSane, objects)).toEqual([
      "PodDisruptionBudget toolboxai/api: minAvailable 2 is not below the 2 replica(s) of " +
        "Deployment toolboxai/api (spec.replicas), so no pod can ever be evicted",
      'PodDisruptionBudget toolboxai/web: minAvailable "100%" is not below the 2 replica(s) of ' +
        "Deployment toolboxai/web (minReplicas of HorizontalPodAutoscaler toolboxai/web), so no " +
        "pod can ever be evicted",
    ]);
  });
  test("minAvailable 1 under an autoscaler minimum of 2 passes; 2 fails", async () => {
    const objects = stack();
    const webBudget = find(objects, "PodDisruptionBudget", "web").spec;
    delete webBudget.maxUnavailable;
    webBudget.minAvailable = 1;
    expect(await messagesOf(pdbSane, objects)).toEqual([]);
    webBudget.minAvailable = 2;
    expect(await messagesOf(pdbSane, objects)).toEqual([
      "PodDisruptionBudget toolboxai/web: minAvailable 2 is not below the 2 replica(s) of " +
        "Deployment toolboxai/web (minReplicas of HorizontalPodAutoscaler toolboxai/web), so no " +
        "pod can ever be evicted",
    ]);
  });
  test("a budget that selects no pod template is reported", async () => {
    const objects = stack();
    const budget = find(objects, "PodDisruptionBudget", "api");
    budget.spec.selector.matchLabels["app.kubernetes.io/name"] = "gone";
    expect(await messagesOf(pdbSane, objects)).toEqual([
      "PodDisruptionBudget toolboxai/api: its selector matches no pod template in namespace " +
        "toolboxai",
    ]);
  });
});

describe("pdb-unhealthy-pod-eviction-policy", () => {
  const suffix =
    "so a pod that runs but never becomes ready blocks node drains while the budget is unmet; " +
    "set it to AlwaysAllow";

  test("the compliant stack passes", async () => {
    expect(await messagesOf(pdbUnhealthyPodEvictionPolicy, stack())).toEqual([]);
  });
  test("an unset policy and IfHealthyBudget are reported", async () => {
    const objects = stack();
    delete find(objects, "PodDisruptionBudget", "api").spec.unhealthyPodEvictionPolicy;
    find(objects, "PodDisruptionBudget", "web").spec.unhealthyPodEvictionPolicy = "IfHealthyBudget";
    expect(await messagesOf(pdbUnhealthyPodEvictionPolicy, objects)).toEqual([
      "PodDisruptionBudget toolboxai/api: unhealthyPodEvictionPolicy is unset (Kubernetes " +
        `defaults to IfHealthyBudget), ${suffix}`,
      `PodDisruptionBudget toolboxai/web: unhealthyPodEvictionPolicy is "IfHealthyBudget", ${suffix}`,
    ]);
  });
  test("a budget that must keep IfHealthyBudget is exempted by name", async () => {
    const objects = stack();
    find(objects, "PodDisruptionBudget", "postgres").spec.unhealthyPodEvictionPolicy =
      "IfHealthyBudget";
    const config = {
      "pdb-unhealthy-pod-eviction-policy": {
        exemptions: [
          {
            kind: "PodDisruptionBudget",
            name: "postgres",
            reason: "a forming quorum must not lose its unready members",
          },
        ],
      },
    };
    expect(await messagesOf(pdbUnhealthyPodEvictionPolicy, objects, config)).toEqual([]);
  });
});

describe("topology-spread", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(topologySpread, stack())).toEqual([]);
  });
  test("replicated workloads without spreading are reported; singletons are not", async () => {
    const objects = stack();
    delete podSpec(find(objects, "Deployment", "api")).topologySpreadConstraints;
    delete podSpec(find(objects, "Deployment", "web")).topologySpreadConstraints;
    const single = prioritizedDeployment("single");
    single.spec.replicas = 1;
    delete podSpec(single).topologySpreadConstraints;
    expect(await messagesOf(topologySpread, [...objects, single])).toEqual([
      "Deployment toolboxai/api: runs 2 replicas but sets neither topologySpreadConstraints nor " +
        "podAntiAffinity, so all replicas may land on one node",
      "Deployment toolboxai/web: is scaled by HorizontalPodAutoscaler toolboxai/web " +
        "(minReplicas 2) but sets neither topologySpreadConstraints nor podAntiAffinity, so all " +
        "replicas may land on one node",
    ]);
  });
  test("a constraint that selects other pods does not spread these", async () => {
    const objects = stack();
    const statefulSet = find(objects, "StatefulSet", "postgres");
    podSpec(statefulSet).topologySpreadConstraints[0].labelSelector = {
      matchLabels: { "app.kubernetes.io/name": "api" },
    };
    expect(await messagesOf(topologySpread, objects)).toEqual([
      "StatefulSet toolboxai/postgres: runs 2 replicas but no topologySpreadConstraints or " +
        "podAntiAffinity label selector matches its own pod labels, so its replicas are not spread",
    ]);
  });
  test("podAntiAffinity on its own pods is accepted", async () => {
    const objects = stack();
    const api = find(objects, "Deployment", "api");
    delete podSpec(api).topologySpreadConstraints;
    podSpec(api).affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: "kubernetes.io/hostname",
              labelSelector: { matchLabels: { ...api.spec.selector.matchLabels } },
            },
          },
        ],
      },
    };
    expect(await messagesOf(topologySpread, objects)).toEqual([]);
  });
});

describe("priority-class", () => {
  test("the compliant stack passes, and the policy is advisory", async () => {
    expect(await messagesOf(priorityClass, stack())).toEqual([]);
    expect(priorityClass.enforcementLevel).toBe("advisory");
  });
  test("a missing priorityClassName is reported, on a CronJob too", async () => {
    const deployment = prioritizedDeployment();
    delete podSpec(deployment).priorityClassName;
    const cronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly", namespace: "toolboxai" },
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: { spec: { template: clone(deployment.spec.template) } },
      },
    };
    expect(await messagesOf(priorityClass, [deployment, cronJob])).toEqual([
      "Deployment toolboxai/api: pod spec sets no priorityClassName",
      "CronJob toolboxai/nightly: pod spec sets no priorityClassName",
    ]);
  });
  test("allowedPriorityClasses restricts the names", async () => {
    const config = { "priority-class": { allowedPriorityClasses: ["critical", "standard"] } };
    expect(await messagesOf(priorityClass, [prioritizedDeployment()], config)).toEqual([
      'Deployment toolboxai/api: priorityClassName "toolboxai-standard" is not one of the ' +
        "allowed: critical, standard",
    ]);
    const allowed = { "priority-class": { allowedPriorityClasses: ["toolboxai-standard"] } };
    expect(await messagesOf(priorityClass, [prioritizedDeployment()], allowed)).toEqual([]);
  });
});

describe("rollout-strategy", () => {
  test("the compliant stack passes, and a Recreate singleton is accepted", async () => {
    const single = prioritizedDeployment("beat");
    single.spec.replicas = 1;
    single.spec.strategy = { type: "Recreate" };
    expect(await messagesOf(rolloutStrategy, [...stack(), single])).toEqual([]);
  });
  test("Recreate on a replicated or autoscaled Deployment is reported", async () => {
    const objects = stack();
    find(objects, "Deployment", "api").spec.strategy = { type: "Recreate" };
    const web = find(objects, "Deployment", "web");
    web.spec.strategy = { type: "Recreate" };
    find(objects, "HorizontalPodAutoscaler", "web").spec.minReplicas = 1;
    expect(await messagesOf(rolloutStrategy, objects)).toEqual([
      "Deployment toolboxai/api: uses strategy Recreate but runs 2 replicas; replicated " +
        "Deployments must use RollingUpdate with maxUnavailable 0",
      "Deployment toolboxai/web: uses strategy Recreate but is scaled by " +
        "HorizontalPodAutoscaler toolboxai/web (minReplicas 1); replicated Deployments must use " +
        "RollingUpdate with maxUnavailable 0",
    ]);
  });
  test("maxUnavailable unset, above 0, or with maxSurge 0 is reported", async () => {
    const objects = stack();
    delete find(objects, "Deployment", "api").spec.strategy;
    find(objects, "Deployment", "web").spec.strategy.rollingUpdate.maxUnavailable = "25%";
    const surgeless = prioritizedDeployment("surgeless");
    surgeless.spec.strategy.rollingUpdate = { maxUnavailable: "0%", maxSurge: 0 };
    const odd = prioritizedDeployment("odd");
    odd.spec.strategy = { type: "BlueGreen" };
    expect(await messagesOf(rolloutStrategy, [...objects, surgeless, odd])).toEqual([
      "Deployment toolboxai/api: RollingUpdate maxUnavailable is unset (Kubernetes defaults to " +
        "25%); set it to 0",
      'Deployment toolboxai/web: RollingUpdate maxUnavailable is "25%"; set it to 0 so a ' +
        "rollout never runs fewer ready pods than desired",
      "Deployment toolboxai/surgeless: RollingUpdate maxSurge and maxUnavailable are both 0, so " +
        "a rollout cannot progress; set maxSurge to 1",
      'Deployment toolboxai/odd: strategy type "BlueGreen" is unknown',
    ]);
  });
  test("a singleton on RollingUpdate still needs maxUnavailable 0", async () => {
    const single = prioritizedDeployment("single");
    single.spec.replicas = 1;
    single.spec.strategy.rollingUpdate.maxUnavailable = 1;
    expect(await messagesOf(rolloutStrategy, [single])).toEqual([
      "Deployment toolboxai/single: RollingUpdate maxUnavailable is 1; set it to 0 so a rollout " +
        "never runs fewer ready pods than desired",
    ]);
  });
});

describe("hpa-sane", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(hpaSane, stack())).toEqual([]);
  });
  test("a target that does not exist (name, kind or namespace) is reported", async () => {
    const objects = stack();
    const api = find(objects, "Deployment", "api");
    const wrongKind = hpaFor(api);
    wrongKind.metadata.name = "api-kind";
    wrongKind.spec.scaleTargetRef.kind = "StatefulSet";
    const elsewhere = hpaFor(prioritizedDeployment("api", "other"));
    delete api.spec.replicas;
    find(objects, "HorizontalPodAutoscaler", "web").spec.scaleTargetRef.name = "webx";
    expect(await messagesOf(hpaSane, [...objects, wrongKind, elsewhere])).toEqual([
      'HorizontalPodAutoscaler toolboxai/web: scaleTargetRef names Deployment "webx", which ' +
        "does not exist in namespace toolboxai",
      'HorizontalPodAutoscaler toolboxai/api-kind: scaleTargetRef names StatefulSet "api", ' +
        "which does not exist in namespace toolboxai",
      'HorizontalPodAutoscaler other/api: scaleTargetRef names Deployment "api", which does not ' +
        "exist in namespace other",
    ]);
  });
  test("minReplicas below the minimum and maxReplicas below minReplicas are reported", async () => {
    const objects = stack();
    const hpa = find(objects, "HorizontalPodAutoscaler", "web");
    hpa.spec.minReplicas = 1;
    expect(await messagesOf(hpaSane, objects)).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: minReplicas is 1; at least 2 are required",
    ]);
    hpa.spec.minReplicas = 4;
    hpa.spec.maxReplicas = 3;
    expect(await messagesOf(hpaSane, objects)).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: maxReplicas 3 is below minReplicas 4",
    ]);
    delete hpa.spec.minReplicas;
    expect(await messagesOf(hpaSane, objects)).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: minReplicas is unset (1); at least 2 are required",
    ]);
  });
  test("a live target's replicas count only when its server-side apply owns them", async () => {
    // Once a Deployment exists, stack policies see the live object: replicas the API server
    // defaulted or the autoscaler set (seen with npm run e2e's cluster phase), and managedFields.
    const objects = stack();
    const web = find(objects, "Deployment", "web");
    web.spec.replicas = 3;
    const ownerOf = (manager: string, operation: string, fields: object) => ({
      manager,
      operation,
      fieldsType: "FieldsV1",
      fieldsV1: { "f:spec": fields },
    });
    web.metadata.managedFields = [
      ownerOf("pulumi-kubernetes-84bdc3e3", "Apply", { "f:revisionHistoryLimit": {} }),
      ownerOf("kube-controller-manager", "Update", { "f:replicas": {} }),
    ];
    expect(await messagesOf(hpaSane, objects)).toEqual([]);
    web.metadata.managedFields[0].fieldsV1["f:spec"]["f:replicas"] = {};
    expect(await messagesOf(hpaSane, objects)).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: its target Deployment toolboxai/web also pins " +
        "spec.replicas 3; omit it so only the autoscaler sets the replica count",
    ]);
  });
  test("the minimum is configurable", async () => {
    expect(await messagesOf(hpaSane, stack(), { "hpa-sane": { minReplicas: 3 } })).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: minReplicas is 2; at least 3 are required",
    ]);
  });
  test("a target that pins replicas, and a second autoscaler, are reported", async () => {
    const objects = stack();
    const web = find(objects, "Deployment", "web");
    web.spec.replicas = 3;
    const second = hpaFor(web);
    second.metadata.name = "web-2";
    expect(await messagesOf(hpaSane, [...objects, second])).toEqual([
      "HorizontalPodAutoscaler toolboxai/web: its target Deployment toolboxai/web also pins " +
        "spec.replicas 3; omit it so only the autoscaler sets the replica count",
      "HorizontalPodAutoscaler toolboxai/web-2: Deployment toolboxai/web is also scaled by " +
        "HorizontalPodAutoscaler toolboxai/web",
      "HorizontalPodAutoscaler toolboxai/web-2: its target Deployment toolboxai/web also pins " +
        "spec.replicas 3; omit it so only the autoscaler sets the replica count",
    ]);
  });
});

describe("statefulset-service", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(statefulSetService, stack())).toEqual([]);
  });
  test("a missing serviceName or a Service that does not exist is reported", async () => {
    const objects = stack();
    const statefulSet = find(objects, "StatefulSet", "postgres");
    delete statefulSet.spec.serviceName;
    expect(await messagesOf(statefulSetService, objects)).toEqual([
      "StatefulSet toolboxai/postgres: sets no serviceName; name a headless Service that " +
        "selects its pods",
    ]);
    statefulSet.spec.serviceName = "postgres-headless";
    expect(await messagesOf(statefulSetService, objects)).toEqual([
      'StatefulSet toolboxai/postgres: serviceName "postgres-headless" names no Service in ' +
        "namespace toolboxai",
    ]);
  });
  test("a Service that is not headless or does not select the pods is reported", async () => {
    const objects = stack();
    const service = find(objects, "Service", "postgres");
    delete service.spec.clusterIP;
    service.spec.selector = { "app.kubernetes.io/name": "api" };
    expect(await messagesOf(statefulSetService, objects)).toEqual([
      "StatefulSet toolboxai/postgres: Service toolboxai/postgres (its serviceName) is not " +
        "headless: clusterIP is unset; set clusterIP: None",
      "StatefulSet toolboxai/postgres: Service toolboxai/postgres (its serviceName) does not " +
        "select its pods",
    ]);
    service.spec.clusterIP = "10.0.0.12";
    service.spec.selector = {};
    expect(await messagesOf(statefulSetService, objects)).toEqual([
      "StatefulSet toolboxai/postgres: Service toolboxai/postgres (its serviceName) is not " +
        'headless: clusterIP is "10.0.0.12"; set clusterIP: None',
      "StatefulSet toolboxai/postgres: Service toolboxai/postgres (its serviceName) does not " +
        "select its pods",
    ]);
  });
});
