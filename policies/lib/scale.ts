// How many replicas a workload runs: the scalable kinds, the autoscaler that targets a workload,
// and the phrases the availability policies report them with.
import type { PolicyResource } from "@pulumi/policy";
import { describeObject, podOwners, type KubeObject } from "./stack-objects";

/**
 * The kinds whose replica count is `spec.replicas` and that an autoscaler may scale, and
 * CloudNativePG's Cluster, whose count is `spec.instances`.
 */
export const scalableKinds: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "ReplicaSet",
  "ReplicationController",
  "Rollout", // Argo Rollouts
  "Cluster", // CloudNativePG
]);

/** Deployments, StatefulSets, ReplicaSets, … with their pod template. */
export function scalableWorkloads(resources: readonly PolicyResource[]) {
  return podOwners(resources).filter((owner) => scalableKinds.has(owner.kind));
}

/** How many replicas a workload runs at least: its autoscaler's minReplicas, else spec.replicas. */
export interface Scale {
  readonly hpa?: KubeObject;
  readonly replicas: number;
  /** Where the number comes from, for messages. */
  readonly source: string;
}

export function targets(hpa: KubeObject, workload: KubeObject): boolean {
  const ref = hpa.props?.spec?.scaleTargetRef;
  return (
    hpa.namespace === workload.namespace &&
    ref?.kind === workload.kind &&
    ref?.name === workload.name
  );
}

export function scaleOf(workload: KubeObject, hpas: readonly KubeObject[]): Scale {
  const hpa = hpas.find((candidate) => targets(candidate, workload));
  if (hpa) {
    const minReplicas = hpa.props?.spec?.minReplicas;
    return {
      hpa,
      replicas: typeof minReplicas === "number" ? minReplicas : 1,
      source: `minReplicas of ${describeObject(hpa)}${minReplicas === undefined ? " unset, default 1" : ""}`,
    };
  }
  const field = workload.kind === "Cluster" ? "instances" : "replicas";
  const replicas = workload.props?.spec?.[field];
  return {
    replicas: typeof replicas === "number" ? replicas : 1,
    source: replicas === undefined ? `spec.${field} unset, default 1` : `spec.${field}`,
  };
}

/** Replicated: more than one pod, or an autoscaler that may add some. */
export function isReplicated(scale: Scale): boolean {
  return scale.hpa !== undefined || scale.replicas >= 2;
}

export function replicaPhrase(scale: Scale): string {
  return scale.hpa
    ? `is scaled by ${describeObject(scale.hpa)} (minReplicas ${scale.replicas})`
    : `runs ${scale.replicas} replicas`;
}

export function isZero(value: unknown): boolean {
  return value === 0 || value === "0" || value === "0%";
}

/** A plain value for a message: numbers bare, strings quoted. */
export function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export const minReplicasConfig = {
  minReplicas: {
    type: "integer",
    minimum: 1,
    default: 2,
    description: "Fewest replicas a Deployment, StatefulSet or ReplicaSet may run.",
  },
} as const;
