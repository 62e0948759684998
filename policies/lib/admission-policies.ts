// The pack's rules that have an admission form, as ValidatingAdmissionPolicies and their bindings
// for one stack: its policy config decides each rule's level, settings and exemptions, as it does
// for the pack. A mandatory rule denies; an advisory one warns and audits; a disabled one is not
// bound. Exemptions are match conditions (the object is not judged), their reasons annotations.
// The namespaces the cluster itself needs (kube-system, an operator's) are never judged, so that
// a policy cannot lock the cluster.
import type { EnforcementLevel } from "@pulumi/policy";
import { celString, type AdmissionForm } from "./admission-form";
import type { PackResourcePolicy, RuleConfig } from "./define";
import type { Exemption } from "./exemptions";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and config are untyped JSON */

/** A stack's policy config (policies/config/<stack>.json): per policy, a level or settings. */
export type StackPolicyConfig = Record<string, EnforcementLevel | Record<string, any>>;

/** Annotations on each policy: the rule it enforces, and the objects it does not judge and why. */
export const admissionAnnotations = {
  rule: "policy.toolboxai.io/rule",
  exemptions: "policy.toolboxai.io/exemptions",
} as const;

/** The namespaces no generated policy judges, whatever the stack adds: the cluster's own. */
export const alwaysExcludedNamespaces = ["kube-system", "kube-public", "kube-node-lease"];

export interface AdmissionPolicyOptions {
  /** Namespaces never judged besides the cluster's own (an operator's, Argo CD's). */
  readonly excludedNamespaces: readonly string[];
  /** Prefixes the objects' names: one cluster may hold several installations' policies. */
  readonly namePrefix: string;
}

/** A policy's level and settings in a stack: its schema's defaults under the stack's values. */
export function ruleSettings(
  policy: PackResourcePolicy,
  config: StackPolicyConfig,
): { level: EnforcementLevel; settings: RuleConfig } {
  const given = config[policy.name];
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, property]) => (property as any).default !== undefined)
      .map(([key, property]) => [key, (property as any).default]),
  );
  if (typeof given === "string") return { level: given, settings: defaults };
  const { enforcementLevel, ...values } = given ?? {};
  return {
    level: enforcementLevel ?? policy.enforcementLevel ?? "advisory",
    settings: { ...defaults, ...values },
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
        ...(form.matchConditions ?? []),
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
      validationActions: level === "mandatory" ? ["Deny"] : ["Warn", "Audit"],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            {
              key: "kubernetes.io/metadata.name",
              operator: "NotIn",
              values: [...alwaysExcludedNamespaces, ...options.excludedNamespaces],
            },
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
