// What the cluster and Argo CD suites share: a scratch project, and a local cluster with one real
// node (scripts/control-plane.sh start --node), the offline image set in its containerd and the
// CRDs the program targets, started before the suite's checks and stopped after them, with a bucket
// stand-in for the backups and a recovery key they are encrypted to. The program runs unchanged:
// `pulumi up` waits for readiness as it does on any cluster.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ageKeyPairFromBytes, type AgeKeyPair } from "../../components/backup/age-keys";
import { startBucketStandIn, type BucketStandIn } from "../../tools/e2e/bucket-stand-in";
import {
  installCrds,
  localClusterConfig,
  startControlPlane,
  type ControlPlane,
} from "../../tools/e2e/control-plane";
import { imageCatalog, ociArchives } from "../../tools/e2e/images";
import { nodePolicyConfig, nodeStackFile, type PolicyConfig } from "../../tools/e2e/node-stack";
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
  /** The S3-compatible bucket outside the cluster, in the node's namespace. */
  bucket(): BucketStandIn;
  /** The recovery key the node's stacks encrypt their backups to (the doc's `recovery.key`). */
  readonly recoveryKey: AgeKeyPair;
  /** Seconds to a Ready node with CoreDNS and storage, and to import the image set. */
  readonly started: { nodeSeconds: number; imagesSeconds: number };
}

/** Registers the suite's hooks and the cluster's own check; call at the top level. */
export function useLocalCluster(name: string): LocalCluster {
  let project: ScratchProject | undefined;
  let controlPlane: ControlPlane | undefined;
  let bucket: BucketStandIn | undefined;
  let startFailure: unknown;
  beforeAll(async () => {
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
      bucket = await startBucketStandIn(controlPlane, path.join(project.work, "bucket"));
    } catch (error) {
      startFailure = error;
    }
  });
  afterAll(() => {
    bucket?.stop();
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
    bucket: () => {
      if (!bucket) throw new Error(`not checked: no bucket stand-in: ${String(startFailure)}`);
      return bucket;
    },
    recoveryKey: ageKeyPairFromBytes(randomBytes(32)),
  };
  test("cluster: a Ready node, the image set imported, the Pulumi Kubernetes Operator's and Argo CD's CRDs installed, the bucket stand-in answering", () => {
    if (startFailure) throw startFailure;
    cluster.controlPlane();
  });
  return cluster;
}

/** The last check of a cluster suite: the cluster stops, nothing of it left running. */
export function controlPlaneStops(cluster: LocalCluster): void {
  test("cluster: stopped by PID, nothing left running", () => {
    cluster.bucket().stop();
    expect(cluster.controlPlane().stop()).toEqual([]);
  });
}

/**
 * Writes the node's copy of a stack file, `Pulumi.<name>.yaml`, and its policy config,
 * `policies/config/<name>.json`, into the scratch project (tools/e2e/node-stack.ts says what each
 * changes). Returns the CPU factor.
 */
export function writeNodeStackFile(
  cluster: LocalCluster,
  stackFile: string,
  name: string,
  text = readFileSync(path.join(projectRoot, `Pulumi.${stackFile}.yaml`), "utf8"),
): number {
  const { dir } = cluster.project();
  const target = path.join(dir, `Pulumi.${name}.yaml`);
  // The text as given (a suite may have changed the stack file's), validated as the program will.
  writeFileSync(target, text);
  const config = validatedStackConfig(name, dir);
  const bucket = cluster.bucket();
  const fit = nodeStackFile(text, config, imageCatalog(), {
    recipient: cluster.recoveryKey.recipient,
    bucket: { endpoint: bucket.endpoint, caCertificates: bucket.caCertificates },
  });
  if (config.backup?.storage.type === "s3") bucket.createBucket(config.backup.storage.bucket);
  writeFileSync(target, fit.stackFile);
  const policies = JSON.parse(
    readFileSync(path.join(dir, "policies", "config", `${stackFile}.json`), "utf8"),
  ) as PolicyConfig;
  writeFileSync(
    path.join(dir, "policies", "config", `${name}.json`),
    `${JSON.stringify(nodePolicyConfig(policies), null, 2)}\n`,
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
