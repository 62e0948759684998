// Grants that lead past RBAC: a shell in pods, the kubelet API, editing or binding roles,
// impersonation. A rule is read the way the API server's authorizer does.
import { celString, celStrings } from "../lib/admission-form";
import { resourceRule } from "../lib/define";
import { stringsOf } from "../lib/kubernetes";
import { isRbacKind, rbacGroup, rulesOf } from "../lib/rbac";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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
          const granted = `rules[${index}]: a rule grants ${describeGrant(match)} (${grant.risk})`;
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
  // Roles only: ClusterRoles are cluster-wide, and a policy over them would judge every
  // installation's and the cluster's own. The messages name the grant, not the rule's index.
  admission: {
    resources: [{ apiGroups: [rbacGroup], apiVersions: ["v1"], resources: ["roles"] }],
    // An operator's own roles (CloudNativePG's, for its instances) are judged at its Cluster.
    judgedAtOwner: true,
    variables: [{ name: "rules", expression: "has(object.rules) ? object.rules : []" }],
    validations: (config) =>
      [...stringsOf(config.forbiddenSubresources).map(subresourceGrant), ...verbGrants].map(
        grantValidation,
      ),
    failurePolicy: "Fail",
  },
});

/**
 * CEL, over a rule `r`, for matchGrant and the message the pack writes: the rule's entry that
 * grants each of the grant's resources (matchingResource; '' for none), then the validation.
 */
function grantValidation(grant: EscalationGrant) {
  const list = (field: string) => `(has(r.${field}) ? r.${field} : [])`;
  const [groups, resources, verbs] = [list("apiGroups"), list("resources"), list("verbs")];
  const firstOf = (condition: string) => `${resources}.filter(e, ${condition})[0]`;
  const entries = grant.resources.map((wanted) => {
    const [resource = "", subresource] = wanted.split("/", 2);
    if (subresource === "*") {
      const exact = `e.startsWith(${celString(`${resource}/`)})`;
      const anyResource = "e.startsWith('*/') && size(e) > 2";
      return (
        `(${resources}.exists(e, ${exact}) ? ${firstOf(exact)} : '*' in ${resources} ? '*' : ` +
        `${resources}.exists(e, ${anyResource}) ? ${firstOf(anyResource)} : '')`
      );
    }
    const ofEvery =
      subresource === undefined
        ? ""
        : `${celString(`*/${subresource}`)} in ${resources} ? ${celString(`*/${subresource}`)} : `;
    return `(${celString(wanted)} in ${resources} ? ${celString(wanted)} : '*' in ${resources} ? '*' : ${ofEvery}'')`;
  });
  const groupWildcard = `!(${celString(grant.apiGroup)} in ${groups})`;
  const verbGranted = grant.verbs
    ? `${verbs}.exists(v, v in ${celStrings(grant.verbs)})`
    : `size(${verbs}) > 0`;
  const verbWildcard = grant.verbs ? `!(${verbGranted})` : "false";
  const matches =
    `(!(${groupWildcard}) || '*' in ${groups}) && (${verbGranted} || ` +
    `${grant.verbs ? `'*' in ${verbs}` : "false"}) && (${entries.map((entry) => `${entry} != ''`).join(" || ")})`;
  const covered = grant.resources
    .map(
      (wanted, index) =>
        `(${entries[index]} != '' ? [${celString(wanted === "userextras/*" ? "userextras" : wanted)}] : [])`,
    )
    .join(" + ");
  // Each wildcard entry once, in the order of the grant's resources.
  const resourceWildcards = entries
    .map((entry, index) => {
      const earlier = entries.slice(0, index).map((other) => ` && ${entry} != ${other}`);
      return `(${entry}.startsWith('*')${earlier.join("")} ? ['resources "' + ${entry} + '"'] : [])`;
    })
    .join(" + ");
  const wildcards =
    `(${groupWildcard} ? ['apiGroups "*"'] : []) + ${resourceWildcards} + ` +
    `(${verbWildcard} ? ['verbs "*"'] : [])`;
  const group = grant.apiGroup === "" ? "" : `${grant.apiGroup} `;
  const described = grant.verbs
    ? `${celString(`${grant.label} on ${group}`)} + (${covered}).join(', ')`
    : celString(grant.label);
  return {
    expression: `variables.rules.all(r, !(${matches}))`,
    messageExpression:
      `variables.rules.filter(r, ${matches}).map(r, 'a rule grants ' + ${described} + ` +
      `${celString(` (${grant.risk})`)} + (size(${wildcards}) > 0 ? ' through ' + ` +
      `(${wildcards}).join(', ') + '; replace the wildcards with the exact apiGroups, resources ` +
      `and verbs it needs' : '; remove it'))[0]`,
  };
}
