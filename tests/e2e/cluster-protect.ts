// `protectData` on the node (docs/DEPLOYMENT.md, "Protected data"): `pulumi destroy` of a stack
// that keeps its data is refused in its preview and deletes nothing; `pulumi destroy --exclude-protected` removes
// everything but what holds the data (the namespaces, the data stores, their passwords), the
// claims stay bound and the data stays in them, the bucket keeps every object it held; and a new
// `up` finds the data where it was.
import { randomBytes } from "node:crypto";
import { configValue, policyOf } from "../../tools/e2e/project";
import { engine, failureOf, quiet } from "../../tools/e2e/engine-output";
import { standInLoadBalancer } from "../../tools/e2e/load-balancer";
import { dataStores } from "../../tools/e2e/data-stores";
import type { KubernetesObject } from "../../tools/e2e/cluster-checks";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import type { DeployedStack } from "./cluster-stack";
import { namespacesOf } from "./cluster-stack";

/** A row in PostgreSQL and a key in Redis, written before and read after; random per run. */
const marker = `e2e-protect-${randomBytes(6).toString("hex")}`;

export function protectedDataChecks(deployed: DeployedStack): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  const { psql, redis } = dataStores(controlPlane, () => deployed.namespace);
  const exists = (kind: string, name: string, namespace = deployed.namespace) =>
    controlPlane().kubectl(["get", kind, name, "--namespace", namespace]).code === 0;
  const claims = () =>
    namespacesOf(deployed).flatMap((namespace) =>
      controlPlane()
        .json<{ items: KubernetesObject[] }>(["get", "persistentvolumeclaims", "-n", namespace])
        .items.map((claim) => ({
          name: `${namespace}/${claim.metadata.name}`,
          uid: claim.metadata.uid,
          phase: String(claim.status?.phase),
        })),
    );

  // The stack's bucket, where it has one: the backup sets and a cluster's archive.
  const storage = validatedStackConfig(deployed.stackFile).backup?.storage;
  const bucketKeys = () =>
    storage?.type === "s3" ? deployed.cluster.bucket().keys(storage.bucket, storage.prefix) : [];

  test("protectData: pulumi destroy is refused and deletes nothing; destroy --exclude-protected keeps the data stores, their claims and data, and every object of the bucket; a new up finds the data", async () => {
    const stack = deployed.stack();
    expect(await configValue(stack, "toolboxai:protectData")).not.toBe("false");
    psql(
      `CREATE TABLE IF NOT EXISTS e2e_protect (marker text); INSERT INTO e2e_protect VALUES ('${marker}')`,
    );
    expect(redis("SET", "e2e-protect", marker)).toBe("OK");
    const claimsBefore = claims();
    expect(claimsBefore.length).toBeGreaterThan(0);
    const objectsBefore = bucketKeys();
    if (storage?.type === "s3") expect(objectsBefore.length).toBeGreaterThan(0);

    // `pulumi destroy` previews first and stops there (the Automation API's destroy skips the
    // preview: `previewDestroy` is the CLI's `destroy --preview-only`, the same refusal).
    const refused = await failureOf(
      stack.previewDestroy(quiet),
      "pulumi destroy of a protected stack",
    );
    expect(refused).toMatch(/protected/);

    expect(exists("deployment", "backend")).toBe(true);
    expect(claims()).toEqual(claimsBefore);

    await engine(stack.destroy({ ...quiet, excludeProtected: true }));
    expect(exists("deployment", "backend")).toBe(false);
    // The single server's StatefulSet, or the CloudNativePG Cluster (its operator is gone).
    expect(
      exists("statefulset", "postgres") || exists("clusters.postgresql.cnpg.io", "postgres"),
    ).toBe(true);
    expect(exists("statefulset", "redis")).toBe(true);
    // The same claims, still bound: the namespaces that hold them were kept.
    expect(claims()).toEqual(claimsBefore);
    // Nothing left the bucket (the kept cluster may have archived more since).
    const objectsAfter = new Set(bucketKeys());
    expect(objectsBefore.filter((key) => !objectsAfter.has(key))).toEqual([]);

    // The Ingress is new again: the stand-in load balancer gives it the address `up` waits for.
    const loadBalancer = standInLoadBalancer(controlPlane());
    try {
      await engine(stack.up({ ...policyOf(deployed.cluster.project(), deployed.name), ...quiet }));
    } finally {
      loadBalancer.stop();
    }
    expect(exists("deployment", "backend")).toBe(true);
    expect(claims()).toEqual(claimsBefore);
    expect(psql(`SELECT marker FROM e2e_protect WHERE marker = '${marker}'`)).toBe(marker);
    expect(redis("GET", "e2e-protect")).toBe(marker);
  });
}
