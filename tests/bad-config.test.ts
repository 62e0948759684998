// A wrong value in the real stack file stops the program before any resource is registered, with
// an error the CLI prints as its message alone: a pulumi.RunError. The Node.js language host
// (@pulumi/pulumi cmd/run) logs a RunError as `log.error(err.message)`; any other error as
// "Running program … failed with an unhandled exception:" and its stack trace.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigRunError } from "../components/config";
import { ConfigError } from "../components/config/problems";
import { readStackConfig, runProgram, type RegisteredResource } from "../tools/engine/mock-engine";

/** The error `runProgram` rejects with; fails the test if the program ran. */
async function programError(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the program ran; a config error was expected");
}

/** A RunError (what the language host prints without a stack) carrying the ConfigError. */
function expectConfigRunError(error: Error, message: string): void {
  expect(error.message).toBe(message);
  expect(pulumi.RunError.isInstance(error)).toBe(true);
  expect(error).toBeInstanceOf(pulumi.RunError);
  expect(error).toBeInstanceOf(ConfigRunError);
  const cause = (error as ConfigRunError).cause;
  expect(cause).toBeInstanceOf(ConfigError);
  expect(cause.message).toBe(message);
  expect((error as ConfigRunError).stackFile).toBe(cause.stackFile);
  expect((error as ConfigRunError).problems).toBe(cause.problems);
}

test("a bad stack value fails with the key, file and allowed values, and registers nothing", async () => {
  const config = readStackConfig("production");
  const services = JSON.parse(config.values["toolboxai:services"]);
  services.backend.replicas = 0;
  config.values["toolboxai:services"] = JSON.stringify(services);
  config.values["toolboxai:logLevel"] = "verbose";

  const registered: RegisteredResource[] = [];
  const error = await programError(runProgram("production", { config, sink: registered }));
  expectConfigRunError(
    error,
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
  const error = await programError(runProgram("production", { config, sink: registered }));
  expectConfigRunError(
    error,
    [
      "Pulumi.production.yaml has 1 configuration problem:",
      '  toolbox:logLevel: unknown namespace "toolbox": nothing reads this key; ' +
        'did you mean "toolboxai:logLevel"?',
    ].join("\n"),
  );
  const created = registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
  expect(created).toEqual([]);
});

test("a build context that does not exist fails before any resource is registered", async () => {
  const config = readStackConfig("dev");
  const services = JSON.parse(config.values["toolboxai:services"]);
  services.backend.build = { context: "../backend" };
  config.values["toolboxai:services"] = JSON.stringify(services);

  const registered: RegisteredResource[] = [];
  const error = await programError(runProgram("dev", { config, sink: registered }));
  expectConfigRunError(
    error,
    [
      "Pulumi.dev.yaml has 1 configuration problem:",
      '  toolboxai:services.backend.build.context = "../backend": is not a folder: ' +
        `${path.resolve(process.cwd(), "../backend")} does not exist`,
    ].join("\n"),
  );
  expect(registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack")).toEqual([]);
});

test("a build context outside the project and a renderDir someone else's files are in fail before anything is registered", async () => {
  const renderDir = mkdtempSync(path.join(tmpdir(), "toolboxai-renderdir-"));
  writeFileSync(path.join(renderDir, "important.txt"), "precious\n");
  try {
    const config = readStackConfig("dev");
    const services = JSON.parse(config.values["toolboxai:services"]);
    const etc = path.relative(process.cwd(), "/etc"); // ../../etc from /work/main
    services.backend.build = { context: etc };
    config.values["toolboxai:services"] = JSON.stringify(services);
    config.values["toolboxai:platform"] = "kubernetes";
    config.values["toolboxai:docker"] = "{}";
    config.values["toolboxai:imageRegistry"] = "ghcr.io";
    config.values["toolboxai:renderDir"] = renderDir;

    const registered: RegisteredResource[] = [];
    const error = await programError(runProgram("dev", { config, sink: registered }));
    expectConfigRunError(
      error,
      [
        "Pulumi.dev.yaml has 2 configuration problems:",
        `  toolboxai:services.backend.build.context = ${JSON.stringify(etc)}: is outside the ` +
          `project folder ${realpathSync(process.cwd())} (it resolves to /etc), and the build ` +
          "sends its context to the Docker engine: keep the build inside the project, or set " +
          "services.backend.build.allowOutsideProject: true",
        `  toolboxai:renderDir = ${JSON.stringify(renderDir)}: holds important.txt, which no ` +
          "render wrote: the folder must be missing, empty, or hold only 0-crd/ and 1-manifest/ " +
          "from an earlier render; name another folder or empty this one",
      ].join("\n"),
    );
    expect(registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack")).toEqual([]);
  } finally {
    rmSync(renderDir, { recursive: true, force: true });
  }
});

test("a stack that enforces the pack at admission without a policy config fails, naming the file", async () => {
  // `acme`: a platform team's own stack, made from production's file but not its policy config.
  const registered: RegisteredResource[] = [];
  const error = await programError(
    runProgram("acme", { config: readStackConfig("production"), sink: registered }),
  );
  expectConfigRunError(
    error,
    [
      "Pulumi.acme.yaml has 1 configuration problem:",
      '  toolboxai:admissionPolicies = "enforce": reads policies/config/acme.json, the stack\'s ' +
        "policy config, which does not exist: write one for the stack " +
        "(policies/config/production.json is a start); fix the file (docs/POLICIES.md lists each " +
        "policy's settings), or set admissionPolicies: off",
    ].join("\n"),
  );
  expect(registered.filter((resource) => resource.type !== "pulumi:pulumi:Stack")).toEqual([]);
});
