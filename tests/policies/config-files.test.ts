// policies/config/<stack>.json are read by `pulumi preview --policy-pack-config`: every entry must
// name a policy of the pack and satisfy its configSchema, as the CLI checks.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { policies } from "../../policies/pack";
import { policyConfigProblems, readPolicyConfig } from "../../policies/lib/policy-config";

const configDir = path.resolve(__dirname, "..", "..", "policies", "config");

test("there is one config per stack, and the profiles' folder (tests/policies/profiles.test.ts)", () => {
  expect(readdirSync(configDir).sort()).toEqual([
    "dev.json",
    "production.json",
    "profiles",
    "staging.json",
  ]);
});

describe.each(["dev", "staging", "production"])("policies/config/%s.json", (stack) => {
  test("names only policies of the pack (or all), with levels and settings they allow", () => {
    const config = readPolicyConfig(path.join(configDir, `${stack}.json`));
    expect(policyConfigProblems(config, policies)).toEqual([]);
  });
});

describe("policyConfigProblems: what the CLI refuses, named", () => {
  test("an unknown policy, with the closest name", () => {
    expect(policyConfigProblems({ "replica-min": "advisory" }, policies)).toEqual([
      "replica-min: is not a policy of the pack (did you mean replicas-min?)",
    ]);
  });

  test("an unknown level, as a string or in settings", () => {
    const levels = "one of advisory, mandatory, remediate, disabled";
    expect(
      policyConfigProblems(
        { all: "strict", "replicas-min": { enforcementLevel: "mandtory" } },
        policies,
      ),
    ).toEqual([
      `all: level "strict" is not ${levels}`,
      `replicas-min: level "mandtory" is not ${levels}`,
    ]);
  });

  test("a setting the policy does not have, a wrong type, a short exemption reason", () => {
    expect(
      policyConfigProblems(
        {
          "replicas-min": { minReplica: 2 },
          "image-registry-allowlist": { allowedRegistries: "ghcr.io/" },
          "no-privileged-containers": { exemptions: [{ name: "x", reason: "short" }] },
        },
        policies,
      ),
    ).toEqual([
      "replicas-min: has no setting minReplica (its settings: minReplicas, exemptions)",
      "image-registry-allowlist.allowedRegistries: must be array",
      "no-privileged-containers.exemptions.0.reason: must NOT have fewer than 10 characters",
    ]);
  });

  test("not an object, or an entry neither a level nor settings", () => {
    expect(policyConfigProblems([], policies)).toEqual([
      "must be a JSON object of policy names (or all) to a level or settings",
    ]);
    expect(policyConfigProblems({ "replicas-min": 3 }, policies)).toEqual([
      "replicas-min: must be a level (one of advisory, mandatory, remediate, disabled) or an object of settings",
    ]);
  });

  test("settings within the schema pass", () => {
    expect(
      policyConfigProblems(
        { "replicas-min": { enforcementLevel: "advisory", minReplicas: 3 } },
        policies,
      ),
    ).toEqual([]);
  });
});
