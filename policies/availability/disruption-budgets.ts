// Disruption budgets: a PodDisruptionBudget per replicated workload, one that lets a pod go, and
// the eviction policy of unhealthy pods.
import { resourceRule, type StackFinding, stackRule } from "../lib/define";
import { operatorMakesBudgets } from "../lib/cloudnative-pg";
import { selects } from "../lib/kubernetes";
import {
  isReplicated,
  isZero,
  replicaPhrase,
  scalableKinds,
  scalableWorkloads,
  scaleOf,
  show,
} from "../lib/scale";
import { describeObject, isKind, objectsOfKind, podOwners } from "../lib/stack-objects";

/** How many pods `minAvailable` keeps out of `replicas` (percentages round up, as Kubernetes does). */
function podsKept(minAvailable: unknown, replicas: number): number | undefined {
  if (typeof minAvailable === "number") return minAvailable;
  const match = typeof minAvailable === "string" ? /^(\d+)%$/.exec(minAvailable) : null;
  if (match) return Math.ceil((replicas * Number(match[1])) / 100);
  if (typeof minAvailable === "string" && /^\d+$/.test(minAvailable)) return Number(minAvailable);
  return undefined;
}

export const pdbExists = stackRule({
  name: "pdb-exists",
  description:
    "Every replicated workload (two or more replicas, or autoscaled) is selected by a " +
    "PodDisruptionBudget in its namespace (pdb-exists; Kyverno; Polaris; kube-score).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a PodDisruptionBudget in the workload's namespace whose selector matches its pod " +
    "labels, with maxUnavailable: 1 (the workload components create one for replicated " +
    "workloads).",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const pdbs = objectsOfKind(resources, "PodDisruptionBudget");
    return scalableWorkloads(resources).flatMap((workload): StackFinding[] => {
      const scale = scaleOf(workload, hpas);
      if (!isReplicated(scale)) return [];
      const covered =
        operatorMakesBudgets(workload.kind, workload.props) ||
        pdbs.some(
          (pdb) =>
            pdb.namespace === workload.namespace &&
            selects(pdb.props?.spec?.selector, workload.labels),
        );
      if (covered) return [];
      return [
        {
          resource: workload.resource,
          message:
            `${replicaPhrase(scale)} but no PodDisruptionBudget in namespace ` +
            `${workload.namespace} selects its pods`,
        },
      ];
    });
  },
});

export const pdbSane = stackRule({
  name: "pdb-sane",
  description:
    "PodDisruptionBudgets allow evictions: maxUnavailable is not 0, minAvailable is below the " +
    "replicas (or autoscaler minimum) of every workload it selects, and it selects some pods " +
    "(pdb-sane; Kyverno; Polaris; kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Use `maxUnavailable: 1` (or a percentage above 0) instead of 0 or a minAvailable equal to " +
    "the replica count, so node drains can evict pods one at a time; fix or delete a budget " +
    "whose selector matches no pod template.",
  check: (resources) => {
    const hpas = objectsOfKind(resources, "HorizontalPodAutoscaler");
    const owners = podOwners(resources);
    return objectsOfKind(resources, "PodDisruptionBudget").flatMap((pdb) => {
      const spec = pdb.props?.spec ?? {};
      const messages: string[] = [];
      const selected = owners.filter(
        (owner) => owner.namespace === pdb.namespace && selects(spec.selector, owner.labels),
      );
      if (selected.length === 0) {
        messages.push(`its selector matches no pod template in namespace ${pdb.namespace}`);
      }
      if (isZero(spec.maxUnavailable)) {
        messages.push(
          `maxUnavailable is ${show(spec.maxUnavailable)}, so no pod can ever be evicted; ` +
            "allow at least 1",
        );
      }
      if (spec.minAvailable !== undefined) {
        for (const owner of selected.filter((candidate) => scalableKinds.has(candidate.kind))) {
          const scale = scaleOf(owner, hpas);
          const kept = podsKept(spec.minAvailable, scale.replicas);
          if (kept !== undefined && kept >= scale.replicas) {
            messages.push(
              `minAvailable ${show(spec.minAvailable)} is not below the ${scale.replicas} ` +
                `replica(s) of ${describeObject(owner)} (${scale.source}), so no pod can ever be evicted`,
            );
          }
        }
      }
      return messages.map((message) => ({ resource: pdb.resource, message }));
    });
  },
});

export const pdbUnhealthyPodEvictionPolicy = resourceRule({
  name: "pdb-unhealthy-pod-eviction-policy",
  description:
    "PodDisruptionBudgets set spec.unhealthyPodEvictionPolicy: AlwaysAllow, so pods that run but " +
    "are not ready can always be evicted; under the default (IfHealthyBudget) a crash-looping " +
    "pod keeps its budget unmet and blocks every node drain (pdb-sane row; kube-linter " +
    "pdb-unhealthy-pod-eviction-policy; the Kubernetes PodDisruptionBudget documentation " +
    "recommends AlwaysAllow).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `spec.unhealthyPodEvictionPolicy: AlwaysAllow` on the PodDisruptionBudget (the " +
    "workload components do). A workload whose unready pods must never be evicted while the " +
    "budget is unmet (a quorum that is still forming) is exempted by name with a reason.",
  appliesTo: (type) => isKind(type, "PodDisruptionBudget"),
  check: (pdb) => {
    const policy = pdb.props?.spec?.unhealthyPodEvictionPolicy;
    if (policy === "AlwaysAllow") return [];
    const shown =
      policy === undefined || policy === null || policy === ""
        ? "unset (Kubernetes defaults to IfHealthyBudget)"
        : show(policy);
    return [
      `unhealthyPodEvictionPolicy is ${shown}, so a pod that runs but never becomes ready ` +
        "blocks node drains while the budget is unmet; set it to AlwaysAllow",
    ];
  },
  admission: {
    resources: [
      { apiGroups: ["policy"], apiVersions: ["v1"], resources: ["poddisruptionbudgets"] },
    ],
    // CloudNativePG makes its cluster's budgets: they are judged at the Cluster.
    judgedAtOwner: true,
    validations: () => [
      {
        expression:
          "has(object.spec.unhealthyPodEvictionPolicy) && " +
          "object.spec.unhealthyPodEvictionPolicy == 'AlwaysAllow'",
        messageExpression:
          "'unhealthyPodEvictionPolicy is ' + (has(object.spec.unhealthyPodEvictionPolicy) && " +
          "object.spec.unhealthyPodEvictionPolicy != '' ? " +
          "'\"' + object.spec.unhealthyPodEvictionPolicy + '\"' : " +
          "'unset (Kubernetes defaults to IfHealthyBudget)') + ', so a pod that runs but never " +
          "becomes ready blocks node drains while the budget is unmet; set it to AlwaysAllow'",
      },
    ],
    failurePolicy: "Fail",
  },
});
