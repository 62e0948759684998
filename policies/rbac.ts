// RBAC: what roles grant and what bindings grant it to. Least privilege as such (wildcards,
// bindings to the built-in cluster-admin, admin, edit and system: roles, CSR approval, webhook
// configuration writes, cluster-wide secret reads); aggregation into and from the built-in
// roles; who a binding grants to; and which grants of a role lead past RBAC itself (a shell in
// pods, the kubelet API, editing or binding roles, impersonation). The escalation checks read a
// rule the way the API server's authorizer does: "*" in apiGroups, resources or verbs grants
// everything it stands for, "*/exec" any resource's exec subresource, and "pods/*" nothing in
// particular.
import type { Policies } from "@pulumi/policy";
import { resourceRule } from "./lib/define";
import { describeSelector, kindOf, selects, stringsOf } from "./lib/kubernetes";
import { listAt } from "./lib/lists";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const rbacGroup = "rbac.authorization.k8s.io";

/** A Kubernetes type of the RBAC API group with one of these kinds, whatever its version. */
function isRbacKind(type: string, kinds: readonly string[]): boolean {
  return type.startsWith(`kubernetes:${rbacGroup}/`) && kinds.includes(kindOf(type));
}

/**
 * A role's rules, each with its list fields read fail-closed: `rules`, or a rule's apiGroups,
 * resources, verbs, resourceNames or nonResourceURLs, set to anything but a list is added to
 * `problems` (a rule read as granting nothing would pass whatever it holds).
 */
function rulesOf(props: any, problems: string[]): any[] {
  const rules = listAt(props?.rules, "rules", problems);
  rules.forEach((rule, index) => {
    for (const field of ["apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"]) {
      listAt(rule?.[field], `rules[${index}].${field}`, problems);
    }
  });
  return rules;
}

// ---------------------------------------------------------------------------------------------
// Least privilege

const roleKinds = ["Role", "ClusterRole"];
const bindingKinds = ["RoleBinding", "ClusterRoleBinding"];
const secretReadVerbs = ["get", "list", "watch", "*"];
const writeVerbs = ["create", "update", "patch", "delete", "deletecollection", "*"];

