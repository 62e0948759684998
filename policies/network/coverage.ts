// NetworkPolicy coverage: a default deny in every namespace, policies that govern every
// workload, and no policy that selects nothing.
import { stackRule, type RuleConfig, type StackFinding } from "../lib/define";
import { findExemption, recordExemption } from "../lib/exemptions";
import { braced, isEmptySelector, selects } from "../lib/kubernetes";
import { policyTypesOf } from "../lib/network-policies";
import { inNamespace, objectsOfKind, podOwners, type KubeObject } from "../lib/stack-objects";

/** Empty podSelector, Ingress and Egress, and no rule at all: every pod denied both ways. */
function isDefaultDeny(policy: KubeObject): boolean {
  const spec = policy.props?.spec ?? {};
  const types = policyTypesOf(policy);
  return (
    isEmptySelector(spec.podSelector) &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

export const defaultDeny = stackRule({
  name: "default-deny",
  description:
    "Every namespace that runs pods has a default-deny NetworkPolicy: empty podSelector, " +
    "policyTypes Ingress and Egress, no rules (default-deny; Kyverno).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add to the namespace a NetworkPolicy with `podSelector: {}`, `policyTypes: [Ingress, " +
    "Egress]` and no ingress or egress rules; allow traffic with per-workload policies.",
  check: (resources, config) => {
    const namespaces = [...new Set(podOwners(resources).map((owner) => owner.namespace))];
    const policies = objectsOfKind(resources, "NetworkPolicy");
    const namespaceObjects = objectsOfKind(resources, "Namespace");
    const message =
      "has pods but no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and " +
      "Egress, no rules)";
    return namespaces
      .filter((namespace) => !inNamespace(policies, namespace).some(isDefaultDeny))
      .flatMap((namespace): StackFinding[] => {
        const object = namespaceObjects.find((candidate) => candidate.name === namespace);
        if (object) return [{ resource: object.resource, message }];
        // A namespace the stack does not declare: report it stack-wide, still exemptable.
        const ref = { kind: "Namespace", name: namespace };
        const exemption = findExemption((config as RuleConfig).exemptions, ref);
        if (exemption) {
          recordExemption("default-deny", ref, exemption.reason);
          return [];
        }
        return [{ message: `Namespace ${namespace}: ${message}` }];
      });
  },
});

export const netpolPerPod = stackRule({
  name: "netpol-per-pod",
  description:
    "Every pod template is selected, beyond the namespace-wide default deny, by NetworkPolicies " +
    "with a non-empty podSelector that govern both its Ingress and its Egress " +
    "(netpol-per-pod; Kyverno; Polaris; kube-score; CKV2_K8S_6).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Add a NetworkPolicy whose podSelector matches the workload's pod labels, with policyTypes " +
    "[Ingress, Egress] and rules allowing only the peers and ports it needs (the workload " +
    "components render one from the zone table in components/model/zones.ts).",
  check: (resources) => {
    const policies = objectsOfKind(resources, "NetworkPolicy").filter(
      (policy) => !isEmptySelector(policy.props?.spec?.podSelector),
    );
    return podOwners(resources).flatMap((owner): StackFinding[] => {
      const selecting = inNamespace(policies, owner.namespace).filter((policy) =>
        selects(policy.props?.spec?.podSelector, owner.labels),
      );
      const missing = ["Ingress", "Egress"].filter(
        (direction) => !selecting.some((policy) => policyTypesOf(policy).includes(direction)),
      );
      if (missing.length === 0) return [];
      return [
        {
          resource: owner.resource,
          message:
            "no NetworkPolicy with a non-empty podSelector governs its pods' " +
            missing.join(" and "),
        },
      ];
    });
  },
});

export const netpolNotDangling = stackRule({
  name: "netpol-not-dangling",
  description:
    "Every NetworkPolicy with a non-empty podSelector selects at least one pod template in its " +
    "namespace (netpol-not-dangling; Kyverno; kube-score).",
  severity: "low",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Fix the policy's podSelector to match the pod labels of the workload it is meant for, or " +
    "delete the policy if that workload is gone.",
  check: (resources) => {
    const owners = podOwners(resources);
    return objectsOfKind(resources, "NetworkPolicy").flatMap((policy): StackFinding[] => {
      const selector = policy.props?.spec?.podSelector;
      if (isEmptySelector(selector)) return [];
      if (inNamespace(owners, policy.namespace).some((owner) => selects(selector, owner.labels))) {
        return [];
      }
      return [
        {
          resource: policy.resource,
          message:
            `podSelector ${braced(selector)} selects no pod template in namespace ` +
            policy.namespace,
        },
      ];
    });
  },
});
