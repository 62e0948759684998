// Continuous delivery by the Pulumi Kubernetes Operator, as Pulumi.production.yaml sets it:
// the Stack object's resync, retry and safety settings, its credentials by reference, its
// hardened workspace, the real CRD's schema, and the deployer's rights: exactly the kinds the
// stack renders, in its namespaces, and the reads its own Roles grant.
import {
  clusterKinds,
  grantedClusterReads,
  grantedReads,
  manageVerbs,
  namespacedKinds,
  stackNamespacedKinds,
} from "../components/delivery/deployer-rights";
import { isKubernetesObject } from "../tools/engine/render";
import type { ProgramRun } from "../tools/engine/mock-engine";
import { sharedProgramRun } from "./support/program-runs";
import { crdErrors } from "./support/crd-schemas";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

let run: ProgramRun;
const deliveryNamespace = "toolboxai-delivery";
// Production installs CloudNativePG's operator, in its own namespace (database.operator: install).
const operatorNamespace = "cnpg-system";
const operatorClusterRole = "cnpg-system-cnpg-manager";
const stackNamespaces = [
  "toolboxai",
  "toolboxai-monitoring",
  "toolboxai-node-exporter",
  operatorNamespace,
  deliveryNamespace,
];

beforeAll(async () => {
  run = await sharedProgramRun("production");
});

const objects = () => run.resources.filter(isKubernetesObject).map((r) => r.inputs as any);
const ofKind = (kind: string) => objects().filter((object) => object.kind === kind);
const stackObject = () => ofKind("Stack")[0];

test("one Stack deploys this program's release branch as the production stack", () => {
  expect(ofKind("Stack").length).toBe(1);
  const stack = stackObject();
  expect(stack.apiVersion).toBe("pulumi.com/v1");
  expect(stack.metadata).toMatchObject({
    name: "toolboxai-production",
    namespace: deliveryNamespace,
  });
  expect(stack.spec).toMatchObject({
    stack: "toolboxai/toolboxai/production",
    projectRepo: "https://github.com/toolboxai/infrastructure.git",
    branch: "refs/heads/release",
    serviceAccountName: "pulumi-deployer",
  });
});

test("the stack output says how it is delivered and what to watch", () => {
  expect(run.outputs.delivery).toEqual({
    mode: "operator",
    namespace: deliveryNamespace,
    stackObject: "toolboxai-production",
    branch: "release",
  });
});

test("drift is corrected on every resync, failures are retried, deletion never destroys", () => {
  expect(stackObject().spec).toMatchObject({
    refresh: true,
    resyncFrequencySeconds: 600,
    continueResyncOnCommitMatch: true,
    retryOnUpdateConflict: true,
    retryMaxBackoffDurationSeconds: 600,
    destroyOnFinalize: false,
    useLocalStackOnly: true,
  });
});

test("the backend's credentials are a reference to a Secret, never a value", () => {
  const spec = stackObject().spec;
  expect(spec.envRefs).toEqual({
    PULUMI_ACCESS_TOKEN: {
      type: "Secret",
      secret: { name: "pulumi-credentials", key: "PULUMI_ACCESS_TOKEN" },
    },
  });
  expect(spec.secrets).toBeUndefined();
  expect(spec.config).toBeUndefined();
  // The program does not make that Secret: it is made by hand (docs/DELIVERY.md).
  expect(ofKind("Secret").map((secret) => secret.metadata.name)).not.toContain(
    "pulumi-credentials",
  );
});

test("the workspace is restricted, non-root, read-only, sized and pinned", () => {
  const workspace = stackObject().spec.workspaceTemplate.spec;
  expect(workspace).toMatchObject({
    image: "pulumi/pulumi:3.276.0-nonroot",
    imagePullPolicy: "IfNotPresent",
    securityProfile: "restricted",
    resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  });
  const pod = workspace.podTemplate.spec;
  expect(pod.securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    seccompProfile: { type: "RuntimeDefault" },
  });
  expect(pod.containers[0]).toMatchObject({
    name: "server",
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  });
  expect(pod.priorityClassName).toBe("toolboxai-production-standard");
});

