// rbac-no-default-role-aggregation: aggregation into and from the built-in roles.
import { rbacNoDefaultRoleAggregation } from "../../../policies/rbac/aggregation";
import { clusterRoleWith, rbacObjects } from "../fixtures/rbac";
import { messagesOf } from "../support";

describe("rbac-no-default-role-aggregation", () => {
  const aggregating = (name: string, clusterRoleSelectors: unknown) => ({
    ...clusterRoleWith([], name),
    aggregationRule: { clusterRoleSelectors },
  });
  const own = "select only a label of your own";
  const defaults = '(cluster-admin\'s "*" on everything among them)';

  test("an aggregationRule over labels of one's own passes, and so do unlabelled roles", async () => {
    const objects = [
      ...rbacObjects(),
      aggregating("operator", [{ matchLabels: { "toolboxai.io/aggregate-to-operator": "true" } }]),
      aggregating("nothing", []),
      {
        ...clusterRoleWith([], "labelled-false"),
        metadata: {
          name: "labelled-false",
          labels: { "rbac.authorization.k8s.io/aggregate-to-view": "false" },
        },
      },
    ];
    expect(await messagesOf(rbacNoDefaultRoleAggregation, objects)).toEqual([]);
  });

  test("selecting the default roles' labels is reported, whatever the selector's form", async () => {
    const objects = [
      aggregating("reader", [{ matchLabels: { "kubernetes.io/bootstrapping": "rbac-defaults" } }]),
      aggregating("everything", [{}]),
      aggregating("admin-parts", [
        {
          matchExpressions: [
            { key: "rbac.authorization.k8s.io/aggregate-to-admin", operator: "Exists" },
          ],
        },
      ]),
      aggregating("not-mine", [
        { matchExpressions: [{ key: "toolboxai.io/team", operator: "DoesNotExist" }] },
      ]),
      aggregating("broken", { matchLabels: {} }),
    ];
    expect(await messagesOf(rbacNoDefaultRoleAggregation, objects)).toEqual([
      "ClusterRole reader: aggregationRule.clusterRoleSelectors[0] " +
        "{kubernetes.io/bootstrapping=rbac-defaults} selects the built-in ClusterRoles labelled " +
        `{kubernetes.io/bootstrapping=rbac-defaults}, so this role receives their rules ${defaults}; ${own}`,
      "ClusterRole everything: aggregationRule.clusterRoleSelectors[0] {} selects the built-in " +
        "ClusterRoles labelled {kubernetes.io/bootstrapping=rbac-defaults}, so this role receives " +
        `their rules ${defaults}; ${own}`,
      "ClusterRole admin-parts: aggregationRule.clusterRoleSelectors[0] " +
        "{rbac.authorization.k8s.io/aggregate-to-admin Exists} selects the built-in ClusterRoles " +
        "labelled {rbac.authorization.k8s.io/aggregate-to-admin=true}, so this role receives " +
        `their rules; ${own}`,
      "ClusterRole not-mine: aggregationRule.clusterRoleSelectors[0] {toolboxai.io/team " +
        "DoesNotExist} selects the built-in ClusterRoles labelled " +
        `{kubernetes.io/bootstrapping=rbac-defaults}, so this role receives their rules ${defaults}; ${own}`,
      "ClusterRole broken: aggregationRule.clusterRoleSelectors is a mapping (keys: matchLabels); it must " +
        "be a list",
    ]);
  });

  test("a selector the controller would read differently is reported, not taken as selecting nothing", async () => {
    const objects = [
      aggregating("operator-case", [
        { matchExpressions: [{ key: "kubernetes.io/bootstrapping", operator: "exists" }] },
      ]),
      aggregating("labels-list", [{ matchLabels: ["kubernetes.io/bootstrapping"] }]),
    ];
    expect(await messagesOf(rbacNoDefaultRoleAggregation, objects)).toEqual([
      "ClusterRole operator-case: aggregationRule.clusterRoleSelectors[0].matchExpressions[0] " +
        'has operator "exists"; it must be one of In, NotIn, Exists, DoesNotExist',
      "ClusterRole labels-list: aggregationRule.clusterRoleSelectors[0].matchLabels is " +
        '["kubernetes.io/bootstrapping"]; it must be a mapping',
    ]);
  });

  test("a ClusterRole labelled to join admin, edit, view or cluster-reader is reported", async () => {
    const role = clusterRoleWith([], "add-on");
    role.metadata.labels = {
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
      "rbac.authorization.k8s.io/aggregate-to-view": "true",
    };
    const suffix =
      "ClusterRole, for every binding of it in the cluster; remove the label and bind this role " +
      "where it is needed";
    expect(await messagesOf(rbacNoDefaultRoleAggregation, [role])).toEqual([
      'ClusterRole add-on: label rbac.authorization.k8s.io/aggregate-to-admin: "true" adds its ' +
        `rules to the built-in admin ${suffix}`,
      'ClusterRole add-on: label rbac.authorization.k8s.io/aggregate-to-view: "true" adds its ' +
        `rules to the built-in view ${suffix}`,
    ]);
  });
});
