// Reading any Kubernetes manifests for `npm run policy -- --manifests` (the command itself is
// tested in tests/policy-command/).
import { mkdirSync, realpathSync, symlinkSync, truncateSync } from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { stringify } from "yaml";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { policies } from "../../policies/pack";
import { runPolicyPack } from "../../policies/runner";
import { maxManifestBytes } from "../../policies/runner/manifest-files";
import { readManifests } from "../../policies/runner/manifests";
import { runPolicyCommand } from "../../tools/policy";
import { tempFolder } from "../support/temp";
import { compliantDeployment } from "./support";

function folder(files: Record<string, string>): string {
  return tempFolder("toolboxai-manifests-", files);
}

const deploymentYaml = stringify(compliantDeployment());

test("multi-document files and nested folders map each object to its Pulumi type", () => {
  const dir = folder({
    "a.yaml": `${deploymentYaml}---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: toolboxai}\n---\n`,
    "nested/b.yml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\n",
    "notes.txt": "not a manifest, not read",
  });
  const { resources, unmodelled } = readManifests(dir, checkedKubernetesTypes);
  expect(resources.map((resource) => [resource.type, resource.name])).toEqual([
    ["kubernetes:apps/v1:Deployment", "api"],
    ["kubernetes:core/v1:Service", "api"],
    ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "x"],
  ]);
  expect(unmodelled).toEqual([]);
});

test("a folder's .json files are read, one object each, tab-indented or not", () => {
  const dir = folder({
    "deploy.json": JSON.stringify(compliantDeployment(), null, "\t"),
    "nested/service.JSON": JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "toolboxai" },
    }),
  });
  const { resources } = readManifests(dir, checkedKubernetesTypes);
  expect(resources.map((resource) => [resource.type, resource.name])).toEqual([
    ["kubernetes:apps/v1:Deployment", "api"],
    ["kubernetes:core/v1:Service", "api"],
  ]);
  expect(resources[0].props).toEqual(compliantDeployment());
});

test("every document reaches the runner; kinds the pack does not model are listed", () => {
  const dir = folder({
    "crd.yaml":
      `${deploymentYaml}---\napiVersion: cert-manager.io/v1\nkind: Certificate\n` +
      "metadata: {name: c, namespace: toolboxai}\n",
  });
  const file = path.join(dir, "crd.yaml");
  const { resources, unmodelled } = readManifests(dir, checkedKubernetesTypes);
  expect(resources.map((resource) => resource.type)).toEqual([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:cert-manager.io/v1:Certificate",
  ]);
  expect(unmodelled).toEqual([
    {
      file,
      index: 1,
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      name: "c",
      urn: resources[1].urn,
    },
  ]);
});

test("an old apiVersion of a modelled kind is read, and not listed as unmodelled", () => {
  const old = { ...compliantDeployment(), apiVersion: "extensions/v1beta1" };
  const { resources, unmodelled } = readManifests(
    folder({ "old.yaml": stringify(old) }),
    checkedKubernetesTypes,
  );
  expect(resources.map((resource) => resource.type)).toEqual([
    "kubernetes:extensions/v1beta1:Deployment",
  ]);
  expect(unmodelled).toEqual([]);
});

test("on unmodelled kinds only the generic rules run; every other policy is notApplicable", async () => {
  const dir = folder({
    "cluster.yaml": [
      "apiVersion: flowcontrol.apiserver.k8s.io/v1beta2\nkind: FlowSchema\nmetadata: {name: fs}\n",
      "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\nspec: {privileged: true}\n",
      "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, namespace: toolboxai}\n",
    ].join("---\n"),
  });
  const { resources, unmodelled } = readManifests(dir, checkedKubernetesTypes);
  expect(unmodelled.map((document) => document.kind)).toEqual([
    "FlowSchema",
    "PodSecurityPolicy",
    "Certificate",
  ]);
  // A kind of its own that runs a pod is modelled: the pod rules judge it.
  const sandbox = folder({
    "sandbox.yaml":
      "apiVersion: example.com/v1\nkind: Sandbox\nmetadata: {name: s, namespace: toolboxai}\n" +
      "spec: {template: {spec: {containers: [{name: c, image: 'busybox:1.36'}]}}}\n",
  });
  expect(readManifests(sandbox, checkedKubernetesTypes).unmodelled).toEqual([]);
  const { findings, readBy } = await runPolicyPack(policies, resources, {
    packEnforcementLevel: "mandatory",
  });
  // If a new policy reads every kind, it belongs in this list (and in the CLI's wording).
  for (const resource of resources) {
    expect([resource.name, readBy.get(resource.urn)]).toEqual([
      resource.name,
      ["no-default-namespace", "no-deprecated-apis"],
    ]);
  }
  expect(
    findings
      .filter((finding) => finding.policy === "no-deprecated-apis")
      .map((finding) => finding.message),
  ).toEqual([
    "FlowSchema fs: apiVersion flowcontrol.apiserver.k8s.io/v1beta2 was removed in Kubernetes " +
      "1.29; use flowcontrol.apiserver.k8s.io/v1",
    "PodSecurityPolicy psp: apiVersion policy/v1beta1 was removed in Kubernetes 1.25; use Pod " +
      "Security admission (PodSecurityPolicy has no successor API)",
  ]);
});

