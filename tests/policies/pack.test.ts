// The pack as a whole: every policy carries the fields reviewers rely on, and README lists them.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { packName, policies } from "../../policies/pack";

const readme = readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");

test("policy names are unique kebab-case, never 'all'", () => {
  const names = policies.map((policy) => policy.name);
  expect(new Set(names).size).toBe(names.length);
  for (const name of names) {
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(name).not.toBe("all");
  }
  expect(packName).toBe("toolboxai-policies");
});

test("every policy has a description, severity, remediation, default level and config schema", () => {
  for (const policy of policies) {
    const fields = {
      name: policy.name,
      description: policy.description.length > 20,
      severity: ["low", "medium", "high", "critical"].includes(policy.severity ?? ""),
      remediation: (policy.remediationSteps ?? "").length > 20,
      enforcement: ["advisory", "mandatory"].includes(policy.enforcementLevel ?? ""),
      schema: policy.name === "policy-exemptions-in-use" || policy.configSchema !== undefined,
    };
    expect(fields).toEqual({
      name: policy.name,
      description: true,
      severity: true,
      remediation: true,
      enforcement: true,
      schema: true,
    });
  }
});

test("configSchema never declares enforcementLevel, and every property has a default", () => {
  for (const policy of policies) {
    const properties = policy.configSchema?.properties ?? {};
    expect(properties).not.toHaveProperty("enforcementLevel");
    for (const [key, schema] of Object.entries(properties)) {
      expect({ policy: policy.name, key, hasDefault: schema.default !== undefined }).toEqual({
        policy: policy.name,
        key,
        hasDefault: true,
      });
    }
  }
});

test("README lists every policy of the pack, and no policy that is not in it", () => {
  const section = readme.slice(readme.indexOf("### Policies"), readme.indexOf("## Deploying"));
  const listed = [...section.matchAll(/^\| `([a-z0-9-]+)` +\|/gm)].map((match) => match[1]);
  const names = policies
    .map((policy) => policy.name)
    .filter((name) => name !== "policy-exemptions-in-use");
  expect([...listed].sort()).toEqual([...names].sort());
});
