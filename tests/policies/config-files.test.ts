// policies/config/<stack>.json are read by `pulumi preview --policy-pack-config`: every entry must
// name a policy of the pack and satisfy its configSchema, as the CLI checks.
import { readdirSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { policies } from "../../policies/pack";
import { readPolicyConfig } from "../../policies/runner";

const configDir = path.resolve(__dirname, "..", "..", "policies", "config");
const levels = ["advisory", "mandatory", "remediate", "disabled"];

test("there is one config per stack, and the profiles' folder (tests/policies/profiles.test.ts)", () => {
  expect(readdirSync(configDir).sort()).toEqual([
    "dev.json",
    "production.json",
    "profiles",
    "staging.json",
  ]);
});

describe.each(["dev", "staging", "production"])("policies/config/%s.json", (stack) => {
  const config = readPolicyConfig(path.join(configDir, `${stack}.json`));

  test("names only policies of the pack (or all) and valid levels", () => {
    const names = new Set(["all", ...policies.map((policy) => policy.name)]);
    for (const [name, entry] of Object.entries(config)) {
      expect({ name, known: names.has(name) }).toEqual({ name, known: true });
      const level = typeof entry === "string" ? entry : entry.enforcementLevel;
      if (level !== undefined) expect(levels).toContain(level);
    }
  });

  test("every entry satisfies its policy's configSchema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const policy of policies) {
      const entry = config[policy.name];
      if (entry === undefined || typeof entry === "string") continue;
      const properties = { ...entry };
      delete properties.enforcementLevel;
      const schema = {
        type: "object",
        properties: policy.configSchema?.properties ?? {},
        required: policy.configSchema?.required ?? [],
        additionalProperties: false,
      };
      const valid = ajv.validate(schema, properties);
      expect({ policy: policy.name, errors: valid ? null : ajv.errorsText() }).toEqual({
        policy: policy.name,
        errors: null,
      });
    }
  });
});

test("the schema check catches a typo and a short exemption reason", () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const replicasMin = policies.find((policy) => policy.name === "replicas-min")!;
  const schema = {
    type: "object",
    properties: replicasMin.configSchema!.properties,
    additionalProperties: false,
  };
  expect(ajv.validate(schema, { minReplica: 2 })).toBe(false);
  expect(ajv.validate(schema, { exemptions: [{ name: "x", reason: "short" }] })).toBe(false);
  expect(
    ajv.validate(schema, { exemptions: [{ name: "x", reason: "a reason long enough" }] }),
  ).toBe(true);
});