test("nothing to read is an error naming the path, never a pass", () => {
  const empty = folder({ "empty.yaml": "" });
  expect(() => readManifests(path.join(empty, "empty.yaml"), checkedKubernetesTypes)).toThrow(
    `${path.join(empty, "empty.yaml")}: no Kubernetes object in this file (empty, or only "---" ` +
      "separators), so nothing to check",
  );
  const separators = folder({ "only.yaml": "---\n---\n# a comment\n---\n" });
  expect(() => readManifests(path.join(separators, "only.yaml"), checkedKubernetesTypes)).toThrow(
    `${path.join(separators, "only.yaml")}: no Kubernetes object in this file`,
  );
  expect(() => readManifests(separators, checkedKubernetesTypes)).toThrow(
    `${separators}: no Kubernetes object in its 1 manifest file(s), so nothing to check`,
  );
  const emptyFolder = folder({});
  expect(() => readManifests(emptyFolder, checkedKubernetesTypes)).toThrow(
    `${emptyFolder}: no .yaml, .yml or .json file in this folder, so nothing to check`,
  );
  const noManifests = folder({ "README.md": "# charts", "values.txt": "a: 1" });
  expect(() => readManifests(noManifests, checkedKubernetesTypes)).toThrow(
    `${noManifests}: no .yaml, .yml or .json file in this folder, so nothing to check`,
  );
  const emptyJson = folder({ "empty.json": "  \n" });
  expect(() => readManifests(emptyJson, checkedKubernetesTypes)).toThrow(
    `${emptyJson}: no Kubernetes object in its 1 manifest file(s)`,
  );
});

test("lists are expanded as kubectl expands them; findings name the file, document and item", async () => {
  const privileged = compliantDeployment("worker");
  privileged.spec.template.spec.containers[0].securityContext.privileged = true;
  const bare = { metadata: privileged.metadata, spec: privileged.spec };
  const dir = folder({
    "list.yaml": stringify({ apiVersion: "v1", kind: "List", items: [compliantDeployment()] }),
    "typed.json": JSON.stringify({ apiVersion: "apps/v1", kind: "DeploymentList", items: [bare] }),
  });
  const { resources } = readManifests(dir, checkedKubernetesTypes);
  expect(resources.map((resource) => [resource.type, resource.name, resource.source])).toEqual([
    ["kubernetes:apps/v1:Deployment", "api", `${path.join(dir, "list.yaml")} document 0 item 0`],
    [
      "kubernetes:apps/v1:Deployment",
      "worker",
      `${path.join(dir, "typed.json")} document 0 item 0`,
    ],
  ]);
  expect(resources[1].props).toEqual(privileged);
  const { findings } = await runPolicyPack(policies, resources, {
    packEnforcementLevel: "mandatory",
  });
  expect(
    findings.find((finding) => finding.policy === "no-privileged-containers")?.resource,
  ).toMatchObject({ name: "worker", source: `${path.join(dir, "typed.json")} document 0 item 0` });
});

test("the command's text report names the file, document and item of findings and unmodelled kinds", async () => {
  const privileged = compliantDeployment("worker");
  privileged.spec.template.spec.containers[0].securityContext.privileged = true;
  const certificate = {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: "c" },
  };
  const dir = folder({
    "list.yaml": stringify({ apiVersion: "v1", kind: "List", items: [certificate, privileged] }),
  });
  let stdout = "";
  const status = await runPolicyCommand(["--manifests", dir], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => undefined },
    env: {},
    cwd: process.cwd(),
  });
  const file = path.join(dir, "list.yaml");
  expect(status).toBe(1);
  expect(stdout).toContain(
    "no-privileged-containers  (kubernetes:apps/v1:Deployment: worker, " +
      `${file} document 0 item 1)\n`,
  );
  expect(stdout).toContain(
    `        - ${file} document 0 item 0: cert-manager.io/v1 Certificate c: `,
  );
});

