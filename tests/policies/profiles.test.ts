// Profiles (policies/config/profiles/<name>.json, policies/runner/profiles.ts): the portable
// profile decides every policy of the pack with a reason, keeps the security and secrets rules,
// and lets third-party YAML that breaks only house conventions pass with advisory findings.
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { policies, policyDomains } from "../../policies/pack";
import { policyConfigProblems } from "../../policies/lib/policy-config";
import { readPolicyConfig, runPolicies, type Finding } from "../../policies/runner";
import {
  applyProfile,
  profileNames,
  readProfile,
  validateProfile,
  type Profile,
} from "../../policies/runner/profiles";
import { renderPolicyReference } from "../../tools/policy-docs";
import { securityDefects, vendorChart } from "./fixtures/third-party";
import { resourceOf } from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const configDir = path.resolve(__dirname, "..", "..", "policies", "config");
const profilesDir = path.join(configDir, "profiles");
const portable = readProfile(profilesDir, "portable", policies);
const production = readPolicyConfig(path.join(configDir, "production.json"));
const namesOf = (list: readonly { name: string }[]) => list.map((policy) => policy.name);

test("the profiles on disk are portable alone", () => {
  expect(profileNames(profilesDir)).toEqual(["portable"]);
  expect(profileNames(path.join(profilesDir, "absent"))).toEqual([]);
});

describe("policies/config/profiles/portable.json", () => {
  test("decides every policy of the pack, in pack order, each with a reason", () => {
    expect(Object.keys(portable.policies)).toEqual(namesOf(policies));
    for (const [name, entry] of Object.entries(portable.policies)) {
      expect({ name, reason: entry.reason.length >= 40 }).toEqual({ name, reason: true });
    }
  });

  test("keeps the security, secrets, RBAC and admission rules; only no-default-namespace relaxes", () => {
    const domains = ["security", "secrets", "rbac", "admission"] as const;
    const relaxed = domains.flatMap((domain) =>
      namesOf(policyDomains[domain]).filter((name) => portable.policies[name].decision !== "kept"),
    );
    expect(relaxed).toEqual(["no-default-namespace"]);
    for (const name of [
      "no-privileged-containers",
      "no-secrets-in-configmaps",
      "no-literal-secret-env",
      "image-tag-pinned",
      "container-resources",
      "service-exposure",
      "ingress-tls",
      "netpol-no-allow-all-peers",
      "delivery-credentials-by-reference",
    ]) {
      expect({ name, decision: portable.policies[name].decision }).toEqual({
        name,
        decision: "kept",
      });
    }
  });

  test("makes the house conventions and the rules that need this platform's objects advisory", () => {
    for (const name of [
      "recommended-labels",
      "probes-differ",
      "image-pull-policy",
      "probe-timing",
      "image-registry-allowlist",
      "replicas-min",
      "backup-schedule",
      "data-tier-isolation",
      "default-deny",
      "namespace-quota",
      "service-targets-pod",
    ]) {
      expect({ name, decision: portable.policies[name].decision }).toEqual({
        name,
        decision: "advisory",
      });
    }
  });

  test("its settings satisfy each policy's configSchema and never carry exemptions", () => {
    const withSettings = Object.entries(portable.policies).filter(([, entry]) => entry.settings);
    expect(withSettings.map(([name]) => name)).toEqual([
      "run-as-non-root",
      "non-root-groups",
      "no-literal-secret-env",
      "no-secrets-in-configmaps",
      "no-secrets-in-annotations",
      "secrets-as-files",
    ]);
    // Checked as a policy config entry is (policies/lib/policy-config.ts).
    const settings = Object.fromEntries(
      withSettings.map(([name, entry]) => [name, entry.settings]),
    );
    expect(policyConfigProblems(settings, policies)).toEqual([]);
    for (const [, entry] of withSettings) expect(entry.settings).not.toHaveProperty("exemptions");
  });
});

describe("validateProfile", () => {
  const file = "policies/config/profiles/x.json";
  const check = (data: unknown) => () => validateProfile("x", file, data, policies);
  const valid = {
    description: "For tests.",
    policies: { "probe-timing": { decision: "advisory", reason: "A house convention here." } },
  };

  test("accepts a partial profile", () => {
    expect(check(valid)()).toEqual({ name: "x", ...valid });
  });

  test.each<[string, unknown, string]>([
    ["not an object", [], "must be a JSON object with `description` and `policies`"],
    [
      "an unknown key",
      { ...valid, levels: {} },
      "unknown key(s) levels; a profile has only description and policies",
    ],
    [
      "no description",
      { policies: {} },
      "`description` must be a sentence saying what the profile is for",
    ],
    [
      "an unknown policy",
      {
        ...valid,
        policies: { "probe-timings": { decision: "advisory", reason: "a reason here" } },
      },
      'policies.probe-timings: "probe-timings" is not a policy of the pack (--list names them)',
    ],
    [
      "a level instead of a decision",
      { ...valid, policies: { "probe-timing": { decision: "disabled", reason: "a reason here" } } },
      'policies.probe-timing.decision is "disabled"; it must be one of kept, advisory',
    ],
    [
      "a short reason",
      { ...valid, policies: { "probe-timing": { decision: "kept", reason: "why" } } },
      "policies.probe-timing.reason must say why, in at least 10 characters",
    ],
    [
      "an unknown setting",
      {
        ...valid,
        policies: {
          "probe-timing": { decision: "kept", reason: "a reason here", settings: { period: 5 } },
        },
      },
      "policies.probe-timing.settings.period is not a setting of probe-timing (its settings: " +
        "periodSeconds, failureThreshold, startPeriodSeconds; exemptions belong in the env's " +
        "config)",
    ],
    [
      "exemptions as a setting",
      {
        ...valid,
        policies: {
          "probes-differ": {
            decision: "kept",
            reason: "a reason here",
            settings: { exemptions: [] },
          },
        },
      },
      "policies.probes-differ.settings.exemptions is not a setting of probes-differ (it has " +
        "none; exemptions belong in the env's config)",
    ],
  ])("refuses %s, naming the file and the key", (_case, data, message) => {
    expect(check(data)).toThrow(`profile ${file}: ${message}`);
  });

  test("readProfile names an unreadable or invalid file", () => {
    expect(() => readProfile(profilesDir, "absent", policies)).toThrow(
      `cannot read profile ${path.join(profilesDir, "absent.json")}`,
    );
  });
});

