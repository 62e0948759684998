// What the cluster and Argo CD suites share: a scratch project, and a local cluster with one real
// node (scripts/control-plane.sh start --node), the offline image set in its containerd and the
// CRDs the program targets, started before the suite's checks and stopped after them. The program
// runs unchanged: `pulumi up` waits for readiness as it does on any cluster.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import {
  installCrds,
  localClusterConfig,
  startControlPlane,
  type ControlPlane,
} from "../../tools/e2e/control-plane";
import { imageCatalog, localImagesOf, ociArchives, withLocalImages } from "../../tools/e2e/images";
import { alertSinkName } from "../../components/monitoring/alert-sink";
import { replicasMin } from "../../policies/availability/replicas";
import { defaultAllowedRegistries, registryAllowlist } from "../../policies/images";
import type { Exemption } from "../../policies/lib/exemptions";
import { fitToNode } from "../../tools/e2e/node-fit";
import {
  scratchProject,
  setStandInBucketCredentials,
  type ScratchProject,
} from "../../tools/e2e/project";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import { projectRoot } from "../../tools/project-root";

export interface LocalCluster {
  project(): ScratchProject;
  controlPlane(): ControlPlane;
  /** Seconds to a Ready node with CoreDNS and storage, and to import the image set. */
  readonly started: { nodeSeconds: number; imagesSeconds: number };
}

/** Registers the suite's hooks and the cluster's own check; call at the top level. */
export function useLocalCluster(name: string): LocalCluster {
  let project: ScratchProject | undefined;
  let controlPlane: ControlPlane | undefined;
  let startFailure: unknown;
  beforeAll(() => {
    project = scratchProject(name);
    try {
      const started = performance.now();
      controlPlane = startControlPlane(path.join(project.work, "cluster"), { node: true });
      const up = performance.now();
      controlPlane.loadImages(ociArchives(imageCatalog().map((entry) => entry.name)));
      cluster.started.nodeSeconds = Math.round((up - started) / 100) / 10;
      cluster.started.imagesSeconds = Math.round((performance.now() - up) / 100) / 10;
      process.stderr.write(
        `cluster (control plane, a Ready node, CoreDNS, storage) up in ` +
          `${cluster.started.nodeSeconds} s; the image set imported in ` +
          `${cluster.started.imagesSeconds} s\n`,
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
    started: { nodeSeconds: 0, imagesSeconds: 0 },
    project: () => project!,
    controlPlane: () => {
      if (!controlPlane) throw new Error(`not checked: no cluster: ${String(startFailure)}`);
      return controlPlane;
    },
  };
  test("cluster: a Ready node, the image set imported, the Pulumi Kubernetes Operator's and Argo CD's CRDs installed", () => {
    if (startFailure) throw startFailure;
    cluster.controlPlane();
  });
  return cluster;
}

/** The last check of a cluster suite: the cluster stops, nothing of it left running. */
export function controlPlaneStops(cluster: LocalCluster): void {
  test("cluster: stopped by PID, nothing left running", () => {
    expect(cluster.controlPlane().stop()).toEqual([]);
  });
}

/** The local image set's registry (scripts/images.sh: toolboxai.local/NAME:VERSION). */
const localRegistry = "toolboxai.local/";

/** The alert sink is a test receiver, one replica wherever it runs; the pack reports the use. */
const alertSinkExemption: Exemption = {
  kind: "Deployment",
  name: alertSinkName,
  reason:
    "The e2e's local alert receiver (monitoring.alertSink), on in the node's copy of the stack " +
    "file so that the e2e can read delivered alerts: one replica, as a test receiver needs.",
};

/**
 * A stack file made for the node, `Pulumi.<name>.yaml`: each service on its local image (Grafana,
 * which has none, off), the local alert sink on (every routed alert is also logged there, where
 * the e2e reads it), CPU requests fitted to the node's two cores (tools/e2e/node-fit.ts). And its
 * policy config, `policies/config/<name>.json`: the stack file's, whose registry allowlist also
 * admits the local image set, as the rule's remediation says to add a reviewed registry (the
 * render phase judges the stack files' own references), and which exempts the one-replica alert
 * sink from the minimum replicas, by name and with its reason. Returns the CPU factor.
 */
export function writeNodeStackFile(
  cluster: LocalCluster,
  stackFile: string,
  name: string,
  text = readFileSync(path.join(projectRoot, `Pulumi.${stackFile}.yaml`), "utf8"),
): number {
  const config = validatedStackConfig(stackFile);
  const local = localImagesOf(config, Object.keys(config.services), imageCatalog());
  const document = parseDocument(withLocalImages(text, local));
  document.setIn(["config", "toolboxai:grafanaEnabled"], false);
  document.setIn(["config", "toolboxai:monitoring", "alertSink"], true);
  const fit = fitToNode(document.toString(), config);
  const { dir } = cluster.project();
  writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), fit.stackFile);
  const policies = JSON.parse(
    readFileSync(path.join(dir, "policies", "config", `${stackFile}.json`), "utf8"),
  ) as Record<string, { allowedRegistries?: string[]; exemptions?: Exemption[] }>;
  const allowlist = policies[registryAllowlist.name] ?? {};
  policies[registryAllowlist.name] = {
    ...allowlist,
    allowedRegistries: [
      ...(allowlist.allowedRegistries ?? defaultAllowedRegistries),
      localRegistry,
    ],
  };
  const replicas = policies[replicasMin.name] ?? {};
  policies[replicasMin.name] = {
    ...replicas,
    exemptions: [...(replicas.exemptions ?? []), alertSinkExemption],
  };
  writeFileSync(
    path.join(dir, "policies", "config", `${name}.json`),
    `${JSON.stringify(policies, null, 2)}\n`,
  );
  return fit.factor;
}

/** A stack of `Pulumi.<name>.yaml` for the local cluster. */
export async function localClusterStack(cluster: LocalCluster, name: string) {
  const stack = await cluster.project().createStack(name);
  await stack.setAllConfig(
    Object.fromEntries(Object.entries(localClusterConfig).map(([key, value]) => [key, { value }])),
  );
  await setStandInBucketCredentials(stack);
  return stack;
}
