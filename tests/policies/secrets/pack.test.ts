// secretPolicies: the secrets policies' names and enforcement.
import { secretPolicies } from "../../../policies/secrets";

describe("secretPolicies", () => {
  test("names and default enforcement", () => {
    expect(secretPolicies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
      ["no-literal-secret-env", "mandatory"],
      ["no-secrets-in-configmaps", "mandatory"],
      ["no-secrets-in-annotations", "mandatory"],
      ["secrets-as-files", "mandatory"],
    ]);
  });
});
