// The e2e's private Docker engine (scripts/docker-engine.sh): dockerd with its socket, data and
// PID under a folder of the run, beside any other engine on the machine, with the local image
// local/base:1 (no registry is reachable here).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { projectRoot } from "../project-root";

const script = path.join(projectRoot, "scripts", "docker-engine.sh");

export interface DockerEngine {
  /** The engine's address (unix://…). */
  readonly host: string;
  /** `docker <args>` against this engine; its exit code and trimmed output. */
  docker(...args: string[]): { code: number; output: string };
  stop(): void;
}

/**
 * What an instance (`app.kubernetes.io/instance`) left in the engine: a line per kind of object
 * (containers, networks, volumes) that still has some; none after a clean destroy.
 */
export function leftBehind(engine: DockerEngine, instance: string): string[] {
  return ["ps -aq", "network ls -q", "volume ls -q"].flatMap((list) => {
    const result = engine.docker(
      ...list.split(" "),
      "--filter",
      `label=app.kubernetes.io/instance=${instance}`,
    );
    return result.output ? [`${list}: ${result.output.replace(/\n/g, " ")}`] : [];
  });
}

/** Starts the private engine under `dir`; throws with the script's message when it cannot. */
export function startDockerEngine(dir: string): DockerEngine {
  const started = spawnSync("bash", [script, "start", dir], { encoding: "utf8" });
  if (started.status !== 0) {
    throw new Error(
      "dockerd did not start (bash scripts/docker-engine.sh install, as root, installs it):\n" +
        started.stderr,
    );
  }
  const host = started.stdout.trim();
  return {
    host,
    docker(...args) {
      const result = spawnSync("docker", args, {
        encoding: "utf8",
        env: { ...process.env, DOCKER_HOST: host },
      });
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
    },
    stop: () => void spawnSync("bash", [script, "stop", dir], { stdio: "inherit" }),
  };
}
