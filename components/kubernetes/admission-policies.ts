// The pack's one-object rules enforced by the cluster itself: a ValidatingAdmissionPolicy and its
// binding per rule (policies/lib/admission-policies.ts), at the levels, settings and exemptions of
// the stack's policy config, judging the stack's namespaces whoever applies there (kubectl, a
// Helm chart, a compromised deploy credential), not only what goes through `pulumi preview`.
import * as pulumi from "@pulumi/pulumi";
import { policies } from "../../policies/pack";
import {
  admissionAnnotations,
  admissionPolicies,
  type StackPolicyConfig,
} from "../../policies/lib/admission-policies";
import type { PackResourcePolicy } from "../../policies/lib/define";
import * as k8s from "./api";
import { recommendedLabels } from "./labels";

export interface AdmissionPoliciesArgs {
  /** Labels, and the prefix of every name (`<instance>-<rule>`). */
  readonly instance: string;
  /** `enforce`: each rule at its level (mandatory refuses); `audit`: every rule warns only. */
  readonly mode: "enforce" | "audit";
  /** The stack's policy config (policies/config/<stack>.json), as the pack reads it. */
  readonly policyConfig: StackPolicyConfig;
  /** The namespaces judged: the stack's own. */
  readonly namespaces: readonly string[];
  /**
   * Operators whose objects made for an owner are judged at the owner, as Kubernetes' own
   * controllers' are (user names, or prefixes ending in `:`).
   */
  readonly controllers?: readonly string[];
}

export class AdmissionPolicies extends pulumi.ComponentResource {
  /** The rules enforced at admission, each one policy and one binding named `<instance>-<rule>`. */
  readonly rules: readonly string[];
  /** The policies' and bindings' names (the deployer manages these by name). */
  readonly names: readonly string[];

  constructor(name: string, args: AdmissionPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:kubernetes:AdmissionPolicies", name, {}, opts);
    const objects = admissionPolicies(policies as PackResourcePolicy[], args.policyConfig, {
      namespaces: args.namespaces,
      namePrefix: `${args.instance}-`,
      controllers: args.controllers,
      auditOnly: args.mode === "audit",
    });
    const rules: string[] = [];
    const policyResources = new Map<string, pulumi.Resource>();
    for (const object of objects) {
      const rule: string = object.metadata.annotations[admissionAnnotations.rule];
      const metadata = {
        ...object.metadata,
        labels: recommendedLabels(object.metadata.name, "admission", args),
      };
      if (object.kind === "ValidatingAdmissionPolicy") {
        rules.push(rule);
        policyResources.set(
          rule,
          new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            `${name}-${rule}`,
            { metadata, spec: object.spec },
            { parent: this },
          ),
        );
      } else {
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
          `${name}-${rule}-binding`,
          { metadata, spec: object.spec },
          { parent: this, dependsOn: [policyResources.get(rule)!] },
        );
      }
    }
    this.rules = rules;
    this.names = objects
      .filter((object) => object.kind === "ValidatingAdmissionPolicy")
      .map((object) => object.metadata.name as string);
    this.registerOutputs({ rules, names: this.names });
  }
}