/** `system:*` matches every name starting with `system:`; any other pattern only itself. */
function nameMatches(pattern: string, name: unknown): boolean {
  if (typeof name !== "string") return false;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** What is too broad in one RBAC rule of a Role or ClusterRole. */
function rbacRuleProblems(rule: any, clusterWide: boolean, config: any): string[] {
  const verbs = stringsOf(rule?.verbs);
  const resources = stringsOf(rule?.resources);
  const apiGroups = stringsOf(rule?.apiGroups);
  const coreGroup = apiGroups.includes("") || apiGroups.includes("*");
  const problems: string[] = [];
  if (verbs.includes("*")) problems.push('grants every verb ("*")');
  const wildResources = resources.filter((resource) => resource.includes("*"));
  if (wildResources.length > 0) {
    problems.push(`grants wildcard resources (${wildResources.join(", ")})`);
  }
  if (apiGroups.includes("*")) problems.push('grants every API group ("*")');
  if (coreGroup) {
    const forbidden = stringsOf(config.forbiddenResources);
    for (const resource of resources.filter((name) => forbidden.includes(name))) {
      problems.push(`grants ${resource}, which gives access into running pods`);
    }
    if (clusterWide && resources.includes("secrets")) {
      const reads = verbs.filter((verb) => secretReadVerbs.includes(verb));
      if (reads.length > 0) {
        problems.push(`grants ${reads.join(", ")} on secrets in every namespace`);
      }
    }
  }
  const forbiddenVerbs = stringsOf(config.forbiddenVerbs);
  for (const verb of verbs.filter((name) => forbiddenVerbs.includes(name))) {
    problems.push(`grants the ${verb} verb, a path to privilege escalation`);
  }
  const protectedResources = stringsOf(config.writeProtectedResources);
  if (verbs.some((verb) => writeVerbs.includes(verb))) {
    for (const resource of resources.filter((name) => protectedResources.includes(name))) {
      problems.push(`can write ${resource}`);
    }
  }
  return problems;
}

export const rbacLeastPrivilege = resourceRule({
  name: "rbac-least-privilege",
  description:
    "RBAC grants least privilege: Roles and ClusterRoles have no wildcard verbs, resources or " +
    "API groups, no approve verb (CSR approval), no write access to admission webhooks, and no " +
    "cluster-wide read of secrets; no RoleBinding or ClusterRoleBinding grants the built-in " +
    "cluster-admin, admin, edit or system:* ClusterRoles (admin and edit read Secrets and exec " +
    "into pods, system: roles are the control plane's own, e.g. the aggregation controller's " +
    "escalate on every ClusterRole). " +
    "pods/exec, pods/attach, nodes/proxy, bind, escalate and impersonate are checked, wildcards " +
    "included, by rbac-no-privilege-escalation (Polaris; CKV_K8S_49, CKV_K8S_155, CKV_K8S_156).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    forbiddenClusterRoles: {
      type: "array",
      items: { type: "string" },
      default: ["cluster-admin", "admin", "edit", "system:*"],
      description:
        'ClusterRoles no binding may grant; a trailing "*" matches every name it prefixes.',
    },
    forbiddenResources: {
      type: "array",
      items: { type: "string" },
      default: [],
      description:
        "Further core resources (subresources) no role may grant, with any verb; pods/exec, " +
        "pods/attach and nodes/proxy are rbac-no-privilege-escalation's.",
    },
    forbiddenVerbs: {
      type: "array",
      items: { type: "string" },
      default: ["approve"],
      description:
        "Verbs no role may grant, on any resource (CSR approval); bind, escalate and " +
        "impersonate are rbac-no-privilege-escalation's.",
    },
    writeProtectedResources: {
      type: "array",
      items: { type: "string" },
      default: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
      description: "Resources no role may create, update, patch or delete.",
    },
  },
  remediationSteps:
    "List the exact apiGroups, resources and verbs the workload needs in a namespaced Role; " +
    "never grant secrets cluster-wide, CSR approval or webhook configuration writes, and never " +
    "bind the built-in cluster-admin, admin, edit or system: ClusterRoles (bind a ClusterRole of " +
    "your own that lists what the subject needs). An operator that needs more is exempted by " +
    "name with a reason.",
  appliesTo: (type) => isRbacKind(type, [...roleKinds, ...bindingKinds]),
  check: (resource, config) => {
    if (isRbacKind(resource.type, bindingKinds)) {
      const roleRef = resource.props?.roleRef ?? {};
      const forbidden = stringsOf(config.forbiddenClusterRoles);
      if (
        roleRef.kind === "ClusterRole" &&
        forbidden.some((name) => nameMatches(name, roleRef.name))
      ) {
        return [`binds the ${roleRef.name} ClusterRole; bind a least-privilege Role instead`];
      }
      return [];
    }
    const clusterWide = kindOf(resource.type) === "ClusterRole";
    const problems: string[] = [];
    const rules = rulesOf(resource.props, problems);
    return [
      ...problems,
      ...rules.flatMap((rule, index) =>
        rbacRuleProblems(rule, clusterWide, config).map((problem) => `rule ${index} ${problem}`),
      ),
    ];
  },
});

// ---------------------------------------------------------------------------------------------
// Aggregation into and from the built-in roles

/**
 * The label sets of the built-in ClusterRoles and of the roles aggregated into them: every
 * default role carries kubernetes.io/bootstrapping, the parts of admin, edit and view (and
 * add-ons' parts) an aggregate-to label.
 */
const builtInRoleLabels = (() => {
  const bootstrapping = { "kubernetes.io/bootstrapping": "rbac-defaults" };
  const aggregateTo = ["admin", "edit", "view", "cluster-reader"].map(
    (role) => `${rbacGroup}/aggregate-to-${role}`,
  );
  return [
    bootstrapping,
    ...aggregateTo.flatMap((key) => [{ [key]: "true" }, { ...bootstrapping, [key]: "true" }]),
  ];
})();

/** `{a=b, c=d}`, for messages. */
function describeLabels(labels: Readonly<Record<string, string>>): string {
  return `{${Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ")}}`;
}

const selectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

/**
 * What keeps a label selector from being read as the controller reads it: the selector, its
 * matchLabels or an expression that is no mapping, matchExpressions that is no list, or an
 * operator other than In, NotIn, Exists and DoesNotExist.
 */
function selectorProblems(selector: any, where: string): string[] {
  const isMapping = (value: any) =>
    value !== null && typeof value === "object" && !Array.isArray(value);
  if (selector === null || selector === undefined) return [];
  if (!isMapping(selector))
    return [`${where} is ${JSON.stringify(selector)}; it must be a mapping`];
  const problems: string[] = [];
  const labels = selector.matchLabels;
  if (labels !== undefined && labels !== null && !isMapping(labels)) {
    problems.push(`${where}.matchLabels is ${JSON.stringify(labels)}; it must be a mapping`);
  }
  listAt(selector.matchExpressions, `${where}.matchExpressions`, problems).forEach(
    (expression, index) => {
      if (selectorOperators.includes(expression?.operator)) return;
      problems.push(
        `${where}.matchExpressions[${index}] has operator ${JSON.stringify(expression?.operator)}; ` +
          `it must be one of ${selectorOperators.join(", ")}`,
      );
    },
  );
  return problems;
}

