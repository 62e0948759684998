// `npm run e2e [-- --stacks dev,staging,production] [--phases render,cluster,docker]
// [--keep-manifests DIR]`: the real Pulumi engine as the judge, in a scratch copy of the project
// (the CLI rewrites stack files) with a file backend and a test passphrase.
// The render phase, for each stack:
//   1. `pulumi preview --policy-pack` with the stack's policy config passes, every policy runs;
//   2. `pulumi up` with toolboxai:renderDir: the real provider writes the manifests;
//   3. they agree with the offline preview's (`npm run preview -- --out`);
//   4. no generated password appears in the state file or, outside Secrets, in the manifests;
//   5. a second `pulumi up` changes nothing;
//   6. `pulumi destroy` refuses while protectData protects the data, and removes everything once
//      it is lifted (README, "Protected data").
// And two stacks that must fail: a broken stack file fails the pack, naming the policies, and a
// bad config value fails with the program's own message before anything is registered.
// The cluster phase (tools/e2e/cluster.ts): `pulumi up` into a local kube-apiserver with
// kube-controller-manager (scripts/control-plane.sh), checked through the API, updated, destroyed;
// then production delivered by Argo CD (tools/e2e/argocd.ts).
// The docker phase (tools/e2e/docker.ts): dev's Docker form previewed against a private dockerd
// with the pack, and the Docker renderer deployed on a local image, checked and destroyed.
// --keep-manifests DIR keeps each stack's provider manifests (DIR/<stack>/) for `npm run audit
// -- --rendered DIR`. Exit 0 when every check passed, 1 otherwise, 2 when Pulumi or the control
// plane is missing or an argument is wrong.
import { spawnSync } from "node:child_process";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { parseDocument } from "yaml";
import { runArgoCdPhase } from "./e2e/argocd";
import { controlPlaneBin, runClusterPhase, startControlPlane } from "./e2e/cluster";
import { compareManifests, readManifestDir } from "./e2e/compare";
import { runDockerPhase, startDockerEngine, stopDockerEngine } from "./e2e/docker";
import { createHarness, kubernetesForm, standInBucketCredentials } from "./e2e/harness";
import { acceptExampleValuesVariable } from "../components/config/examples";
import { kubernetesFormConfig } from "./engine/stack-config";
import { parseArguments } from "./cli";
import { projectRoot } from "./project-root";
import { withScratchDir } from "./scratch";

const allStacks = ["dev", "staging", "production"];
/** Mandatory policies the broken fixture (tests/fixtures/Pulumi.broken.yaml) must fail. */
const brokenPolicies = ["image-registry-allowlist", "ingress-tls", "replicas-min"];

