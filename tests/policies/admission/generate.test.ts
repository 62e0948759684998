// The generated ValidatingAdmissionPolicies and bindings for a stack: the stack's policy config
// decides each rule's action (mandatory denies, advisory warns and audits, disabled is not bound),
// its settings and its exemptions (with their reasons); only the stack's namespaces are judged,
// never the cluster's own.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { policies, policyDomains } from "../../../policies/pack";
import {
  admissionAnnotations,
  admissionPolicies,
  alwaysExcludedNamespaces,
  clusterControllers,
  type StackPolicyConfig,
} from "../../../policies/lib/admission-policies";
import type { PackResourcePolicy } from "../../../policies/lib/define";
import { projectRoot } from "../../../tools/project-root";
import { judge } from "../../support/admission-cel";
import { compliantDeployment } from "../support";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const options = {
  namespaces: ["toolboxai", "toolboxai-monitoring", "toolboxai-node-exporter"],
  namePrefix: "toolboxai-",
  controllers: ["system:serviceaccount:cnpg-system:"],
};
const generate = (config: StackPolicyConfig) =>
  admissionPolicies(policies as PackResourcePolicy[], config, options);
const named = (objects: any[], kind: string, rule: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === `toolboxai-${rule}`);

test("a policy and a binding per rule with an admission form, named after the rule", () => {
  const objects = generate({});
  // image-digest checks nothing unless the stack sets requireDigest: it is not generated then.
  const rules = (policies as PackResourcePolicy[])
    .filter((policy) => policy.admission && policy.name !== "image-digest")
    .map((policy) => policy.name);
  expect(rules.length).toBeGreaterThan(10);
  for (const kind of ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]) {
    expect(
      objects.filter((object) => object.kind === kind).map((object) => object.metadata.name),
    ).toEqual(rules.map((rule) => `toolboxai-${rule}`));
  }
  const binding = named(objects, "ValidatingAdmissionPolicyBinding", "no-host-ports");
  expect(binding.spec.policyName).toBe("toolboxai-no-host-ports");
  expect(binding.metadata.annotations[admissionAnnotations.rule]).toBe("no-host-ports");
});

test("a rule whose settings leave it nothing to check is not generated until they do", () => {
  expect(named(generate({}), "ValidatingAdmissionPolicy", "image-digest")).toBeUndefined();
  const policy = named(
    generate({ "image-digest": { requireDigest: true } }),
    "ValidatingAdmissionPolicy",
    "image-digest",
  );
  expect(policy.spec.validations).toHaveLength(1);
});

test("mandatory denies; advisory warns and audits; disabled is not generated", () => {
  const objects = generate({
    "no-host-ports": { enforcementLevel: "advisory" },
    "proc-mount-default": "disabled",
  });
  const actions = (rule: string) =>
    named(objects, "ValidatingAdmissionPolicyBinding", rule)?.spec.validationActions;
  expect(actions("no-privileged-containers")).toEqual(["Deny"]);
  expect(actions("no-host-ports")).toEqual(["Warn", "Audit"]);
  expect(named(objects, "ValidatingAdmissionPolicy", "proc-mount-default")).toBeUndefined();
  expect(actions("proc-mount-default")).toBeUndefined();
});

test("only the stack's namespaces are judged, never the cluster's own, and never none", () => {
  const bindings = (namespaces: string[]) =>
    admissionPolicies(policies as PackResourcePolicy[], {}, { ...options, namespaces }).filter(
      (object) => object.kind === "ValidatingAdmissionPolicyBinding",
    );
  for (const binding of bindings(["toolboxai", "kube-system", "toolboxai"])) {
    expect(binding.spec.matchResources.namespaceSelector.matchExpressions).toEqual([
      { key: "kubernetes.io/metadata.name", operator: "In", values: ["toolboxai"] },
      { key: "kubernetes.io/metadata.name", operator: "NotIn", values: alwaysExcludedNamespaces },
    ]);
  }
  expect(alwaysExcludedNamespaces).toContain("kube-system");
  expect(() => bindings(["kube-system"])).toThrow(
    'admission policies judge no namespace: given ["kube-system"], and kube-system, ' +
      "kube-public, kube-node-lease are never judged",
  );
});

