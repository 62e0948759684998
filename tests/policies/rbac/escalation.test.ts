// rbac-no-privilege-escalation: grants that lead past RBAC.
import { rbacNoPrivilegeEscalation } from "../../../policies/rbac/escalation";
import { clusterRoleWith, rbacObjects, roleWith } from "../fixtures/rbac";
import { messagesOf } from "../support";

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
      `Role toolboxai/api-reader: rules[0]: a rule grants ${exec}; remove it`,
      `Role toolboxai/api-reader: rules[0]: a rule grants ${attach}; remove it`,
      `ClusterRole node-reader: rules[0]: a rule grants ${proxy}; remove it`,
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
      "ClusterRole escalator: rules[0]: a rule grants escalate on rbac.authorization.k8s.io clusterroles " +
        `${escalate}; remove it`,
      "ClusterRole escalator: rules[0]: a rule grants bind on rbac.authorization.k8s.io clusterroles " +
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
      `ClusterRole impersonator: rules[0]: a rule grants impersonate on users, serviceaccounts ${impersonateCore}; remove it`,
      "ClusterRole impersonator: rules[1]: a rule grants impersonate on authentication.k8s.io userextras, " +
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
      `${prefix} rules[0]: a rule grants ${exec}; remove it`,
      `${prefix} rules[1]: a rule grants ${proxy} through resources "*"; ${replace}`,
      `${prefix} rules[1]: a rule grants ${exec} through resources "*"; ${replace}`,
      `${prefix} rules[1]: a rule grants ${attach} through resources "*"; ${replace}`,
      `${prefix} rules[2]: a rule grants ${exec} through resources "*/exec"; ${replace}`,
      `${prefix} rules[3]: a rule grants escalate on rbac.authorization.k8s.io roles ${escalate} ` +
        `through apiGroups "*"; ${replace}`,
      `${prefix} rules[4]: a rule grants escalate on rbac.authorization.k8s.io roles ${escalate} ` +
        `through verbs "*"; ${replace}`,
      `${prefix} rules[4]: a rule grants bind on rbac.authorization.k8s.io roles ${bind} through ` +
        `verbs "*"; ${replace}`,
      `${prefix} rules[5]: a rule grants impersonate on authentication.k8s.io userextras ` +
        `${impersonateExtras} through resources "*/scopes"; ${replace}`,
    ]);
  });

  test("a rule of nothing but wildcards grants every escalation", async () => {
    const clusterRole = clusterRoleWith(
      [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      "everything",
    );
    const all = 'through apiGroups "*", resources "*", verbs "*"';
    const prefix = "ClusterRole everything: rules[0]: a rule grants";
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
      "Role toolboxai/api-reader: rules[0]: a rule grants pods/portforward (access into nodes or running " +
        "pods); remove it",
    ]);
  });
});
