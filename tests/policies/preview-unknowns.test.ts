// A first `pulumi preview` (no passwords generated yet) through the pack: values computed from
// generated secrets are unknown, and the analyzer skips, as an advisory "can't run", a policy that
// reads one. No mandatory policy may be skipped that way.
import * as path from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { podTemplateOf } from "../../policies/lib/kubernetes";
import { policies } from "../../policies/pack";
import { readPolicyConfig, resolvePolicy, runPolicies, type Finding } from "../../policies/runner";
import {
  mockPasswordPrefix,
  projectRoot,
  runProgram,
  type ProgramRun,
} from "../../tools/engine/mock-engine";
import { toRunnerResources } from "../../tools/policy-resources";
import { unknownMarker } from "./support";

const secretChecksum = "checksum.toolboxai.io/secrets";
const policyConfig = readPolicyConfig(
  path.join(projectRoot, "policies", "config", "production.json"),
);

let run: ProgramRun;
let findings: Finding[];

beforeAll(async () => {
  run = await runProgram("production", { preview: true });
  findings = await runPolicies(policies, toRunnerResources(run), {
    config: policyConfig,
    packEnforcementLevel: "mandatory",
  });
});

test("in preview mode the secret checksum is unknown, sent as the engine's marker", () => {
  const checksums = run.resources.flatMap((resource) => {
    const template = podTemplateOf(resource.type, resource.inputs);
    const annotations = template?.metadata?.annotations ?? {};
    return secretChecksum in annotations ? [annotations[secretChecksum]] : [];
  });
  expect(checksums.length).toBeGreaterThan(0);
  expect(new Set(checksums)).toEqual(new Set([unknownMarker]));
  // The passwords do not exist yet: no mock password reaches any input, and the Secrets that
  // carry them are unknown as a whole.
  const passwords = run.resources.filter(
    (resource) => resource.type === "random:index/randomPassword:RandomPassword",
  );
  expect(passwords.length).toBeGreaterThan(0);
  const everything = JSON.stringify(run.resources.map((resource) => resource.inputs));
  for (const password of passwords) {
    expect(everything).not.toContain(mockPasswordPrefix(password.name));
  }
  const secrets = run.resources.filter((resource) => resource.type === "kubernetes:core/v1:Secret");
  expect(secrets.map((secret) => secret.inputs.stringData)).toContain(unknownMarker);
});

test("the runner reproduces the engine's can't-run for a policy that reads every annotation", async () => {
  // What seccomp-profile and apparmor-profile did before they read only their own keys.
  const readsAll: ResourceValidationPolicy = {
    name: "reads-all-annotations",
    description: "test",
    enforcementLevel: "mandatory",
    validateResource: (args) => {
      const template = podTemplateOf(args.type, args.props);
      if (!template) args.notApplicable();
      Object.entries(template?.metadata?.annotations ?? {});
    },
  };
  const skipped = await runPolicies([readsAll], toRunnerResources(run));
  expect(skipped.length).toBeGreaterThan(0);
  expect(
    new Set(skipped.map((finding) => [finding.enforcement, finding.message].join(": "))),
  ).toEqual(
    new Set([
      "advisory: can't run policy 'reads-all-annotations' during preview: string value at " +
        `.spec.template.metadata.annotations.${secretChecksum} can't be known during preview`,
      // A CronJob's pod template is inside its Job template.
      "advisory: can't run policy 'reads-all-annotations' during preview: string value at " +
        `.spec.jobTemplate.spec.template.metadata.annotations.${secretChecksum} can't be known ` +
        "during preview",
    ]),
  );
});

test("no mandatory policy is skipped as can't-run during a first preview", () => {
  const skipped = findings.filter((finding) => finding.message.startsWith("can't run policy"));
  const mandatory = skipped.filter((finding) => {
    const policy = policies.find((candidate) => candidate.name === finding.policy)!;
    return resolvePolicy(policy, policyConfig, "mandatory").enforcement === "mandatory";
  });
  expect(mandatory.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([]);
});
