// toolboxai:skipAwait (for control planes without kubelets, `npm run e2e`'s cluster phase) puts
// the provider's documented annotation on exactly the kinds whose readiness it awaits. That it is
// off in every stack file is checked with each stack (tests/support/stack-checks.ts).
import { readStackConfig, runProgram, type ProgramRun } from "../tools/engine/mock-engine";

const awaitedKinds = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:core/v1:Service",
  "kubernetes:networking.k8s.io/v1:Ingress",
];

let run: ProgramRun;

beforeAll(async () => {
  const config = readStackConfig("production");
  config.values["toolboxai:skipAwait"] = "true";
  run = await runProgram("production", { config });
});

const skipAwaitOf = (resource: { inputs: Record<string, unknown> }) =>
  (resource.inputs.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[
    "pulumi.com/skipAwait"
  ];

test("every resource of an awaited kind is annotated skipAwait", () => {
  const awaited = run.resources.filter((resource) => awaitedKinds.includes(resource.type));
  expect(awaited.length).toBeGreaterThanOrEqual(10);
  expect(
    awaited.filter((resource) => skipAwaitOf(resource) !== "true").map((resource) => resource.name),
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
  expect((ingress?.inputs.metadata as { annotations: Record<string, string> }).annotations).toEqual(
    {
      "pulumi.com/skipAwait": "true",
      "cert-manager.io/cluster-issuer": "letsencrypt-production",
    },
  );
});
