// `npm run e2e`'s docker phase: the Docker form against a real engine (a private dockerd,
// scripts/docker-engine.sh). No registry is reachable here, so the platform's own images cannot
// run; two things can:
//   1. dev's real stack file: `pulumi preview` with the docker provider connected to the engine
//      and the policy pack (dev's config): every input accepted, no mandatory violation;
//   2. the renderer on a local image (tests/fixtures/docker-live.ts: a data store, a client with
//      a secret and a config file, a scheduled job): `pulumi up` until every container is
//      healthy, then checked through the engine, a second preview without changes, no secret in
//      the state, and destroy leaving nothing of it.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Harness } from "./harness";

export interface DockerPhaseOptions {
  readonly harness: Harness;
  /** The scratch copy of the project. */
  readonly project: string;
  /** Where the stack files are read from (the repository). */
  readonly root: string;
  /** The engine's address (unix://…). */
  readonly host: string;
}

/** Starts the private engine under `dir`; its DOCKER_HOST, or undefined (message printed). */
export function startDockerEngine(root: string, dir: string): string | undefined {
  const started = spawnSync(
    "bash",
    [path.join(root, "scripts", "docker-engine.sh"), "start", dir],
    {
      encoding: "utf8",
    },
  );
  if (started.status !== 0) {
    console.error(`the docker phase could not start dockerd:\n${started.stderr}`);
    return undefined;
  }
  return started.stdout.trim();
}

export function stopDockerEngine(root: string, dir: string): void {
  spawnSync("bash", [path.join(root, "scripts", "docker-engine.sh"), "stop", dir], {
    stdio: "inherit",
  });
}

/** The fixture's secret values: they must never reach the state unencrypted. */
const fixtureSecrets = ["live-db-password-value", "live-api-key-value"];

export function runDockerPhase(options: DockerPhaseOptions): void {
  const { harness, project, root, host } = options;
  const { check, expectExit, policyArgs } = harness;
  const docker = (...args: string[]) => {
    const result = spawnSync("docker", args, {
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: host },
    });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
  };

  // 1. dev's stack file, as it is, against the engine.
  const dev = "docker-dev";
  copyFileSync(path.join(root, "Pulumi.dev.yaml"), path.join(project, `Pulumi.${dev}.yaml`));
  check(dev, "pulumi preview --policy-pack against a real engine: no mandatory violation", () => {
    const init = harness.pulumi(dev, "stack", "init");
    if (init.code !== 0) return expectExit(init, 0);
    const set = harness.pulumi(dev, "config", "set", "--path", "toolboxai:docker.host", host);
    if (set.code !== 0) return expectExit(set, 0);
    const preview = harness.pulumi(dev, "preview", ...policyArgs("dev"));
    if (preview.code !== 0) return expectExit(preview, 0);
    if (!/docker:index:Container \S+ create/.test(preview.output)) {
      return `no Docker container in the preview:\n${preview.output}`;
    }
    if (/\[mandatory\]/.test(preview.output)) return preview.output;
    return expectExit(harness.pulumi(dev, "stack", "rm", "--yes"), 0);
  });

  // 2. The renderer on a local image, deployed for real.
  const live = "live";
  const liveProject = path.join(project, ".docker-live");
  mkdirSync(liveProject, { recursive: true });
  writeFileSync(
    path.join(liveProject, "Pulumi.yaml"),
    [
      "name: dockerlive",
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: true",
      "    packagemanager: npm",
      "main: ../tests/fixtures/docker-live.ts",
      "",
    ].join("\n"),
  );
  const pulumi = (...args: string[]) => harness.pulumi(live, "--cwd", liveProject, ...args);
  const deployed = check(live, "pulumi up: every container of the fixture healthy", () => {
    const init = pulumi("stack", "init");
    if (init.code !== 0) return expectExit(init, 0);
    const set = pulumi("config", "set", "check:host", host);
    if (set.code !== 0) return expectExit(set, 0);
    return expectExit(pulumi("up", "--yes"), 0);
  });
  if (!deployed) return;
  check(
    live,
    "UID 10001 on a read-only root, files read-only, the data store reached by name",
    () => {
      const problems: string[] = [];
      const expect = (what: string, args: string[], wanted: string) => {
        const result = docker(...args);
        if (result.code !== 0 || result.output !== wanted) {
          problems.push(
            `${what}: expected ${JSON.stringify(wanted)}, got ${JSON.stringify(result.output)}`,
          );
        }
      };
      expect("the client's user", ["exec", "live-web", "id", "-u"], "10001");
      expect(
        "the secret file, read by that user",
        ["exec", "live-web", "cat", "/tmp/www/key"],
        "live-api-key-value",
      );
      expect("the config file", ["exec", "live-web", "cat", "/tmp/www/conf"], "greeting=hello");
      expect(
        "the data store, by its name on the database network",
        ["exec", "live-web", "cat", "/tmp/www/db"],
        "ok",
      );
      expect(
        "the database network",
        ["network", "inspect", "-f", "{{.Internal}}", "live-database"],
        "true",
      );
      const write = docker("exec", "live-web", "sh", "-c", "echo x > /run/secrets/api-key");
      if (write.code === 0) problems.push("the secret file is writable");
      const root = docker("exec", "live-web", "sh", "-c", "echo x > /x");
      if (root.code === 0) problems.push("the root filesystem is writable");
      const health = docker("inspect", "-f", "{{.State.Health.Status}}", "live-db", "live-web");
      if (health.output !== "healthy\nhealthy") problems.push(`health: ${health.output}`);
      return problems.length > 0 ? problems.join("\n") : undefined;
    },
  );
  check(live, "a second preview changes nothing; no secret in the state", () => {
    const preview = pulumi("preview", "--expect-no-changes");
    if (preview.code !== 0) return expectExit(preview, 0);
    const state = pulumi("stack", "export");
    if (state.code !== 0) return expectExit(state, 0);
    const leaked = fixtureSecrets.filter((secret) => state.output.includes(secret));
    return leaked.length > 0 ? `in the state: ${leaked.join(", ")}` : undefined;
  });
  check(live, "pulumi destroy leaves no container, network or volume of it", () => {
    const destroyed = pulumi("destroy", "--yes");
    if (destroyed.code !== 0) return expectExit(destroyed, 0);
    const left = ["ps -aq", "network ls -q", "volume ls -q"].flatMap((list) => {
      const result = docker(
        ...list.split(" "),
        "--filter",
        "label=app.kubernetes.io/instance=live",
      );
      return result.output ? [`${list}: ${result.output.replace(/\n/g, " ")}`] : [];
    });
    if (left.length > 0) return `left behind: ${left.join("; ")}`;
    return expectExit(pulumi("stack", "rm", "--yes"), 0);
  });
}
