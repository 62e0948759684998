// `npm run e2e [-- --stacks dev,staging,production] [--phases render,cluster,docker]
// [--keep-manifests DIR]`: the jest suites of tests/e2e/ (jest.e2e.config.js), which drive the real
// Pulumi engine through the Automation API (docs/TESTING.md says what each checks). The options
// become what the suites read: the phases pick the files, the stacks and DIR go in the
// environment. Exit 0 when every check passed, 1 otherwise, 2 when an argument is wrong.
import { spawnSync } from "node:child_process";
import { Command, InvalidArgumentError, Option } from "commander";
import * as path from "node:path";
import { parseArguments } from "./cli";
import { projectRoot } from "./project-root";

const allStacks = ["dev", "staging", "production"];

/** Each phase's suites; Argo CD's delivery is production's. */
const suitesOf = (phase: string, stacks: readonly string[]): string[] =>
  ({
    render: ["tests/e2e/render.test.ts"],
    cluster: [
      "tests/e2e/cluster.test.ts",
      ...(stacks.includes("production") ? ["tests/e2e/argocd.test.ts"] : []),
    ],
    docker: ["tests/e2e/docker.test.ts", "tests/e2e/docker-dev.test.ts"],
  })[phase] ?? [];

const phases = ["render", "cluster", "docker"];

/** A comma-separated list of `allowed` values (commander argument parser). */
function listOf(allowed: readonly string[]) {
  return (value: string) => {
    const items = value.split(",").filter(Boolean);
    const unknown = items.filter((item) => !allowed.includes(item));
    if (items.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(`allowed: ${allowed.join(", ")} (comma-separated)`);
    }
    return items;
  };
}

const command = () =>
  new Command()
    .name("npm run e2e --")
    .description(
      "Preview, deploy, update and destroy every stack with the real Pulumi engine: rendered " +
        "to files, into a local kube-apiserver, against a private dockerd (docs/TESTING.md).",
    )
    .addOption(
      new Option("--stacks <list>", "stacks to run")
        .argParser(listOf(allStacks))
        .default(allStacks, allStacks.join(",")),
    )
    .addOption(
      new Option("--phases <list>", "any of render, cluster, docker")
        .argParser(listOf(phases))
        .default(phases, phases.join(",")),
    )
    .option("--keep-manifests <dir>", "keep each stack's rendered manifests in <dir>/<stack>")
    .addHelpText(
      "after",
      "\nThe cluster phase needs a node: bash scripts/control-plane.sh build --node (as root).\n" +
        "The docker phase needs dockerd: bash scripts/docker-engine.sh install (as root).\n" +
        "Exit codes: 0 every check passed, 1 a check failed, 2 bad arguments.",
    );

export async function main(argv: readonly string[]): Promise<number> {
  const program = command();
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const options = program.opts<{ stacks: string[]; phases: string[]; keepManifests?: string }>();
  if (options.keepManifests && !options.phases.includes("render")) {
    console.error("--keep-manifests keeps the render phase's manifests: add render to --phases");
    return 2;
  }
  const suites = options.phases.flatMap((phase) => suitesOf(phase, options.stacks));
  const jest = spawnSync(
    process.execPath,
    [
      path.join(projectRoot, "node_modules", "jest", "bin", "jest.js"),
      "-c",
      "jest.e2e.config.js",
      "--runTestsByPath",
      ...suites,
    ],
    {
      cwd: projectRoot,
      stdio: "inherit",
      env: {
        ...process.env,
        TOOLBOXAI_E2E_STACKS: options.stacks.join(","),
        TOOLBOXAI_E2E_KEEP_MANIFESTS: options.keepManifests && path.resolve(options.keepManifests),
      },
    },
  );
  return jest.status ?? 1;
}
