// The admission differential on a real kube-apiserver (scripts/control-plane.sh): every generated
// ValidatingAdmissionPolicy (production's policy config) is created, so the API server compiles
// and type-checks its CEL; then each case of tests/policies/admission/cases.ts is sent to it
// (`kubectl create --dry-run=server`: admission runs, nothing is stored) and must get the pack's
// verdict: the compliant fixtures admitted, each one-defect mutation refused with the pack's words.
// Each rule is bound alone, to a namespace of its own, so that a case is judged by its rule only.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { policies } from "../../policies/pack";
import {
  admissionAnnotations,
  admissionPolicies,
  type StackPolicyConfig,
} from "../../policies/lib/admission-policies";
import type { PackResourcePolicy } from "../../policies/lib/define";
import { projectRoot } from "../../tools/project-root";
import {
  allowedByRule,
  casePriorityClass,
  compliantFor,
  defectsByRule,
  settingsByRule,
} from "../policies/admission/cases";
import { clone, messagesOf } from "../policies/support";
import {
  controlPlaneScript,
  describeWithControlPlane,
  requireControlPlaneBin,
  startControlPlane,
} from "./control-plane";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const describeCluster = describeWithControlPlane("the admission differential");

const ruleLabel = "admission.toolboxai.io/rule";
const production: StackPolicyConfig = JSON.parse(
  readFileSync(path.join(projectRoot, "policies", "config", "production.json"), "utf8"),
);
// Production's config, with the settings a rule needs to check anything (image-digest's).
const config: StackPolicyConfig = {
  ...production,
  ...Object.fromEntries(
    Object.entries(settingsByRule).map(([rule, settings]) => [
      rule,
      { ...(production[rule] as object | undefined), ...settings },
    ]),
  ),
};
const generated = admissionPolicies(policies as PackResourcePolicy[], config, {
  namespaces: ["toolboxai"],
  namePrefix: "toolboxai-",
});
const rules = generated
  .filter((object) => object.kind === "ValidatingAdmissionPolicy")
  .map((policy) => policy.metadata.annotations[admissionAnnotations.rule] as string);
/** The rules whose binding denies (mandatory under this config); the others warn. */
const denying = new Set(
  generated
    .filter((object) => object.kind === "ValidatingAdmissionPolicyBinding")
    .filter((binding) => binding.spec.validationActions.includes("Deny"))
    .map((binding) => binding.metadata.annotations[admissionAnnotations.rule] as string),
);
const ruleNamespace = (rule: string) => `vap-${rule}`.slice(0, 63);
const policyOf = (rule: string) => (policies as PackResourcePolicy[]).find((p) => p.name === rule)!;

/**
 * A case of `rule`, moved to the rule's namespace; a Namespace, which a binding selects by its own
 * labels, gets the rule's label and a name of its own instead.
 */
const inNamespace = (rule: string, object: any) => {
  const moved = clone(object);
  if (moved.kind === "Namespace") {
    moved.metadata.name = `${ruleNamespace(rule)}-case`.slice(0, 63);
    moved.metadata.labels = { ...moved.metadata.labels, [ruleLabel]: rule };
  } else {
    moved.metadata.namespace = ruleNamespace(rule);
  }
  return moved;
};

const cases = rules.flatMap((rule) => [
  ...[...compliantFor(rule), ...(allowedByRule[rule] ?? [])].map((c) => ({
    rule,
    name: c.name,
    object: c.object,
    refused: false,
  })),
  ...(defectsByRule[rule] ?? []).map((c) => ({
    rule,
    name: c.name,
    object: c.object,
    refused: true,
  })),
]);

