// Scheduling: spreading a workload's pods across nodes and zones, and a priority class.
import { celString, celStrings, podAdmission } from "../lib/admission-form";
import { podRule, type StackFinding, stackRule } from "../lib/define";
import { listOf, podTemplateOf, selects } from "../lib/kubernetes";
import { isReplicated, replicaPhrase, scalableWorkloads, scaleOf } from "../lib/scale";
import { objectsOfKind } from "../lib/stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** Does a topology spread constraint or anti-affinity term count the workload's own pods? */
function spreadsOwnPods(podSpec: any, labels: any): { declared: boolean; effective: boolean } {
  const selectors = [
    ...listOf(podSpec?.topologySpreadConstraints).map((constraint) => constraint?.labelSelector),
    ...listOf(
      podSpec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ).map((term) => term?.labelSelector),
    ...listOf(
      podSpec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    ).map((weighted) => weighted?.podAffinityTerm?.labelSelector),
  ];
  return {
    declared: selectors.length > 0,
    effective: selectors.some((selector) => selects(selector, labels)),
  };
}

export const topologySpread = stackRule({
  name: "topology-spread",
  description:
    "Replicated workloads spread their pods over nodes with topologySpreadConstraints or " +
    "podAntiAffinity that select their own pods (anti-affinity / topology-spread; Kyverno; " +
    "Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add `topologySpreadConstraints` on kubernetes.io/hostname (and topology.kubernetes.io/zone) " +
    "whose labelSelector matches the workload's own pod labels, with whenUnsatisfiable: " +
    "ScheduleAnyway; the workload components add them for replicated workloads.",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (!isReplicated(scale)) return [];
      const podSpec = podTemplateOf(workload.resource.type, workload.props)?.spec;
      const spread = spreadsOwnPods(podSpec, workload.labels);
      if (spread.effective) return [];
      const message = spread.declared
        ? `${replicaPhrase(scale)} but no topologySpreadConstraints or podAntiAffinity label ` +
          "selector matches its own pod labels, so its replicas are not spread"
        : `${replicaPhrase(scale)} but sets neither topologySpreadConstraints nor ` +
          "podAntiAffinity, so all replicas may land on one node";
      return [{ resource: workload.resource, message }];
    });
  },
});

export const priorityClass = podRule({
  name: "priority-class",
  description:
    "Pods name a priorityClassName, from the allowed list when one is configured " +
    "(priority-class; Kyverno; Polaris).",
  severity: "low",
  enforcementLevel: "advisory",
  config: {
    allowedPriorityClasses: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [],
      description: "PriorityClass names pods may use; empty accepts any non-empty name.",
    },
  },
  remediationSteps:
    "Set `priorityClassName` in the pod spec to a PriorityClass of the cluster (one of " +
    "`allowedPriorityClasses` when the list is set), so the scheduler preempts less important " +
    "pods first under pressure.",
  check: (pod, config) => {
    const name = pod.podSpec?.priorityClassName;
    const allowed: readonly string[] = config.allowedPriorityClasses ?? [];
    if (typeof name !== "string" || name === "") return ["pod spec sets no priorityClassName"];
    if (allowed.length > 0 && !allowed.includes(name)) {
      return [`priorityClassName "${name}" is not one of the allowed: ${allowed.join(", ")}`];
    }
    return [];
  },
  admission: podAdmission((config) => {
    const allowed: readonly string[] = config.allowedPriorityClasses ?? [];
    const name = "variables.podSpec.priorityClassName";
    const named = `has(${name}) && ${name} != ''`;
    return [
      { expression: named, messageExpression: "'pod spec sets no priorityClassName'" },
      ...(allowed.length > 0
        ? [
            {
              expression: `!(${named}) || ${name} in ${celStrings(allowed)}`,
              messageExpression:
                `'priorityClassName "' + ${name} + '" is not one of the allowed: ' + ` +
                celString(allowed.join(", ")),
            },
          ]
        : []),
    ];
  }),
});