export const rbacNoDefaultRoleAggregation = resourceRule({
  name: "rbac-no-default-role-aggregation",
  description:
    "No ClusterRole aggregates the built-in roles, and none adds its rules to them. An " +
    "aggregationRule whose clusterRoleSelectors select the labels of the default roles " +
    "(kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin, " +
    "-edit, -view or -cluster-reader; an empty selector, or one that only excludes labels, " +
    "selects them too) makes the controller copy their rules, cluster-admin's included, into " +
    'the role. A ClusterRole labelled aggregate-to-admin, -edit, -view or -cluster-reader "true" ' +
    "has its rules added to that built-in role for every binding of it in the cluster, which " +
    "the stack does not see; its rules are judged by rbac-least-privilege and " +
    "rbac-no-privilege-escalation like any role's, and the label itself is flagged so that no " +
    "exemption from those reaches every holder of admin, edit or view (hostile-input finding " +
    "F6).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    aggregateToLabels: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["admin", "edit", "view", "cluster-reader"].map(
        (role) => `${rbacGroup}/aggregate-to-${role}`,
      ),
      description:
        'Labels that, set to "true" on a ClusterRole, add its rules to a built-in ClusterRole.',
    },
  },
  remediationSteps:
    "Give the ClusterRole its own `rules` instead of an aggregationRule, or let its " +
    "clusterRoleSelectors match only a label of your own (e.g. `toolboxai.io/aggregate-to-" +
    'operator: "true"`). Remove aggregate-to-* labels and bind the role where it is needed. ' +
    "An add-on's read-only role meant for view is exempted by name with a reason.",
  appliesTo: (type) => isRbacKind(type, ["ClusterRole"]),
  check: (role, config) => {
    const problems: string[] = [];
    const labels = role.props?.metadata?.labels ?? {};
    for (const key of stringsOf(config.aggregateToLabels)) {
      if (labels[key] !== "true") continue;
      const target = key.slice(key.lastIndexOf("aggregate-to-") + "aggregate-to-".length);
      problems.push(
        `label ${key}: "true" adds its rules to the built-in ${target} ClusterRole, for every ` +
          "binding of it in the cluster; remove the label and bind this role where it is needed",
      );
    }
    const aggregation = role.props?.aggregationRule;
    if (aggregation === undefined || aggregation === null) return problems;
    const selectors = listAt(
      aggregation.clusterRoleSelectors,
      "aggregationRule.clusterRoleSelectors",
      problems,
    );
    selectors.forEach((selector, index) => {
      const where = `aggregationRule.clusterRoleSelectors[${index}]`;
      const unread = selectorProblems(selector, where);
      if (unread.length > 0) {
        problems.push(...unread);
        return;
      }
      const selected = builtInRoleLabels.find((set) => selector && selects(selector, set));
      if (selected === undefined) return;
      const defaults = "kubernetes.io/bootstrapping" in selected;
      problems.push(
        `${where} {${describeSelector(selector)}} selects ` +
          `the built-in ClusterRoles labelled ${describeLabels(selected)}, so this role receives ` +
          `their rules${defaults ? ` (cluster-admin's "*" on everything among them)` : ""}; ` +
          "select only a label of your own",
      );
    });
    return problems;
  },
});

// ---------------------------------------------------------------------------------------------
// Bindings to everyone

/** What each default forbidden subject stands for, for messages. */
const subjectMeaning: Readonly<Record<string, string>> = {
  "system:anonymous": "every request without credentials",
  "system:unauthenticated": "every request without credentials",
  "system:authenticated": "every authenticated identity, every ServiceAccount included",
};