describeCluster("the generated admission policies on a real API server", () => {
  let dir: string;
  let kubectlPath: string;
  const kubectl = (args: readonly string[], input?: string) =>
    spawnSync(kubectlPath, [...args], {
      input,
      encoding: "utf8",
      env: { ...process.env, KUBECONFIG: path.join(dir, "admin.kubeconfig") },
    });

  beforeAll(async () => {
    kubectlPath = path.join(requireControlPlaneBin(), "kubectl");
    dir = mkdtempSync(path.join(tmpdir(), "toolboxai-admission-"));
    // The controller manager type-checks the policies against the matched kinds' schemas.
    await startControlPlane(dir, "--kcm");
    // Each rule's namespace, with the ServiceAccount its Pods name (the API checks it exists).
    const setup = [
      {
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: { name: casePriorityClass },
        value: 1000,
      },
      ...rules.flatMap((rule) => [
        {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ruleNamespace(rule), labels: { [ruleLabel]: rule } },
        },
        {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: "api", namespace: ruleNamespace(rule) },
        },
      ]),
    ];
    // The policies as generated; each binding as generated, but for its rule's namespace alone.
    const bound = generated.map((object) =>
      object.kind === "ValidatingAdmissionPolicyBinding"
        ? {
            ...object,
            spec: {
              ...object.spec,
              matchResources: {
                namespaceSelector: {
                  matchLabels: {
                    [ruleLabel]: object.metadata.annotations[admissionAnnotations.rule],
                  },
                },
              },
            },
          }
        : object,
    );
    const applied = kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: [...setup, ...bound] }),
    );
    if (applied.status !== 0) throw new Error(`the policies were refused:\n${applied.stderr}`);
  });

  afterAll(() => {
    if (!dir) return;
    execFileSync("bash", [controlPlaneScript, "stop", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the API server compiled every policy, and type-checked each without a warning", async () => {
    // Every rule the cases cover is generated under this config, and none without cases.
    expect([...rules].sort()).toEqual(Object.keys(defectsByRule).sort());
    // The controller manager writes each policy's type check to its status. It types what it can:
    // an expression over a variable is typed dynamically, so a misspelt field there is caught by
    // the cases below (it changes a verdict), not here.
    const checked = () =>
      JSON.parse(kubectl(["get", "validatingadmissionpolicies", "-o", "json"]).stdout).items.filter(
        (policy: any) => policy.status?.observedGeneration === policy.metadata.generation,
      );
    for (let waited = 0; checked().length < rules.length && waited < 60_000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(
      checked()
        .map((policy: any) => ({
          name: policy.metadata.name,
          warnings: policy.status.typeChecking?.expressionWarnings ?? [],
        }))
        .sort((a: any, b: any) => a.name.localeCompare(b.name)),
    ).toEqual(
      rules
        .map((rule) => ({ name: `toolboxai-${rule}`, warnings: [] }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  test("an owned object is judged at its owner only when a controller wrote it", () => {
    const rule = "no-privileged-containers";
    const [defect] = defectsByRule[rule].filter((c) => c.object.kind === "Pod");
    const owned = inNamespace(rule, defect.object);
    owned.metadata.ownerReferences = [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "api-1",
        uid: "d9607e19-0000-4000-8000-000000000001",
      },
    ];
    const create = (...as: string[]) =>
      kubectl(
        ["create", "--dry-run=server", "-o", "name", ...as, "-f", "-"],
        JSON.stringify(owned),
      );
    // The administrator claims an owner: judged, refused.
    const claimed = create();
    expect(claimed.status).not.toBe(0);
    expect(claimed.stderr).toContain(`ValidatingAdmissionPolicy 'toolboxai-${rule}'`);
    // The ReplicaSet controller (its own account, its bootstrap rights): judged at the owner.
    const made = create("--as", "system:serviceaccount:kube-system:replicaset-controller");
    expect({ status: made.status, stderr: made.stderr }).toEqual({ status: 0, stderr: "" });
  });

  test.each(cases.map((c) => [c.rule, c.name, c] as const))(
    "%s: %s gets the pack's verdict",
    async (rule, _name, c) => {
      const object = inNamespace(rule, c.object);
      // Judged by the pack where the API server judges it: in the rule's namespace.
      const packMessages = await messagesOf(policyOf(rule), [object], config as any);
      const sent = kubectl(
        ["create", "--dry-run=server", "-o", "name", "-f", "-"],
        JSON.stringify(object),
      );
      // A mandatory rule refuses; an advisory one admits with a warning that names it.
      const denies = denying.has(rule);
      expect({ refused: sent.status !== 0, pack: packMessages.length > 0 }).toEqual({
        refused: c.refused && denies,
        pack: c.refused,
      });
      const named = `ValidatingAdmissionPolicy 'toolboxai-${rule}'`;
      if (!c.refused) {
        expect(sent.stderr).not.toContain(named);
        return;
      }
      // The API server names the policy; its message is the pack's, less the object's name.
      expect(sent.stderr).toContain(denies ? named : `Warning: Validation failed for ${named}`);
      const words = sent.stderr.slice(sent.stderr.indexOf(`${rule}: `) + `${rule}: `.length).trim();
      expect(packMessages.some((message) => message.endsWith(words))).toBe(true);
    },
  );
});
