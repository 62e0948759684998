// Replica counts: workloads run at least the configured number of replicas.
import { type StackFinding, stackRule } from "../lib/define";
import { minReplicasConfig, scalableWorkloads, scaleOf } from "../lib/scale";
import { objectsOfKind } from "../lib/stack-objects";

export const replicasMin = stackRule({
  name: "replicas-min",
  description:
    "Deployments, StatefulSets and ReplicaSets run at least the configured number of replicas, " +
    "counting an autoscaler's minReplicas (replicas-min; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: minReplicasConfig,
  remediationSteps:
    "Raise the workload's replicas (or its HorizontalPodAutoscaler minReplicas) in the stack " +
    "config to at least `minReplicas`. A workload that must stay single (a scheduler, a " +
    "single-instance database) is exempted by name with a reason in policies/config/<stack>.json.",
  check: (resources, config) => {
    const minimum = Number(config.minReplicas);
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (scale.replicas >= minimum) return [];
      return [
        {
          resource: workload.resource,
          message: `runs ${scale.replicas} replica(s) (${scale.source}); at least ${minimum} are required`,
        },
      ];
    });
  },
});