test("the Stack is valid against the operator's v2.9.0 CRD, and an unknown field is not", () => {
  expect(crdErrors(stackObject())).toEqual([]);
  const broken = structuredClone(stackObject());
  broken.spec.resyncSeconds = 60;
  broken.spec.refresh = "yes";
  expect(crdErrors(broken)).toEqual([
    "/spec must NOT have additional properties (resyncSeconds)",
    "/spec/refresh must be boolean",
  ]);
});

test("the deployer has no cluster-admin, and Roles only in the stack's namespaces", () => {
  const bindings = [...ofKind("RoleBinding"), ...ofKind("ClusterRoleBinding")].filter((binding) =>
    binding.subjects?.some((subject: any) => subject.name === "pulumi-deployer"),
  );
  expect(bindings.map((binding) => binding.roleRef.name)).not.toContain("cluster-admin");
  const roles = ofKind("Role").filter(
    (role) => role.metadata.name === "toolboxai-production-deployer",
  );
  expect(roles.map((role) => role.metadata.namespace).sort()).toEqual([...stackNamespaces].sort());
  expect(
    bindings
      .filter((binding) => binding.kind === "RoleBinding")
      .map((b) => b.metadata.namespace)
      .sort(),
  ).toEqual([...stackNamespaces].sort());
});

/** "group/resource" of a manifest, e.g. "apps/deployments". */
function resourceOf(object: any): string {
  const all = [...namespacedKinds, ...clusterKinds];
  const group = String(object.apiVersion).includes("/")
    ? String(object.apiVersion).split("/")[0]
    : "";
  const kind = all.find((candidate) => candidate.kind === object.kind && candidate.group === group);
  return kind
    ? `${group}/${kind.resource}`
    : `${group}/${object.kind} (not in the deployer's table)`;
}

/** Every "group/resource" a set of rules allows all of `verbs` on. */
function allowed(rules: readonly any[], verbs: readonly string[]): Set<string> {
  return new Set(
    rules
      .filter((rule) => !rule.resourceNames && verbs.every((verb) => rule.verbs.includes(verb)))
      .flatMap((rule) =>
        rule.apiGroups.flatMap((group: string) =>
          rule.resources.map((resource: string) => `${group}/${resource}`),
        ),
      ),
  );
}

test("the deployer manages exactly the kinds the stack renders, in each namespace and cluster-wide", () => {
  const rendered = objects();
  const deployerRole = ofKind("Role").find((role) => role.metadata.namespace === deliveryNamespace);
  const clusterRole = ofKind("ClusterRole").find(
    (role) => role.metadata.name === "toolboxai-production-deployer-cluster",
  );
  const namespaced = new Set(
    rendered.filter((object) => object.metadata.namespace).map(resourceOf),
  );
  const clusterScoped = new Set(
    rendered.filter((object) => !object.metadata.namespace).map(resourceOf),
  );
  // Exactly: every rendered kind is managed, and nothing else is.
  expect([...allowed(deployerRole.rules, manageVerbs)].sort()).toEqual([...namespaced].sort());
  const clusterManaged = allowed(clusterRole.rules, ["create"]);
  expect([...clusterManaged].sort()).toEqual([...clusterScoped].sort());
  // Namespaces beyond creating them: only the stack's, by name.
  expect(clusterRole.rules).toContainEqual({
    apiGroups: [""],
    resources: ["namespaces"],
    resourceNames: stackNamespaces,
    verbs: ["get", "update", "patch", "delete"],
  });
});

