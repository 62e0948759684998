// Hygiene: recommended labels, selectors that select their own pods, no removed API versions, no
// duplicate environment variables, and CronJob/Job settings that keep scheduled work bounded
// (the Kyverno, Polaris and kube-score hygiene rows).
import type { Policies } from "@pulumi/policy";
import {
  celString,
  celStrings,
  describedContainer,
  everyContainer,
  podAdmission,
} from "./lib/admission-form";
import { podRule, resourceRule } from "./lib/define";
import {
  checkedKubernetesTypes,
  describeContainer,
  listOf,
  podBearingTypes,
  podTemplateOf,
  selects,
  describeSelector,
  isEmptySelector,
} from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const recommendedLabels = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];

function missingLabels(labels: any, required: readonly string[]): string[] {
  return required.filter((key) => {
    const value = labels?.[key];
    return typeof value !== "string" || value === "";
  });
}

export const requireRecommendedLabels = resourceRule({
  name: "recommended-labels",
  description:
    "Every checked Kubernetes object, and the pod template of every pod-bearing one, carries the " +
    "recommended app.kubernetes.io labels (name, instance, component, part-of, managed-by); a " +
    "Namespace, which belongs to no single app, carries part-of, instance and managed-by " +
    "(Kyverno require-labels; Polaris).",
  severity: "low",
  enforcementLevel: "mandatory",
  packOnly:
    "Kubernetes' own controllers make objects of these kinds in the stack's namespaces without an owner and without these labels (the Endpoints of a Service, a StatefulSet's PersistentVolumeClaims, the ServiceAccount and ConfigMap every namespace gets), and so does `kubectl run`: a label rule at admission would refuse them.",
  config: {
    requiredLabels: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [...recommendedLabels],
      description: "Labels every object and pod template must carry (non-empty values).",
    },
    namespaceLabels: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: [
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/managed-by",
      ],
      description: "Labels every Namespace must carry instead.",
    },
  },
  remediationSteps:
    "Build the object's labels with components/kubernetes/labels.ts (which sets all five from the " +
    "component's name and role and the stack), and copy them onto pod templates.",
  appliesTo: (type) => checkedKubernetesTypes.has(type),
  check: (resource, config) => {
    const required: string[] = [
      ...((resource.ref.kind === "Namespace" ? config.namespaceLabels : config.requiredLabels) ??
        []),
    ].map(String);
    const messages: string[] = [];
    const missing = missingLabels(resource.props?.metadata?.labels, required);
    if (missing.length > 0) messages.push(`metadata.labels lacks ${missing.join(", ")}`);
    if (podBearingTypes[resource.type] && podBearingTypes[resource.type] !== "Pod") {
      const template = podTemplateOf(resource.type, resource.props)!;
      const missingOnPods = missingLabels(template.metadata?.labels, required);
      if (missingOnPods.length > 0) {
        messages.push(`pod template labels lack ${missingOnPods.join(", ")}`);
      }
    }
    return messages;
  },
});

/** Kinds whose selector is required; Jobs and CronJobs generate theirs unless set by hand. */
const selectorRequired = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);

export const selectorMatchesTemplate = resourceRule({
  name: "selector-matches-template",
  description:
    "A workload's `spec.selector` is set, is not empty, and selects its own pod template's " +
    "labels; Jobs and CronJobs are checked only when they set a selector by hand (kube-score " +
    "deployment-has-selector / statefulset selector checks).",
  severity: "high",
  enforcementLevel: "mandatory",
  packOnly:
    "The API server refuses a Deployment, StatefulSet, DaemonSet or ReplicaSet whose selector is missing, empty or does not select its own template, before admission policies see it.",
  remediationSteps:
    "Select pods with the stable identity labels (app.kubernetes.io/name and instance) that the " +
    "pod template also carries; components derive both from the same labels, so do not override " +
    "either by hand.",
  appliesTo: (type) => {
    const kind = podBearingTypes[type];
    return kind !== undefined && kind !== "Pod";
  },
  check: (resource) => {
    const kind = resource.ref.kind;
    const spec =
      kind === "CronJob" ? resource.props?.spec?.jobTemplate?.spec : resource.props?.spec;
    const selector = spec?.selector;
    const field = kind === "CronJob" ? "spec.jobTemplate.spec.selector" : "spec.selector";
    if (!selector) return selectorRequired.has(kind) ? [`sets no ${field}`] : [];
    if (isEmptySelector(selector)) return [`${field} is empty; it would select every pod`];
    const labels = podTemplateOf(resource.type, resource.props)?.metadata?.labels;
    if (selects(selector, labels)) return [];
    return [`${field} (${describeSelector(selector)}) does not select its pod template's labels`];
  },
});