/** PATH and PULUMI_HOME for the engine scripts/install-pulumi.sh provides; undefined if none. */
function pulumiEnvironment(): NodeJS.ProcessEnv | undefined {
  const installed = spawnSync("bash", [path.join(projectRoot, "scripts", "install-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (installed.status !== 0) return undefined;
  // `export PATH="…:$PATH" PULUMI_HOME="…" …`, or nothing when a pulumi on PATH is used.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [, key, value] of installed.stdout.matchAll(/([A-Z_]+)="([^"]*)"/g)) {
    env[key] = value.replace("$PATH", process.env.PATH ?? "");
  }
  return env;
}

/** The files git tracks (plus untracked, unignored ones), copied; node_modules linked. */
function copyProject(target: string): void {
  const listed = spawnSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: projectRoot,
      encoding: "utf8",
    },
  );
  if (listed.status !== 0) throw new Error(`npm run e2e needs a git checkout: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    if (!existsSync(path.join(projectRoot, file))) continue;
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(path.join(projectRoot, file), path.join(target, file));
  }
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(target, "node_modules"));
}

/** The generated passwords of a stack, from its state (decrypted by the CLI). */
function generatedPasswords(exported: string): string[] {
  const deployment = JSON.parse(exported) as {
    deployment: { resources?: { type: string; outputs?: { result?: unknown } }[] };
  };
  return (deployment.deployment.resources ?? [])
    .filter((resource) => resource.type === "random:index/randomPassword:RandomPassword")
    .map((resource) => resource.outputs?.result)
    .map((result) =>
      typeof result === "object" && result !== null && "plaintext" in result
        ? JSON.parse(String((result as { plaintext: string }).plaintext))
        : result,
    )
    .filter((value): value is string => typeof value === "string" && value.length > 0);
}

/** Where a secret shows: anywhere in plain text, or base64-encoded outside a Secret. */
function secretLeaks(files: readonly string[], secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const isSecret = /^kind: Secret$/m.test(text);
    for (const secret of secrets) {
      const hint = `${secret.slice(0, 3)}…`;
      if (text.includes(secret)) leaks.push(`${file}: ${hint} in plain text`);
      if (!isSecret && text.includes(Buffer.from(secret).toString("base64"))) {
        leaks.push(`${file}: ${hint} base64-encoded outside a Secret`);
      }
    }
  }
  return leaks;
}

/** Every file under `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

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

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name("npm run e2e --")
    .description(
      "Preview, deploy, update and destroy every stack with the real Pulumi engine: rendered " +
        'to files, then into a local kube-apiserver (README, "The real engine").',
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
      "\nThe cluster phase needs the control plane: bash scripts/control-plane.sh build.\n" +
        "The docker phase needs dockerd: bash scripts/docker-engine.sh install (as root).\n" +
        "Exit codes: 0 every check passed, 1 a check failed, 2 bad arguments or a missing tool.",
    );
  const parsed = parseArguments(program, argv);
  if (parsed !== undefined) return parsed;
  const options = program.opts<{ stacks: string[]; phases: string[]; keepManifests?: string }>();
  const { stacks, keepManifests: keep } = options;
  if (keep && !options.phases.includes("render")) {
    console.error("--keep-manifests keeps the render phase's manifests: add render to --phases");
    return 2;
  }
  const controlPlane = options.phases.includes("cluster") ? controlPlaneBin(projectRoot) : "";
  if (controlPlane === undefined) {
    console.error(
      "the cluster phase needs the local control plane: bash scripts/control-plane.sh build " +
        "(about 11 min cold), or pass --phases render",
    );
    return 2;
  }
  const withDocker = options.phases.includes("docker");
  if (withDocker && spawnSync("dockerd", ["--version"]).status !== 0) {
    console.error(
      "the docker phase needs dockerd: bash scripts/docker-engine.sh install (Debian's docker.io, " +
        "as root), or pass --phases render,cluster",
    );
    return 2;
  }
  const env = pulumiEnvironment();
  if (!env) return 2;

  return withScratchDir("toolboxai-e2e-", async (scratch) => {
    const project = path.join(scratch, "project");
    const state = path.join(scratch, "state");
    mkdirSync(state);
    // The kubernetes provider writes a kubeconfig (the cluster's client key included) into the
    // temporary folder for every provider it starts, and leaves it: here, it goes with the rest.
    const temporary = path.join(scratch, "tmp");
    mkdirSync(temporary);
    copyProject(project);
    Object.assign(env, {
      TMPDIR: temporary,
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // The stack files' example values (images no registry serves, recovery keys nobody has)
      // are what the e2e deploys: accepted by name, so pulumi up warns instead of refusing
      // (components/config/examples.ts). Never set outside the project's own test runs.
      [acceptExampleValuesVariable]: "1",
    });
    const harness = createHarness(project, env);
    const { pulumi, check, expectExit, policyArgs } = harness;
    const initStack = (stack: string, renderDir: string) => {
      const init = pulumi(stack, "stack", "init");
      if (init.code !== 0) return expectExit(init, 0);
      const kubernetes = kubernetesForm(harness, stack);
      if (kubernetes) return kubernetes;
      // Production's bucket: stand-in credentials, so its backups render as a deployed one's.
      const credentials = standInBucketCredentials(harness, stack);
      if (credentials) return credentials;
      return expectExit(pulumi(stack, "config", "set", "toolboxai:renderDir", renderDir), 0);
    };

    for (const stack of options.phases.includes("render") ? stacks : []) {
      const renderDir = path.join(scratch, "render", stack);
      const manifests = path.join(renderDir, "1-manifest");
      if (!check(stack, "stack init, renderDir set", () => initStack(stack, renderDir))) continue;
      check(stack, "pulumi preview --policy-pack passes, every policy runs", () => {
        const preview = pulumi(stack, "preview", ...policyArgs(stack));
        if (preview.code !== 0) return expectExit(preview, 0);
        if (!preview.output.includes("toolboxai-policies")) return "the policy pack did not run";
        const cannotRun = preview.output
          .split("\n")
          .filter((line) => line.includes("can't run policy"));
        return cannotRun.length > 0
          ? `policies that could not run:\n${cannotRun.join("\n")}`
          : undefined;
      });
      if (
        !check(stack, "pulumi up renders the provider's manifests", () => {
          const up = pulumi(stack, "up", "--yes", ...policyArgs(stack));
          if (up.code !== 0) return expectExit(up, 0);
          return filesUnder(manifests).length > 0 ? undefined : `nothing written to ${manifests}`;
        })
      )
        continue;
      check(stack, "the provider's manifests agree with the offline preview", () => {
        const offline = path.join(scratch, "offline", stack);
        const preview = spawnSync(
          process.execPath,
          [
            path.join(projectRoot, "scripts", "tool.mjs"),
            "preview",
            "--stack",
            stack,
            // The same Kubernetes form as the stack above (dev's file says docker).
            ...Object.entries(kubernetesFormConfig).flatMap(([key, value]) => [
              "--config",
              `${key}=${value}`,
            ]),
            "--out",
            offline,
          ],
          { cwd: projectRoot, encoding: "utf8", env: { ...process.env, INIT_CWD: projectRoot } },
        );
        if (preview.status !== 0) return `npm run preview failed:\n${preview.stderr}`;
        const problems = compareManifests(
          readManifestDir(manifests),
          readManifestDir(path.join(offline, "kubernetes")),
        );
        return problems.length > 0 ? problems.join("\n") : undefined;
      });
      check(stack, "no generated password in the state or outside Secrets", () => {
        const exported = pulumi(stack, "stack", "export", "--show-secrets");
        if (exported.code !== 0) return expectExit(exported, 0);
        const passwords = generatedPasswords(exported.output);
        if (passwords.length === 0)
          return "no generated password found in the state: nothing checked";
        const leaks = secretLeaks(
          [...filesUnder(path.join(state, ".pulumi")), ...filesUnder(renderDir)],
          passwords,
        );
        return leaks.length > 0 ? leaks.join("\n") : undefined;
      });
      if (keep) cpSync(manifests, path.join(path.resolve(keep), stack), { recursive: true });
      check(stack, "a second pulumi up changes nothing", () =>
        expectExit(pulumi(stack, "up", "--yes", "--expect-no-changes"), 0),
      );
      check(stack, "pulumi destroy removes everything (after lifting protectData)", () => {
        const config = pulumi(stack, "config", "get", "toolboxai:protectData");
        const isProtected = config.code !== 0 || config.output.trim() !== "false";
        if (isProtected) {
          const refused = pulumi(stack, "destroy", "--yes");
          if (refused.code === 0) return "destroy of a protected stack succeeded";
          if (!refused.output.includes("because it is protected")) {
            return `destroy failed, but not for protection:\n${refused.output}`;
          }
          const lifted = pulumi(stack, "config", "set", "toolboxai:protectData", "false");
          if (lifted.code !== 0) return expectExit(lifted, 0);
          const up = pulumi(stack, "up", "--yes");
          if (up.code !== 0) return expectExit(up, 0);
        }
        const destroyed = pulumi(stack, "destroy", "--yes");
        if (destroyed.code !== 0) return expectExit(destroyed, 0);
        const left = filesUnder(manifests);
        if (left.length > 0) return `left behind: ${left.join(", ")}`;
        return expectExit(pulumi(stack, "stack", "rm", "--yes"), 0);
      });
    }

    if (options.phases.includes("render")) {
      // A broken stack file: the real CLI, the real pack and production's policy config fail it.
      const broken = "broken";
      cpSync(
        path.join(project, "tests", "fixtures", "Pulumi.broken.yaml"),
        path.join(project, `Pulumi.${broken}.yaml`),
      );
      if (
        check(broken, "stack init, renderDir set", () =>
          initStack(broken, path.join(scratch, "render", broken)),
        )
      ) {
        check(broken, "pulumi preview --policy-pack fails, naming the policies", () => {
          const preview = pulumi(broken, "preview", ...policyArgs("production"));
          if (preview.code === 0) return "the preview passed";
          const missing = brokenPolicies.filter(
            (policy) => !new RegExp(`\\[mandatory\\].*${policy}`).test(preview.output),
          );
          return missing.length > 0
            ? `not reported: ${missing.join(", ")}\n${preview.output}`
            : undefined;
        });
      }

      // A bad config value: the program's own message, and nothing registered.
      const bad = "badconfig";
      // From the repository: `pulumi stack rm` above removed the copy's stack file.
      const devFile = parseDocument(
        readFileSync(path.join(projectRoot, "Pulumi.dev.yaml"), "utf8"),
      );
      devFile.setIn(["config", "toolboxai:services", "backend", "replicas"], 0);
      writeFileSync(path.join(project, `Pulumi.${bad}.yaml`), devFile.toString());
      if (
        check(bad, "stack init, renderDir set", () =>
          initStack(bad, path.join(scratch, "render", bad)),
        )
      ) {
        check(bad, "pulumi preview fails with the config message, nothing registered", () => {
          const preview = pulumi(bad, "preview");
          if (preview.code === 0) return "the preview passed";
          const expected =
            "toolboxai:services.backend.replicas = 0: must be an integer from 1 to 50";
          if (!preview.output.includes(expected)) return `no "${expected}":\n${preview.output}`;
          if (preview.output.includes("unhandled exception"))
            return `printed as a crash:\n${preview.output}`;
          if (/kubernetes:.*create/.test(preview.output))
            return `resources registered:\n${preview.output}`;
          return undefined;
        });
      }
    }

    if (controlPlane) {
      const cluster = startControlPlane(projectRoot, controlPlane, path.join(scratch, "cluster"));
      console.log(
        `control plane (etcd, kube-apiserver, kube-controller-manager) up in ${cluster.startSeconds.toFixed(1)} s`,
      );
      env.KUBECONFIG = cluster.kubeconfig;
      // The CRDs of the tools the program targets (the operator's Stack, Argo CD's Application):
      // the API server then validates the program's custom resources against their schemas.
      check(
        "control plane",
        "the Pulumi Kubernetes Operator's and Argo CD's CRDs installed",
        () => {
          const crds = path.join(projectRoot, "tests", "fixtures", "crds");
          for (const folder of ["pulumi-kubernetes-operator", "argo-cd"]) {
            const applied = cluster.kubectl([
              "apply",
              "--server-side",
              "-f",
              path.join(crds, folder),
            ]);
            if (applied.code !== 0) return applied.output;
          }
          const established = cluster.kubectl([
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/stacks.pulumi.com",
            "crd/applications.argoproj.io",
            "crd/appprojects.argoproj.io",
          ]);
          return established.code === 0 ? undefined : established.output;
        },
      );
      try {
        for (const stack of stacks) {
          runClusterPhase(stack, {
            harness,
            controlPlane: cluster,
            project,
            root: projectRoot,
            env,
          });
        }
        // Production delivered by Argo CD instead of the operator (tools/e2e/argocd.ts).
        if (stacks.includes("production")) {
          runArgoCdPhase({ harness, controlPlane: cluster, project, root: projectRoot });
        }
      } finally {
        check("control plane", "stopped by PID, nothing left running", () => {
          const running = cluster.stop();
          return running.length > 0 ? `still running: ${running.join(", ")}` : undefined;
        });
      }
    }

    if (withDocker) {
      const engineDir = path.join(scratch, "docker");
      const host = startDockerEngine(projectRoot, engineDir);
      check("docker engine", "a private dockerd started, with the local image", () =>
        host ? undefined : "dockerd did not start (see above)",
      );
      if (host) {
        try {
          runDockerPhase({ harness, project, root: projectRoot, host });
        } finally {
          stopDockerEngine(projectRoot, engineDir);
        }
      }
    }

    const { checks } = harness;
    const failed = checks.filter((result) => !result.passed);
    const total = checks.reduce((sum, result) => sum + result.seconds, 0);
    console.log(
      `\n${checks.length - failed.length} of ${checks.length} checks passed in ${total.toFixed(0)} s` +
        (failed.length
          ? `; failed: ${failed.map((result) => `${result.stack}: ${result.name}`).join("; ")}`
          : ""),
    );
    return failed.length === 0 ? 0 : 1;
  });
}
