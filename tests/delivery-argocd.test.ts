// Continuous delivery by Argo CD, with production's stack file switched to it: the Application's
// sync settings, its AppProject's scope, the real CRDs' schemas, the pack, and the split between
// what the stack applies itself (its foundation, Secrets among it) and what it renders into the
// deploy branch for Argo CD, which must hold no Secret and nothing the AppProject refuses.
import { foundationKinds } from "../components/delivery/argocd";
import { deployCheckout } from "../components/platform/deploy-branch";
import { clusterKinds, namespacedKinds } from "../components/delivery/deployer-rights";
import { isKubernetesObject } from "../tools/engine/render";
import {
  readStackConfig,
  runProgram,
  type ProgramRun,
  type RegisteredResource,
} from "../tools/engine/mock-engine";
import { toRunnerResources } from "../tools/policy-resources";
import { crdErrors } from "./support/crd-schemas";
import { mandatoryViolations, packFindings } from "./support/pack";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

const repository = "https://github.com/toolboxai/deploy.git";
// Production installs CloudNativePG's operator, in its own namespace (database.operator: install).
const stackNamespaces = [
  "toolboxai",
  "toolboxai-monitoring",
  "toolboxai-node-exporter",
  "cnpg-system",
];
let run: ProgramRun;

beforeAll(async () => {
  const config = readStackConfig("production");
  config.values["toolboxai:delivery"] = JSON.stringify({
    mode: "argocd",
    repository,
    retryLimit: 7,
  });
  run = await runProgram("production", { config });
});

const objects = () => run.resources.filter(isKubernetesObject);
const one = (kind: string) => {
  const found = objects().filter((resource) => resource.inputs.kind === kind);
  expect(found).toHaveLength(1);
  return found[0].inputs as any;
};
/** The provider a resource is registered with, by its Pulumi name. */
function providerOf(resource: RegisteredResource): string {
  const provider = run.resources.find((candidate) =>
    resource.provider?.startsWith(`${candidate.urn}::`),
  );
  if (!provider) throw new Error(`${resource.urn} has no provider of the program`);
  return provider.name;
}
const synced = () => objects().filter((resource) => providerOf(resource) === "argocd-manifests");
const applied = () => objects().filter((resource) => providerOf(resource) === "kubernetes");

test("the Application syncs the stack's folder of the deploy branch, pruning and self-healing", () => {
  const application = one("Application");
  expect(application.apiVersion).toBe("argoproj.io/v1alpha1");
  expect(application.metadata).toMatchObject({ name: "toolboxai-production", namespace: "argocd" });
  // No resources-finalizer: deleting the Application never deletes the environment.
  expect(application.metadata.finalizers).toBeUndefined();
  expect(application.spec).toEqual({
    project: "toolboxai-production",
    source: {
      repoURL: repository,
      targetRevision: "deploy",
      path: "manifests/production",
      directory: { recurse: true },
    },
    destination: { server: "https://kubernetes.default.svc", namespace: "toolboxai" },
    syncPolicy: {
      automated: { prune: true, selfHeal: true, allowEmpty: false },
      syncOptions: ["ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true"],
      retry: { limit: 7, backoff: { duration: "30s", factor: 2, maxDuration: "10m" } },
    },
  });
});

test("the AppProject admits that repository and the stack's namespaces, exactly", () => {
  const project = one("AppProject");
  expect(project.metadata).toMatchObject({ name: "toolboxai-production", namespace: "argocd" });
  expect(project.spec.sourceRepos).toEqual([repository]);
  expect(project.spec.destinations).toEqual(
    stackNamespaces.map((namespace) => ({ server: "https://kubernetes.default.svc", namespace })),
  );
});

test("the stack output says where delivery runs and what it syncs", () => {
  expect(run.outputs.delivery).toEqual({
    mode: "argocd",
    namespace: "argocd",
    application: "toolboxai-production",
    branch: "deploy",
    path: "manifests/production",
  });
});