interface RemovedApi {
  readonly apiVersion: string;
  /** The kinds this entry covers; omitted, every kind of the apiVersion. */
  readonly kinds?: readonly string[];
  readonly removedIn: string;
  readonly replacement: string;
}

/**
 * API versions Kubernetes has stopped serving, per the Deprecated API Migration Guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/, whose newest removal is
 * v1.32), with what replaces them. The first entry that matches wins, so an entry limited to some
 * kinds comes before the apiVersion's catch-all. Groups whose other kinds are still served in that
 * version (ValidatingAdmissionPolicy, ServiceCIDR, IPAddress, VolumeAttributesClass,
 * ClusterTrustBundle, LeaseCandidate, SelfSubjectReview as v1beta1) list only the removed kinds.
 */
export const removedApiVersions: readonly RemovedApi[] = [
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["DaemonSet", "Deployment", "ReplicaSet"],
    removedIn: "1.16",
    replacement: "apps/v1",
  },
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["NetworkPolicy"],
    removedIn: "1.16",
    replacement: "networking.k8s.io/v1",
  },
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["PodSecurityPolicy"],
    removedIn: "1.16",
    replacement: "Pod Security admission (PodSecurityPolicy itself was removed in 1.25)",
  },
  { apiVersion: "extensions/v1beta1", removedIn: "1.22", replacement: "networking.k8s.io/v1" },
  { apiVersion: "apps/v1beta1", removedIn: "1.16", replacement: "apps/v1" },
  { apiVersion: "apps/v1beta2", removedIn: "1.16", replacement: "apps/v1" },
  {
    apiVersion: "networking.k8s.io/v1beta1",
    kinds: ["Ingress", "IngressClass"],
    removedIn: "1.22",
    replacement: "networking.k8s.io/v1",
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "rbac.authorization.k8s.io/v1",
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1alpha1",
    removedIn: "1.22",
    replacement: "rbac.authorization.k8s.io/v1",
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1beta1",
    kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    removedIn: "1.22",
    replacement: "admissionregistration.k8s.io/v1",
  },
  {
    apiVersion: "apiextensions.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "apiextensions.k8s.io/v1",
  },
  {
    apiVersion: "apiregistration.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "apiregistration.k8s.io/v1",
  },
  {
    apiVersion: "authentication.k8s.io/v1beta1",
    kinds: ["TokenReview"],
    removedIn: "1.22",
    replacement: "authentication.k8s.io/v1",
  },
  {
    apiVersion: "authorization.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "authorization.k8s.io/v1",
  },
  {
    apiVersion: "certificates.k8s.io/v1beta1",
    kinds: ["CertificateSigningRequest"],
    removedIn: "1.22",
    replacement: "certificates.k8s.io/v1",
  },
  {
    apiVersion: "coordination.k8s.io/v1beta1",
    kinds: ["Lease"],
    removedIn: "1.22",
    replacement: "coordination.k8s.io/v1",
  },
  {
    apiVersion: "scheduling.k8s.io/v1beta1",
    removedIn: "1.22",
    replacement: "scheduling.k8s.io/v1",
  },
  {
    apiVersion: "scheduling.k8s.io/v1alpha1",
    removedIn: "1.22",
    replacement: "scheduling.k8s.io/v1",
  },
  {
    apiVersion: "storage.k8s.io/v1beta1",
    kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
    removedIn: "1.22",
    replacement: "storage.k8s.io/v1",
  },
  {
    apiVersion: "storage.k8s.io/v1beta1",
    kinds: ["CSIStorageCapacity"],
    removedIn: "1.27",
    replacement: "storage.k8s.io/v1",
  },
  { apiVersion: "batch/v1beta1", removedIn: "1.25", replacement: "batch/v1" },
  { apiVersion: "batch/v2alpha1", removedIn: "1.21", replacement: "batch/v1" },
  { apiVersion: "discovery.k8s.io/v1beta1", removedIn: "1.25", replacement: "discovery.k8s.io/v1" },
  { apiVersion: "events.k8s.io/v1beta1", removedIn: "1.25", replacement: "events.k8s.io/v1" },
  {
    apiVersion: "policy/v1beta1",
    kinds: ["PodSecurityPolicy"],
    removedIn: "1.25",
    replacement: "Pod Security admission (PodSecurityPolicy has no successor API)",
  },
  { apiVersion: "policy/v1beta1", removedIn: "1.25", replacement: "policy/v1" },
  { apiVersion: "node.k8s.io/v1beta1", removedIn: "1.25", replacement: "node.k8s.io/v1" },
  { apiVersion: "autoscaling/v2beta1", removedIn: "1.25", replacement: "autoscaling/v2" },
  { apiVersion: "autoscaling/v2beta2", removedIn: "1.26", replacement: "autoscaling/v2" },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1",
    removedIn: "1.26",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
    removedIn: "1.29",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3",
    removedIn: "1.32",
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
];

