// rbac-least-privilege: wildcards, bindings to built-in roles, CSR approval, webhook
// configuration writes, cluster-wide secret reads.
import { rbacLeastPrivilege } from "../../../policies/rbac/least-privilege";
import {
  compliantClusterRole,
  compliantClusterRoleBinding,
  compliantRole,
  compliantRoleBinding,
} from "../fixtures/security";
import { messagesOf } from "../support";

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
      'Role toolboxai/api-reader: rules[0]: a rule grants every verb ("*")',
      "Role toolboxai/api-reader: rules[0]: a rule grants wildcard resources (*)",
      'Role toolboxai/api-reader: rules[0]: a rule grants every API group ("*")',
      "Role toolboxai/api-reader: rules[1]: a rule grants wildcard resources (deployments/*)",
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
      "ClusterRole secret-reader: rules[0]: a rule grants get, list, watch on secrets in every namespace",
    ]);
  });
  test("approve is reported", async () => {
    const clusterRole = compliantClusterRole("csr-approver");
    clusterRole.rules = [
      { apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"] },
    ];
    expect(await messagesOf(rbacLeastPrivilege, [clusterRole])).toEqual([
      "ClusterRole csr-approver: rules[0]: a rule grants the approve verb, a path to privilege escalation",
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
      "ClusterRole webhook-editor: rules[0]: a rule can write mutatingwebhookconfigurations",
      "ClusterRole webhook-editor: rules[0]: a rule can write validatingwebhookconfigurations",
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
      "Role toolboxai/api-reader: rules[0]: a rule grants pods/portforward, which gives access into running pods",
    ]);
  });
});
