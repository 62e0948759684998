// The stack's admission policies (components/kubernetes/admission-policies.ts): the pack's
// one-object rules at the levels of the stack's policy config, judging the stack's own namespaces
// only, and admitting every object the stack itself applies there.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policies } from "../../../policies/pack";
import { admissionAnnotations, ruleSettings } from "../../../policies/lib/admission-policies";
import type { PackResourcePolicy } from "../../../policies/lib/define";
import { isKubernetesObject } from "../../../tools/engine/render";
import { projectRoot } from "../../../tools/project-root";
import { judge } from "../admission-cel";
import { byKind, type StackContext } from "./context";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function admissionChecks(context: StackContext): void {
  const { stack, namespaces, expected } = context;
  const policyConfig = JSON.parse(
    readFileSync(path.join(projectRoot, "policies", "config", `${stack}.json`), "utf8"),
  );
  const manifests = (kind: string) =>
    byKind(context.run(), kind).map((resource) => resource.inputs as any);
  const admissionPolicies = () => manifests("ValidatingAdmissionPolicy");
  const bindings = () => manifests("ValidatingAdmissionPolicyBinding");
  const ruleOf = (object: any): string => object.metadata.annotations[admissionAnnotations.rule];

  test("a policy and a binding per one-object rule the stack's policy config leaves on", () => {
    const expectedRules = (policies as PackResourcePolicy[])
      .filter((policy) => policy.admission)
      .filter((policy) => {
        const { level, settings } = ruleSettings(policy, policyConfig);
        return level !== "disabled" && policy.admission!.validations(settings).length > 0;
      })
      .map((policy) => policy.name);
    expect(expectedRules.length).toBeGreaterThan(10);
    // The instance is `toolboxai-<environment>`, and each stack file's environment is its name.
    const instance = `toolboxai-${stack}`;
    expect(admissionPolicies().map(ruleOf).sort()).toEqual(expectedRules.sort());
    expect(admissionPolicies().map((policy) => policy.metadata.name)).toEqual(
      admissionPolicies().map((policy) => `${instance}-${ruleOf(policy)}`),
    );
    expect(bindings().map(ruleOf).sort()).toEqual(expectedRules);
  });

  test("mandatory rules refuse, the others warn and audit, as the policy config says", () => {
    for (const binding of bindings()) {
      const policy = (policies as PackResourcePolicy[]).find((p) => p.name === ruleOf(binding))!;
      const { level } = ruleSettings(policy, policyConfig);
      expect({ rule: policy.name, actions: binding.spec.validationActions }).toEqual({
        rule: policy.name,
        actions: level === "mandatory" ? ["Deny"] : ["Warn", "Audit"],
      });
    }
  });

  test("they judge the stack's namespaces only: not the operators', not the cluster's", () => {
    const judged = [namespaces.platform, namespaces.monitoring, namespaces.nodeExporter];
    for (const binding of bindings()) {
      expect(binding.spec.matchResources.namespaceSelector.matchExpressions).toEqual([
        { key: "kubernetes.io/metadata.name", operator: "In", values: judged },
        {
          key: "kubernetes.io/metadata.name",
          operator: "NotIn",
          values: ["kube-system", "kube-public", "kube-node-lease"],
        },
      ]);
    }
    // What CloudNativePG makes for the stack's Cluster is judged at the Cluster, by the pack.
    const ownerCondition = admissionPolicies()
      .flatMap((policy) => policy.spec.matchConditions)
      .find((condition: any) => condition.name === "judged-at-its-owner");
    expect(ownerCondition.expression.includes("system:serviceaccount:cnpg-system:")).toBe(
      expected.database !== undefined,
    );
  });

  test("every object the stack applies in its namespaces is admitted by them", () => {
    const objects = context
      .run()
      .resources.filter(isKubernetesObject)
      .map((resource) => resource.inputs as any)
      .filter((object) =>
        Object.values(namespaces).includes(
          // A binding selects a Namespace by its own name.
          object.kind === "Namespace" ? object.metadata?.name : object.metadata?.namespace,
        ),
      );
    const judged = new Set<string>();
    const judgedKinds = new Set<string>();
    for (const policy of admissionPolicies()) {
      const kinds = new Set<string>(
        policy.spec.matchConstraints.resourceRules.flatMap((rule: any) => rule.resources),
      );
      for (const object of objects) {
        if (!kinds.has(resourceOf(String(object.kind)))) continue;
        const verdict = judge(policy, object, "system:serviceaccount:toolboxai-delivery:deployer");
        const where = `${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}`;
        expect({ rule: ruleOf(policy), where, verdict }).toEqual({
          rule: ruleOf(policy),
          where,
          verdict: verdict.judged ? { judged: true, messages: [] } : verdict,
        });
        if (verdict.judged) judged.add(where);
        judgedKinds.add(object.kind);
      }
    }
    // The check saw the stack's workloads (a kind mismatch would leave it judging nothing), and
    // the kinds every Kubernetes stack has.
    expect(judged.size).toBeGreaterThan(5);
    expect([...judgedKinds]).toEqual(
      expect.arrayContaining(["Namespace", "NetworkPolicy", "Deployment", "Service", "Role"]),
    );
  });
}

/** The API's resource name of a kind, as a policy's resource rules name it. */
function resourceOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith("s")) return lower === "endpoints" ? lower : `${lower}es`;
  if (lower.endsWith("y")) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
