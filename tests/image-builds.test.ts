// Images the program builds (components/images): dev on Docker with the backup tools built from
// images/backup-tools, as a stack that names a build context would. The build is tagged with the
// configured version and kept local (no registry), the containers run it by that tag, wait for
// it, and are labelled with its ID; the pack's image rules pass.
import * as path from "node:path";
import { runProgram, type ProgramRun } from "../tools/engine/mock-engine";
import { readStackConfig } from "../tools/engine/stack-config";
import { toRunnerResources } from "../tools/policy-resources";
import { mandatoryViolations, packFindings } from "./support/pack";

/* eslint-disable @typescript-eslint/no-explicit-any -- resource inputs are untyped JSON here */

let run: ProgramRun;
const imageType = "docker:index/image:Image";

beforeAll(async () => {
  const config = readStackConfig("dev");
  const services = JSON.parse(config.values["toolboxai:services"]);
  services.backup = { build: { context: "images/backup-tools" } };
  config.values["toolboxai:services"] = JSON.stringify(services);
  run = await runProgram("dev", { config });
});

const containers = () =>
  run.resources
    .filter((resource) => resource.type === "docker:index/container:Container")
    .map((resource) => resource);

test("the image is built from its context, tagged with the version, and not pushed", () => {
  const builds = run.resources.filter((resource) => resource.type === imageType);
  expect(builds.map((build) => build.inputs)).toEqual([
    {
      imageName: "ghcr.io/toolboxai/backup-tools:1.0.0",
      build: {
        context: "images/backup-tools",
        dockerfile: path.join("images", "backup-tools", "Dockerfile"),
      },
      skipPush: true,
      // The provider's default: `pulumi preview` does not build.
      buildOnPreview: false,
    },
  ]);
  // Not pulled: no registry has it.
  expect(
    run.resources
      .filter((resource) => resource.type === "docker:index/remoteImage:RemoteImage")
      .map((resource) => (resource.inputs as any).name),
  ).not.toContain("ghcr.io/toolboxai/backup-tools:1.0.0");
});

test("the backup containers run the build by its tag, after it, labelled with its ID", () => {
  const build = run.resources.find((resource) => resource.type === imageType)!;
  const backups = containers().filter((resource) =>
    ["toolboxai-dev-postgres-backup", "toolboxai-dev-redis-backup"].includes(
      (resource.inputs as any).name,
    ),
  );
  expect(backups.length).toBe(2);
  for (const backup of backups) {
    const inputs = backup.inputs as any;
    expect(inputs.image).toBe("ghcr.io/toolboxai/backup-tools:1.0.0");
    expect(backup.dependencies).toContain(build.urn);
    expect(inputs.labels).toContainEqual({
      label: "image.toolboxai.io/id",
      value: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  }
  // Pulled images carry no build label.
  const backend = containers().find(
    (resource) => (resource.inputs as any).name === "toolboxai-dev-backend",
  )!;
  expect(JSON.stringify((backend.inputs as any).labels)).not.toContain("image.toolboxai.io/id");
});

test("the pack passes the stack with its build: no mandatory violation", async () => {
  expect(mandatoryViolations(await packFindings(toRunnerResources(run), "dev"))).toEqual([]);
});
