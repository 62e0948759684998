// Least privilege: wildcards, bindings to the built-in cluster-admin, admin, edit and system:
// roles, CSR approval, webhook configuration writes, cluster-wide secret reads.
import { celString, celStrings } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { kindOf, stringsOf } from "../lib/kubernetes";
import { isRbacKind, rbacGroup, rulesOf } from "../lib/rbac";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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
        rbacRuleProblems(rule, clusterWide, config).map(
          (problem) => `rules[${index}]: a rule ${problem}`,
        ),
      ),
    ];
  },
  // Roles and RoleBindings: ClusterRoles and ClusterRoleBindings are cluster-wide, and a policy
  // over them would judge every installation's and the cluster's own. The messages name the
  // rule's problem, not its index: CEL has no index over a list.
  admission: {
    resources: [
      {
        apiGroups: [rbacGroup],
        apiVersions: ["v1"],
        resources: ["roles", "rolebindings"],
      },
    ],
    // An operator's own roles (CloudNativePG's, for its instances) are judged at its Cluster.
    judgedAtOwner: true,
    variables: [
      {
        name: "rules",
        expression: "object.kind == 'Role' && has(object.rules) ? object.rules : []",
      },
      // A variable, so that the expression that reads roleRef is not typed against Role.
      {
        name: "boundClusterRole",
        expression:
          "object.kind == 'RoleBinding' && object.roleRef.kind == 'ClusterRole' ? object.roleRef.name : ''",
      },
    ],
    validations: (config) => {
      const forbiddenRoles = stringsOf(config.forbiddenClusterRoles);
      const bound = "variables.boundClusterRole";
      const matches = forbiddenRoles.map((pattern) =>
        pattern.endsWith("*")
          ? `${bound}.startsWith(${celString(pattern.slice(0, -1))})`
          : `${bound} == ${celString(pattern)}`,
      );
      const forbiddenBinding = `${bound} != '' && (${matches.length > 0 ? matches.join(" || ") : "false"})`;
      const list = (field: string) => `(has(r.${field}) ? r.${field} : [])`;
      const coreGroup = `${list("apiGroups")}.exists(g, g in ['', '*'])`;
      /** A validation over every rule `r`: `found` is a CEL list of its problems (strings). */
      const eachRule = (found: string) => ({
        expression: `variables.rules.all(r, size(${found}) == 0)`,
        messageExpression: `variables.rules.map(r, ${found}).filter(p, size(p) > 0)[0].map(p, 'a rule ' + p)[0]`,
      });
      const writes = `${list("verbs")}.exists(v, v in ${celStrings(writeVerbs)})`;
      return [
        {
          expression: `!(${forbiddenBinding})`,
          messageExpression: `'binds the ' + ${bound} + ' ClusterRole; bind a least-privilege Role instead'`,
        },
        eachRule(`('*' in ${list("verbs")} ? ['grants every verb ("*")'] : [])`),
        eachRule(
          `(${list("resources")}.exists(x, x.contains('*')) ? ['grants wildcard resources (' + ` +
            `${list("resources")}.filter(x, x.contains('*')).join(', ') + ')'] : [])`,
        ),
        eachRule(`('*' in ${list("apiGroups")} ? ['grants every API group ("*")'] : [])`),
        eachRule(
          `(${coreGroup} ? ${list("resources")}.filter(x, x in ` +
            `${celStrings(stringsOf(config.forbiddenResources))}).map(x, 'grants ' + x + ` +
            `', which gives access into running pods') : [])`,
        ),
        eachRule(
          `${list("verbs")}.filter(v, v in ${celStrings(stringsOf(config.forbiddenVerbs))})` +
            `.map(v, 'grants the ' + v + ' verb, a path to privilege escalation')`,
        ),
        eachRule(
          `(${writes} ? ${list("resources")}.filter(x, x in ` +
            `${celStrings(stringsOf(config.writeProtectedResources))}).map(x, 'can write ' + x) : [])`,
        ),
      ];
    },
    failurePolicy: "Fail",
  },
});