test("links: each file once by its real path; loops and links out of the folder are refused", () => {
  const dir = folder({ "a.yaml": deploymentYaml, "sub/b.yaml": deploymentYaml });
  symlinkSync(path.join(dir, "a.yaml"), path.join(dir, "again.yaml"));
  symlinkSync(path.join(dir, "sub"), path.join(dir, "sub-again"));
  expect(readManifests(dir, checkedKubernetesTypes).resources.map((r) => r.urn)).toEqual([
    `manifest:${path.join(dir, "a.yaml")}#0::kubernetes:apps/v1:Deployment::toolboxai/api`,
    `manifest:${path.join(dir, "sub", "b.yaml")}#0::kubernetes:apps/v1:Deployment::toolboxai/api`,
  ]);

  const loop = folder({ "a.yaml": deploymentYaml });
  symlinkSync(".", path.join(loop, "a-link"));
  symlinkSync(".", path.join(loop, "b-link"));
  expect(() => readManifests(loop, checkedKubernetesTypes)).toThrow(
    `${path.join(loop, "a-link")}: a link to ${realpathSync(loop)}, a folder that contains it (a loop)`,
  );

  const inner = folder({ "a.yaml": deploymentYaml });
  const outside = path.dirname(realpathSync(inner));
  mkdirSync(path.join(inner, "deep"));
  symlinkSync("../..", path.join(inner, "deep", "up"));
  expect(() => readManifests(path.join(inner, "deep"), checkedKubernetesTypes)).toThrow(
    `${path.join(inner, "deep", "up")}: a link to ${outside}, outside ${path.join(inner, "deep")}; ` +
      "the runner reads only what is inside the folder it checks",
  );
});

test("a file over the size cap is refused before it is read", () => {
  const dir = folder({ "big.yaml": "" });
  truncateSync(path.join(dir, "big.yaml"), maxManifestBytes + 1);
  expect(() => readManifests(dir, checkedKubernetesTypes)).toThrow(
    `${path.join(dir, "big.yaml")}: ${maxManifestBytes + 1} bytes, over the 64 MiB limit for ` +
      "one manifest file (a Kubernetes object is at most about 1.5 MiB); split it",
  );
});

test("a policy that throws on a document is named with the file and document", async () => {
  const dir = folder({
    "pod.yaml":
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: toolboxai}\nspec: {containers: {}}\n",
  });
  const { resources } = readManifests(dir, checkedKubernetesTypes);
  const breaks: ResourceValidationPolicy = {
    name: "stand-in-that-breaks",
    description: "a stand-in policy that fails on every object",
    enforcementLevel: "mandatory",
    validateResource: (args) => {
      (args.props.spec.containers as unknown as unknown[]).map(String);
    },
  };
  await expect(runPolicyPack([breaks], resources)).rejects.toThrow(
    `${path.join(dir, "pod.yaml")} document 0: policy 'stand-in-that-breaks' failed on this Pod: `,
  );
});

test("a stack policy that throws is named", async () => {
  const dir = folder({
    "pod.yaml":
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: toolboxai}\nspec: {containers: {}}\n",
  });
  const { resources } = readManifests(dir, checkedKubernetesTypes);
  const breaks: StackValidationPolicy = {
    name: "stand-in-stack-rule-that-breaks",
    description: "a stand-in stack policy that fails on every stack",
    enforcementLevel: "mandatory",
    validateStack: (args) => {
      (args.resources[0].props.spec.containers as unknown as unknown[]).map(String);
    },
  };
  await expect(runPolicyPack([breaks], resources)).rejects.toThrow(
    "policy 'stand-in-stack-rule-that-breaks' failed on the stack's objects: ",
  );
});

test("bad input names the file and document index", () => {
  const invalid = folder({ "bad.yaml": `${deploymentYaml}---\nkind: [unclosed\n` });
  expect(() => readManifests(invalid, checkedKubernetesTypes)).toThrow(
    new RegExp(`^${path.join(invalid, "bad.yaml")}: document 1: invalid YAML: `),
  );
  const invalidJson = folder({ "bad.json": '{"apiVersion": "v1",' });
  expect(() => readManifests(invalidJson, checkedKubernetesTypes)).toThrow(
    new RegExp(`^${path.join(invalidJson, "bad.json")}: invalid JSON: `),
  );
  const noKind = folder({ "x.yaml": "metadata: {name: y}\n" });
  expect(() => readManifests(noKind, checkedKubernetesTypes)).toThrow(
    `${path.join(noKind, "x.yaml")}: document 0: missing apiVersion or kind`,
  );
  const array = folder({ "x.json": "[]" });
  expect(() => readManifests(array, checkedKubernetesTypes)).toThrow(
    `${path.join(array, "x.json")}: document 0: not a Kubernetes object (expected a mapping)`,
  );
  expect(() => readManifests("/nonexistent/path", checkedKubernetesTypes)).toThrow(
    "/nonexistent/path: no such file or folder",
  );
});
