import {
  rbacLeastPrivilege,
  rbacNoDefaultRoleAggregation,
  rbacNoPrivilegeEscalation,
  rbacNoPublicBindings,
  rbacPolicies,
} from "../../policies/rbac";
import {
  clusterRoleBindingTo,
  clusterRoleWith,
  rbacObjects,
  roleBindingTo,
  roleWith,
} from "./fixtures/rbac";
import {
  compliantClusterRole,
  compliantClusterRoleBinding,
  compliantRole,
  compliantRoleBinding,
} from "./fixtures/security";
import { messagesOf } from "./support";

const instead = "bind it to a specific ServiceAccount, User or Group instead";
const anonymous = "every request without credentials";
const exec = "pods/exec (a shell in running containers)";
const attach = "pods/attach (the stdin and stdout of running containers)";
const proxy =
  "nodes/proxy (the kubelet API of every node, which runs commands in any pod there and " +
  "bypasses the API server's audit and admission)";
const escalate = "(writing roles with permissions it does not hold)";
const bind = "(binding roles with permissions it does not hold)";
const impersonateCore = "(acting as another user, group or service account)";
const impersonateExtras = "(forging the extra attributes and UID of the identity it acts as)";
const replace = "replace the wildcards with the exact apiGroups, resources and verbs it needs";

