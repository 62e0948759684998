// The stack's policy config as the program reads it for its admission policies
// (components/config/policy-config.ts): where it is read at all, and what a missing or bad file
// says, naming the key that reads it, the file and the fix.
import { admissionPolicyConfig, policyConfigPath } from "../../components/config/policy-config";

const files = (entries: Record<string, string>) => (file: string) => entries[file];
const acme = { stack: "acme", platform: "kubernetes", admissionPolicies: "enforce" } as const;
const fix =
  "; fix the file (docs/POLICIES.md lists each policy's settings), or set admissionPolicies: off";

test("read from policies/config/<stack>.json, where the stack enforces or audits at admission", () => {
  const text = '{ "replicas-min": { "minReplicas": 3 } }';
  const read = files({ [policyConfigPath("acme")]: text });
  expect(policyConfigPath("acme")).toBe("policies/config/acme.json");
  expect(admissionPolicyConfig(acme, read)).toEqual({
    policyConfig: { "replicas-min": { minReplicas: 3 } },
    problems: [],
  });
  expect(admissionPolicyConfig({ ...acme, admissionPolicies: "audit" }, read).policyConfig).toEqual(
    { "replicas-min": { minReplicas: 3 } },
  );
});

test("not read at all when off, or on Docker (nothing enforces it there)", () => {
  const read = () => {
    throw new Error("read");
  };
  expect(admissionPolicyConfig({ ...acme, admissionPolicies: "off" }, read)).toEqual({
    problems: [],
  });
  expect(admissionPolicyConfig({ ...acme, platform: "docker" }, read)).toEqual({ problems: [] });
});

test("a missing file names the key, the file and what to do", () => {
  expect(admissionPolicyConfig(acme, files({}))).toEqual({
    problems: [
      {
        key: "toolboxai:admissionPolicies",
        shownValue: '"enforce"',
        message:
          "reads policies/config/acme.json, the stack's policy config, which does not exist: " +
          `write one for the stack (policies/config/production.json is a start)${fix}`,
      },
    ],
  });
});

test("a file that is not JSON, or that the CLI would refuse, is a problem per entry", () => {
  const notJson = admissionPolicyConfig(acme, files({ "policies/config/acme.json": "{" }));
  expect(notJson.policyConfig).toBeUndefined();
  expect(notJson.problems.map((problem) => problem.message)).toEqual([
    expect.stringMatching(
      /^reads policies\/config\/acme\.json, the stack's policy config, which is not JSON \(.+\); fix the file/,
    ),
  ]);
  const bad = admissionPolicyConfig(
    acme,
    files({
      "policies/config/acme.json": JSON.stringify({
        "no-privileged-containers": "mandtory",
        "replicas-min": { minReplica: 2 },
      }),
    }),
  );
  expect(bad.policyConfig).toBeUndefined();
  expect(bad.problems.map((problem) => problem.message)).toEqual([
    "reads policies/config/acme.json, the stack's policy config, which has a problem at " +
      'no-privileged-containers: level "mandtory" is not one of advisory, mandatory, remediate, ' +
      `disabled${fix}`,
    "reads policies/config/acme.json, the stack's policy config, which has a problem at " +
      `replicas-min: has no setting minReplica (its settings: minReplicas, exemptions)${fix}`,
  ]);
});