test("audit: every rule warns and audits, the mandatory ones too", () => {
  const objects = admissionPolicies(
    policies as PackResourcePolicy[],
    {},
    { ...options, auditOnly: true },
  );
  const bindings = objects.filter((object) => object.kind === "ValidatingAdmissionPolicyBinding");
  expect(bindings.length).toBeGreaterThan(10);
  for (const binding of bindings) expect(binding.spec.validationActions).toEqual(["Warn", "Audit"]);
});

test("the operators named are trusted as controllers, beside the cluster's own", () => {
  const policy = named(generate({}), "ValidatingAdmissionPolicy", "no-privileged-containers");
  const owned = compliantDeployment();
  owned.spec.template.spec.containers[0].securityContext.privileged = true;
  owned.metadata.ownerReferences = [
    { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", name: "postgres", uid: "1" },
  ];
  expect(judge(policy, owned, "system:serviceaccount:cnpg-system:cnpg-manager")).toEqual({
    judged: false,
    condition: "judged-at-its-owner",
  });
  expect(clusterControllers).toContain("system:serviceaccount:kube-system:");
  expect(judge(policy, owned, "system:serviceaccount:other-operator:manager")).toMatchObject({
    judged: true,
  });
});

test("production's exemptions are match conditions, their reasons annotations; others are judged", () => {
  const production = JSON.parse(
    readFileSync(path.join(projectRoot, "policies", "config", "production.json"), "utf8"),
  );
  const policy = named(generate(production), "ValidatingAdmissionPolicy", "host-namespaces");
  const exemptions = JSON.parse(policy.metadata.annotations[admissionAnnotations.exemptions]);
  expect(exemptions).toEqual(production["host-namespaces"].exemptions);
  const nodeAgent = (namespace: string) => {
    const daemonSet = { ...compliantDeployment("node-exporter", namespace), kind: "DaemonSet" };
    daemonSet.spec.template.spec.hostPID = true;
    return daemonSet;
  };
  expect(judge(policy, nodeAgent("toolboxai-node-exporter"))).toEqual({
    judged: false,
    condition: "not-exempted",
  });
  // The same object elsewhere is not the one exempted.
  expect(judge(policy, nodeAgent("toolboxai"))).toMatchObject({
    judged: true,
    messages: [
      "host-namespaces: hostPID is true: the pod shares the node's process (PID) namespace; it must be unset or false",
    ],
  });
});

test("a stack's setting reaches the expression: a wider capability allow-list admits what it lists", () => {
  const deployment = compliantDeployment();
  deployment.spec.template.spec.containers[0].securityContext.capabilities.add = ["CHOWN"];
  const policyWith = (config: StackPolicyConfig) =>
    named(generate(config), "ValidatingAdmissionPolicy", "capabilities-drop-all");
  expect(judge(policyWith({}), deployment)).toMatchObject({
    messages: [
      'capabilities-drop-all: container "api" adds CHOWN; only NET_BIND_SERVICE may be added back',
    ],
  });
  expect(
    judge(
      policyWith({
        "capabilities-drop-all": { allowedCapabilities: ["NET_BIND_SERVICE", "CHOWN"] },
      }),
      deployment,
    ),
  ).toEqual({ judged: true, messages: [] });
});

test("a rule is either at admission or says why it cannot be, never both", () => {
  const packOnly = (policies as PackResourcePolicy[]).filter((policy) => policy.packOnly);
  expect(packOnly.map((policy) => policy.name)).toContain("image-pull-policy");
  for (const policy of packOnly) {
    expect({ rule: policy.name, admission: policy.admission }).toEqual({
      rule: policy.name,
      admission: undefined,
    });
    // A reason that reads in the reference's list: a sentence.
    expect(policy.packOnly).toMatch(/^[A-Z].{20,}\.$/);
  }
});

test("every rule that judges one Kubernetes object has an admission form, or says why not", () => {
  const kubernetesRules = Object.entries(policyDomains)
    .filter(([domain]) => domain !== "docker")
    .flatMap(([, rules]) => rules as PackResourcePolicy[])
    .filter((policy) => policy.validateResource);
  expect(kubernetesRules.length).toBeGreaterThan(50);
  expect(
    kubernetesRules.filter((policy) => !policy.admission && !policy.packOnly).map((p) => p.name),
  ).toEqual([]);
});
