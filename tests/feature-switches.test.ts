// Switches in the stack file: feature switches remove whole services (their settings are not
// needed), and renderDir turns the provider into a manifest writer.
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
