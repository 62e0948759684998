// The stack's workloads: every one rendered, created after what its pods name, awaited,
// replicated, scheduled, labelled, within the namespace quota, protected where the stack asks.
import { type ProgramRun } from "../../../tools/engine/mock-engine";
import { parseCpu, parseMemory } from "../../../components/config/quantity";
import { isKubernetesObject } from "../../../tools/engine/render";
import { recoveryStartPeriodSeconds } from "../../../components/model/start-up-budget";
import {
  byKind,
  monitoringWorkloads,
  named,
  podKinds,
  postgresOperator,
  templateOf,
  type StackContext,
} from "./context";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function workloadChecks(context: StackContext): void {
  const { stack, expected, namespaces, pods } = context;
  // The program ran once, in describeStack's beforeAll (registered first, so it has ended).
  let run: ProgramRun;
  beforeAll(() => {
    run = context.run();
  });

  test("renders every workload of the platform", () => {
    const names = pods()
      .map((workload) => workload.metadata.name)
      .sort();
    expect(names).toEqual(
      [
        ...Object.keys(expected.replicas),
        ...monitoringWorkloads,
        ...(expected.alertSink ? ["alert-sink"] : []),
        "node-exporter",
        ...expected.backups.jobs,
        ...(expected.database ? [postgresOperator] : []),
      ].sort(),
    );
  });

  test("each controller is created after the ServiceAccount, ConfigMaps and Secrets its pods name", () => {
    const objects = run.resources.filter(isKubernetesObject);
    const urnOf = (kind: string, name: string) =>
      objects.find(
        (resource) =>
          (resource.inputs as any).kind === kind && (resource.inputs as any).metadata.name === name,
      )?.urn;
    const controllers = objects.filter((resource) => podKinds.has(String(resource.inputs.kind)));
    expect(controllers.length).toBeGreaterThan(0);
    for (const controller of controllers) {
      const pod = templateOf(controller.inputs).spec;
      const named = [
        urnOf("ServiceAccount", pod.serviceAccountName),
        // An optional Secret is no prerequisite (the CloudNativePG operator makes its own).
        ...pod.volumes
          .filter((volume: any) => volume.secret && !volume.secret.optional)
          .map((volume: any) => urnOf("Secret", volume.secret.secretName)),
        ...pod.volumes
          .filter((volume: any) => volume.configMap)
          .map((volume: any) => urnOf("ConfigMap", volume.configMap.name)),
      ];
      expect(named).not.toContain(undefined);
      expect({
        controller: controller.name,
        missing: named.filter((urn) => !controller.dependencies.includes(urn!)),
      }).toEqual({ controller: controller.name, missing: [] });
    }
  });

  test("the provider awaits readiness: no resource is annotated pulumi.com/skipAwait", () => {
    const skipping = run.resources.filter(
      (resource) =>
        isKubernetesObject(resource) &&
        (resource.inputs as any).metadata?.annotations?.["pulumi.com/skipAwait"] !== undefined,
    );
    expect(skipping.map((resource) => resource.name)).toEqual([]);
  });

  test("replicas, autoscalers and disruption budgets follow the stack file", () => {
    // A CloudNativePG cluster: its instances, with the budgets its operator makes.
    const operated = new Set(expected.database ? ["postgres"] : []);
    if (expected.database) {
      expect(named(run, "Cluster", "postgres").spec.instances).toBe(expected.database.instances);
      expect(expected.replicas.postgres).toBe(expected.database.instances);
      expect(named(run, "Cluster", "postgres").spec.enablePDB).toBeUndefined();
    }
    for (const [name, count] of Object.entries(expected.replicas)) {
      if (operated.has(name)) continue;
      const kind = ["postgres", "redis"].includes(name) ? "StatefulSet" : "Deployment";
      // An autoscaled workload leaves its replica count to the HPA (checked below).
      const pinned = expected.autoscaled[name] === undefined ? count : undefined;
      expect({ name, replicas: named(run, kind, name).spec.replicas }).toEqual({
        name,
        replicas: pinned,
      });
      if (pinned === undefined) expect(expected.autoscaled[name][0]).toBe(count);
    }
    const hpas = byKind(run, "HorizontalPodAutoscaler").map((resource) => resource.inputs as any);
    expect(
      Object.fromEntries(
        hpas.map((hpa) => [hpa.metadata.name, [hpa.spec.minReplicas, hpa.spec.maxReplicas]]),
      ),
    ).toEqual(expected.autoscaled);
    for (const hpa of hpas) {
      expect(pods().map((workload) => workload.metadata.name)).toContain(
        hpa.spec.scaleTargetRef.name,
      );
    }
    const budgets = byKind(run, "PodDisruptionBudget").map(
      (resource) => (resource.inputs.metadata as any).name,
    );
    const replicated = Object.entries(expected.replicas)
      .filter(([name, count]) => count > 1 || expected.autoscaled[name] !== undefined)
      .map(([name]) => name)
      .filter((name) => !operated.has(name));
    expect(budgets.sort()).toEqual(
      [...replicated, ...(expected.database ? [postgresOperator] : [])].sort(),
    );
    for (const name of replicated) {
      const budget = named(run, "PodDisruptionBudget", name).spec;
      expect(budget.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(budget.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
      const pods = controllerOf(run, name).spec.template.spec;
      const spread = pods.topologySpreadConstraints;
      expect(spread.map((constraint: any) => constraint.topologyKey)).toContain(
        "kubernetes.io/hostname",
      );
      const antiAffinity = pods.affinity.podAntiAffinity;
      expect(
        antiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey,
      ).toBe("kubernetes.io/hostname");
    }
    expect(named(run, "Deployment", "celery-beat").spec).toMatchObject({
      replicas: 1,
      strategy: { type: "Recreate" },
    });
    expect(named(run, "Deployment", "backend").spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
  });

  test("data stores, gateway and API schedule as critical, the rest as standard", () => {
    const critical = new Set(["postgres", "redis", "gateway", "backend", postgresOperator]);
    for (const workload of pods()) {
      const priority = critical.has(workload.metadata.name) ? "critical" : "standard";
      expect({
        name: workload.metadata.name,
        priorityClassName: templateOf(workload).spec.priorityClassName,
      }).toEqual({
        name: workload.metadata.name,
        priorityClassName: `toolboxai-${stack}-${priority}`,
      });
    }
    const classes = byKind(run, "PriorityClass").map((resource) => resource.inputs as any);
    expect(
      classes.map((priorityClass) => [priorityClass.metadata.name, priorityClass.value]),
    ).toEqual([
      [`toolboxai-${stack}-critical`, 100000],
      [`toolboxai-${stack}-standard`, 10000],
    ]);
  });

  test("each store that replays its data at start has its recovery budget before a restart; the rest 40 s", () => {
    for (const [store, seconds] of Object.entries(recoveryStartPeriodSeconds)) {
      if (store === "postgres" && expected.database) {
        // The instance manager's start-up check (/startupz) waits for PostgreSQL's recovery.
        const startup = named(run, "Cluster", "postgres").spec.probes.startup;
        expect(startup.periodSeconds * startup.failureThreshold).toBe(seconds);
        continue;
      }
      const [main] = templateOf(named(run, "StatefulSet", store)).spec.containers;
      const startup = main.startupProbe;
      expect({
        store,
        allowedSeconds: startup.periodSeconds * startup.failureThreshold,
        // It waits for readiness: /-/ready, pg_isready, PING (not for a port that opens early).
        checks: startup.httpGet ?? startup.exec,
      }).toEqual({
        store,
        allowedSeconds: seconds,
        checks: main.readinessProbe.httpGet ?? main.readinessProbe.exec,
      });
    }
    const others = pods().filter(
      (workload) => !(workload.metadata.name in recoveryStartPeriodSeconds),
    );
    expect(others.length).toBeGreaterThan(5);
    for (const workload of others) {
      for (const container of templateOf(workload).spec.containers) {
        if (!container.startupProbe) continue;
        const { periodSeconds, failureThreshold } = container.startupProbe;
        expect([workload.metadata.name, periodSeconds * failureThreshold]).toEqual([
          workload.metadata.name,
          40,
        ]);
      }
    }
  });

  test("every object carries the recommended labels and lives in the stack's namespace", () => {
    for (const resource of run.resources.filter(isKubernetesObject)) {
      const metadata = resource.inputs.metadata as any;
      expect(metadata.labels["app.kubernetes.io/part-of"]).toBe("toolboxai");
      expect(metadata.labels["app.kubernetes.io/managed-by"]).toBe("pulumi");
      expect(metadata.labels["app.kubernetes.io/instance"]).toBeDefined();
      const clusterWide = [
        "Namespace",
        "PriorityClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
      ];
      if (!clusterWide.includes(String(resource.inputs.kind))) {
        expect(metadata.labels["app.kubernetes.io/name"]).toBeDefined();
        expect(Object.values(namespaces)).toContain(metadata.namespace);
      }
    }
    for (const workload of pods()) {
      const labels = templateOf(workload).metadata.labels;
      expect(labels["app.kubernetes.io/component"]).toBeDefined();
      // The CloudNativePG operator is in no zone: its own policy says who reaches it.
      if (workload.metadata.name === postgresOperator) continue;
      expect(Object.keys(labels).some((key) => key.startsWith("zone.toolboxai.io/"))).toBe(true);
    }
  });

  test("the namespace quota leaves the configured headroom above the workloads' peak", () => {
    const quota = named(run, "ResourceQuota", "toolboxai-quota", namespaces.platform).spec.hard;
    const hpaMax = new Map(
      byKind(run, "HorizontalPodAutoscaler").map((resource) => {
        const hpa = resource.inputs as any;
        return [hpa.spec.scaleTargetRef.name, hpa.spec.maxReplicas];
      }),
    );
    // The peak, from the rendered objects: every autoscaler at its maximum, every rolling
    // Deployment with its surge pod at once.
    const peak = { pods: 0, cpu: 0, memory: 0, limitsCpu: 0, limitsMemory: 0 };
    for (const workload of pods().filter(
      (candidate) => candidate.metadata.namespace === namespaces.platform,
    )) {
      const surge = workload.spec.strategy?.type === "RollingUpdate" ? 1 : 0;
      // A CronJob runs one pod at a time (concurrencyPolicy Forbid).
      const count = (hpaMax.get(workload.metadata.name) ?? workload.spec.replicas ?? 1) + surge;
      peak.pods += count;
      for (const container of templateOf(workload).spec.containers) {
        peak.cpu += count * parseCpu(container.resources.requests.cpu)!;
        peak.memory += count * parseMemory(container.resources.requests.memory)!;
        peak.limitsCpu += count * parseCpu(container.resources.limits.cpu)!;
        peak.limitsMemory += count * parseMemory(container.resources.limits.memory)!;
      }
    }
    const margin = 1 + expected.quotaHeadroomPercent / 100;
    expect(Number(quota.pods)).toBeGreaterThanOrEqual(Math.ceil(peak.pods * margin));
    expect(Number(quota.pods)).toBeGreaterThan(peak.pods);
    expect(parseCpu(quota["requests.cpu"])).toBeGreaterThanOrEqual(peak.cpu * margin);
    expect(parseMemory(quota["requests.memory"])).toBeGreaterThanOrEqual(peak.memory * margin);
    expect(parseCpu(quota["limits.cpu"])).toBeGreaterThanOrEqual(peak.limitsCpu * margin);
    expect(parseMemory(quota["limits.memory"])).toBeGreaterThanOrEqual(peak.limitsMemory * margin);
    expect(Number(quota["persistentvolumeclaims"])).toBeGreaterThanOrEqual(Math.ceil(2 * margin));
    const limits = named(run, "LimitRange", "toolboxai-limits", namespaces.platform).spec.limits[0];
    // Each of the stack's namespaces has its own quota and limits.
    for (const namespace of Object.values(namespaces)) {
      expect(named(run, "ResourceQuota", "toolboxai-quota", namespace)).toBeDefined();
      expect(named(run, "LimitRange", "toolboxai-limits", namespace)).toBeDefined();
    }
    expect(limits.type).toBe("Container");
    expect(limits.default).toBeDefined();
    expect(limits.defaultRequest).toBeDefined();
  });

  test("what holds data is protected from pulumi destroy exactly where the stack asks", () => {
    const protectedResources = run.resources
      .filter((resource) => resource.protect)
      .map((resource) => `${resource.type.split(":").pop()} ${resource.name}`)
      .sort();
    expect(protectedResources).toEqual([...expected.protectedResources].sort());
    // The operator's CRDs alone outlive the stack: deleting one deletes every resource of its
    // kind in the cluster, another stack's too.
    expect(
      run.resources
        .filter((resource) => resource.retainOnDelete)
        .map((resource) => resource.type.split(":").pop()),
    ).toEqual(expected.database ? Array(10).fill("CustomResourceDefinition") : []);
  });
}

/** A workload's Deployment, or its StatefulSet (a replicated data store). */
function controllerOf(run: Parameters<typeof named>[0], name: string): any {
  const stateful = byKind(run, "StatefulSet").find(
    (resource) => (resource.inputs.metadata as any).name === name,
  );
  return stateful ? stateful.inputs : named(run, "Deployment", name);
}
