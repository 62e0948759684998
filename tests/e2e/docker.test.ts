// The docker phase of `npm run e2e`: the Docker form against a real engine (a private dockerd).
// No registry is reachable here, so the platform's own images cannot run; two things can:
//   1. dev's real stack file: `pulumi preview` with the docker provider connected to the engine
//      and the policy pack (dev's config): every input accepted, no mandatory violation;
//   2. the renderer on a local image (tests/fixtures/docker-live.ts: a data store, a client with
//      a secret and a config file, a scheduled job): `pulumi up` until every container is
//      healthy, then checked through the engine, a second preview without changes, no secret in
//      the state, and destroy leaving nothing of it.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { leftBehind, startDockerEngine, type DockerEngine } from "../../tools/e2e/docker";
import { filesUnder, policyOf, scratchProject, type ScratchProject } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import { projectRoot } from "../../tools/project-root";

/** The fixture's secret values: they must never reach the state unencrypted. */
const fixtureSecrets = ["live-db-password-value", "live-api-key-value"];

let project: ScratchProject;
let dockerd: DockerEngine | undefined;
let startFailure: unknown;
beforeAll(() => {
  project = scratchProject("docker");
  try {
    dockerd = startDockerEngine(path.join(project.work, "docker"));
  } catch (error) {
    startFailure = error;
  }
});
afterAll(() => {
  dockerd?.stop();
  project?.remove();
});

const engineUp = (): DockerEngine => {
  if (!dockerd) throw new Error("not checked: no Docker engine");
  return dockerd;
};

test("a private dockerd started, with the local image", () => {
  if (startFailure) throw startFailure;
  expect(engineUp().docker("image", "inspect", "-f", "ok", "local/base:1").output).toBe("ok");
});

describe("docker-dev", () => {
  test("pulumi preview --policy-pack against a real engine: no mandatory violation", async () => {
    const name = "docker-dev";
    copyFileSync(
      path.join(projectRoot, "Pulumi.dev.yaml"),
      path.join(project.dir, `Pulumi.${name}.yaml`),
    );
    const stack = await project.createStack(name);
    await stack.setConfig("toolboxai:docker.host", { value: engineUp().host }, true);
    const preview = await engine(stack.preview({ ...policyOf(project, "dev"), ...quiet }));
    expect(preview.stdout).toMatch(/docker:index:Container \S+ create/);
    expect(preview.stdout).not.toContain("[mandatory]");
    await stack.workspace.removeStack(name);
  });
});

describe("live", () => {
  let created: Stack | undefined;
  const stack = () => {
    if (!created) throw new Error("not checked: the fixture was not deployed");
    return created;
  };
  const docker = (...args: string[]) => engineUp().docker(...args);

  test("pulumi up: every container of the fixture healthy", async () => {
    const liveProject = path.join(project.dir, ".docker-live");
    mkdirSync(liveProject, { recursive: true });
    writeFileSync(
      path.join(liveProject, "Pulumi.yaml"),
      "name: dockerlive\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n" +
        "    packagemanager: npm\nmain: ../tests/fixtures/docker-live.ts\n",
    );
    const live = await project.createStack("live", liveProject);
    // `npm test` type-checks the fixture (tsc); the engine only transpiles it, as it runs the
    // program's built JavaScript: type-checking it here took most of a minute.
    live.workspace.envVars.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
    await live.setConfig("check:host", { value: engineUp().host });
    await engine(live.up(quiet));
    created = live;
  });

  test("UID 10001 on a read-only root, files read-only, the data store reached by name", () => {
    stack();
    const seen = (...args: string[]) => docker(...args).output;
    expect({
      user: seen("exec", "live-web", "id", "-u"),
      secretFile: seen("exec", "live-web", "cat", "/tmp/www/key"),
      configFile: seen("exec", "live-web", "cat", "/tmp/www/conf"),
      dataStoreByName: seen("exec", "live-web", "cat", "/tmp/www/db"),
      databaseNetworkInternal: seen("network", "inspect", "-f", "{{.Internal}}", "live-database"),
      secretWritable:
        docker("exec", "live-web", "sh", "-c", "echo x > /run/secrets/api-key").code === 0,
      rootWritable: docker("exec", "live-web", "sh", "-c", "echo x > /x").code === 0,
      health: seen("inspect", "-f", "{{.State.Health.Status}}", "live-db", "live-web"),
    }).toEqual({
      user: "10001",
      secretFile: "live-api-key-value",
      configFile: "greeting=hello",
      dataStoreByName: "ok",
      databaseNetworkInternal: "true",
      secretWritable: false,
      rootWritable: false,
      health: "healthy\nhealthy",
    });
  });

  test("a second preview changes nothing; no secret in the state", async () => {
    await engine(stack().preview({ expectNoChanges: true, ...quiet }));
    const stateFiles = filesUnder(path.join(project.state, ".pulumi", "stacks", "dockerlive"));
    expect(stateFiles.length).toBeGreaterThan(0);
    const leaks = stateFiles.flatMap((file) =>
      fixtureSecrets.filter((secret) => readFileSync(file, "utf8").includes(secret)),
    );
    expect(leaks).toEqual([]);
  });

  test("pulumi destroy leaves no container, network or volume of it", async () => {
    await engine(stack().destroy(quiet));
    expect(leftBehind(engineUp(), "live")).toEqual([]);
    await stack().workspace.removeStack("live");
  });
});
