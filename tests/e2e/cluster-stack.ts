// The cluster phase's checks of one stack file, deployed as `cluster-<stack>` onto the local
// cluster's node: admitted as declared, every pod Ready and staying so, its CronJobs' pods
// admitted, the admission policies, Pod Security and RBAC in force as the program declares them,
// updated in place, and destroyed completely.
import { setTimeout as sleep } from "node:timers/promises";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  controllerShortfalls,
  declaredObjects,
  jobsWithoutPods,
  notServerSideApplied,
  podSecurityProbes,
  refusedPods,
  timesToReady,
  unreadyPods,
  type DeclaredObject,
  type KubernetesObject,
  type Pod,
  type PodState,
} from "../../tools/e2e/cluster-checks";
import { eventually } from "../../tools/e2e/control-plane";
import { archiveCurrentWal, dataStores } from "../../tools/e2e/data-stores";
import { curlIn, waitFor, type NamespaceRunner } from "../../tools/e2e/http";
import { serviceUrl } from "../../tools/e2e/services";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import { standInLoadBalancer } from "../../tools/e2e/load-balancer";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import { configValue, policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import { admissionChecks } from "./cluster-admission";
import { clusterChangeChecks } from "./cluster-changes";
import { networkFlowChecks } from "./cluster-flows";
import { protectedDataChecks } from "./cluster-protect";
import { postgresFailoverChecks } from "./cluster-failover";
import { redisFailoverChecks } from "./cluster-redis-failover";
import { pointInTimeRecoveryChecks } from "./cluster-recovery";
import { disruptionBudgetChecks, liveChecks } from "./cluster-live";
import { serviceAccountRightsAreGranted } from "./cluster-rbac";
import { localClusterStack, writeNodeStackFile, type LocalCluster } from "./local-cluster";
import { restoreRunbookChecks, volumeFetchCheck } from "./restore-runbooks";

type Items = { items: KubernetesObject[] };

/** What the checks of one deployed stack learn from its state and share. */
export interface DeployedStack {
  readonly cluster: LocalCluster;
  /** The stack file (`production`), whose policy config applies. */
  readonly stackFile: string;
  /** The Pulumi stack (`cluster-production`). */
  readonly name: string;
  stack(): Stack;
  declared: DeclaredObject[];
  /** The platform's namespace: the backend's (the stack's others hold its monitoring tier). */
  namespace: string;
}

/** The namespaces the stack declares. */
export const namespacesOf = (deployed: DeployedStack) =>
  deployed.declared
    .filter((object) => object.manifest.kind === "Namespace")
    .map((object) => object.manifest.metadata.name);

/** Registers the checks of one stack file; call inside its describe. */
export function clusterStackChecks(cluster: LocalCluster, stackFile: string): void {
  let created: Stack | undefined;
  const deployed: DeployedStack = {
    cluster,
    stackFile,
    name: `cluster-${stackFile}`,
    stack: () => {
      if (!created) throw new Error("not checked: the stack was not created");
      return created;
    },
    declared: [],
    namespace: "",
  };
  const json = <T>(args: readonly string[]) => cluster.controlPlane().json<T>(args);

  // What `npm run bench` prints of this stack's run (tools/e2e/start-up.ts writeE2eFigures).
  const figures: Record<string, unknown> = {};
  test("stack init for the local cluster: the image set, CPU requests fitted to the node", async () => {
    const factor = writeNodeStackFile(cluster, stackFile, deployed.name);
    Object.assign(figures, cluster.started, { cpuFactor: Math.round(factor * 100) / 100 });
    process.stderr.write(
      `        ${deployed.name}: CPU requests × ${factor.toFixed(2)} to fit the node's 2 cores\n`,
    );
    created = await localClusterStack(cluster, deployed.name);
  });

  test("pulumi up waits until every workload is ready and succeeds, no Pod Security warning", async () => {
    const loadBalancer = standInLoadBalancer(cluster.controlPlane());
    const started = performance.now();
    let up;
    try {
      up = await engine(
        deployed.stack().up({ ...policyOf(cluster.project(), deployed.name), ...quiet }),
      );
    } finally {
      loadBalancer.stop();
    }
    figures.upSeconds = Math.round((performance.now() - started) / 1000);
    process.stderr.write(
      `        ${deployed.name}: up, every resource ready, in ${figures.upSeconds} s\n`,
    );
    deployed.declared = declaredObjects(JSON.stringify(await deployed.stack().exportStack()));
    const backend = deployed.declared.find(
      ({ manifest }) => manifest.kind === "Deployment" && manifest.metadata.name === "backend",
    );
    deployed.namespace = backend?.manifest.metadata.namespace ?? "";
    expect(deployed.namespace).not.toBe("");
    const warnings = up.stdout
      .split("\n")
      .filter((line) => line.includes("would violate PodSecurity"));
    expect(warnings).toEqual([]);
  });

  if (validatedStackConfig(stackFile).admissionPolicies !== "off") admissionChecks(deployed);

  test("every object exists as declared (kubectl diff as Pulumi's field manager)", () => {
    expect(deployed.declared.length).toBeGreaterThan(0);
    expect(deployed.declared.flatMap((object) => differences(cluster, object))).toEqual([]);
  });

  test("every pod Ready, none restarted two minutes later; each workload's time to Ready", async () => {
    const pods = () =>
      namespacesOf(deployed).flatMap(
        (target) => json<{ items: PodState[] }>(["get", "pods", "--namespace", target]).items,
      );
    expect(pods().length).toBeGreaterThan(0);
    await sleep(120_000);
    const now = pods();
    const times: Record<string, number> = {};
    for (const { workload, seconds } of timesToReady({ items: now })) {
      times[workload] = Math.max(times[workload] ?? 0, seconds);
    }
    process.stderr.write(
      `        time to Ready: ${Object.entries(times)
        .map(([workload, seconds]) => `${workload} ${seconds} s`)
        .join(", ")}\n`,
    );
    writeE2eFigures(`cluster-${stackFile}`, { ...figures, readySeconds: times });
    expect(unreadyPods({ items: now })).toEqual([]);
  });

  liveChecks(deployed);
  networkFlowChecks(deployed);
  disruptionBudgetChecks(deployed);

  test("every controller created its pods in every namespace, none refused by Pod Security, quota or LimitRange", async () => {
    const problems: string[] = [];
    for (const target of namespacesOf(deployed)) {
      const inTarget = ["--namespace", target];
      const shortfalls = await eventually(90, () =>
        controllerShortfalls(
          json(["get", "deployments", ...inTarget]),
          json(["get", "statefulsets", ...inTarget]),
          json(["get", "horizontalpodautoscalers", ...inTarget]),
        ),
      );
      const refusals = refusedPods(
        json(["get", "events", ...inTarget]),
        json(["get", "replicasets", ...inTarget]),
      );
      problems.push(...[...shortfalls, ...refusals].map((problem) => `${target}: ${problem}`));
    }
    expect(problems).toEqual([]);
    expect(json<Items>(["get", "pods", "--all-namespaces"]).items.length).toBeGreaterThan(0);
  });

  test("a run of every CronJob: the backups store encrypted sets (on the volume, or in the bucket stand-in) and the restore check verifies the newest", async () => {
    // No time passes for a schedule here: each CronJob is run by hand, as an operator would.
    // Rows of the application's first: the restore check refuses a dump that holds no table.
    const controlPlane = cluster.controlPlane();
    const gateway = serviceUrl(controlPlane, [deployed.namespace], "gateway");
    const run: NamespaceRunner = (...command) => controlPlane.inNode(command);
    expect(curlIn(run, `${gateway}/api/rows`, "-X", "POST").status).toBe(201);
    const runs = [];
    for (const target of namespacesOf(deployed)) {
      runs.push(await runCronJobs(cluster, target));
    }
    expect(runs.flatMap((run) => run.problems)).toEqual([]);
    expect(runs.reduce((sum, run) => sum + run.cronJobs, 0)).toBeGreaterThan(0);
    const storage = validatedStackConfig(stackFile).backup?.storage;
    if (storage?.type === "s3") {
      // In the bucket, where the stack file says: each set's three files, under its prefix.
      const keys = cluster.bucket().keys(storage.bucket, storage.prefix);
      for (const service of ["postgres", "redis"]) {
        const sets = keys.filter((key) => key.startsWith(`${storage.prefix}${service}-`));
        expect(sets.filter((key) => key.endsWith(".age")).length).toBeGreaterThan(0);
        expect(sets.length % 3).toBe(0);
      }
    }
  });

  // The doc's copy of a set out of the backups volume, where the stack keeps them there.
  if (validatedStackConfig(stackFile).backup?.storage.type === "volume") volumeFetchCheck(deployed);

  test('Pod Security "restricted" is enforced: the program\'s pod is admitted, a privileged one refused', () => {
    const { namespace } = deployed;
    const labels = json<KubernetesObject>(["get", "namespace", namespace]).metadata.labels ?? {};
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const template = json<Items>(["get", "deployments", "--namespace", namespace]).items[0]?.spec
      ?.template;
    if (!template) throw new Error("no Deployment to take a pod template from");
    const probes = podSecurityProbes(template, namespace);
    const create = (pod: Pod) =>
      cluster
        .controlPlane()
        .kubectl(["create", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
    expect(create(probes.compliant)).toMatchObject({ code: 0 });
    expect(create(probes.privileged).output).toContain('violates PodSecurity "restricted');
  });

  test("each ServiceAccount has exactly the rights the program grants it, in every namespace", () => {
    serviceAccountRightsAreGranted(deployed);
  });

  // The restore runbooks of docs/DISASTER_RECOVERY.md, run as written.
  if (stackFile === "production") restoreRunbookChecks(deployed);
  // A CloudNativePG cluster archiving to its bucket recovers to a point in time.
  const { database, backup, redis } = validatedStackConfig(stackFile);
  if (database.engine === "cloudnative-pg" && backup?.storage.type === "s3") {
    pointInTimeRecoveryChecks(deployed);
  }
  // A cluster with a standby beside its synchronous ones fails over without stopping writes.
  if (
    database.engine === "cloudnative-pg" &&
    database.instances - 1 > database.synchronousStandbys
  ) {
    postgresFailoverChecks(deployed, database.instances);
  }
  // Redis in Sentinel mode fails over, and its clients follow.
  if (redis.mode === "sentinel") redisFailoverChecks(deployed, redis.replicas + 1);
  clusterChangeChecks(deployed);
  // Production keeps its data (protectData, the default): destroy refuses, and what holds the
  // data outlives everything else.
  if (stackFile === "production") protectedDataChecks(deployed);

  test("pulumi destroy removes the namespace and every cluster-wide object", async () => {
    const stack = deployed.stack();
    if ((await configValue(stack, "toolboxai:protectData")) !== "false") {
      await stack.setConfig("toolboxai:protectData", { value: "false" });
      await engine(stack.up(quiet));
    }
    await engine(stack.destroy(quiet));
    const exists = ({ manifest }: DeclaredObject) =>
      cluster.controlPlane().kubectl(["get", manifest.kind.toLowerCase(), manifest.metadata.name])
        .code === 0;
    const clusterWide = deployed.declared.filter(
      ({ manifest }) => manifest.kind === "Namespace" || !manifest.metadata.namespace,
    );
    const left = clusterWide.filter((object) => !object.retainedOnDelete && exists(object));
    expect(left.map((object) => object.label)).toEqual([]);
    // What the program keeps on purpose (an operator's CRDs: deleting one deletes every resource
    // of its kind in the cluster, another stack's too) is still there.
    const kept = clusterWide.filter((object) => object.retainedOnDelete);
    expect(kept.filter((object) => !exists(object)).map((object) => object.label)).toEqual([]);
    await stack.workspace.removeStack(deployed.name);
  });
}

/** How the live object differs from what Pulumi applied, or that it is not Pulumi's; [] if neither. */
function differences(cluster: LocalCluster, object: DeclaredObject): string[] {
  const { kubectl, json } = cluster.controlPlane();
  const diff = kubectl(
    ["diff", "--server-side", `--field-manager=${object.fieldManager}`, "-f", "-"],
    JSON.stringify(object.manifest),
  );
  if (diff.code !== 0) {
    return [`${object.label}: ${diff.code === 1 ? "differs" : "diff failed"}:\n${diff.output}`];
  }
  const { apiVersion, kind, metadata } = object.manifest;
  const group = apiVersion.includes("/") ? `.${apiVersion.split("/")[0]}` : "";
  const live = json<KubernetesObject>([
    "get",
    `${kind.toLowerCase()}${group}`,
    metadata.name,
    ...(metadata.namespace ? ["--namespace", metadata.namespace] : []),
    "--show-managed-fields",
  ]);
  const notApplied = notServerSideApplied(object, live);
  return notApplied ? [notApplied] : [];
}

/** What a Job of a hand-run CronJob prints when it did its work (scripts/backup/*.sh). */
const doneLine = (cronJob: string) =>
  cronJob.includes("archive-restore-check")
    ? /verified the archive: base backup \S+ and \d+ WAL segments, \d+ tables restored and read/
    : cronJob.includes("restore-check")
      ? /verified \S+: \d+ tables restored and read/
      : /stored \S+\.age /;

interface JobState {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** A CronJob run by hand is the Job `<cronJob>-e2e`. */
export const handRunSuffix = "e2e";

/**
 * Runs each CronJob of `target` by hand: the backups, then the restore check (it reads their newest
 * set); waits for each Job to end and checks it did its work. Returns the problems of their pods
 * and Jobs, and how many CronJobs there were.
 */
async function runCronJobs(cluster: LocalCluster, target: string) {
  const { json } = cluster.controlPlane();
  const inTarget = ["--namespace", target];
  const cronJobs = json<Items>(["get", "cronjobs", ...inTarget]).items.map(
    (cronJob) => cronJob.metadata.name,
  );
  const waves = [
    cronJobs.filter((cronJob) => !cronJob.includes("restore-check")),
    cronJobs.filter((cronJob) => cronJob.includes("restore-check")),
  ];
  const problems: string[] = [];
  for (const wave of waves.filter((names) => names.length > 0)) {
    // The archive check restores the newest completed base backup (the cluster's first, the
    // ScheduledBackup's `immediate`, may still be running) and the WAL archived since: the rows
    // just written are in the current segment, archived within archive_timeout (5 min) unless
    // closed now.
    if (wave.some((cronJob) => cronJob.includes("archive-restore-check"))) {
      problems.push(...(await eventually(600, () => noCompletedBaseBackup(cluster, target))));
      await archiveCurrentWal(
        dataStores(
          () => cluster.controlPlane(),
          () => target,
        ).psql,
      );
    }
    problems.push(...(await runJobs(cluster, target, wave, handRunSuffix)));
  }
  const refusals = refusedPods(json(["get", "events", ...inTarget]), { items: [] });
  return {
    cronJobs: cronJobs.length,
    problems: [...problems, ...refusals].map((problem) => `${target}: ${problem}`),
  };
}

function noCompletedBaseBackup(cluster: LocalCluster, target: string): string[] {
  const phases = cluster
    .controlPlane()
    .kubectl([
      "get",
      "backups.postgresql.cnpg.io",
      "--namespace",
      target,
      "-o",
      "jsonpath={.items[*].status.phase}",
    ]).output;
  return phases.split(" ").includes("completed") ? [] : [`no completed base backup: "${phases}"`];
}

/**
 * Runs `cronJobs` of `target` by hand at once, each as the Job `<cronJob>-<suffix>`; waits for each
 * to end and checks that it did its work (its log's last line). Returns the problems.
 */
export async function runJobs(
  cluster: LocalCluster,
  target: string,
  cronJobs: readonly string[],
  suffix: string,
): Promise<string[]> {
  const { kubectl, json } = cluster.controlPlane();
  const inTarget = ["--namespace", target];
  const jobs = cronJobs.map((cronJob) => `${cronJob}-${suffix}`);
  const problems = cronJobs.flatMap((cronJob, index) => {
    const run = kubectl(["create", "job", jobs[index], `--from=cronjob/${cronJob}`, ...inTarget]);
    return run.code === 0 ? [] : [`cannot run CronJob ${cronJob}: ${run.output}`];
  });
  problems.push(
    ...(await eventually(90, () => jobsWithoutPods(jobs, json(["get", "pods", ...inTarget])))),
  );
  const ended = (job: string) =>
    json<JobState>(["get", "job", job, ...inTarget]).status?.conditions?.find(
      (condition) =>
        (condition.type === "Complete" || condition.type === "Failed") &&
        condition.status === "True",
    )?.type;
  for (const [index, job] of jobs.entries()) {
    const end = await waitFor(300, `Job ${job} ended`, () => ended(job)).catch(
      (error: Error) => error.message,
    );
    // Every pod's log (a Job retries in a new pod): the line that says it did its work.
    const logs = kubectl(["logs", "-l", `job-name=${job}`, "--tail=50", ...inTarget]).output;
    if (end !== "Complete" || !doneLine(cronJobs[index]).test(logs)) {
      problems.push(`Job ${job}: ${end}; its log:\n${logs.split("\n").slice(-15).join("\n")}`);
    }
  }
  return problems;
}
