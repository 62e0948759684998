// The e2e's local Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager
// (scripts/control-plane.sh, loopback only, no kubelet), and kubectl against it.
import { spawnSync } from "node:child_process";
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
}

/** Config of a stack deployed into the local API server: its Kubernetes form, context "local". */
export const localClusterConfig: Readonly<Record<string, string>> = {
  ...kubernetesFormConfig,
  "toolboxai:kubernetesContext": "local",
};

/** The folder of the built control plane; throws when `control-plane.sh build` has not run. */
function controlPlaneBin(): string {
  const bin = spawnSync("bash", [controlPlaneScript, "bin"], { encoding: "utf8" });
  if (bin.status !== 0) {
    throw new Error(
      "no local control plane: bash scripts/control-plane.sh build (about 11 min cold), " +
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

/** Starts etcd, kube-apiserver and kube-controller-manager with their files under `dir`. */
export function startControlPlane(dir: string): ControlPlane {
  const kubectlPath = path.join(controlPlaneBin(), "kubectl");
  mkdirSync(dir, { recursive: true });
  const start = spawnSync("bash", [controlPlaneScript, "start", dir, "--kcm"], {
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