export const rbacNoPublicBindings = resourceRule({
  name: "rbac-no-public-bindings",
  description:
    "RoleBindings and ClusterRoleBindings grant nothing to system:anonymous, " +
    "system:unauthenticated or system:authenticated (as a User or Group subject): a role bound " +
    "to them is granted to anyone who can reach the API server (rbac-least-privilege row; " +
    "Kyverno restrict-binding-system-groups; Gatekeeper k8sdisallowanonymous; CIS GKE " +
    "4.1.8–4.1.10).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    forbiddenSubjects: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["system:anonymous", "system:unauthenticated", "system:authenticated"],
      description: "User and Group names no binding may name as a subject.",
    },
  },
  remediationSteps:
    "Remove the subject from the binding's `subjects` and bind the role to the ServiceAccount, " +
    "User or Group that needs it instead. The program creates no such binding; one that a " +
    "cluster component needs (the default system:public-info-viewer, say) is exempted by name " +
    "with a reason.",
  appliesTo: (type) => isRbacKind(type, ["RoleBinding", "ClusterRoleBinding"]),
  check: (binding, config) => {
    const forbidden = stringsOf(config.forbiddenSubjects);
    const roleRef = binding.props?.roleRef ?? {};
    const role = `${roleRef.kind ?? "role"} ${roleRef.name ?? "(unnamed)"}`;
    const problems: string[] = [];
    const subjects = listAt(binding.props?.subjects, "subjects", problems);
    const granted = subjects.flatMap((subject, index): string[] => {
      if (subject?.kind !== "User" && subject?.kind !== "Group") return [];
      if (!forbidden.includes(subject?.name)) return [];
      const meaning = subjectMeaning[subject.name];
      return [
        `subjects[${index}] grants ${role} to ${subject.kind} "${subject.name}"` +
          `${meaning ? ` (${meaning})` : ""}; bind it to a specific ServiceAccount, User or ` +
          "Group instead",
      ];
    });
    return [...problems, ...granted];
  },
});

// ---------------------------------------------------------------------------------------------
// Grants that lead past RBAC

/** A permission that lets its holder gain more than the role grants. */
interface EscalationGrant {
  /** How a message names it: "pods/exec", "escalate", … */
  readonly label: string;
  readonly apiGroup: string;
  /** `resource` or `resource/subresource`; `userextras/*` stands for every extra key. */
  readonly resources: readonly string[];
  /** The verbs that grant it; undefined: every verb does. */
  readonly verbs?: readonly string[];
  /** What the holder can do with it. */
  readonly risk: string;
}

const subresourceRisks: Readonly<Record<string, string>> = {
  "nodes/proxy":
    "the kubelet API of every node, which runs commands in any pod there and bypasses the API " +
    "server's audit and admission",
  "pods/exec": "a shell in running containers",
  "pods/attach": "the stdin and stdout of running containers",
};

/** The fixed escalation grants: role escalation and binding, and impersonation. */
const verbGrants: readonly EscalationGrant[] = [
  {
    label: "escalate",
    apiGroup: rbacGroup,
    resources: ["roles", "clusterroles"],
    verbs: ["escalate"],
    risk: "writing roles with permissions it does not hold",
  },
  {
    label: "bind",
    apiGroup: rbacGroup,
    resources: ["roles", "clusterroles"],
    verbs: ["bind"],
    risk: "binding roles with permissions it does not hold",
  },
  {
    label: "impersonate",
    apiGroup: "",
    resources: ["users", "groups", "serviceaccounts"],
    verbs: ["impersonate"],
    risk: "acting as another user, group or service account",
  },
  {
    label: "impersonate",
    apiGroup: "authentication.k8s.io",
    resources: ["userextras/*", "uids"],
    verbs: ["impersonate"],
    risk: "forging the extra attributes and UID of the identity it acts as",
  },
];

function subresourceGrant(resource: string): EscalationGrant {
  return {
    label: resource,
    apiGroup: "",
    resources: [resource],
    risk: subresourceRisks[resource] ?? "access into nodes or running pods",
  };
}

/** The rule's entry that grants `wanted` (the exact one first), or undefined. */
function matchingResource(ruleResources: readonly string[], wanted: string): string | undefined {
  const [resource = "", subresource] = wanted.split("/", 2);
  const anyExtra = subresource === "*"; // userextras/*: any key of the resource
  const exact = ruleResources.find((entry) =>
    anyExtra ? entry.startsWith(`${resource}/`) : entry === wanted,
  );
  if (exact !== undefined) return exact;
  if (ruleResources.includes("*")) return "*";
  if (subresource === undefined) return undefined;
  // "*/exec" grants the exec subresource of every resource (the authorizer's only other form).
  return ruleResources.find((entry) =>
    anyExtra ? entry.startsWith("*/") && entry.length > 2 : entry === `*/${subresource}`,
  );
}

interface GrantMatch {
  readonly grant: EscalationGrant;
  /** The grant's resources the rule covers. */
  readonly resources: readonly string[];
  /** The wildcard entries the rule grants it through, e.g. `verbs "*"`. */
  readonly wildcards: readonly string[];
}

