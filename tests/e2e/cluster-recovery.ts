// Point-in-time recovery on the node (docs/DISASTER_RECOVERY.md, "Recovering PostgreSQL to a
// point in time"), for a stack whose CloudNativePG cluster archives to its bucket (the bucket
// stand-in here): the archive and a base backup in the bucket; then rows written, the time noted,
// the table dropped, and the doc's block run as written to recover a new cluster to that time,
// which has the rows while the running cluster still has none.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { archiveDestination } from "../../components/data/postgres-cluster";
import { eventually } from "../../tools/e2e/control-plane";
import { archiveCurrentWal, dataStores } from "../../tools/e2e/data-stores";
import { extractRunbook, renderRunbook, runbookFile } from "../../tools/e2e/restore";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import { projectRoot } from "../../tools/project-root";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import type { DeployedStack } from "./cluster-stack";

const pointInTimeRunbook = "postgres-point-in-time";
const recovered = "postgres-recovered";
const table = "e2e_point_in_time";
const rows = 3;

export function pointInTimeRecoveryChecks(deployed: DeployedStack): void {
  const controlPlane = () => deployed.cluster.controlPlane();
  const { psql } = dataStores(controlPlane, () => deployed.namespace);
  // The namespace first: after `exec … --` every word is the command's.
  const kubectl = (args: readonly string[]) =>
    controlPlane().kubectl(["--namespace", deployed.namespace, ...args]);
  const read = (args: readonly string[]) => kubectl(args).output.trim();
  const storage = () => {
    const found = validatedStackConfig(deployed.stackFile).backup?.storage;
    if (found?.type !== "s3") throw new Error(`${deployed.stackFile} archives to no bucket`);
    return found;
  };

  test("point-in-time recovery: the cluster archives its WAL and took a base backup, both in the bucket", async () => {
    const problems = await eventually(600, () => {
      const archiving = read([
        "get",
        "clusters.postgresql.cnpg.io",
        "postgres",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="ContinuousArchiving")].status}',
      ]);
      const phases = read([
        "get",
        "backups.postgresql.cnpg.io",
        "-o",
        "jsonpath={.items[*].status.phase}",
      ]);
      return [
        ...(archiving === "True" ? [] : [`ContinuousArchiving is "${archiving}"`]),
        ...(phases.split(" ").includes("completed") ? [] : [`base backups: "${phases}"`]),
      ];
    });
    expect(problems).toEqual([]);
    // Under the stack's prefix: <prefix>cloudnative-pg/<cluster>/{base,wals}/.
    const { bucket, prefix } = storage();
    const root = `${archiveDestination({ bucket, prefix }).replace(`s3://${bucket}/`, "")}/postgres/`;
    const keys = deployed.cluster.bucket().keys(bucket, root);
    expect(keys.some((key) => key.startsWith(`${root}base/`))).toBe(true);
    expect(keys.some((key) => key.startsWith(`${root}wals/`))).toBe(true);
  });

  test(`point-in-time recovery: rows written, the time noted, the table dropped; the ${pointInTimeRunbook} block recovers a new cluster to that time, with the rows`, async () => {
    psql(`CREATE TABLE ${table} (n int); INSERT INTO ${table} SELECT generate_series(1, ${rows})`);
    await sleep(2000);
    const targetTime = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await sleep(2000);
    // How long the archive takes to hold a finished segment (the last before the damage).
    const archiveSeconds = await archiveCurrentWal(psql);
    psql(`DROP TABLE ${table}`);
    // The WAL past the target (the drop's commit) is archived too: recovery stops there.
    await archiveCurrentWal(psql);

    const block = extractRunbook(
      readFileSync(path.join(projectRoot, runbookFile), "utf8"),
      runbookFile,
      pointInTimeRunbook,
    );
    const script = renderRunbook(block, {
      NAMESPACE: deployed.namespace,
      TARGET_TIME: targetTime,
      SOURCE: "postgres",
      RECOVERED: recovered,
    });
    const started = performance.now();
    const run = spawnSync("bash", ["-c", `set -euo pipefail\n${script}`], {
      env: {
        ...process.env,
        PATH: `${path.dirname(controlPlane().kubectlPath)}:${process.env.PATH ?? ""}`,
        KUBECONFIG: controlPlane().kubeconfig,
      },
      encoding: "utf8",
      timeout: 35 * 60 * 1000,
    });
    const recoverySeconds = Math.round((performance.now() - started) / 1000);
    if (run.status !== 0) {
      throw new Error(`the ${pointInTimeRunbook} block failed:\n${run.stdout}\n${run.stderr}`);
    }
    process.stderr.write(
      `        point-in-time recovery: WAL archived ${archiveSeconds} s after its segment ended; ` +
        `a cluster recovered to ${targetTime} in ${recoverySeconds} s\n`,
    );
    writeE2eFigures(`cluster-${deployed.stackFile}-point-in-time`, {
      archiveSeconds,
      recoverySeconds,
    });
    const database = read([
      "get",
      "clusters.postgresql.cnpg.io",
      "postgres",
      "-o",
      "jsonpath={.spec.bootstrap.initdb.database}",
    ]);
    const inRecovered = kubectl([
      "exec",
      `${recovered}-1`,
      "--container",
      "postgres",
      "--",
      "psql",
      "-At",
      "-d",
      database,
      "-c",
      `SELECT count(*) FROM ${table}`,
    ]);
    expect(inRecovered.output.trim()).toBe(String(rows));
    // The running cluster was not touched: the table is still dropped there.
    expect(psql(`SELECT to_regclass('${table}') IS NULL`)).toBe("t");
  });

  afterAll(() => {
    // The recovered cluster and its volume, as the doc says to remove them.
    kubectl(["delete", "clusters.postgresql.cnpg.io", recovered, "--ignore-not-found", "--wait"]);
  });
}