test("the workloads are rendered into the deploy branch's checkout, the foundation is applied", () => {
  const providers = run.resources.filter(
    (resource) => resource.type === "pulumi:providers:kubernetes",
  );
  const byName = Object.fromEntries(providers.map((provider) => [provider.name, provider.inputs]));
  expect(Object.keys(byName).sort()).toEqual(["argocd-manifests", "kubernetes"]);
  expect(byName.kubernetes.renderYamlToDirectory).toBeUndefined();
  // Relative (the same in every clone), and never $KUBECONFIG, which rendering refuses.
  expect(byName["argocd-manifests"]).toMatchObject({
    renderYamlToDirectory: `${deployCheckout}/manifests/production`,
    kubeconfig: "",
  });
  const kindsOf = (resources: RegisteredResource[]) =>
    [...new Set(resources.map((resource) => String(resource.inputs.kind)))].sort();
  // Applied by the stack: the namespaces with their baseline policies, priority classes,
  // Secrets, the admission policies, and Argo CD's own objects (outside the folder it syncs).
  expect(kindsOf(applied())).toEqual(
    [
      "AppProject",
      "Application",
      "Namespace",
      "NetworkPolicy",
      "PriorityClass",
      "Secret",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ].sort(),
  );
  expect(
    applied()
      .filter((resource) => resource.inputs.kind === "NetworkPolicy")
      .map((resource) => (resource.inputs.metadata as any).name),
  ).toEqual(expect.arrayContaining(["default-deny", "allow-dns"]));
  // Two in each of the four namespaces.
  expect(applied().filter((r) => r.inputs.kind === "NetworkPolicy")).toHaveLength(8);
  // Nothing of the foundation goes to git: above all, no Secret.
  const syncedKinds = kindsOf(synced());
  for (const kind of foundationKinds) expect(syncedKinds).not.toContain(kind);
  expect(synced().length + applied().length).toBe(objects().length);
  // Every workload's Secret is still made, by the stack.
  expect(applied().filter((r) => r.inputs.kind === "Secret").length).toBeGreaterThanOrEqual(10);
});

test("the AppProject admits every object of the folder, and no kind the folder lacks", () => {
  const project = one("AppProject").spec;
  const key = (group: string, kind: string) => `${group}/${kind}`;
  const groupOf = (object: any) =>
    String(object.apiVersion).includes("/") ? String(object.apiVersion).split("/")[0] : "";
  const namespaced = new Set<string>();
  const clusterScoped = new Set<string>();
  for (const { inputs } of synced()) {
    const object = inputs as any;
    const namespace = object.metadata.namespace;
    (namespace ? namespaced : clusterScoped).add(key(groupOf(object), object.kind));
    if (namespace) expect(stackNamespaces).toContain(namespace);
  }
  const listed = (entries: any[]) => entries.map((entry) => key(entry.group, entry.kind)).sort();
  expect(listed(project.namespaceResourceWhitelist)).toEqual([...namespaced].sort());
  expect(listed(project.clusterResourceWhitelist)).toEqual([...clusterScoped].sort());
  // The lists come from the deployer's table, which the operator's test keeps complete.
  const known = [...namespacedKinds, ...clusterKinds].map((kind) => key(kind.group, kind.kind));
  for (const entry of [...namespaced, ...clusterScoped]) expect(known).toContain(entry);
});

test("the Application and AppProject are valid against Argo CD's v3.5.1 CRDs; a typo is not", () => {
  expect(crdErrors(one("Application"))).toEqual([]);
  expect(crdErrors(one("AppProject"))).toEqual([]);
  const broken = structuredClone(one("Application"));
  broken.spec.syncPolicy.automated.selfheal = true;
  broken.spec.syncPolicy.retry.limit = "five";
  expect(crdErrors(broken)).toEqual([
    "/spec/syncPolicy/automated must NOT have additional properties (selfheal)",
    "/spec/syncPolicy/retry/limit must be integer",
  ]);
});

test("passes the pack with production's policy config, Argo CD's rules included", async () => {
  expect(mandatoryViolations(await packFindings(toRunnerResources(run), "production"))).toEqual([]);
  // The same rules fail the stack once its Application leaves its project's bounds.
  const resources = toRunnerResources(run).map((resource) =>
    resource.props?.kind === "Application"
      ? {
          ...resource,
          props: {
            ...resource.props,
            spec: { ...(resource.props.spec as object), destination: { namespace: "kube-system" } },
          },
        }
      : resource,
  );
  expect(mandatoryViolations(await packFindings(resources, "production"))).toEqual([
    expect.stringMatching(
      /^argocd-project-scope: .*kube-system, which its project .* does not admit/,
    ),
  ]);
});
