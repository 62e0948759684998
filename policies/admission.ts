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
import { listAt } from "./lib/lists";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const webhookKinds = ["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"];

/** A webhook configuration of admissionregistration.k8s.io, whatever its version. */
function isWebhookConfiguration(type: string): boolean {
  return (
    type.startsWith("kubernetes:admissionregistration.k8s.io/") &&
    webhookKinds.includes(kindOf(type))
  );
}

interface WebhookRule {
  /** `webhooks[0] "check.example.com" rules[1]`, for messages. */
  readonly where: string;
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly operations: readonly string[];
}

interface Webhook {
  /** `webhooks[0] "check.example.com"`, for messages. */
  readonly where: string;
  readonly failurePolicy: unknown;
  readonly rules: readonly WebhookRule[];
}

/** The webhooks and their rules; a list field set to anything else is added to `problems`. */
function readWebhooks(props: any, problems: string[]): Webhook[] {
  return listAt(props?.webhooks, "webhooks", problems).map((webhook, index) => {
    const name = typeof webhook?.name === "string" ? ` "${webhook.name}"` : "";
    const where = `webhooks[${index}]${name}`;
    const rules = listAt(webhook?.rules, `${where}.rules`, problems).map((rule, ruleIndex) => {
      const field = (key: string) =>
        listAt(rule?.[key], `${where}.rules[${ruleIndex}].${key}`, problems).map(String);
      return {
        where: `${where} rules[${ruleIndex}]`,
        apiGroups: field("apiGroups"),
        resources: field("resources"),
        operations: field("operations"),
      };
    });
    return { where, failurePolicy: webhook?.failurePolicy, rules };
  });
}

export const admissionWebhookNarrowScope = resourceRule({
  name: "admission-webhook-narrow-scope",
  description:
    "Validating and mutating webhook configurations match named API groups, resources and " +
    'operations: no "*" in a rule\'s apiGroups, resources (nor "*/*" or "*/<subresource>") or ' +
    "operations. A webhook that matches everything receives every object written to the " +
    "cluster, Secrets included, and a mutating one can rewrite any of them (hostile-input " +
    "finding F12).",
  severity: "high",
  enforcementLevel: "mandatory",
  packOnly:
    "Webhook configurations are cluster-wide: a policy over them would judge every installation's and the cluster's own, not only the stack's.",
  remediationSteps:
    "List in each rule the exact apiGroups, resources and operations (CREATE, UPDATE, DELETE, " +
    "CONNECT) the webhook needs, and narrow it further with namespaceSelector or objectSelector. " +
    "A cluster add-on that must see everything (a policy engine) is exempted by name with a " +
    "reason.",
  appliesTo: isWebhookConfiguration,
  check: (configuration) => {
    const problems: string[] = [];
    for (const rule of readWebhooks(configuration.props, problems).flatMap((hook) => hook.rules)) {
      const wildcards = [
        ...rule.apiGroups
          .filter((group) => group === "*")
          .map(() => 'apiGroups "*" (every API group)'),
        ...rule.resources
          .filter((resource) => resource.startsWith("*"))
          .map((resource) => `resources "${resource}" (every resource)`),
        ...rule.operations
          .filter((operation) => operation === "*")
          .map(() => 'operations "*" (every operation)'),
      ];
      if (wildcards.length === 0) continue;
      problems.push(
        `${rule.where} matches ${wildcards.join(", ")}; list the exact apiGroups, resources ` +
          "and operations it needs",
      );
    }
    return problems;
  },
});

/** `rbac.authorization.k8s.io/roles` → group and resource; a bare name is the core group's. */
function splitGroupResource(entry: string): { group: string; resource: string } {
  const slash = entry.lastIndexOf("/");
  return slash < 0
    ? { group: "", resource: entry }
    : { group: entry.slice(0, slash), resource: entry.slice(slash + 1) };
}

/** The protected resources (as configured) that one webhook rule matches. */
function protectedMatches(rule: WebhookRule, protectedResources: readonly string[]): string[] {
  // "pods", "pods/*", "pods/exec", "*" and "*/*" all reach pods: a subresource is the resource's.
  const resources = rule.resources.map((entry) => entry.split("/")[0]);
  return protectedResources.filter((entry) => {
    const { group, resource } = splitGroupResource(entry);
    return (
      (rule.apiGroups.includes(group) || rule.apiGroups.includes("*")) &&
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
  packOnly:
    "Webhook configurations are cluster-wide: a policy over them would judge every installation's and the cluster's own, not only the stack's.",
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
    const protectedResources = listAt(config.protectedResources, "protectedResources", []);
    const problems: string[] = [];
    for (const webhook of readWebhooks(configuration.props, problems)) {
      const policy = webhook.failurePolicy;
      if (policy === undefined || policy === null || policy === "Fail") continue;
      const matched = [
        ...new Set(webhook.rules.flatMap((rule) => protectedMatches(rule, protectedResources))),
      ];
      if (matched.length === 0) continue;
      problems.push(
        `${webhook.where} has failurePolicy ${JSON.stringify(policy)} on ${matched.join(", ")}, ` +
          "so these are admitted unchecked whenever the webhook is unreachable; set " +
          "failurePolicy: Fail",
      );
    }
    return problems;
  },
});

export const admissionPolicies: Policies = [
  admissionWebhookNarrowScope,
  admissionWebhookFailClosed,
];
