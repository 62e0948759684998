// rbac-no-public-bindings: bindings to everyone.
import { rbacNoPublicBindings } from "../../../policies/rbac/public-bindings";
import { clusterRoleBindingTo, rbacObjects, roleBindingTo } from "../fixtures/rbac";
import { messagesOf } from "../support";

const instead = "bind it to a specific ServiceAccount, User or Group instead";
const anonymous = "every request without credentials";

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