/** "kubernetes:apps/v1:Deployment" → "apps/v1"; "kubernetes:core/v1:Pod" → "v1". */
function apiVersionOfType(type: string): string | undefined {
  const groupVersion = type.split(":")[1];
  if (!groupVersion) return undefined;
  return groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
}

export const deprecatedApis = resourceRule({
  name: "no-deprecated-apis",
  description:
    "No Kubernetes object, of any kind, uses an apiVersion that Kubernetes has deprecated and " +
    "stopped serving (the deprecated API migration guide through v1.32: extensions/v1beta1, " +
    "apps/v1beta1/2, policy/v1beta1 incl. PodSecurityPolicy, batch/v1beta1, " +
    "autoscaling/v2beta1/2, networking.k8s.io/v1beta1 Ingress, rbac v1beta1, " +
    "flowcontrol v1beta1–3, …); read from `apiVersion`, else from the Pulumi type (Kyverno " +
    "check-deprecated-apis; kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  packOnly:
    "The API server serves only the versions it has: it refuses a removed one and warns on a deprecated one itself.",
  config: {
    deprecatedApiVersions: {
      type: "array",
      default: removedApiVersions.map((entry) => ({ ...entry })),
      description:
        "API versions to reject (optionally only some kinds), with the Kubernetes release that " +
        "stopped serving them; the first matching entry wins.",
      items: {
        type: "object",
        required: ["apiVersion", "removedIn", "replacement"],
        additionalProperties: false,
        properties: {
          apiVersion: { type: "string", minLength: 1 },
          kinds: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Kinds the entry covers; omitted, every kind of the apiVersion.",
          },
          removedIn: { type: "string", minLength: 1 },
          replacement: { type: "string", minLength: 1 },
        },
      },
    },
  },
  remediationSteps:
    "Move the object to the replacement apiVersion named in the message (its fields may have " +
    "changed: see the Kubernetes deprecated API migration guide) and use the matching " +
    "@pulumi/kubernetes type.",
  appliesTo: (type) => type.startsWith("kubernetes:"),
  check: (resource, config) => {
    const apiVersion =
      typeof resource.props?.apiVersion === "string"
        ? resource.props.apiVersion
        : apiVersionOfType(resource.type);
    const entries: RemovedApi[] = [...(config.deprecatedApiVersions ?? [])];
    const removed = entries.find(
      (entry) =>
        entry.apiVersion === apiVersion &&
        (!entry.kinds || entry.kinds.includes(resource.ref.kind)),
    );
    if (!removed) return [];
    return [
      `apiVersion ${apiVersion} was removed in Kubernetes ${removed.removedIn}; use ` +
        removed.replacement,
    ];
  },
});

export const envNoDuplicates = podRule({
  name: "env-no-duplicates",
  description:
    "No container sets the same environment variable name twice (only the last one takes " +
    "effect, silently) (kube-score container-env-duplicated).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Keep one entry per variable name in the container's `env`; when a component merges env " +
    "from several sources, let one source own each name.",
  check: (pod) => {
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const counts = new Map<string, number>();
      for (const variable of listOf(entry.container.env)) {
        const name = String(variable?.name);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const [name, count] of counts) {
        if (count > 1) {
          messages.push(`${describeContainer(entry)} sets env ${name} ${count} times; keep one`);
        }
      }
    }
    return messages;
  },
  admission: podAdmission(() =>
    everyContainer(
      "!has(c.env) || c.env.all(e, size(c.env.filter(f, f.name == e.name)) == 1)",
      (role) =>
        `c.env.filter(e, size(c.env.filter(f, f.name == e.name)) > 1).map(e, ` +
        `${describedContainer(role)} + ' sets env ' + e.name + ' ' + ` +
        `string(size(c.env.filter(f, f.name == e.name))) + ' times; keep one')[0]`,
    ),
  ),
});

const cronJobType = "kubernetes:batch/v1:CronJob";
const jobType = "kubernetes:batch/v1:Job";

