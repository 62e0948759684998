// Feature switches in the stack file remove whole services, and their settings are not needed.
import { readStackConfig, runProgram, type ProgramRun } from "../tools/engine/mock-engine";

let run: ProgramRun;

beforeAll(async () => {
  const config = readStackConfig("dev");
  config.values["toolboxai:robloxSyncEnabled"] = "false";
  config.values["toolboxai:flowerEnabled"] = "false";
  const services = JSON.parse(config.values["toolboxai:services"]);
  delete services.robloxSync;
  config.values["toolboxai:services"] = JSON.stringify(services);
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
