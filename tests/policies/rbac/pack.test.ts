// The rbac module: its policies, their order and defaults, the compliant objects, and lists read
// fail-closed.
import { rbacNoDefaultRoleAggregation } from "../../../policies/rbac/aggregation";
import { rbacNoPrivilegeEscalation } from "../../../policies/rbac/escalation";
import { rbacPolicies } from "../../../policies/rbac";
import { rbacLeastPrivilege } from "../../../policies/rbac/least-privilege";
import { rbacNoPublicBindings } from "../../../policies/rbac/public-bindings";
import { clusterRoleWith, rbacObjects, roleBindingTo, roleWith } from "../fixtures/rbac";
import { messagesOf } from "../support";

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
