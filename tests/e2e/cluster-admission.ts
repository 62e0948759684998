// The stack's admission policies on the node's API server, once `pulumi up` has applied them
// with the stack (every object of the stack was admitted under them, and `kubectl diff`, a
// server-side dry run, admits each again in the next check): each policy compiled and
// type-checked without a warning; a Deployment that breaks a mandatory rule, applied with kubectl
// outside Pulumi, refused with the rule's words, even when it claims an owner; and the namespaces
// the policies must never judge (the cluster's own, the operators') admit it.
import type { DeclaredObject } from "../../tools/e2e/cluster-checks";
import { eventually } from "../../tools/e2e/control-plane";
import type { DeployedStack } from "./cluster-stack";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const ruleAnnotation = "policy.toolboxai.io/rule";

/** The namespaces a binding judges (its `In` expression). */
function judgedNamespaces(binding: any): string[] {
  const expressions: any[] = binding.spec.matchResources.namespaceSelector.matchExpressions;
  return expressions.find((expression) => expression.operator === "In")?.values ?? [];
}

export function admissionChecks(deployed: DeployedStack): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  const declared = (kind: string) =>
    deployed.declared
      .filter((object: DeclaredObject) => object.manifest.kind === kind)
      .map((object) => object.manifest as any);
  /** The backend's Deployment, as the cluster holds it. */
  const backendDeployment = () =>
    controlPlane().json<any>(["get", "deployment", "backend", "--namespace", deployed.namespace]);
  /** `backend` (its Deployment) made privileged, as e2e-unadmitted in `namespace`, as JSON. */
  const privilegedDeployment = (
    backend: any,
    namespace: string,
    extra: Record<string, unknown> = {},
  ) => {
    const labels = { "app.kubernetes.io/name": "e2e-unadmitted" };
    const spec = structuredClone(backend.spec.template.spec);
    // The API server itself refuses privileged with allowPrivilegeEscalation false.
    spec.containers[0].securityContext = {
      ...spec.containers[0].securityContext,
      privileged: true,
      allowPrivilegeEscalation: true,
    };
    return JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "e2e-unadmitted", namespace, labels, ...extra },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec },
      },
    });
  };

  test("every admission policy the stack declares is in force: bound, compiled, type-checked without a warning", async () => {
    const policies = declared("ValidatingAdmissionPolicy");
    expect(policies.length).toBeGreaterThan(10);
    expect(declared("ValidatingAdmissionPolicyBinding").length).toBe(policies.length);
    // The controller manager type-checks each policy against the kinds it matches, a little after.
    const unchecked = await eventually(120, () =>
      policies.flatMap((policy) => {
        const live = controlPlane().json<any>([
          "get",
          "validatingadmissionpolicy",
          policy.metadata.name,
        ]);
        const warnings = live.status?.typeChecking?.expressionWarnings ?? [];
        if (!live.status?.typeChecking) return [`${policy.metadata.name}: not type-checked yet`];
        return warnings.map(
          (warning: any) => `${policy.metadata.name} ${warning.fieldRef}: ${warning.warning}`,
        );
      }),
    );
    expect(unchecked).toEqual([]);
  });

  test("a Deployment that breaks a mandatory rule, applied with kubectl, is refused with the rule's words", () => {
    const denying = new Set(
      declared("ValidatingAdmissionPolicyBinding")
        .filter((binding) => binding.spec.validationActions.includes("Deny"))
        .map((binding) => binding.spec.policyName as string),
    );
    const privileged = declared("ValidatingAdmissionPolicy").find(
      (policy) => policy.metadata.annotations[ruleAnnotation] === "no-privileged-containers",
    );
    expect(denying.has(privileged?.metadata.name)).toBe(true);
    const refusal =
      /ValidatingAdmissionPolicy '([a-z0-9-]+)' with binding '\1' denied request: ([a-z-]+): (.+)/;
    const backend = backendDeployment();
    const attempts = [
      privilegedDeployment(backend, deployed.namespace),
      // ownerReferences are anyone's to write: an object is judged at its owner only when a
      // controller made it.
      privilegedDeployment(backend, deployed.namespace, {
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: "backend", uid: backend.metadata.uid },
        ],
      }),
    ];
    for (const attempt of attempts) {
      const applied = controlPlane().kubectl(["apply", "-f", "-"], attempt);
      try {
        expect(applied.code).not.toBe(0);
        const [, policy, rule, words] = refusal.exec(applied.output) ?? [];
        expect({ denying: denying.has(policy), rule: policy?.endsWith(`-${rule}`), words }).toEqual(
          { denying: true, rule: true, words: expect.stringContaining("container") },
        );
      } finally {
        controlPlane().kubectl([
          "delete",
          "deployment",
          "e2e-unadmitted",
          "--namespace",
          deployed.namespace,
          "--ignore-not-found",
        ]);
      }
    }
  });

  test("kube-system and the stack's other namespaces (the operators') are never judged", () => {
    const bindings = declared("ValidatingAdmissionPolicyBinding");
    const judged = new Set(bindings.flatMap(judgedNamespaces));
    expect(judged.has(deployed.namespace)).toBe(true);
    const stackNamespaces = declared("Namespace").map((namespace) => namespace.metadata.name);
    const unjudged = ["kube-system", ...stackNamespaces.filter((name) => !judged.has(name))];
    const backend = backendDeployment();
    for (const namespace of unjudged) {
      // A server-side dry run: admission runs in full, nothing is stored.
      const applied = controlPlane().kubectl(
        ["apply", "--dry-run=server", "-f", "-"],
        privilegedDeployment(backend, namespace),
      );
      expect({ namespace, code: applied.code, output: applied.output }).toMatchObject({
        namespace,
        code: 0,
      });
    }
  });
}
