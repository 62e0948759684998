// The pack as a whole: every policy carries the fields reviewers rely on, and README lists them.
import { readFileSync } from "node:fs";
import { packName, policies, policyDomains } from "../../policies/pack";
import { policyReferenceFile, renderPolicyReference } from "../../tools/policy-docs";

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

test("policies/README.md is the reference the pack renders (run `npm run docs` after a change)", () => {
  expect(readFileSync(policyReferenceFile, "utf8")).toBe(renderPolicyReference());
});

test("the reference lists every policy of the pack under its domain module", () => {
  const reference = renderPolicyReference();
  for (const [domain, members] of Object.entries(policyDomains)) {
    const section = reference.slice(reference.indexOf(`### ${domain} (`));
    const table = section.slice(0, section.indexOf("\n\n", section.indexOf("| ---")));
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` +\|/gm)].map((match) => match[1]);
    expect({ domain, listed }).toEqual({ domain, listed: members.map((policy) => policy.name) });
  }
  const domainsOf = Object.values(policyDomains).flat().length;
  expect(policies.length).toBe(domainsOf + 1); // and the exemptions report, documented above
  expect(reference).toContain("`policy-exemptions-in-use`");
});

test("the reference shows each stack's exemptions with their reasons", () => {
  const reference = renderPolicyReference();
  expect(reference).toContain(
    "- production, `run-as-non-root`, Cluster toolboxai/postgres: CloudNativePG's PostgreSQL images run as their postgres user, UID and GID 26",
  );
  expect(reference).toMatch(/^\| dev +\| .*`replicas-min` minReplicas `1`/m);
});
