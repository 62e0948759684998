// Admission webhooks: the API server sends the objects a webhook's rules match to a server of its
// choosing, which may read them (Secrets included), rewrite them (a mutating webhook) or let them
// through. A webhook that matches everything sees and can change everything; one that fails open
// on pods, RBAC or webhook configurations turns off the checks that guard them whenever it is
// down. Read the way the API server matches a rule: "*" in apiGroups, resources or operations
// matches everything it stands for, "*/*" every resource and subresource, "pods/*" pods'
// subresources.
import type { Policies } from "@pulumi/policy";
import { resourceRule } from "./lib/define";
import { kindOf } from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const webhookKinds = ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];

/** A webhook configuration of admissionregistration.k8s.io, whatever its version. */
function isWebhookConfiguration(type: string): boolean {
  return (
    type.startsWith("kubernetes:admissionregistration.k8s.io/") &&
    webhookKinds.includes(kindOf(type))
  );
}

function listOf(value: any): any[] {
  return Array.isArray(value) ? [...value] : [];
}

/** A rule's list field as strings; anything else in it is kept, as text, so it is reported. */
function entriesOf(value: any): string[] {
  return listOf(value).map(String);
}

/** Each webhook with its place in the object, for messages: `webhooks[0] "check.example.com"`. */
function webhooksOf(props: any): { where: string; webhook: any }[] {
  return listOf(props?.webhooks).map((webhook, index) => ({
    where: `webhooks[${index}]${typeof webhook?.name === "string" ? ` "${webhook.name}"` : ""}`,
    webhook,
  }));
}

export const admissionWebhookNarrowScope = resourceRule({
  name: "admission-webhook-narrow-scope",
  description:
    "Validating and mutating webhook configurations match named API groups, resources and " +
    'operations: no "*" in a rule\'s apiGroups, resources (nor "*/*" or "*/<subresource>") or ' +
    "operations. A webhook that matches everything receives every object written to the " +
    "cluster, Secrets included, and a mutating one can rewrite any of them (hostile-input " +
    "finding F12; Kyverno restrict-webhooks).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "List in each rule the exact apiGroups, resources and operations (CREATE, UPDATE, DELETE, " +
    "CONNECT) the webhook needs, and narrow it further with namespaceSelector or objectSelector. " +
    "A cluster add-on that must see everything (a policy engine) is exempted by name with a " +
    "reason.",
  appliesTo: isWebhookConfiguration,
  check: (configuration) =>
    webhooksOf(configuration.props).flatMap(({ where, webhook }) =>
      listOf(webhook?.rules).flatMap((rule, index): string[] => {
        const wildcards = [
          ...entriesOf(rule?.apiGroups)
            .filter((group) => group === "*")
            .map(() => 'apiGroups "*" (every API group)'),
          ...entriesOf(rule?.resources)
            .filter((resource) => resource.startsWith("*"))
            .map((resource) => `resources "${resource}" (every resource)`),
          ...entriesOf(rule?.operations)
            .filter((operation) => operation === "*")
            .map(() => 'operations "*" (every operation)'),
        ];
        if (wildcards.length === 0) return [];
        return [
          `${where} rules[${index}] matches ${wildcards.join(", ")}; list the exact ` +
            "apiGroups, resources and operations it needs",
        ];
      }),
    ),
});

/** `rbac.authorization.k8s.io/roles` → group and resource; a bare name is the core group's. */
function splitGroupResource(entry: string): { group: string; resource: string } {
  const slash = entry.lastIndexOf("/");
  return slash < 0
    ? { group: "", resource: entry }
    : { group: entry.slice(0, slash), resource: entry.slice(slash + 1) };
}

/** The protected resources (as configured) that one webhook rule matches. */
function protectedMatches(rule: any, protectedResources: readonly string[]): string[] {
  const groups = entriesOf(rule?.apiGroups);
  // "pods", "pods/*", "pods/exec", "*" and "*/*" all reach pods: a subresource is the resource's.
  const resources = entriesOf(rule?.resources).map((entry) => entry.split("/")[0]);
  return protectedResources.filter((entry) => {
    const { group, resource } = splitGroupResource(entry);
    return (
      (groups.includes(group) || groups.includes("*")) &&
      (resources.includes(resource) || resources.includes("*"))
    );
  });
}

export const admissionWebhookFailClosed = resourceRule({
  name: "admission-webhook-fail-closed",
  description:
    "A webhook whose rules match pods, RBAC objects or webhook configurations does not fail " +
    "open: its failurePolicy is Fail (the admissionregistration.k8s.io/v1 default) or unset, " +
    "never Ignore (nor any other value), so that the checks it enforces are not skipped whenever the webhook is down or " +
    "slow (hostile-input finding F12).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    protectedResources: {
      type: "array",
      items: { type: "string", pattern: "^([a-z0-9.-]+/)?[a-z0-9-]+$" },
      default: [
        "pods",
        "rbac.authorization.k8s.io/roles",
        "rbac.authorization.k8s.io/rolebindings",
        "rbac.authorization.k8s.io/clusterroles",
        "rbac.authorization.k8s.io/clusterrolebindings",
        "admissionregistration.k8s.io/validatingwebhookconfigurations",
        "admissionregistration.k8s.io/mutatingwebhookconfigurations",
      ],
      description:
        'Resources ("group/resource", or "resource" for the core group) a webhook may not fail ' +
        "open on; their subresources count as the resource.",
    },
  },
  remediationSteps:
    "Set `failurePolicy: Fail` on the webhook (or remove the field: Fail is the default), run " +
    "the webhook server with more than one replica and a PodDisruptionBudget, and keep its " +
    "`timeoutSeconds` short. A webhook that only observes is exempted by name with a reason.",
  appliesTo: isWebhookConfiguration,
  check: (configuration, config) => {
    const protectedResources = entriesOf(config.protectedResources);
    return webhooksOf(configuration.props).flatMap(({ where, webhook }): string[] => {
      const policy = webhook?.failurePolicy;
      if (policy === undefined || policy === null || policy === "Fail") return [];
      const matched = [
        ...new Set(
          listOf(webhook?.rules).flatMap((rule) => protectedMatches(rule, protectedResources)),
        ),
      ];
      if (matched.length === 0) return [];
      return [
        `${where} has failurePolicy ${JSON.stringify(policy)} on ${matched.join(", ")}, so ` +
          "these are admitted unchecked whenever the webhook is unreachable; set failurePolicy: " +
          "Fail",
      ];
    });
  },
});

export const admissionPolicies: Policies = [
  admissionWebhookNarrowScope,
  admissionWebhookFailClosed,
];