function matchGrant(rule: any, grant: EscalationGrant): GrantMatch | undefined {
  const apiGroups = stringsOf(rule?.apiGroups);
  const resources = stringsOf(rule?.resources);
  const verbs = stringsOf(rule?.verbs);

  const groupWildcard = !apiGroups.includes(grant.apiGroup);
  if (groupWildcard && !apiGroups.includes("*")) return undefined;

  let verbWildcard = false;
  if (grant.verbs === undefined) {
    if (verbs.length === 0) return undefined;
  } else if (!grant.verbs.some((verb) => verbs.includes(verb))) {
    if (!verbs.includes("*")) return undefined;
    verbWildcard = true;
  }

  const covered: string[] = [];
  const resourceWildcards = new Set<string>();
  for (const wanted of grant.resources) {
    const entry = matchingResource(resources, wanted);
    if (entry === undefined) continue;
    covered.push(wanted === "userextras/*" ? "userextras" : wanted);
    if (entry.startsWith("*")) resourceWildcards.add(`resources "${entry}"`);
  }
  if (covered.length === 0) return undefined;

  const wildcards = [
    ...(groupWildcard ? ['apiGroups "*"'] : []),
    ...resourceWildcards,
    ...(verbWildcard ? ['verbs "*"'] : []),
  ];
  return { grant, resources: covered, wildcards };
}

/** `pods/exec`, or `escalate on roles, clusterroles`, for messages. */
function describeGrant(match: GrantMatch): string {
  const { grant } = match;
  if (grant.verbs === undefined) return grant.label;
  const group = grant.apiGroup === "" ? "" : `${grant.apiGroup} `;
  return `${grant.label} on ${group}${match.resources.join(", ")}`;
}

export const rbacNoPrivilegeEscalation = resourceRule({
  name: "rbac-no-privilege-escalation",
  description:
    "Roles and ClusterRoles grant no path past RBAC: no nodes/proxy, pods/exec or pods/attach " +
    "(any verb, core group), no escalate or bind on roles and clusterroles, and no impersonate " +
    "on users, groups, serviceaccounts or authentication.k8s.io userextras and uids; wildcards " +
    '("*" in apiGroups, resources or verbs, and "*/exec"-style resources) count as the grants ' +
    "they cover (rbac-least-privilege row: no pods/exec; Polaris clusterrolePodExecAttach, " +
    "rolePodExecAttach; Kyverno restrict-escalation-verbs-roles, " +
    "restrict-clusterrole-nodesproxy; CIS Kubernetes 5.1.8; CKV_K8S_157, CKV_K8S_158).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    forbiddenSubresources: {
      type: "array",
      items: { type: "string", pattern: "^[a-z0-9.-]+/[a-z0-9.-]+$" },
      default: ["nodes/proxy", "pods/exec", "pods/attach"],
      description: "Core-group subresources no role may grant, with any verb.",
    },
  },
  remediationSteps:
    "Remove the named grant from the rule: drop nodes/proxy, pods/exec and pods/attach from " +
    "`resources`, and escalate, bind and impersonate from `verbs`. Where it comes through a " +
    "wildcard, list the exact apiGroups, resources and verbs the workload needs instead of " +
    '"*". Debugging access belongs to short-lived, audited human roles, not workload roles; an ' +
    "operator that must bind or impersonate is exempted by name with a reason.",
  appliesTo: (type) => isRbacKind(type, ["Role", "ClusterRole"]),
  check: (role, config) => {
    const grants = [
      ...stringsOf(config.forbiddenSubresources).map(subresourceGrant),
      ...verbGrants,
    ];
    const problems: string[] = [];
    const rules = rulesOf(role.props, problems);
    return [
      ...problems,
      ...rules.flatMap((rule, index) =>
        grants.flatMap((grant): string[] => {
          const match = matchGrant(rule, grant);
          if (!match) return [];
          const granted = `rules[${index}] grants ${describeGrant(match)} (${grant.risk})`;
          return [
            match.wildcards.length > 0
              ? `${granted} through ${match.wildcards.join(", ")}; replace the wildcards with ` +
                "the exact apiGroups, resources and verbs it needs"
              : `${granted}; remove it`,
          ];
        }),
      ),
    ];
  },
});

export const rbacPolicies: Policies = [
  rbacLeastPrivilege,
  rbacNoDefaultRoleAggregation,
  rbacNoPublicBindings,
  rbacNoPrivilegeEscalation,
];
