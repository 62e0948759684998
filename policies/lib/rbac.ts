// Reading RBAC objects: the API group, its kinds whatever the version, and a role's rules read
// fail-closed.
import { kindOf } from "./kubernetes";
import { listAt } from "./lists";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const rbacGroup = "rbac.authorization.k8s.io";

/** A Kubernetes type of the RBAC API group with one of these kinds, whatever its version. */
export function isRbacKind(type: string, kinds: readonly string[]): boolean {
  return type.startsWith(`kubernetes:${rbacGroup}/`) && kinds.includes(kindOf(type));
}

/**
 * A role's rules, each with its list fields read fail-closed: `rules`, or a rule's apiGroups,
 * resources, verbs, resourceNames or nonResourceURLs, set to anything but a list is added to
 * `problems` (a rule read as granting nothing would pass whatever it holds).
 */
export function rulesOf(props: any, problems: string[]): any[] {
  const rules = listAt(props?.rules, "rules", problems);
  rules.forEach((rule, index) => {
    for (const field of ["apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"]) {
      listAt(rule?.[field], `rules[${index}].${field}`, problems);
    }
  });
  return rules;
}
