// A wrong value in the real stack file stops the program before any resource is registered.
import { readStackConfig, runProgram, type RegisteredResource } from "../tools/engine/mock-engine";

test("a bad stack value fails with the key, file and allowed values, and registers nothing", async () => {
  const config = readStackConfig("production");
  const services = JSON.parse(config.values["toolboxai:services"]);
  services.backend.replicas = 0;
  config.values["toolboxai:services"] = JSON.stringify(services);
  config.values["toolboxai:logLevel"] = "verbose";

  const registered: RegisteredResource[] = [];
  await expect(runProgram("production", { config, sink: registered })).rejects.toThrow(
    [
      "Pulumi.production.yaml has 2 configuration problems:",
      '  toolboxai:logLevel = "verbose": must be one of: debug, info, warning, error',
      "  toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50",
    ].join("\n"),
  );
  const created = registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
  expect(created).toEqual([]);
});

test("a key under an unknown namespace fails before any resource is registered", async () => {
  // `toolbox:logLevel: debug` in the stack file: the engine passes every key of every namespace.
  const config = readStackConfig("production");
  config.values["toolbox:logLevel"] = "debug";

  const registered: RegisteredResource[] = [];
  await expect(runProgram("production", { config, sink: registered })).rejects.toThrow(
    [
      "Pulumi.production.yaml has 1 configuration problem:",
      '  toolbox:logLevel: unknown namespace "toolbox": nothing reads this key; ' +
        'did you mean "toolboxai:logLevel"?',
    ].join("\n"),
  );
  const created = registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
  expect(created).toEqual([]);
});
