// The pack's rules that have an admission form, as ValidatingAdmissionPolicies and their bindings
// for one stack: its policy config decides each rule's level, settings and exemptions, as it does
// for the pack. A mandatory rule denies; an advisory one warns and audits; a disabled one is not
// bound. Exemptions are match conditions (the object is not judged), their reasons annotations.
// The bindings judge the stack's own namespaces only, never the cluster's (kube-system), an
// operator's or another installation's, so that a policy cannot lock the cluster.
import type { EnforcementLevel, PolicyPackConfig } from "@pulumi/policy";
import { celString, celStrings, type AdmissionForm } from "./admission-form";
import type { PackResourcePolicy, RuleConfig } from "./define";
import type { Exemption } from "./exemptions";
import { resolvePolicy } from "./policy-config";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and config are untyped JSON */

/** A stack's policy config (policies/config/<stack>.json): per policy, a level or settings. */
export type StackPolicyConfig = PolicyPackConfig;

/** Annotations on each policy: the rule it enforces, and the objects it does not judge and why. */
export const admissionAnnotations = {
  rule: "policy.toolboxai.io/rule",
  exemptions: "policy.toolboxai.io/exemptions",
} as const;

/** The namespaces no generated policy judges, whatever the stack lists: the cluster's own. */
export const alwaysExcludedNamespaces = ["kube-system", "kube-public", "kube-node-lease"];

/**
 * The writers whose objects with an owner are judged at that owner: Kubernetes' own controllers
 * (the controller manager, as itself or as its controllers' service accounts in kube-system).
 * Anyone else who writes `ownerReferences` is judged like any writer: an owner is a claim.
 */
export const clusterControllers = [
  "system:kube-controller-manager",
  "system:serviceaccount:kube-system:",
];

export interface AdmissionPolicyOptions {
  /** The namespaces judged: the stack's own (the cluster's own are left out whatever is given). */
  readonly namespaces: readonly string[];
  /** Prefixes the objects' names: one cluster may hold several installations' policies. */
  readonly namePrefix: string;
  /**
   * Operators trusted as controllers besides the cluster's (clusterControllers): a user name, or
   * a prefix ending in `:` (`system:serviceaccount:cnpg-system:`, every account of a namespace).
   */
  readonly controllers?: readonly string[];
  /** `audit`: every rule warns and audits, whatever its level (a first rollout). */
  readonly auditOnly?: boolean;
}

/** A policy's level and settings in a stack, as the Pulumi CLI resolves them for the pack. */
export function ruleSettings(
  policy: PackResourcePolicy,
  config: StackPolicyConfig,
): { level: EnforcementLevel; settings: RuleConfig } {
  // The pack's own default level (policies/index.ts); every rule sets its own anyway.
  const { enforcement, properties } = resolvePolicy(policy, config, "mandatory");
  return { level: enforcement, settings: properties };
}

/** CEL: the request comes from one of `writers` (user names, or prefixes ending in `:`). */
function writtenBy(writers: readonly string[]): string {
  const names = writers.filter((writer) => !writer.endsWith(":"));
  const prefixes = writers.filter((writer) => writer.endsWith(":"));
  return [
    ...(names.length > 0 ? [`request.userInfo.username in ${celStrings(names)}`] : []),
    ...prefixes.map((prefix) => `request.userInfo.username.startsWith(${celString(prefix)})`),
  ].join(" || ");
}

/** The match condition of a rule judged at the owner: not judged when a controller made it. */
function judgedAtOwnerCondition(controllers: readonly string[]) {
  return {
    name: "judged-at-its-owner",
    expression:
      "!has(object.metadata.ownerReferences) || size(object.metadata.ownerReferences) == 0 || " +
      `!(${writtenBy([...clusterControllers, ...controllers])})`,
  };
}

/** A CEL condition that is true for an object `exemption` names (kind, namespace, name). */
function exempted(exemption: Exemption): string {
  return [
    ...(exemption.kind ? [`object.kind == ${celString(exemption.kind)}`] : []),
    ...(exemption.namespace ? [`request.namespace == ${celString(exemption.namespace)}`] : []),
    `object.metadata.name == ${celString(exemption.name)}`,
  ].join(" && ");
}

const namespaceName = "kubernetes.io/metadata.name";

/** The namespaces a binding judges: those given, less the cluster's own; never none. */
function judgedNamespaces(namespaces: readonly string[]): string[] {
  const judged = [...new Set(namespaces)].filter(
    (namespace) => !alwaysExcludedNamespaces.includes(namespace),
  );
  if (judged.length === 0) {
    throw new Error(
      `admission policies judge no namespace: given ${JSON.stringify(namespaces)}, and ` +
        `${alwaysExcludedNamespaces.join(", ")} are never judged`,
    );
  }
  return judged;
}

/**
 * The policy and its binding for one rule; none when the stack disables it or its settings leave
 * it nothing to check.
 */
export function admissionPolicyOf(
  policy: PackResourcePolicy & { readonly admission: AdmissionForm },
  config: StackPolicyConfig,
  options: AdmissionPolicyOptions,
): any[] {
  const { level, settings } = ruleSettings(policy, config);
  if (level === "disabled") return [];
  const denies = (level === "mandatory" || level === "remediate") && !options.auditOnly;
  const form = policy.admission;
  // A rule the stack's settings leave nothing to check (image-digest without requireDigest).
  const validations = form.validations(settings);
  if (validations.length === 0) return [];
  const exemptions: readonly Exemption[] = settings.exemptions ?? [];
  const name = `${options.namePrefix}${policy.name}`;
  const metadata = {
    name,
    annotations: {
      [admissionAnnotations.rule]: policy.name,
      ...(exemptions.length > 0
        ? { [admissionAnnotations.exemptions]: JSON.stringify(exemptions) }
        : {}),
    },
  };
  const validationPolicy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata,
    spec: {
      failurePolicy: form.failurePolicy,
      matchConstraints: {
        resourceRules: form.resources.map((resources) => ({
          ...resources,
          operations: ["CREATE", "UPDATE"],
        })),
      },
      matchConditions: [
        ...(form.judgedAtOwner ? [judgedAtOwnerCondition(options.controllers ?? [])] : []),
        ...(exemptions.length > 0
          ? [{ name: "not-exempted", expression: `!(${exemptions.map(exempted).join(" || ")})` }]
          : []),
      ],
      variables: form.variables ?? [],
      validations: validations.map((validation) => ({
        expression: validation.expression,
        messageExpression: `${celString(`${policy.name}: `)} + (${validation.messageExpression})`,
        reason: "Invalid",
      })),
    },
  };
  const binding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name, annotations: { [admissionAnnotations.rule]: policy.name } },
    spec: {
      policyName: name,
      validationActions: denies ? ["Deny"] : ["Warn", "Audit"],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            { key: namespaceName, operator: "In", values: judgedNamespaces(options.namespaces) },
            { key: namespaceName, operator: "NotIn", values: alwaysExcludedNamespaces },
          ],
        },
      },
    },
  };
  return [validationPolicy, binding];
}

/** Every rule of `policies` that has an admission form, for the stack whose config is given. */
export function admissionPolicies(
  policies: readonly PackResourcePolicy[],
  config: StackPolicyConfig,
  options: AdmissionPolicyOptions,
): any[] {
  return policies.flatMap((policy) =>
    policy.admission
      ? admissionPolicyOf(
          policy as PackResourcePolicy & { admission: AdmissionForm },
          config,
          options,
        )
      : [],
  );
}