describe("the rbac module", () => {
  test("every policy is mandatory, with remediation and config defaults", () => {
    expect(rbacPolicies.map((policy) => policy.name)).toEqual([
      "rbac-least-privilege",
      "rbac-no-default-role-aggregation",
      "rbac-no-public-bindings",
      "rbac-no-privilege-escalation",
    ]);
    for (const policy of rbacPolicies) {
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.remediationSteps).toBeTruthy();
      for (const schema of Object.values(policy.configSchema?.properties ?? {})) {
        expect(schema.default).toBeDefined();
      }
    }
    expect(rbacLeastPrivilege.severity).toBe("high");
    expect(rbacNoDefaultRoleAggregation.severity).toBe("critical");
    expect(rbacNoPublicBindings.severity).toBe("critical");
    expect(rbacNoPrivilegeEscalation.severity).toBe("high");
  });

  test("the compliant RBAC objects pass every policy", async () => {
    for (const policy of rbacPolicies) {
      expect({ policy: policy.name, messages: await messagesOf(policy, rbacObjects()) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
  });
});

describe("rbac-no-public-bindings", () => {
  test("the compliant bindings pass", async () => {
    expect(await messagesOf(rbacNoPublicBindings, rbacObjects())).toEqual([]);
  });

  test("anonymous and unauthenticated subjects of a ClusterRoleBinding are reported by index", async () => {
    const binding = clusterRoleBindingTo([
      { kind: "ServiceAccount", name: "api", namespace: "toolboxai" },
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" },
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:anonymous" },
    ]);
    expect(await messagesOf(rbacNoPublicBindings, [binding])).toEqual([
      'ClusterRoleBinding node-reader: subjects[1] grants ClusterRole node-reader to Group "system:unauthenticated" ' +
        `(${anonymous}); ${instead}`,
      'ClusterRoleBinding node-reader: subjects[2] grants ClusterRole node-reader to User "system:anonymous" ' +
        `(${anonymous}); ${instead}`,
    ]);
  });

  test("system:authenticated in a RoleBinding is reported, as a Group or a User", async () => {
    const binding = roleBindingTo([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:authenticated" },
    ]);
    const meaning = "every authenticated identity, every ServiceAccount included";
    expect(await messagesOf(rbacNoPublicBindings, [binding])).toEqual([
      'RoleBinding toolboxai/api-reader: subjects[0] grants Role api-reader to Group "system:authenticated" ' +
        `(${meaning}); ${instead}`,
      'RoleBinding toolboxai/api-reader: subjects[1] grants Role api-reader to User "system:authenticated" ' +
        `(${meaning}); ${instead}`,
    ]);
  });

  test("a ServiceAccount subject is never a public one, whatever its name", async () => {
    const binding = roleBindingTo([
      { kind: "ServiceAccount", name: "system:anonymous", namespace: "toolboxai" },
    ]);
    expect(await messagesOf(rbacNoPublicBindings, [binding])).toEqual([]);
  });

  test("forbiddenSubjects is configurable, and a binding is exempted by name", async () => {
    const allServiceAccounts = clusterRoleBindingTo(
      [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:serviceaccounts" }],
      "everyone-reads-nodes",
    );
    const publicInfo = clusterRoleBindingTo(
      [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:unauthenticated" }],
      "system:public-info-viewer",
    );
    expect(await messagesOf(rbacNoPublicBindings, [allServiceAccounts, publicInfo])).toEqual([
      'ClusterRoleBinding system:public-info-viewer: subjects[0] grants ClusterRole system:public-info-viewer to Group "system:unauthenticated" ' +
        `(${anonymous}); ${instead}`,
    ]);
    const config = {
      "rbac-no-public-bindings": {
        forbiddenSubjects: ["system:unauthenticated", "system:serviceaccounts"],
        exemptions: [
          {
            kind: "ClusterRoleBinding",
            name: "system:public-info-viewer",
            reason: "Kubernetes default: version and health endpoints for everyone",
          },
        ],
      },
    };
    expect(
      await messagesOf(rbacNoPublicBindings, [allServiceAccounts, publicInfo], config),
    ).toEqual([
      'ClusterRoleBinding everyone-reads-nodes: subjects[0] grants ClusterRole everyone-reads-nodes to Group "system:serviceaccounts"; ' +
        instead,
    ]);
  });
});

describe("rbac-no-privilege-escalation", () => {
  test("the compliant roles pass; pods/log, rolebindings and nonResourceURLs are fine", async () => {
    const role = roleWith([
      { apiGroups: [""], resources: ["pods", "pods/log", "pods/status"], verbs: ["get", "list"] },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["rolebindings"],
        verbs: ["create", "update"],
      },
      { nonResourceURLs: ["/healthz"], verbs: ["get"] },
    ]);
    expect(await messagesOf(rbacNoPrivilegeEscalation, [...rbacObjects(), role])).toEqual([]);
  });

  test('"pods/*" grants no subresource (the authorizer reads only "*" and "*/exec")', async () => {
    const role = roleWith([{ apiGroups: [""], resources: ["pods/*"], verbs: ["create"] }]);
    expect(await messagesOf(rbacNoPrivilegeEscalation, [role])).toEqual([]);
  });

  test("pods/exec, pods/attach and nodes/proxy are reported with any verb", async () => {
    const role = roleWith([
      { apiGroups: [""], resources: ["pods", "pods/exec", "pods/attach"], verbs: ["create"] },
    ]);
    const clusterRole = clusterRoleWith([
      { apiGroups: [""], resources: ["nodes", "nodes/proxy"], verbs: ["get"] },
    ]);
    expect(await messagesOf(rbacNoPrivilegeEscalation, [role, clusterRole])).toEqual([
      `Role toolboxai/api-reader: rules[0] grants ${exec}; remove it`,
      `Role toolboxai/api-reader: rules[0] grants ${attach}; remove it`,
      `ClusterRole node-reader: rules[0] grants ${proxy}; remove it`,
    ]);
  });

  test("escalate and bind are reported on roles and clusterroles of the RBAC group only", async () => {
    const clusterRole = clusterRoleWith(
      [
        {
          apiGroups: ["rbac.authorization.k8s.io"],
          resources: ["clusterroles"],
          verbs: ["bind", "escalate"],
        },
        // bind on the bindings themselves authorizes nothing
        {
          apiGroups: ["rbac.authorization.k8s.io"],
          resources: ["rolebindings", "clusterrolebindings"],
          verbs: ["bind", "create"],
        },
        { apiGroups: ["example.com"], resources: ["roles"], verbs: ["escalate"] },
      ],
      "escalator",
    );
    expect(await messagesOf(rbacNoPrivilegeEscalation, [clusterRole])).toEqual([
      "ClusterRole escalator: rules[0] grants escalate on rbac.authorization.k8s.io clusterroles " +
        `${escalate}; remove it`,
      "ClusterRole escalator: rules[0] grants bind on rbac.authorization.k8s.io clusterroles " +
        `${bind}; remove it`,
    ]);
  });

  test("impersonate is reported on core identities and on authentication.k8s.io", async () => {
    const clusterRole = clusterRoleWith(
      [
        {
          apiGroups: [""],
          resources: ["users", "serviceaccounts"],
          verbs: ["impersonate"],
          resourceNames: ["deployer"],
        },
        {
          apiGroups: ["authentication.k8s.io"],
          resources: ["userextras/scopes", "uids"],
          verbs: ["impersonate"],
        },
        { apiGroups: [""], resources: ["pods"], verbs: ["impersonate"] },
      ],
      "impersonator",
    );
    expect(await messagesOf(rbacNoPrivilegeEscalation, [clusterRole])).toEqual([
      `ClusterRole impersonator: rules[0] grants impersonate on users, serviceaccounts ${impersonateCore}; remove it`,
      "ClusterRole impersonator: rules[1] grants impersonate on authentication.k8s.io userextras, " +
        `uids ${impersonateExtras}; remove it`,
    ]);
  });

  test("wildcards in verbs, resources and apiGroups grant what they cover", async () => {
    const role = roleWith([
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["*"] },
      { apiGroups: [""], resources: ["*"], verbs: ["get"] },
      { apiGroups: [""], resources: ["*/exec"], verbs: ["create"] },
      { apiGroups: ["*"], resources: ["roles"], verbs: ["escalate"] },
      { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["*"] },
      { apiGroups: ["authentication.k8s.io"], resources: ["*/scopes"], verbs: ["impersonate"] },
    ]);
    const prefix = "Role toolboxai/api-reader:";
    expect(await messagesOf(rbacNoPrivilegeEscalation, [role])).toEqual([
      `${prefix} rules[0] grants ${exec}; remove it`,
      `${prefix} rules[1] grants ${proxy} through resources "*"; ${replace}`,
      `${prefix} rules[1] grants ${exec} through resources "*"; ${replace}`,
      `${prefix} rules[1] grants ${attach} through resources "*"; ${replace}`,
      `${prefix} rules[2] grants ${exec} through resources "*/exec"; ${replace}`,
      `${prefix} rules[3] grants escalate on rbac.authorization.k8s.io roles ${escalate} ` +
        `through apiGroups "*"; ${replace}`,
      `${prefix} rules[4] grants escalate on rbac.authorization.k8s.io roles ${escalate} ` +
        `through verbs "*"; ${replace}`,
      `${prefix} rules[4] grants bind on rbac.authorization.k8s.io roles ${bind} through ` +
        `verbs "*"; ${replace}`,
      `${prefix} rules[5] grants impersonate on authentication.k8s.io userextras ` +
        `${impersonateExtras} through resources "*/scopes"; ${replace}`,
    ]);
  });

  test("a rule of nothing but wildcards grants every escalation", async () => {
    const clusterRole = clusterRoleWith(
      [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      "everything",
    );
    const all = 'through apiGroups "*", resources "*", verbs "*"';
    const prefix = "ClusterRole everything: rules[0] grants";
    expect(await messagesOf(rbacNoPrivilegeEscalation, [clusterRole])).toEqual([
      `${prefix} ${proxy} through apiGroups "*", resources "*"; ${replace}`,
      `${prefix} ${exec} through apiGroups "*", resources "*"; ${replace}`,
      `${prefix} ${attach} through apiGroups "*", resources "*"; ${replace}`,
      `${prefix} escalate on rbac.authorization.k8s.io roles, clusterroles ${escalate} ${all}; ${replace}`,
      `${prefix} bind on rbac.authorization.k8s.io roles, clusterroles ${bind} ${all}; ${replace}`,
      `${prefix} impersonate on users, groups, serviceaccounts ${impersonateCore} ${all}; ${replace}`,
      `${prefix} impersonate on authentication.k8s.io userextras, uids ${impersonateExtras} ${all}; ${replace}`,
    ]);
  });

  test("forbiddenSubresources is configurable, and a role is exempted by name", async () => {
    const role = roleWith([
      { apiGroups: [""], resources: ["pods/attach", "pods/portforward"], verbs: ["create"] },
    ]);
    const escalator = clusterRoleWith(
      [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind"] }],
      "role-delegator",
    );
    const config = {
      "rbac-no-privilege-escalation": {
        forbiddenSubresources: ["nodes/proxy", "pods/exec", "pods/portforward"],
        exemptions: [
          {
            kind: "ClusterRole",
            name: "role-delegator",
            reason: "namespace operator binds the view Role for tenants",
          },
        ],
      },
    };
    expect(await messagesOf(rbacNoPrivilegeEscalation, [role, escalator], config)).toEqual([
      "Role toolboxai/api-reader: rules[0] grants pods/portforward (access into nodes or running " +
        "pods); remove it",
    ]);
  });
});

describe("rbac-least-privilege", () => {
  test("least-privilege roles and bindings pass, and a namespaced Role may read secrets", async () => {
    const role = compliantRole();
    role.rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["list", "watch"] });
    const webhookReader = compliantClusterRole("webhook-reader");
    webhookReader.rules.push({
      apiGroups: ["admissionregistration.k8s.io"],
      resources: ["validatingwebhookconfigurations"],
      verbs: ["get", "list"],
    });
    const objects = [
      role,
      webhookReader,
      compliantClusterRole(),
      compliantRoleBinding(),
      compliantClusterRoleBinding(),
    ];
    expect(await messagesOf(rbacLeastPrivilege, objects)).toEqual([]);
  });
  test("wildcard verbs, resources and API groups are reported", async () => {
    const role = compliantRole();
    role.rules = [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { apiGroups: ["apps"], resources: ["deployments/*"], verbs: ["get"] },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [role])).toEqual([
      'Role toolboxai/api-reader: rule 0 grants every verb ("*")',
      "Role toolboxai/api-reader: rule 0 grants wildcard resources (*)",
      'Role toolboxai/api-reader: rule 0 grants every API group ("*")',
      "Role toolboxai/api-reader: rule 1 grants wildcard resources (deployments/*)",
    ]);
  });
  test("pods/exec, pods/attach, bind, escalate and impersonate are left to rbac-no-privilege-escalation", async () => {
    const role = compliantRole();
    role.rules = [
      { apiGroups: [""], resources: ["pods", "pods/exec", "pods/attach"], verbs: ["create"] },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles"],
        verbs: ["bind", "escalate"],
      },
      { apiGroups: [""], resources: ["users"], verbs: ["impersonate"] },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [role])).toEqual([]);
  });
  test("a ClusterRole that reads secrets is reported", async () => {
    const clusterRole = compliantClusterRole("secret-reader");
    clusterRole.rules = [
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [clusterRole])).toEqual([
      "ClusterRole secret-reader: rule 0 grants get, list, watch on secrets in every namespace",
    ]);
  });
  test("approve is reported", async () => {
    const clusterRole = compliantClusterRole("csr-approver");
    clusterRole.rules = [
      { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"] },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [clusterRole])).toEqual([
      "ClusterRole csr-approver: rule 0 grants the approve verb, a path to privilege escalation",
    ]);
  });
  test("write access to admission webhook configurations is reported", async () => {
    const clusterRole = compliantClusterRole("webhook-editor");
    clusterRole.rules = [
      {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
        verbs: ["get", "patch"],
      },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [clusterRole])).toEqual([
      "ClusterRole webhook-editor: rule 0 can write mutatingwebhookconfigurations",
      "ClusterRole webhook-editor: rule 0 can write validatingwebhookconfigurations",
    ]);
  });
  test("bindings to cluster-admin, admin, edit and system: ClusterRoles are reported, from a RoleBinding too", async () => {
    const clusterBinding = compliantClusterRoleBinding("ci-admin");
    clusterBinding.roleRef.name = "cluster-admin";
    const bindingTo = (bindingName: string, kind: string, name: string) => {
      const binding = compliantRoleBinding(bindingName);
      binding.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind, name };
      return binding;
    };
    const objects = [
      clusterBinding,
      bindingTo("ns-admin", "ClusterRole", "admin"),
      bindingTo("ns-edit", "ClusterRole", "edit"),
      bindingTo(
        "aggregator",
        "ClusterRole",
        "system:controller:clusterrole-aggregation-controller",
      ),
      // Names the built-in roles do not have, and a namespaced Role named like one, pass.
      bindingTo("ns-view", "ClusterRole", "view"),
      bindingTo("own-admin", "Role", "admin"),
      bindingTo("systemic", "ClusterRole", "systemic-reader"),
    ];
    const instead = "bind a least-privilege Role instead";
    expect(await messagesOf(rbacLeastPrivilege, objects)).toEqual([
      `ClusterRoleBinding ci-admin: binds the cluster-admin ClusterRole; ${instead}`,
      `RoleBinding toolboxai/ns-admin: binds the admin ClusterRole; ${instead}`,
      `RoleBinding toolboxai/ns-edit: binds the edit ClusterRole; ${instead}`,
      "RoleBinding toolboxai/aggregator: binds the " +
        `system:controller:clusterrole-aggregation-controller ClusterRole; ${instead}`,
    ]);
  });
  test("the forbidden lists are configurable", async () => {
    const binding = compliantRoleBinding("ns-admin");
    binding.roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" };
    const role = compliantRole();
    role.rules = [
      { apiGroups: [""], resources: ["pods/portforward", "pods/exec"], verbs: ["create"] },
    ];
    const config = {
      "rbac-least-privilege": {
        forbiddenClusterRoles: ["cluster-admin", "view"],
        forbiddenResources: ["pods/portforward"],
      },
    };
    expect(await messagesOf(rbacLeastPrivilege, [binding, role], config)).toEqual([
      "RoleBinding toolboxai/ns-admin: binds the view ClusterRole; bind a least-privilege Role instead",
      "Role toolboxai/api-reader: rule 0 grants pods/portforward, which gives access into running pods",
    ]);
  });
});

test("rules and subjects set to anything but a list are reported, not read as granting nothing", async () => {
  const role = roleWith([]);
  role.rules = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
  const clusterRole = clusterRoleWith([{ apiGroups: [""], resources: ["pods/exec"], verbs: "*" }]);
  const rulesMessages = [
    "Role toolboxai/api-reader: rules is a mapping (keys: apiGroups, resources, verbs); " +
      "it must be a list",
    "ClusterRole node-reader: rules[0].verbs is a string (1 character); it must be a list",
  ];
  for (const policy of [rbacLeastPrivilege, rbacNoPrivilegeEscalation]) {
    expect({
      policy: policy.name,
      messages: await messagesOf(policy, [role, clusterRole]),
    }).toEqual({ policy: policy.name, messages: rulesMessages });
  }
  const binding = roleBindingTo([]);
  binding.subjects = { kind: "Group", name: "system:anonymous" };
  expect(await messagesOf(rbacNoPublicBindings, [binding])).toEqual([
    "RoleBinding toolboxai/api-reader: subjects is a mapping (keys: kind, name); it must be a list",
  ]);
});

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