export const cronJobDeadline = resourceRule({
  name: "cronjob-deadline",
  description:
    "A CronJob sets `startingDeadlineSeconds` (at least the configured minimum: below 10 s the " +
    "controller may never start a missed run) and an explicit `concurrencyPolicy` from the " +
    "allowed list, so missed and overlapping runs are decided, not defaulted (kube-score " +
    "cronjob-has-deadline).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    minimumStartingDeadlineSeconds: {
      type: "integer",
      minimum: 1,
      default: 10,
      description: "Least startingDeadlineSeconds (the CronJob controller syncs every 10 s).",
    },
    allowedConcurrencyPolicies: {
      type: "array",
      items: { type: "string", enum: ["Allow", "Forbid", "Replace"] },
      default: ["Allow", "Forbid", "Replace"],
      description: "concurrencyPolicy values a CronJob may set explicitly.",
    },
  },
  remediationSteps:
    "Set `spec.startingDeadlineSeconds` (e.g. 300) and `spec.concurrencyPolicy` (Forbid for " +
    "jobs that must not overlap) on the CronJob.",
  appliesTo: (type) => type === cronJobType,
  check: (resource, config) => {
    const spec = resource.props?.spec ?? {};
    const minimum = Number(config.minimumStartingDeadlineSeconds);
    const allowed: string[] = [...(config.allowedConcurrencyPolicies ?? [])].map(String);
    const messages: string[] = [];
    const deadline = spec.startingDeadlineSeconds;
    if (typeof deadline !== "number") {
      messages.push(`sets no startingDeadlineSeconds; expected at least ${minimum}`);
    } else if (deadline < minimum) {
      messages.push(`startingDeadlineSeconds is ${deadline}; expected at least ${minimum}`);
    }
    const policy = spec.concurrencyPolicy;
    if (policy === undefined || policy === null || policy === "") {
      messages.push(`sets no concurrencyPolicy; expected one of ${allowed.join(", ")}`);
    } else if (!allowed.includes(String(policy))) {
      messages.push(
        `concurrencyPolicy is ${String(policy)}; expected one of ${allowed.join(", ")}`,
      );
    }
    return messages;
  },
  // The API server fills in concurrencyPolicy (Allow) before admission: an unset one is judged
  // as Allow there.
  admission: {
    resources: [{ apiGroups: ["batch"], apiVersions: ["v1"], resources: ["cronjobs"] }],
    validations: (config) => {
      const minimum = Number(config.minimumStartingDeadlineSeconds);
      const allowed: string[] = [...(config.allowedConcurrencyPolicies ?? [])].map(String);
      const expected = celString(`; expected one of ${allowed.join(", ")}`);
      return [
        {
          expression:
            "has(object.spec.startingDeadlineSeconds) && " +
            `object.spec.startingDeadlineSeconds >= ${minimum}`,
          messageExpression:
            `has(object.spec.startingDeadlineSeconds) ? 'startingDeadlineSeconds is ' + ` +
            `string(int(object.spec.startingDeadlineSeconds)) + '; expected at least ${minimum}' : ` +
            `'sets no startingDeadlineSeconds; expected at least ${minimum}'`,
        },
        {
          expression:
            "has(object.spec.concurrencyPolicy) && object.spec.concurrencyPolicy != '' && " +
            `object.spec.concurrencyPolicy in ${celStrings(allowed)}`,
          messageExpression:
            "has(object.spec.concurrencyPolicy) && object.spec.concurrencyPolicy != '' ? " +
            `'concurrencyPolicy is ' + object.spec.concurrencyPolicy + ${expected} : ` +
            `'sets no concurrencyPolicy' + ${expected}`,
        },
      ];
    },
    failurePolicy: "Fail",
  },
});

export const jobRestartPolicy = resourceRule({
  name: "job-restart-policy",
  description:
    "The pod template of a Job or CronJob sets `restartPolicy` OnFailure or Never (the pod " +
    "default, Always, is invalid for Jobs) (kube-score).",
  severity: "high",
  enforcementLevel: "mandatory",
  packOnly:
    "The API server refuses a Job whose pod template restarts Always (the pod default), before admission policies see it.",
  remediationSteps:
    "Set `restartPolicy: OnFailure` (retry in place) or `Never` (retry in a new pod, keeping the " +
    "failed one for its logs) in the Job's pod template spec.",
  appliesTo: (type) => type === jobType || type === cronJobType,
  check: (resource) => {
    const restart = podTemplateOf(resource.type, resource.props)?.spec?.restartPolicy;
    if (restart === "OnFailure" || restart === "Never") return [];
    return [
      `pod restartPolicy is ${restart === undefined ? "unset (Always)" : String(restart)}; ` +
        "expected OnFailure or Never",
    ];
  },
});

export const hygienePolicies: Policies = [
  requireRecommendedLabels,
  selectorMatchesTemplate,
  deprecatedApis,
  envNoDuplicates,
  cronJobDeadline,
  jobRestartPolicy,
];
