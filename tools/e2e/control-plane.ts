// The e2e's local Kubernetes cluster (scripts/control-plane.sh): etcd, kube-apiserver and
// kube-controller-manager on loopback with no kubelet, or the same with one real node in a network
// namespace of its own; and kubectl against it, from the host through the API server's loopback
// relay.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { kubernetesFormConfig } from "../engine/stack-config";
import { projectRoot } from "../project-root";
import { isAlive } from "./project";

const controlPlaneScript = path.join(projectRoot, "scripts", "control-plane.sh");

export interface CommandResult {
  readonly code: number;
  readonly output: string;
}

export interface ControlPlane {
  /** The admin kubeconfig (context "local"). */
  readonly kubeconfig: string;
  /** The real kubectl binary. */
  readonly kubectlPath: string;
  kubectl(args: readonly string[], input?: string): CommandResult;
  /** `kubectl <args> -o json`, parsed; throws with kubectl's output when it fails. */
  json<T>(args: readonly string[]): T;
  /** Stops what `start` ran; returns the processes still alive afterwards (none, normally). */
  stop(): string[];
  /** With a node: runs a command in its network namespace, where the pods' addresses are. */
  inNode(
    command: readonly string[],
    options?: { input?: string; timeout?: number; cwd?: string; env?: NodeJS.ProcessEnv },
  ): CommandResult;
  /**
   * With a node: starts a long-running command in its network namespace, in a process group of
   * its own (stop it with `process.kill(-child.pid)`).
   */
  spawnInNode(command: readonly string[]): ChildProcessWithoutNullStreams;
  /** With a node: imports OCI image archives into its containerd. */
  loadImages(archives: readonly string[]): void;
  /** With a node: names an imported image a second time (`repository:tag`). */
  tagImage(image: string, newImage: string): void;
}

/** What a started process prints, collected; and when it says it is ready, or exits. */
export interface WatchedOutput {
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once it has printed `readyWord`; rejects, with its output, if it exits first. */
  readonly ready: Promise<void>;
  /** Its exit code once it exits. */
  readonly exited: Promise<number | null>;
}

/** Collects what `child` prints and watches for `readyWord` (a line it prints once it serves). */
export function watchOutput(
  child: ChildProcessWithoutNullStreams,
  readyWord: string,
  what: string,
): WatchedOutput {
  let said = "";
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    child.on("exit", (code) =>
      reject(new Error(`${what} exited (${code}) before it was ready: ${said}`)),
    );
  });
  const collect = (chunk: Buffer) => {
    said += chunk.toString();
    if (said.includes(readyWord)) resolveReady();
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  // A rejection nobody awaits (the process ended after it was ready) is not an error.
  ready.catch(() => undefined);
  return { output: () => said, ready, exited };
}

/** Config of a stack deployed into the local API server: its Kubernetes form, context "local". */
export const localClusterConfig: Readonly<Record<string, string>> = {
  ...kubernetesFormConfig,
  "toolboxai:kubernetesContext": "local",
};

/** The folder of the built control plane; throws when `control-plane.sh build` has not run. */
function controlPlaneBin(node: boolean): string {
  const bin = spawnSync("bash", [controlPlaneScript, "bin", ...(node ? ["--node"] : [])], {
    encoding: "utf8",
  });
  if (bin.status !== 0) {
    const build = node ? "build --node (about 25 min cold)" : "build (about 11 min cold)";
    throw new Error(
      `no local ${node ? "node" : "control plane"}: bash scripts/control-plane.sh ${build}, ` +
        "or run the render phase alone (npm run e2e -- --phases render)",
    );
  }
  return bin.stdout.trim();
}

/** The processes `start` ran under `dir`, by their PID files. */
function processesOf(dir: string) {
  const run = path.join(dir, "run");
  if (!existsSync(run)) return [];
  return readdirSync(run)
    .filter((file) => file.endsWith(".pid"))
    .map((file) => ({
      name: file.replace(/\.pid$/, ""),
      pid: Number(readFileSync(path.join(run, file), "utf8")),
    }));
}

