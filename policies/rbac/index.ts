// RBAC: what roles grant and what bindings grant it to. Least privilege as such (wildcards,
// bindings to the built-in cluster-admin, admin, edit and system: roles, CSR approval, webhook
// configuration writes, cluster-wide secret reads); aggregation into and from the built-in
// roles; who a binding grants to; and which grants of a role lead past RBAC itself (a shell in
// pods, the kubelet API, editing or binding roles, impersonation). The escalation checks read a
// rule the way the API server's authorizer does: "*" in apiGroups, resources or verbs grants
// everything it stands for, "*/exec" any resource's exec subresource, and "pods/*" nothing in
// particular.
// One file per concept; this module lists the domain's policies in the order the analyzer runs
// them.
import type { Policies } from "@pulumi/policy";
import { rbacNoDefaultRoleAggregation } from "./aggregation";
import { rbacNoPrivilegeEscalation } from "./escalation";
import { rbacLeastPrivilege } from "./least-privilege";
import { rbacNoPublicBindings } from "./public-bindings";

export * from "./least-privilege";
export * from "./aggregation";
export * from "./public-bindings";
export * from "./escalation";

export const rbacPolicies: Policies = [
  rbacLeastPrivilege,
  rbacNoDefaultRoleAggregation,
  rbacNoPublicBindings,
  rbacNoPrivilegeEscalation,
];
