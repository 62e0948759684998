// Availability: replica counts, disruption budgets, spreading, priority, rollouts, autoscalers and
// StatefulSet services (the Kyverno, Polaris and kube-score availability rows). Most rules need
// more than one object (a Deployment and its autoscaler or budget), so they are stack rules.
// One file per concept; this module lists the domain's policies in the order the analyzer runs
// them.
import type { Policies } from "@pulumi/policy";
import { hpaSane } from "./autoscalers";
import { pdbExists, pdbSane, pdbUnhealthyPodEvictionPolicy } from "./disruption-budgets";
import { replicasMin } from "./replicas";
import { rolloutStrategy } from "./rollouts";
import { priorityClass, topologySpread } from "./scheduling";
import { statefulSetService } from "./stateful-sets";

export * from "./replicas";
export * from "./disruption-budgets";
export * from "./scheduling";
export * from "./rollouts";
export * from "./autoscalers";
export * from "./stateful-sets";

export const availabilityPolicies: Policies = [
  replicasMin,
  pdbExists,
  pdbSane,
  pdbUnhealthyPodEvictionPolicy,
  topologySpread,
  priorityClass,
  rolloutStrategy,
  hpaSane,
  statefulSetService,
];