describe("applyProfile", () => {
  const profile: Profile = {
    name: "t",
    description: "For tests.",
    policies: {
      "probe-timing": { decision: "advisory", reason: "A house convention here." },
      "recommended-labels": { decision: "advisory", reason: "A house convention here." },
      "priority-class": { decision: "advisory", reason: "A house convention here." },
      "replicas-min": { decision: "advisory", reason: "A house convention here." },
      "run-as-non-root": {
        decision: "kept",
        reason: "Security, with a house floor.",
        settings: { minimumId: 1 },
      },
      "no-privileged-containers": { decision: "kept", reason: "A security property." },
    },
  };

  test("lowers mandatory levels to advisory, never raises one, and replaces settings", () => {
    const env: PolicyPackConfig = {
      "probe-timing": "disabled",
      "recommended-labels": "remediate",
      "replicas-min": { minReplicas: 3, exemptions: [{ name: "db", reason: "one primary only" }] },
      "run-as-non-root": { enforcementLevel: "mandatory", minimumId: 2000 },
    };
    const { config, changes } = applyProfile(env, profile, policies);
    expect(config).toEqual({
      "probe-timing": "disabled",
      "recommended-labels": { enforcementLevel: "advisory" },
      "replicas-min": {
        enforcementLevel: "advisory",
        minReplicas: 3,
        exemptions: [{ name: "db", reason: "one primary only" }],
      },
      "run-as-non-root": { enforcementLevel: "mandatory", minimumId: 1 },
    });
    expect(Object.fromEntries(changes)).toEqual({
      "recommended-labels": { relaxed: true, settings: {} },
      "replicas-min": { relaxed: true, settings: {} },
      "run-as-non-root": { relaxed: false, settings: { minimumId: 1 } },
    });
    // The env's config is not changed in place.
    expect(env["recommended-labels"]).toBe("remediate");
  });

  test("an `all` level in the env is lowered per policy, not for the others", () => {
    const { config } = applyProfile({ all: "mandatory" }, profile, policies);
    expect(config).toMatchObject({
      all: "mandatory",
      "probe-timing": { enforcementLevel: "advisory" },
    });
    expect(config).not.toHaveProperty("no-privileged-containers");
  });
});

describe("third-party YAML under the portable profile, production config", () => {
  const run = (objects: readonly any[], config: PolicyPackConfig) =>
    runPolicies(
      policies,
      objects.map((object) => resourceOf(object)),
      { config, packEnforcementLevel: "mandatory" },
    );
  const portableConfig = applyProfile(production, portable, policies).config;
  const mandatory = (findings: Finding[]) =>
    [...new Set(findings.filter((f) => f.enforcement === "mandatory").map((f) => f.policy))].sort();

  test("without the profile, the vendor chart fails on house conventions", async () => {
    expect(mandatory(await run(vendorChart(), production))).toEqual(
      expect.arrayContaining([
        "image-pull-policy",
        "probe-timing",
        "probes-differ",
        "recommended-labels",
        "run-as-non-root",
        "secrets-as-files",
      ]),
    );
  });

  test("with it, the chart passes, and the house conventions are still reported as advisory", async () => {
    const findings = await run(vendorChart(), portableConfig);
    expect(mandatory(findings)).toEqual([]);
    const advisory = new Set(findings.map((finding) => finding.policy));
    for (const name of [
      "recommended-labels",
      "probes-differ",
      "image-pull-policy",
      "probe-timing",
    ]) {
      expect({ name, reported: advisory.has(name) }).toEqual({ name, reported: true });
    }
  });

  test.each(securityDefects)("still fails on %s", async (_case, objects, policy) => {
    expect(mandatory(await run(objects(), portableConfig))).toEqual([policy]);
  });
});

test("the reference (policies/README.md) lists what each profile makes advisory, with why", () => {
  const reference = renderPolicyReference();
  const start = reference.indexOf(
    "### `--profile portable` (`policies/config/profiles/portable.json`)",
  );
  expect(start).toBeGreaterThan(reference.indexOf("## Profiles for third-party YAML"));
  const section = reference.slice(start, reference.indexOf("\n## ", start));
  const advisory = section.slice(0, section.indexOf("Kept at the env's level"));
  const rows = [...advisory.matchAll(/^\| `([a-z0-9-]+)` \| (.+) \|$/gm)];
  expect(rows.map((row) => row[1])).toEqual(
    Object.entries(portable.policies)
      .filter(([, entry]) => entry.decision === "advisory")
      .map(([name]) => name),
  );
  for (const [, name, reason] of rows) expect(reason).toBe(portable.policies[name].reason);
  expect(section).toContain(
    "| `run-as-non-root` | `minimumId`: `1` | " + portable.policies["run-as-non-root"].reason,
  );
});
