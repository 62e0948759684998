// NetworkPolicy objects as Kubernetes reads them: which pods a policy selects and which
// directions it governs.
import { isEmptySelector, selects } from "./kubernetes";
import type { KubeObject } from "./stack-objects";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

/** A NetworkPolicy podSelector: missing or empty selects every pod of the namespace. */
export function policySelects(policy: KubeObject, labels: any): boolean {
  const selector = policy.props?.spec?.podSelector;
  return isEmptySelector(selector) || selects(selector, labels);
}

/** The directions a policy governs; without policyTypes, Kubernetes infers them from the rules. */
export function policyTypesOf(policy: KubeObject): string[] {
  const spec = policy.props?.spec ?? {};
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return [...spec.policyTypes];
  return ["Ingress", ...((spec.egress ?? []).length > 0 ? ["Egress"] : [])];
}
