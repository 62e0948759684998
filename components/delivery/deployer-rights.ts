// What the identity that deploys a stack in the cluster (the operator's workspace) may do: manage
// exactly the kinds the program creates, in the stack's namespaces, plus the reads the program's
// own Roles grant (Kubernetes lets a subject grant only rights it holds). A test keeps this table
// equal to what every stack renders: a kind added to the program without its right fails it.
import type * as k8s from "../kubernetes/api";

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

export interface ManagedKind {
  readonly group: string;
  readonly kind: string;
  readonly resource: string;
}

/** Kinds the program creates in the stack's namespaces. */
export const namespacedKinds: readonly ManagedKind[] = [
  { group: "", kind: "ConfigMap", resource: "configmaps" },
  { group: "", kind: "LimitRange", resource: "limitranges" },
  { group: "", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims" },
  { group: "", kind: "ResourceQuota", resource: "resourcequotas" },
  { group: "", kind: "Secret", resource: "secrets" },
  { group: "", kind: "Service", resource: "services" },
  { group: "", kind: "ServiceAccount", resource: "serviceaccounts" },
  { group: "apps", kind: "DaemonSet", resource: "daemonsets" },
  { group: "apps", kind: "Deployment", resource: "deployments" },
  { group: "apps", kind: "StatefulSet", resource: "statefulsets" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler", resource: "horizontalpodautoscalers" },
  { group: "batch", kind: "CronJob", resource: "cronjobs" },
  { group: "networking.k8s.io", kind: "Ingress", resource: "ingresses" },
  { group: "networking.k8s.io", kind: "NetworkPolicy", resource: "networkpolicies" },
  { group: "policy", kind: "PodDisruptionBudget", resource: "poddisruptionbudgets" },
  { group: "rbac.authorization.k8s.io", kind: "Role", resource: "roles" },
  { group: "rbac.authorization.k8s.io", kind: "RoleBinding", resource: "rolebindings" },
  { group: "pulumi.com", kind: "Stack", resource: "stacks" },
  // A CloudNativePG cluster and its schedule of base backups (database.engine: cloudnative-pg).
  { group: "postgresql.cnpg.io", kind: "Cluster", resource: "clusters" },
  { group: "postgresql.cnpg.io", kind: "ScheduledBackup", resource: "scheduledbackups" },
];

const cloudNativePgGroup = "postgresql.cnpg.io";

/**
 * The namespaced kinds one stack creates: the only standalone claim is the backups volume, so a
 * stack whose backups go to a bucket (or that takes none) is given no right on claims.
 */
export function stackNamespacedKinds(
  backupOnVolume: boolean,
  cloudNativePg = false,
): ManagedKind[] {
  return namespacedKinds.filter(
    (kind) =>
      (kind.resource !== "persistentvolumeclaims" || backupOnVolume) &&
      (kind.group !== cloudNativePgGroup || cloudNativePg),
  );
}

/** Cluster-scoped kinds the program creates. */
export const clusterKinds: readonly ManagedKind[] = [
  { group: "", kind: "Namespace", resource: "namespaces" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRole", resource: "clusterroles" },
  {
    group: "rbac.authorization.k8s.io",
    kind: "ClusterRoleBinding",
    resource: "clusterrolebindings",
  },
  { group: "scheduling.k8s.io", kind: "PriorityClass", resource: "priorityclasses" },
  // The CloudNativePG operator's, where the stack installs it (database.operator: install).
  {
    group: "apiextensions.k8s.io",
    kind: "CustomResourceDefinition",
    resource: "customresourcedefinitions",
  },
  {
    group: "admissionregistration.k8s.io",
    kind: "MutatingWebhookConfiguration",
    resource: "mutatingwebhookconfigurations",
  },
  {
    group: "admissionregistration.k8s.io",
    kind: "ValidatingWebhookConfiguration",
    resource: "validatingwebhookconfigurations",
  },
  // The pack's rules enforced at admission (admissionPolicies: enforce or audit).
  {
    group: "admissionregistration.k8s.io",
    kind: "ValidatingAdmissionPolicy",
    resource: "validatingadmissionpolicies",
  },
  {
    group: "admissionregistration.k8s.io",
    kind: "ValidatingAdmissionPolicyBinding",
    resource: "validatingadmissionpolicybindings",
  },
];

const operatorKinds = new Set([
  "CustomResourceDefinition",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
]);
const admissionPolicyKinds = new Set([
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
]);

/**
 * The cluster-scoped kinds one stack creates: the operator's only where it installs one, the
 * admission policies only where it enforces the pack's rules at admission.
 */
export function stackClusterKinds(
  installsOperator: boolean,
  admissionPolicies: boolean,
): ManagedKind[] {
  return clusterKinds.filter(
    (kind) =>
      (!operatorKinds.has(kind.kind) || installsOperator) &&
      (!admissionPolicyKinds.has(kind.kind) || admissionPolicies),
  );
}

/** What Pulumi does with what it manages: read, create, update (server-side apply), delete. */
export const manageVerbs = ["get", "list", "watch", "create", "update", "patch", "delete"];
const readVerbs = ["get", "list", "watch"];

/**
 * Reads the program's own Roles grant (Prometheus, Alloy, kube-state-metrics): a subject may
 * only create a Role granting what it holds itself.
 */
export const grantedReads: readonly PolicyRule[] = [
  { apiGroups: [""], resources: ["endpoints", "pods", "pods/log"], verbs: readVerbs },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: readVerbs },
];
/** Cluster-wide grants of the program's ClusterRoles (Prometheus's node discovery, cAdvisor). */
export const grantedClusterReads: readonly PolicyRule[] = [
  { apiGroups: [""], resources: ["nodes"], verbs: readVerbs },
  { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
];

function byGroup(kinds: readonly ManagedKind[], verbs: readonly string[]): PolicyRule[] {
  const groups = [...new Set(kinds.map((kind) => kind.group))];
  return groups.map((group) => ({
    apiGroups: [group],
    resources: kinds.filter((kind) => kind.group === group).map((kind) => kind.resource),
    verbs: [...verbs],
  }));
}

/** The deployer's rights in each of the stack's namespaces (a RoleBinding in each). */
export function namespacedDeployerRules(kinds: readonly ManagedKind[]): PolicyRule[] {
  return [...byGroup(kinds, manageVerbs), ...grantedReads];
}

/** Create and list any (a name cannot restrict them); read, change and delete only `names`. */
function byName(group: string, resources: readonly string[], names: readonly string[]) {
  return [
    { apiGroups: [group], resources: [...resources], verbs: ["create", "list", "watch"] },
    {
      apiGroups: [group],
      resources: [...resources],
      resourceNames: [...names],
      verbs: ["get", "update", "patch", "delete"],
    },
  ];
}

/**
 * The deployer's cluster-wide rights: the cluster-scoped kinds; the namespaces and the admission
 * policies only by name beyond creating and listing them, so that it cannot change or remove
 * another installation's or the cluster's own; and the ClusterRoles' reads it grants.
 */
export function clusterDeployerRules(
  namespaces: readonly string[],
  operatorRole?: string,
  admissionPolicyNames: readonly string[] = [],
): PolicyRule[] {
  const admissionPolicies = admissionPolicyNames.length > 0;
  return [
    ...byName("", ["namespaces"], namespaces),
    ...(admissionPolicies
      ? byName(
          "admissionregistration.k8s.io",
          clusterKinds
            .filter((kind) => admissionPolicyKinds.has(kind.kind))
            .map((kind) => kind.resource),
          admissionPolicyNames,
        )
      : []),
    ...byGroup(
      stackClusterKinds(operatorRole !== undefined, false).filter(
        (kind) => kind.kind !== "Namespace",
      ),
      manageVerbs,
    ),
    ...grantedClusterReads,
    // The operator's ClusterRole (its release's rules: Secrets and pods in every namespace): the
    // deployer may create and bind that one role by name without holding its rights itself.
    ...(operatorRole
      ? [
          {
            apiGroups: ["rbac.authorization.k8s.io"],
            resources: ["clusterroles"],
            resourceNames: [operatorRole],
            verbs: ["escalate", "bind"],
          },
        ]
      : []),
  ];
}
