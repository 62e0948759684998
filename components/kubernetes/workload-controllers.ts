// The controller that runs a workload's pods: a Deployment, StatefulSet, DaemonSet or CronJob,
// around one pod template (spread over nodes and zones when replicated).
import type * as pulumi from "@pulumi/pulumi";
import type { WorkloadSpec } from "../model/workload";
import * as k8s from "./api";
import { zoneLabels } from "./labels";
import { dataVolume, podSpec } from "./pod";
import type { WorkloadScope } from "./workload-scope";

/** Topology spread for replicated workloads: prefer distinct nodes and zones, never block. */
function spreadConstraints(labels: Record<string, string>) {
  return ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: labels },
  }));
}

/** Prefer, never require, one replica per node: a full node must not block a rollout. */
/** A preferred anti-affinity on the node's hostname among pods with `labels`. */
export function preferDistinctNodes(labels: Record<string, string>) {
  return {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 100,
        podAffinityTerm: {
          topologyKey: "kubernetes.io/hostname",
          labelSelector: { matchLabels: labels },
        },
      },
    ],
  };
}

export function isReplicated(spec: WorkloadSpec): boolean {
  const minReplicas = spec.autoscaling?.minReplicas ?? spec.replicas;
  return minReplicas > 1 || (spec.autoscaling?.maxReplicas ?? 1) > 1;
}

export function podTemplate(
  scope: WorkloadScope,
  annotations: Record<string, pulumi.Input<string>>,
) {
  const { spec, context, security, labels, selector, names } = scope;
  return {
    metadata: {
      labels: { ...labels, ...zoneLabels(spec.zones) },
      annotations,
    },
    spec: {
      ...podSpec(spec, security, names),
      priorityClassName: context.priorityClassNames[spec.priority ?? "standard"],
      ...(isReplicated(spec)
        ? {
            topologySpreadConstraints: spreadConstraints(selector),
            affinity: { podAntiAffinity: preferDistinctNodes(selector) },
          }
        : {}),
    },
  };
}

export type PodTemplate = ReturnType<typeof podTemplate>;

export function createStatefulSet(scope: WorkloadScope, template: PodTemplate) {
  const { spec, context, namespace, labels, selector, child } = scope;
  const volume = spec.persistentVolume!;
  return new k8s.apps.v1.StatefulSet(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        serviceName: spec.name,
        replicas: spec.replicas,
        selector: { matchLabels: selector },
        podManagementPolicy: "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        // Deleting the StatefulSet must never delete the data.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template,
        volumeClaimTemplates: [
          {
            metadata: { name: dataVolume, labels: selector },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(volume.storageClass ? { storageClassName: volume.storageClass } : {}),
              resources: { requests: { storage: volume.size } },
            },
          },
        ],
      },
    },
    // The data outlives the stack: destroying it must be a decision (docs/DEPLOYMENT.md, "Protected data").
    { ...child, protect: context.protectData ?? false },
  );
}

/**
 * A CronJob: never two runs at once, a run that cannot start in time is skipped (and counted),
 * the last three successes and failures kept for inspection. Its last successful time is what
 * the monitoring tier's freshness alert reads (kube-state-metrics).
 */
export function createCronJob(scope: WorkloadScope, template: PodTemplate) {
  const { spec, namespace, labels, child } = scope;
  const schedule = spec.schedule!;
  return new k8s.batch.v1.CronJob(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        schedule: schedule.cron,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: schedule.startingDeadlineSeconds,
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: schedule.backoffLimit ?? 1,
            activeDeadlineSeconds: schedule.activeDeadlineSeconds,
            template,
          },
        },
      },
    },
    child,
  );
}

/** One pod per node; a node agent rolls one node at a time. */
export function createDaemonSet(scope: WorkloadScope, template: PodTemplate) {
  const { spec, namespace, labels, selector, child } = scope;
  return new k8s.apps.v1.DaemonSet(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template,
      },
    },
    child,
  );
}

export function createDeployment(scope: WorkloadScope, template: PodTemplate) {
  const { spec, namespace, labels, selector, child } = scope;
  return new k8s.apps.v1.Deployment(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        // With an autoscaler the replica count is the autoscaler's alone: pinning it here
        // would fight the HPA on every update.
        ...(spec.autoscaling ? {} : { replicas: spec.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy:
          spec.updateStrategy === "recreate"
            ? { type: "Recreate" }
            : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template,
      },
    },
    child,
  );
}
