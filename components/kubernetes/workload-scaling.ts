// How many of a workload's pods run: its PodDisruptionBudget and HorizontalPodAutoscaler.
import type * as pulumi from "@pulumi/pulumi";
import type { WorkloadSpec } from "../model/workload";
import * as k8s from "./api";
import type { WorkloadScope } from "./workload-scope";

export function createDisruptionBudget(scope: WorkloadScope): void {
  const { spec, namespace, labels, selector, child } = scope;
  new k8s.policy.v1.PodDisruptionBudget(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        maxUnavailable: spec.maxUnavailable ?? 1,
        selector: { matchLabels: selector },
        // A crash-looping pod must not block a node drain: evict unhealthy pods regardless.
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    },
    child,
  );
}

export function createAutoscaler(
  scope: WorkloadScope,
  autoscaling: NonNullable<WorkloadSpec["autoscaling"]>,
  target: pulumi.Resource,
): void {
  const { spec, namespace, labels, child } = scope;
  new k8s.autoscaling.v2.HorizontalPodAutoscaler(
    spec.name,
    {
      metadata: { name: spec.name, namespace, labels },
      spec: {
        scaleTargetRef: {
          apiVersion: "apps/v1",
          kind: spec.kind === "stateful" ? "StatefulSet" : "Deployment",
          name: spec.name,
        },
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [
          {
            type: "Resource",
            resource: {
              name: "cpu",
              target: {
                type: "Utilization",
                averageUtilization: autoscaling.targetCpuUtilizationPercent,
              },
            },
          },
        ],
      },
    },
    { ...child, dependsOn: [...child.dependsOn, target] },
  );
}