test("the deployer changes and deletes the stack's admission policies by name only", () => {
  const clusterRole = ofKind("ClusterRole").find(
    (role) => role.metadata.name === "toolboxai-production-deployer-cluster",
  );
  const rendered = [
    ...ofKind("ValidatingAdmissionPolicy"),
    ...ofKind("ValidatingAdmissionPolicyBinding"),
  ];
  const named = clusterRole.rules.filter(
    (rule: any) => rule.apiGroups.includes("admissionregistration.k8s.io") && rule.resourceNames,
  );
  expect(named).toEqual([
    {
      apiGroups: ["admissionregistration.k8s.io"],
      resources: ["validatingadmissionpolicies", "validatingadmissionpolicybindings"],
      resourceNames: expect.any(Array),
      verbs: ["get", "update", "patch", "delete"],
    },
  ]);
  // A policy and its binding share their name.
  expect([...named[0].resourceNames].sort()).toEqual(
    [...new Set(rendered.map((object) => object.metadata.name))].sort(),
  );
  expect(rendered.length).toBeGreaterThan(20);
  // Beyond creating and listing, no other admission policy is within its reach.
  const unnamed = clusterRole.rules.filter(
    (rule: any) =>
      !rule.resourceNames &&
      rule.resources.some((resource: string) => resource.startsWith("validatingadmissionpolic")),
  );
  for (const rule of unnamed) expect(rule.verbs).toEqual(["create", "list", "watch"]);
});

test("the deployer holds exactly the reads the program's own Roles grant, so it may grant them", () => {
  // The operator's ClusterRole is not granted from the deployer's own rights: it may create and
  // bind that one role by name (escalate, bind), and holds none of its rules.
  const own = (kind: string) =>
    ofKind(kind).filter(
      (role) =>
        !String(role.metadata.name).includes("deployer") &&
        role.metadata.name !== operatorClusterRole,
    );
  const clusterRole = ofKind("ClusterRole").find(
    (role) => role.metadata.name === "toolboxai-production-deployer-cluster",
  );
  expect(clusterRole.rules).toContainEqual({
    apiGroups: ["rbac.authorization.k8s.io"],
    resources: ["clusterroles"],
    resourceNames: [operatorClusterRole],
    verbs: ["escalate", "bind"],
  });
  expect(JSON.stringify(clusterRole.rules)).not.toContain('"secrets"');
  const grantedBy = (roles: any[]) =>
    new Set(
      roles.flatMap((role) =>
        role.rules.flatMap((rule: any) =>
          rule.apiGroups.flatMap((group: string) =>
            rule.resources.flatMap((resource: string) =>
              rule.verbs.map((verb: string) => `${group}/${resource}:${verb}`),
            ),
          ),
        ),
      ),
    );
  const reads = (rules: readonly any[]) => grantedBy([{ rules }]);
  const managed = new Set(
    namespacedKinds.flatMap((kind) =>
      manageVerbs.map((verb) => `${kind.group}/${kind.resource}:${verb}`),
    ),
  );
  // What the program's Roles grant beyond the kinds the deployer manages anyway.
  const namespacedGrants = [...grantedBy(own("Role"))].filter((grant) => !managed.has(grant));
  expect(namespacedGrants.sort()).toEqual([...reads(grantedReads)].sort());
  expect([...grantedBy(own("ClusterRole"))].sort()).toEqual([...reads(grantedClusterReads)].sort());
});

test("a stack is given rights on claims only when its backups are on a volume", () => {
  const claims = (kinds: readonly { resource: string }[]) =>
    kinds.filter((kind) => kind.resource === "persistentvolumeclaims").length;
  expect(claims(stackNamespacedKinds(true))).toBe(1);
  expect(claims(stackNamespacedKinds(false))).toBe(0);
  // And on a CloudNativePG cluster's kinds only where the stack runs one.
  expect(stackNamespacedKinds(false)).toHaveLength(namespacedKinds.length - 3);
  expect(stackNamespacedKinds(false, true)).toHaveLength(namespacedKinds.length - 1);
});
