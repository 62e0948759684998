// Exemptions: a workload that cannot meet a rule is exempted from that rule by kind, namespace
// and name, with a written reason, in that policy's own config. Every exemption used is recorded
// and reported by the advisory stack policy `policy-exemptions-in-use`, so none goes unseen.
import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { describeRef, type ObjectRef } from "./kubernetes";

export interface Exemption {
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

/** Added to every policy's configSchema. */
export const exemptionsSchema: PolicyConfigSchema["properties"][string] = {
  type: "array",
  description:
    "Objects exempted from this policy, each with a written reason; every use is reported.",
  default: [],
  items: {
    type: "object",
    required: ["name", "reason"],
    additionalProperties: false,
    properties: {
      kind: { type: "string", description: "Kind, e.g. DaemonSet; omitted matches any kind." },
      namespace: { type: "string", description: "Namespace; omitted matches any namespace." },
      name: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 10, description: "Why the rule cannot be met." },
    },
  },
};

export function findExemption(
  exemptions: readonly Exemption[] | undefined,
  ref: ObjectRef,
): Exemption | undefined {
  return (exemptions ?? []).find(
    (exemption) =>
      exemption.name === ref.name &&
      (exemption.kind === undefined || exemption.kind === ref.kind) &&
      (exemption.namespace === undefined || exemption.namespace === ref.namespace),
  );
}

interface UsedExemption {
  readonly policy: string;
  readonly ref: ObjectRef;
  readonly reason: string;
}

// The analyzer process lives for one preview or update and runs resource policies before stack
// policies, so exemptions recorded here are complete when the report below runs.
const used = new Map<string, UsedExemption>();

export function recordExemption(policy: string, ref: ObjectRef, reason: string): void {
  used.set(`${policy}\u0000${describeRef(ref)}`, { policy, ref, reason });
}

/** For the in-process runner: one run, one record. */
export function resetExemptions(): void {
  used.clear();
}

export const exemptionsInUse: StackValidationPolicy = {
  name: "policy-exemptions-in-use",
  description: "Reports every policy exemption that applied in this run, with its reason.",
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Nothing to change if the reason still holds; otherwise fix the object and remove its entry " +
    "from the policy's `exemptions` in policies/config/<stack>.json.",
  validateStack: (_args, reportViolation) => {
    for (const exemption of used.values()) {
      reportViolation(
        `${describeRef(exemption.ref)} is exempted from ${exemption.policy}: ${exemption.reason}`,
      );
    }
  },
};
