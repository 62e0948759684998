// Switches in the stack file, in one run of the program (each run costs seconds): feature
// switches remove whole services (their settings are not needed), renderDir turns the provider
// into a manifest writer, and skipAwait (for control planes without kubelets, `npm run e2e`'s
// cluster phase) puts the provider's documented annotation on exactly the kinds whose readiness
// it awaits. That skipAwait is off in every stack file is checked with each stack
// (tests/support/stack-checks.ts).
import { readStackConfig, runProgram, type ProgramRun } from "../tools/engine/mock-engine";

let run: ProgramRun;

beforeAll(async () => {
  const config = readStackConfig("dev");
  config.values["toolboxai:robloxSyncEnabled"] = "false";
  config.values["toolboxai:flowerEnabled"] = "false";
  const services = JSON.parse(config.values["toolboxai:services"]);
  delete services.robloxSync;
  config.values["toolboxai:services"] = JSON.stringify(services);
  config.values["toolboxai:renderDir"] = "/tmp/toolboxai-render";
  config.values["toolboxai:kubernetesContext"] = "kind-dev";
  config.values["toolboxai:skipAwait"] = "true";
  config.values["toolboxai:tlsIssuer"] = "letsencrypt-staging";
  run = await runProgram("dev", { config });
});

test("robloxSyncEnabled and flowerEnabled false deploy neither service", () => {
  const names = run.resources
    .filter((resource) => resource.type === "toolboxai:kubernetes:Workload")
    .map((resource) => resource.name);
  expect(names).not.toContain("roblox-sync");
  expect(names).not.toContain("flower");
  expect(names).toContain("celery-worker");
  expect(run.resources.some((resource) => resource.type === "toolboxai:app:RobloxSync")).toBe(
    false,
  );
  expect(Object.keys(run.outputs.endpoints as object)).not.toContain("flower");
  expect(
    (run.outputs.secretNames as { kubernetesSecrets: string[] }).kubernetesSecrets,
  ).not.toContain("flower-secrets");
});

test("renderDir makes the provider write manifests there, to no cluster", () => {
  const providers = run.resources.filter(
    (resource) => resource.type === "pulumi:providers:kubernetes",
  );
  expect(providers).toHaveLength(1);
  expect(providers[0].inputs).toMatchObject({ renderYamlToDirectory: "/tmp/toolboxai-render" });
  expect(providers[0].inputs).not.toHaveProperty("context");
});

describe("skipAwait", () => {
  const awaitedKinds = [
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.k8s.io/v1:Ingress",
  ];

  const skipAwaitOf = (resource: { inputs: Record<string, unknown> }) =>
    (resource.inputs.metadata as { annotations?: Record<string, string> } | undefined)
      ?.annotations?.["pulumi.com/skipAwait"];

  test("every resource of an awaited kind is annotated skipAwait", () => {
    const awaited = run.resources.filter((resource) => awaitedKinds.includes(resource.type));
    expect(awaited.length).toBeGreaterThanOrEqual(10);
    expect(
      awaited
        .filter((resource) => skipAwaitOf(resource) !== "true")
        .map((resource) => resource.name),
    ).toEqual([]);
  });

  test("no other kind is annotated", () => {
    const others = run.resources.filter(
      (resource) =>
        resource.type.startsWith("kubernetes:") &&
        !awaitedKinds.includes(resource.type) &&
        skipAwaitOf(resource) !== undefined,
    );
    expect(others.map((resource) => `${resource.type} ${resource.name}`)).toEqual([]);
  });

  test("the gateway's Ingress keeps its certificate annotation beside skipAwait", () => {
    const ingress = run.resources.find(
      (resource) => resource.type === "kubernetes:networking.k8s.io/v1:Ingress",
    );
    expect(
      (ingress?.inputs.metadata as { annotations: Record<string, string> }).annotations,
    ).toEqual({
      "pulumi.com/skipAwait": "true",
      "cert-manager.io/cluster-issuer": "letsencrypt-staging",
    });
  });
});
