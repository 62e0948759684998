// Who a workload's pods are: their ServiceAccount, and the reads of the Kubernetes API it grants.
import type * as pulumi from "@pulumi/pulumi";
import * as k8s from "./api";
import type { WorkloadScope } from "./workload-scope";

export function createServiceAccount(scope: WorkloadScope) {
  const { spec, namespace, labels, names, security, child } = scope;
  return new k8s.core.v1.ServiceAccount(
    spec.name,
    {
      metadata: { name: names.serviceAccount, namespace, labels },
      automountServiceAccountToken: security.automountServiceAccountToken,
    },
    child,
  );
}

/**
 * The workload's reads of the Kubernetes API: a Role and RoleBinding in each namespace it reads,
 * and a ClusterRole and ClusterRoleBinding (named after the installation, being cluster-wide)
 * for cluster-scoped resources. Returns the bindings, which its pods need before they start.
 */
export function createApiAccess(scope: WorkloadScope): pulumi.Resource[] {
  const { spec, context, namespace, labels, names, child } = scope;
  const access = spec.apiAccess;
  if (!access) return [];
  const subjects = [{ kind: "ServiceAccount", name: names.serviceAccount, namespace }];
  const rulesOf = (rules: NonNullable<typeof access.cluster>) =>
    rules.map((rule) => ({
      apiGroups: [...rule.apiGroups],
      resources: [...rule.resources],
      verbs: [...rule.verbs],
    }));
  const bindings: pulumi.Resource[] = [];
  for (const grant of access.namespaced ?? []) {
    for (const target of grant.namespaces) {
      const name = `${spec.name}-read`;
      const role = new k8s.rbac.v1.Role(
        `${spec.name}-read-${target}`,
        { metadata: { name, namespace: target, labels }, rules: rulesOf(grant.rules) },
        child,
      );
      bindings.push(
        new k8s.rbac.v1.RoleBinding(
          `${spec.name}-read-${target}`,
          {
            metadata: { name, namespace: target, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects,
          },
          { ...child, dependsOn: [...child.dependsOn, role] },
        ),
      );
    }
  }
  if (access.cluster?.length) {
    const name = `${context.instance}-${spec.name}-read`;
    const role = new k8s.rbac.v1.ClusterRole(
      `${spec.name}-read`,
      { metadata: { name, labels }, rules: rulesOf(access.cluster) },
      child,
    );
    bindings.push(
      new k8s.rbac.v1.ClusterRoleBinding(
        `${spec.name}-read`,
        {
          metadata: { name, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
          subjects,
        },
        { ...child, dependsOn: [...child.dependsOn, role] },
      ),
    );
  }
  return bindings;
}
