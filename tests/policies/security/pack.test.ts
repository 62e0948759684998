// The security domain as a whole: its policies' metadata, and the compliant fixtures pass them all.
import { securityPolicies } from "../../../policies/security";
import {
  compliantClusterRole,
  compliantClusterRoleBinding,
  compliantConfigMap,
  compliantNamespace,
  compliantPersistentVolume,
  compliantRole,
  compliantRoleBinding,
  compliantServiceAccount,
  compliantWorkloads,
} from "../fixtures/security";
import { messagesOf } from "../support";

describe("the pack", () => {
  test("names are unique, kebab-case, and every policy is mandatory with remediation", () => {
    const names = securityPolicies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of securityPolicies) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.remediationSteps).toBeTruthy();
      expect(policy.severity).toBeTruthy();
      for (const schema of Object.values(policy.configSchema?.properties ?? {})) {
        expect(schema.default).toBeDefined();
      }
    }
  });

  test("every compliant fixture passes every policy", async () => {
    const objects = [
      ...compliantWorkloads(),
      compliantServiceAccount(),
      compliantConfigMap(),
      compliantRole(),
      compliantClusterRole(),
      compliantRoleBinding(),
      compliantClusterRoleBinding(),
      compliantNamespace(),
      compliantPersistentVolume(),
    ];
    for (const policy of securityPolicies) {
      expect({ policy: policy.name, messages: await messagesOf(policy, objects) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
  });
});