function stopControlPlane(dir: string): string[] {
  const started = processesOf(dir);
  spawnSync("bash", [controlPlaneScript, "stop", dir], { stdio: "ignore" });
  return started.filter(({ pid }) => isAlive(pid)).map(({ name, pid }) => `${name} (${pid})`);
}

/**
 * Starts etcd, kube-apiserver and kube-controller-manager with their files under `dir`; with
 * `node`, also the scheduler and a real node (control-plane.sh start --node).
 */
export function startControlPlane(dir: string, { node = false } = {}): ControlPlane {
  const kubectlPath = path.join(controlPlaneBin(node), "kubectl");
  mkdirSync(dir, { recursive: true });
  const start = spawnSync("bash", [controlPlaneScript, "start", dir, node ? "--node" : "--kcm"], {
    encoding: "utf8",
  });
  if (start.status !== 0) {
    stopControlPlane(dir);
    throw new Error(`the control plane did not start:\n${start.stdout}${start.stderr}`);
  }
  const kubeconfig = path.join(dir, "admin.kubeconfig");
  // kubectl diff writes both sides of each object (Secrets too) into TMPDIR: keep them in `dir`.
  const tmp = path.join(dir, "tmp");
  mkdirSync(tmp);
  const env = { ...process.env, KUBECONFIG: kubeconfig, TMPDIR: tmp };
  const kubectl = (args: readonly string[], input?: string): CommandResult => {
    const result = spawnSync(kubectlPath, args, {
      env,
      input,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
  };
  return {
    kubeconfig,
    kubectlPath,
    kubectl,
    json<T>(args: readonly string[]): T {
      const result = kubectl([...args, "-o", "json"]);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.output}`);
      return JSON.parse(result.output) as T;
    },
    stop: () => stopControlPlane(dir),
    inNode(command, { input, timeout = 60_000, cwd, env } = {}) {
      const result = spawnSync("bash", [controlPlaneScript, "exec", dir, ...command], {
        input,
        timeout,
        cwd,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
    spawnInNode(command) {
      return spawn("bash", [controlPlaneScript, "exec", dir, ...command], { detached: true });
    },
    loadImages(archives) {
      const loaded = spawnSync("bash", [controlPlaneScript, "load", dir, ...archives], {
        encoding: "utf8",
      });
      if (loaded.status !== 0) throw new Error(`the images are not loaded:\n${loaded.stderr}`);
    },
    tagImage(image, newImage) {
      const tagged = spawnSync("bash", [controlPlaneScript, "tag", dir, image, newImage], {
        encoding: "utf8",
      });
      if (tagged.status !== 0) throw new Error(`${image} is not tagged:\n${tagged.stderr}`);
    },
  };
}

/**
 * Installs the CRDs of the tools the program targets (the operator's Stack, Argo CD's
 * Application): the API server then validates the program's custom resources against them.
 */
export function installCrds(controlPlane: ControlPlane): void {
  const crds = path.join(projectRoot, "tests", "fixtures", "crds");
  for (const folder of ["pulumi-kubernetes-operator", "argo-cd"]) {
    const applied = controlPlane.kubectl(["apply", "--server-side", "-f", path.join(crds, folder)]);
    if (applied.code !== 0) throw new Error(applied.output);
  }
  const established = controlPlane.kubectl([
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    "crd/stacks.pulumi.com",
    "crd/applications.argoproj.io",
    "crd/appprojects.argoproj.io",
  ]);
  if (established.code !== 0) throw new Error(established.output);
}

/** Polls `probe` until it returns no problems or `seconds` pass; returns the last problems. */
export async function eventually(seconds: number, probe: () => string[]): Promise<string[]> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const problems = probe();
    if (problems.length === 0 || performance.now() > deadline) return problems;
    await sleep(2000);
  }
}
