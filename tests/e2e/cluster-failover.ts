// PostgreSQL's failover on the node, for a stack whose CloudNativePG cluster has a synchronous
// standby and a standby to spare (production): under a steady write load through the gateway
// (the reference service's rows, each acknowledged with its id), the primary's pod is deleted; the
// operator promotes a standby, writes are served again within 30 s, every acknowledged row is
// still there, and the old primary comes back as a standby.
import { eventually } from "../../tools/e2e/control-plane";
import { dataStores } from "../../tools/e2e/data-stores";
import { deletePrimaryUnderLoad, failoverBudgetMs } from "../../tools/e2e/failover";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import type { DeployedStack } from "./cluster-stack";

/** Writes a second through the gateway: enough to see the gap, light for two cores. */
const writeRate = 5;

export function postgresFailoverChecks(deployed: DeployedStack, instances: number): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  const { psql } = dataStores(controlPlane, () => deployed.namespace);
  const cluster = (field: string) =>
    controlPlane()
      .kubectl([
        "get",
        "clusters.postgresql.cnpg.io",
        "postgres",
        "--namespace",
        deployed.namespace,
        "-o",
        `jsonpath={${field}}`,
      ])
      .output.trim();

  test(`failover: under a steady write load, the PostgreSQL primary's pod is deleted; a standby serves writes within ${failoverBudgetMs / 1000} s, no acknowledged row is lost, the old primary rejoins`, async () => {
    const healthy = () =>
      cluster(".status.readyInstances") === String(instances) &&
      cluster(".status.currentPrimary") === cluster(".status.targetPrimary")
        ? []
        : [`cluster: ${cluster(".status.phase")}, ${cluster(".status.readyInstances")} ready`];
    expect(await eventually(300, healthy)).toEqual([]);
    const { before, after, report, gapMs } = await deletePrimaryUnderLoad({
      controlPlane: controlPlane(),
      namespace: deployed.namespace,
      path: "/api/rows",
      rate: writeRate,
      mode: "write",
      primary: () => cluster(".status.currentPrimary"),
    });
    expect(after).not.toBe("");

    const acknowledged = report.acknowledged ?? [];
    process.stderr.write(
      `        failover: ${before} → ${after}; writes stopped for at ` +
        `most ${(gapMs / 1000).toFixed(1)} s; ${acknowledged.length} of ${report.requests} ` +
        `writes acknowledged, ${report.failures.length} failed\n`,
    );
    writeE2eFigures(`cluster-${deployed.stackFile}-postgres-failover`, {
      writeGapSeconds: Math.round(gapMs / 100) / 10,
      acknowledged: acknowledged.length,
      failed: report.failures.length,
    });
    expect(acknowledged.length).toBeGreaterThan(writeRate * 20);
    expect(gapMs).toBeLessThan(failoverBudgetMs);
    // Every write the service acknowledged was committed on a synchronous standby too.
    const present = psql(
      `SELECT count(*) FROM toolboxai_reference_rows WHERE id IN (${acknowledged.join(",")})`,
    );
    expect(Number(present)).toBe(acknowledged.length);
    // The old primary's pod comes back, rewound, as a standby.
    expect(await eventually(300, healthy)).toEqual([]);
  });
}
