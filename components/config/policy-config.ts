// The stack's policy config (policies/config/<stack>.json), read where the stack enforces the
// pack's rules at admission (Kubernetes, admissionPolicies not off): the same file `pulumi
// preview --policy-pack-config` reads, so that the cluster and the preview judge one set of
// levels, settings and exemptions. Checked as the Pulumi CLI checks it before anything runs; a
// bad file is a problem of the key that reads it.
import * as path from "node:path";
import type { StackPolicyConfig } from "../../policies/lib/admission-policies";
import { policyConfigProblems } from "../../policies/lib/policy-config";
import { policies } from "../../policies/pack";
import { fullKey, show, type ConfigProblem } from "./problems";
import type { StackConfig } from "./schema";

/** The policy config of `stack`, relative to the project folder. */
export function policyConfigPath(stack: string): string {
  return path.join("policies", "config", `${stack}.json`);
}

/**
 * The stack's policy config, or the problems that keep it from being used; none read (and none
 * needed) where nothing enforces it at admission. `read` gives a file's text, undefined when
 * there is none.
 */
export function admissionPolicyConfig(
  config: Pick<StackConfig, "platform" | "admissionPolicies"> & { readonly stack: string },
  read: (file: string) => string | undefined,
): { policyConfig?: StackPolicyConfig; problems: ConfigProblem[] } {
  if (config.platform !== "kubernetes" || config.admissionPolicies === "off") {
    return { problems: [] };
  }
  const file = policyConfigPath(config.stack);
  const problem = (which: string): ConfigProblem => ({
    key: fullKey(["admissionPolicies"]),
    shownValue: show(config.admissionPolicies),
    message:
      `reads ${file}, the stack's policy config, which ${which}; fix the file (docs/POLICIES.md ` +
      "lists each policy's settings), or set admissionPolicies: off",
  });
  const text = read(file);
  if (text === undefined) {
    return {
      problems: [
        problem(
          "does not exist: write one for the stack (policies/config/production.json is a start)",
        ),
      ],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problems: [problem(`is not JSON (${(error as Error).message})`)] };
  }
  const problems = policyConfigProblems(parsed, policies);
  if (problems.length > 0) {
    return { problems: problems.map((text) => problem(`has a problem at ${text}`)) };
  }
  return { policyConfig: parsed as StackPolicyConfig, problems: [] };
}
