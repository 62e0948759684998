// What the cluster and Argo CD suites share: a scratch project whose program carries the
// skipAwait transform, and a local control plane with the CRDs the program targets, started
// before the suite's checks and stopped after them.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import {
  installCrds,
  localClusterConfig,
  startControlPlane,
  type ControlPlane,
} from "../../tools/e2e/control-plane";
import {
  scratchProject,
  setStandInBucketCredentials,
  type ScratchProject,
} from "../../tools/e2e/project";

export interface LocalCluster {
  project(): ScratchProject;
  controlPlane(): ControlPlane;
}

/**
 * The scratch copy runs tools/e2e/skip-await-program.js: the program with the provider's
 * skipAwait annotation on what it would wait for, since no kubelet ever makes it ready here. It is
 * loaded from a file in the project's folder: the engine runs the program, and starts the
 * providers, in main's folder, and the kubernetes provider resolves relative render folders there.
 */
function useSkipAwaitProgram(project: ScratchProject): void {
  const entry = "e2e-skip-await.js";
  writeFileSync(
    path.join(project.dir, entry),
    'module.exports = require("./tools/e2e/skip-await-program.js");\n',
  );
  const file = path.join(project.dir, "Pulumi.yaml");
  const settings = parseDocument(readFileSync(file, "utf8"));
  settings.set("main", entry);
  writeFileSync(file, settings.toString());
}

/** Registers the suite's hooks and the control plane's own two checks; call at the top level. */
export function useLocalCluster(name: string): LocalCluster {
  let project: ScratchProject | undefined;
  let controlPlane: ControlPlane | undefined;
  let startFailure: unknown;
  beforeAll(() => {
    project = scratchProject(name);
    useSkipAwaitProgram(project);
    try {
      const started = performance.now();
      controlPlane = startControlPlane(path.join(project.work, "cluster"));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `control plane (etcd, API server, controller manager) up in ${seconds} s\n`,
      );
      project.envVars.KUBECONFIG = controlPlane.kubeconfig;
      installCrds(controlPlane);
    } catch (error) {
      startFailure = error;
    }
  });
  afterAll(() => {
    controlPlane?.stop();
    project?.remove();
  });
  const cluster: LocalCluster = {
    project: () => project!,
    controlPlane: () => {
      if (!controlPlane) throw new Error(`not checked: no control plane: ${String(startFailure)}`);
      return controlPlane;
    },
  };
  test("control plane: started, the Pulumi Kubernetes Operator's and Argo CD's CRDs installed", () => {
    if (startFailure) throw startFailure;
    cluster.controlPlane();
  });
  return cluster;
}

/** The last check of a cluster suite: the control plane stops, nothing of it left running. */
export function controlPlaneStops(cluster: LocalCluster): void {
  test("control plane: stopped by PID, nothing left running", () => {
    expect(cluster.controlPlane().stop()).toEqual([]);
  });
}

/** A stack of `Pulumi.<name>.yaml` for the local API server. */
export async function localClusterStack(cluster: LocalCluster, name: string) {
  const stack = await cluster.project().createStack(name);
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(localClusterConfig).map(([key, value]) => [key, { value }])),
  );
  await setStandInBucketCredentials(stack);
  return stack;
}
