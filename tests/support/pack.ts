// The policy pack run over a program's resources as `pulumi preview --policy-pack` would, with a
// stack's policy config (policies/config/<stack>.json).
import * as path from "node:path";
import { policies } from "../../policies/pack";
import {
  readPolicyConfig,
  runPolicies,
  type Finding,
  type RunnerResource,
} from "../../policies/runner";
import { projectRoot } from "../../tools/engine/mock-engine";

export function packFindings(
  resources: readonly RunnerResource[],
  configStack: string,
): Promise<Finding[]> {
  return runPolicies(policies, resources, {
    config: readPolicyConfig(path.join(projectRoot, "policies", "config", `${configStack}.json`)),
    packEnforcementLevel: "mandatory",
  });
}

/** "policy: message" of each mandatory finding: what would fail the preview. */
export function mandatoryViolations(findings: readonly Finding[]): string[] {
  return findings
    .filter((finding) => finding.enforcement === "mandatory")
    .map((finding) => `${finding.policy}: ${finding.message}`);
}
