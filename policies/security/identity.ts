// Identity: service-account tokens and names, and the namespace objects are created in.
import { celString, podAdmission } from "../lib/admission-form";
import { podRule, resourceRule } from "../lib/define";
import { quoted } from "../lib/lists";
import { kindOf, podTemplatesOf, stringsOf } from "../lib/kubernetes";

const serviceAccountType = "kubernetes:core/v1:ServiceAccount";

export const serviceAccountTokenAutomount = resourceRule({
  name: "service-account-token-automount",
  description:
    "No API token is mounted by default: pods and ServiceAccounts set " +
    "automountServiceAccountToken: false; a workload that calls the Kubernetes API is exempted " +
    "by name (Kyverno; Polaris; CKV_K8S_38).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `automountServiceAccountToken: false` on the pod spec and on the ServiceAccount " +
    "(components/model/security.ts does both). A workload that needs the API keeps a token only " +
    "through an exemption with the reason, ideally as a projected, audience-bound token.",
  appliesTo: (type, props) => type === serviceAccountType || podTemplatesOf(type, props).length > 0,
  check: (resource) => {
    if (resource.type === serviceAccountType) {
      const value = resource.props?.automountServiceAccountToken;
      if (value === false) return [];
      const shown = value === undefined ? "unset (defaults to true)" : quoted(value);
      return [`automountServiceAccountToken is ${shown}; it must be false`];
    }
    const templates = podTemplatesOf(resource.type, resource.props);
    return templates.flatMap((template) => {
      const value = template.spec?.automountServiceAccountToken;
      if (value === false) return [];
      const shown =
        value === undefined
          ? "unset (the token is mounted unless the ServiceAccount disables it)"
          : quoted(value);
      const where = templates.length > 1 ? `pod template at ${template.path}: ` : "";
      return [`${where}automountServiceAccountToken is ${shown}; it must be false`];
    });
  },
  // Pods only: the cluster itself creates each namespace's `default` ServiceAccount, with the
  // token on; ServiceAccounts are judged at preview.
  admission: podAdmission(() => {
    const field = "variables.podSpec.automountServiceAccountToken";
    return [
      {
        expression: `has(${field}) && ${field} == false`,
        messageExpression:
          `'automountServiceAccountToken is ' + (has(${field}) ? string(${field}) : ` +
          "'unset (the token is mounted unless the ServiceAccount disables it)') + '; it must be false'",
      },
    ];
  }),
});

export const dedicatedServiceAccount = podRule({
  name: "dedicated-service-account",
  description:
    "Every workload runs under its own ServiceAccount, never the namespace's `default` one " +
    "(CKV_K8S_41).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Create a ServiceAccount for the workload (automountServiceAccountToken: false) and set " +
    "`serviceAccountName` to it in the pod spec.",
  check: (pod) => {
    const name = pod.podSpec?.serviceAccountName ?? pod.podSpec?.serviceAccount;
    if (name === undefined || name === "") {
      return [`sets no serviceAccountName, so it ${runsAsDefault}`];
    }
    if (name === "default") return [runsAsDefault];
    return [];
  },
  // The API server names "default" in a Pod that names none, before admission: the words after
  // "so it" are the same either way.
  admission: podAdmission(() => {
    const spec = "variables.podSpec";
    const name =
      `has(${spec}.serviceAccountName) && ${spec}.serviceAccountName != '' ? ` +
      `${spec}.serviceAccountName : has(${spec}.serviceAccount) ? ${spec}.serviceAccount : ''`;
    return [
      {
        expression: `!((${name}) in ['', 'default'])`,
        messageExpression:
          `(${name}) == '' ? ${celString(`sets no serviceAccountName, so it ${runsAsDefault}`)} : ` +
          celString(runsAsDefault),
      },
    ];
  }),
});

const runsAsDefault = 'runs as the "default" ServiceAccount; give it a dedicated one';

/** Pulumi types that are not Kubernetes objects: providers' component and meta resources. */
function isKubernetesObjectType(type: string): boolean {
  if (!type.startsWith("kubernetes:")) return false;
  const [, module = "", kind = ""] = type.split(":");
  if (/^(helm\.sh|yaml|kustomize)(\/|$)/.test(module)) return false;
  return !kind.endsWith("List");
}

export const noDefaultNamespace = resourceRule({
  name: "no-default-namespace",
  description:
    "Namespaced objects are never created in the `default` namespace, and name their namespace " +
    "explicitly (Kyverno; CKV_K8S_21).",
  severity: "low",
  enforcementLevel: "mandatory",
  packOnly:
    "Admission policies judge only the stack's own namespaces, never `default`: there is " +
    "nothing for one to refuse.",
  config: {
    forbiddenNamespaces: {
      type: "array",
      items: { type: "string" },
      default: ["default"],
      description: "Namespaces no object may be created in.",
    },
    clusterScopedKinds: {
      type: "array",
      items: { type: "string" },
      default: [
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "VolumeAttachment",
        "CSIDriver",
        "CSINode",
        "VolumeAttributesClass",
        "CustomResourceDefinition",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "CertificateSigningRequest",
        "ClusterTrustBundle",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "PodSecurityPolicy",
        "TokenReview",
        "SubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "SelfSubjectReview",
        "ComponentStatus",
        "IPAddress",
        "ServiceCIDR",
        "DeviceClass",
        "ResourceSlice",
        "ClusterIssuer",
        "ClusterPolicy",
        "ClusterSecretStore",
      ],
      description:
        "Kinds that have no namespace (a `Patch` suffix is ignored); add cluster-scoped custom " +
        "resource kinds here.",
    },
  },
  remediationSteps:
    "Set `metadata.namespace` to the application namespace (the stack's `namespace` setting); " +
    "without one, kubectl and a provider without a default namespace put the object in `default`.",
  appliesTo: isKubernetesObjectType,
  check: (resource, config) => {
    const kind = kindOf(resource.type).replace(/Patch$/, "");
    if (stringsOf(config.clusterScopedKinds).includes(kind)) return [];
    const namespace = resource.props?.metadata?.namespace;
    if (namespace === undefined || namespace === null || namespace === "") {
      return [
        'no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
      ];
    }
    if (stringsOf(config.forbiddenNamespaces).includes(namespace)) {
      return [`is in the "${namespace}" namespace; use the application namespace`];
    }
    return [];
  },
});
