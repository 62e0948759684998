// Aggregation into and from the built-in roles.
import { resourceRule } from "../lib/define";
import { describeSelector, selects, stringsOf } from "../lib/kubernetes";
import { listAt } from "../lib/lists";
import { isRbacKind, rbacGroup } from "../lib/rbac";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

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
  packOnly:
    "ClusterRoles are cluster-wide: a policy over them would judge every installation's and the cluster's own, not only the stack's.",
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
