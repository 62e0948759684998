// The restore runbooks of docs/DISASTER_RECOVERY.md, run as written against the deployed stack on
// the node (tools/e2e/restore.ts extracts them and writes the witnesses). First a backup to
// restore: a Redis key written beside the application's rows, and both backup jobs run by hand into
// the bucket. Then, per data store: its newest set fetched from the bucket with the doc's fetch
// block (in the node's namespace, where the bucket is), the data damaged (the rows' table dropped,
// the key deleted), the restore block run with the set, and the run judged: delivery paused and the
// writers stopped at every step that acts on the platform, resumed and back at their counts after,
// no drift left, nothing left behind, and the data back.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  extractRunbook,
  fetchRunbook,
  parseWitnessLog,
  pauseField,
  renderRunbook,
  runbookFile,
  runbooks,
  shellQuote,
  undeclaredVariables,
  volumeFetchRunbook,
  writeWitnesses,
  type Delivery,
  type RunbookBlock,
  type Witnessed,
} from "../../tools/e2e/restore";
import { dataStores, type DataStores } from "../../tools/e2e/data-stores";
import { binariesOf } from "../../tools/e2e/images";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import { isAlive, policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import { validatedStackConfig } from "../../tools/engine/stack-config";
import type { BackupStorage } from "../../components/config/schema";
import { handRunSuffix, runJobs, type DeployedStack } from "./cluster-stack";

type Pause = NonNullable<ReturnType<typeof pauseField>>;
type BucketStorage = Extract<BackupStorage, { type: "s3" }>;

interface Workload {
  kind: string;
  metadata: { name: string; ownerReferences?: unknown[] };
  spec?: {
    replicas?: number;
    minReplicas?: number;
    scaleTargetRef?: { kind: string; name: string };
  };
}

/** The deployed stack's values for the runbooks' variables, and what they look at. */
interface Target {
  namespace: string;
  delivery: Delivery;
  pause: Pause;
}

/** What the backup holds, written before it was taken. */
interface BackedUp {
  /** The reference service's rows (images/reference-service: POST /api/rows). */
  rows: string;
  /** The Redis key's value. */
  key: string;
}

/** The reference service's table (images/reference-service/data.go). */
const rowsTable = "toolboxai_reference_rows";
const redisKey = "e2e-restore";

/** What the runbooks' checks read from the cluster. */
interface Probes {
  readonly deployed: DeployedStack;
  readonly stores: DataStores;
  target(): Target;
  backedUp(): BackedUp;
  kubectl(args: readonly string[]): { code: number; output: string };
  items(args: readonly string[]): Workload[];
  pausedNow(): boolean;
  /** `Kind/name` → replicas of the platform's Deployments and StatefulSets. */
  replicas(): Map<string, number>;
  /** The pods nothing owns (the runbooks' helper pods). */
  barePods(): string[];
}

export function restoreRunbookChecks(deployed: DeployedStack): void {
  const kubectl = (args: readonly string[]) => deployed.cluster.controlPlane().kubectl(args);
  const items = (args: readonly string[]) =>
    deployed.cluster.controlPlane().json<{ items: Workload[] }>(args).items;
  const stores = dataStores(deployed.cluster.controlPlane, () => deployed.namespace);
  const { psql, redis } = stores;
  let known: Target | undefined;
  const target = () => {
    if (!known) throw new Error("not checked: the stack's namespace and delivery are unknown");
    return known;
  };
  let backup: BackedUp | undefined;
  const backedUp = () => {
    if (!backup) throw new Error("not checked: no backup was taken to restore");
    return backup;
  };

  test("restore runbooks: the stack's namespace and delivery are known", async () => {
    const stack = deployed.stack();
    const namespace = (await stack.getConfig("toolboxai:namespace")).value;
    const delivery = (await stack.outputs()).delivery?.value as Delivery;
    const pause = pauseField(delivery);
    if (!pause)
      throw new Error(`delivery ${JSON.stringify(delivery)}: nothing to pause, nothing to check`);
    known = { namespace, delivery, pause };
  });

  test("restore runbooks: a backup to restore: the rows and a Redis key, both backup jobs run by hand into the bucket", async () => {
    const rows = psql(`SELECT count(*) FROM ${rowsTable}`);
    expect(Number(rows)).toBeGreaterThan(0);
    const key = randomBytes(8).toString("hex");
    expect(redis("SET", redisKey, key)).toBe("OK");
    const { namespace } = target();
    const jobs = runbooks.map((runbook) => `${runbook.service}-backup`);
    expect(await runJobs(deployed.cluster, namespace, jobs, "restore")).toEqual([]);
    backup = { rows, key };
  });

  const pausedNow = () => {
    const { pause } = target();
    const value = kubectl([
      "get",
      pause.kind,
      pause.name,
      "--namespace",
      pause.namespace,
      "-o",
      `jsonpath=${pause.jsonPath}`,
    ]);
    if (value.code !== 0) throw new Error(`${pause.kind} ${pause.name}: ${value.output}`);
    return pause.paused(value.output.trim());
  };
  const replicas = () =>
    new Map(
      items(["get", "deployments,statefulsets", "--namespace", target().namespace]).map(
        (workload) => [`${workload.kind}/${workload.metadata.name}`, workload.spec?.replicas ?? 1],
      ),
    );
  const barePods = () =>
    items(["get", "pods", "--namespace", target().namespace])
      .filter((pod) => (pod.metadata.ownerReferences ?? []).length === 0)
      .map((pod) => pod.metadata.name);
  const probes: Probes = {
    deployed,
    stores,
    target,
    backedUp,
    kubectl,
    items,
    pausedNow,
    replicas,
    barePods,
  };
  for (const runbook of runbooks) runbookChecks(runbook, probes);
}

/** Damages one data store, and reads back what the backup holds of it. */
function dataOf(service: "postgres" | "redis", { psql, redis }: DataStores) {
  return service === "postgres"
    ? {
        what: `the rows of ${rowsTable}`,
        damaged: `the table ${rowsTable} dropped`,
        damage: () => psql(`DROP TABLE ${rowsTable}`),
        read: () => psql(`SELECT count(*) FROM ${rowsTable}`),
        expected: (backup: BackedUp) => backup.rows,
      }
    : {
        what: `the key ${redisKey}`,
        damaged: `the key ${redisKey} deleted`,
        damage: () => redis("DEL", redisKey),
        read: () => redis("GET", redisKey),
        expected: (backup: BackedUp) => backup.key,
      };
}

/** The checks of one runbook: the fetch and its run, then what the run shows. */
function runbookChecks(runbook: (typeof runbooks)[number], probes: Probes): void {
  const { deployed, target, backedUp, kubectl, items, pausedNow, replicas, barePods } = probes;
  const project = () => deployed.cluster.project();
  const data = dataOf(runbook.service, probes.stores);
  describe(`restore runbook ${runbook.name} (${runbookFile})`, () => {
    let block: RunbookBlock | undefined;
    let set: string | undefined;
    /** What `npm run bench` prints of the drill: seconds to fetch the set and to run the block. */
    const seconds = { fetch: 0, runbook: 0 };
    let records: Witnessed[] = [];
    let before = new Map<string, number>();
    let podsBefore: string[] = [];
    let finished = false;
    // The restore steps proper: those that act on the platform (through a pod, or the database's
    // restore through the forward), not the laptop's decryption of a set.
    const restoreSteps = () => records.filter((record) => record.acts === "platform");
    const stopped = () => (block ? runbook.stopped(block) : []);
    // Whatever happened, the next checks find the stack as deployed: delivery resumed, every
    // workload at its count; and nothing of the run stays in the project.
    afterAll(() => {
      if (before.size > 0) repair(kubectl, target(), before);
      for (const file of ["restore", "recovery.key", "access-key-id", "secret-access-key"]) {
        rmSync(path.join(project().dir, file), { recursive: true, force: true });
      }
    });

    test(`the newest ${runbook.service} set fetched from the bucket with the ${fetchRunbook} block, in the node's namespace`, () => {
      backedUp();
      const storage = validatedStackConfig(deployed.stackFile).backup?.storage;
      if (storage?.type !== "s3") throw new Error("not checked: the stack keeps no bucket");
      // The sets' names sort by time. A scheduled run may add one meanwhile: the set fetched is
      // the newest there was before the fetch, or a newer one.
      const sets = () =>
        deployed.cluster
          .bucket()
          .keys(storage.bucket, storage.prefix)
          .filter((key) => key.startsWith(`${storage.prefix}${runbook.service}-`))
          .filter((key) => key.endsWith(".age"));
      const newestBefore = sets().at(-1);
      if (!newestBefore) throw new Error(`no ${runbook.service} set in the bucket`);
      const fetchStarted = performance.now();
      set = fetchNewest(deployed, storage, runbook.service);
      seconds.fetch = Math.round((performance.now() - fetchStarted) / 100) / 10;
      const fetched = `${storage.prefix}${set}`;
      expect(sets()).toContain(fetched);
      if (fetched < newestBefore) {
        throw new Error(`fetched ${fetched}, older than the newest set ${newestBefore}`);
      }
    });

    test(`runs with bash against the node, every command for real, with ${data.damaged}`, () => {
      if (!set) throw new Error("not checked: no set was fetched");
      const doc = path.join(project().dir, runbookFile);
      block = extractRunbook(readFileSync(doc, "utf8"), runbookFile, runbook.name);
      expect(undeclaredVariables(block)).toEqual([]);
      if (pausedNow())
        throw new Error("delivery is paused before the runbook runs: nothing to judge");
      const expected = data.expected(backedUp());
      data.damage();
      expect(readOrError(data.read)).not.toBe(expected);
      before = replicas();
      podsBefore = barePods();
      const runStarted = performance.now();
      const run = runRunbook(deployed, block, target(), set);
      seconds.runbook = Math.round((performance.now() - runStarted) / 100) / 10;
      records = run.records;
      if (run.failure) throw new Error(run.failure);
      expect(restoreSteps().length).toBeGreaterThan(0);
      finished = true;
    });

    test(`${data.what}: back as in the backup`, () => {
      expect(finished).toBe(true);
      expect(data.read()).toBe(data.expected(backedUp()));
      process.stderr.write(
        `        ${runbook.service} restore drill: the set fetched in ${seconds.fetch} s, ` +
          `the runbook run in ${seconds.runbook} s, ${data.what} back\n`,
      );
      writeE2eFigures(`cluster-${deployed.stackFile}-restore-${runbook.service}`, {
        runbook: runbook.name,
        fetchSeconds: seconds.fetch,
        runbookSeconds: seconds.runbook,
        restored: data.what,
      });
    });

    test("delivery paused during every restore step, resumed after", () => {
      const { pause } = target();
      expect(restoreSteps().length).toBeGreaterThan(0);
      const unpaused = restoreSteps()
        .filter((record) => !pause.paused(record.state.get("paused") ?? ""))
        .map(
          (record) =>
            `not paused (${pause.jsonPath} = "${record.state.get("paused")}"): ${record.command}`,
        );
      expect(unpaused).toEqual([]);
      expect(finished).toBe(true);
      expect(pausedNow()).toBe(false);
    });

    test("the stopped workloads at 0 during every restore step; every workload back at its count (autoscaled: at least the HPA's minimum)", () => {
      expect(restoreSteps().length).toBeGreaterThan(0);
      expect(stopped().length).toBeGreaterThan(0);
      const { namespace } = target();
      const problems = restoreSteps().flatMap((record) =>
        stopped()
          .filter((workload) => record.state.get(workload) !== "0")
          .map(
            (workload) =>
              `${workload} at ${record.state.get(workload) ?? "?"} during: ${record.command}`,
          ),
      );
      const minimum = new Map(
        items(["get", "horizontalpodautoscalers", "--namespace", namespace]).map((hpa) => [
          `${hpa.spec!.scaleTargetRef!.kind}/${hpa.spec!.scaleTargetRef!.name}`,
          hpa.spec!.minReplicas ?? 1,
        ]),
      );
      const after = replicas();
      for (const [workload, count] of before) {
        const now = after.get(workload);
        const floor = minimum.get(workload);
        if (floor !== undefined ? (now ?? 0) < floor : now !== count) {
          problems.push(
            `${workload}: ${now ?? "gone"}, was ${count}` +
              (floor !== undefined ? ` (HPA minimum ${floor})` : ""),
          );
        }
      }
      problems.push(
        ...stopped()
          .filter((workload) => !before.has(workload))
          .map((workload) => `${workload} is not in ${namespace}`),
      );
      expect(problems).toEqual([]);
    });

    test("pulumi preview --refresh afterwards shows no changes", async () => {
      const policy = policyOf(project(), deployed.name);
      await engine(
        deployed.stack().preview({ refresh: true, expectNoChanges: true, ...policy, ...quiet }),
      );
    });

    test("nothing left behind (restore pods, port-forwards, files in restore/ but the fetched set)", () => {
      expect(restoreSteps().length).toBeGreaterThan(0);
      const problems = barePods()
        .filter((pod) => !podsBefore.includes(pod))
        .map((pod) => `pod ${pod} left in ${target().namespace}`);
      for (const record of records.filter((record) => record.command.includes(" port-forward "))) {
        if (isAlive(record.pid)) {
          problems.push(`the port-forward is still running (PID ${record.pid}): ${record.command}`);
          process.kill(record.pid);
        }
      }
      const restore = path.join(project().dir, "restore");
      const fetched = set ? [set, `${set}.sha256`, `${set}.json`] : [];
      const files = existsSync(restore) ? readdirSync(restore, { recursive: true }) : [];
      problems.push(
        ...files
          .map(String)
          .filter((file) => !fetched.includes(file))
          .map((file) => `restore/${file} left on disk`),
      );
      expect(problems).toEqual([]);
    });
  });
}

/**
 * The doc's block that copies a set out of the backups volume, run as written with the newest
 * PostgreSQL set the hand-run backup stored (a stack that keeps its backups on a volume).
 */
export function volumeFetchCheck(deployed: DeployedStack): void {
  test(`the ${volumeFetchRunbook} block (${runbookFile}) copies the newest PostgreSQL set out of the backups volume; its checksum holds, no pod left`, () => {
    const { dir } = deployed.cluster.project();
    const controlPlane = deployed.cluster.controlPlane();
    const { namespace } = deployed;
    const logs = controlPlane.kubectl([
      "logs",
      "-l",
      `job-name=postgres-backup-${handRunSuffix}`,
      "--namespace",
      namespace,
    ]).output;
    const set = /stored (postgres-\S+\.age) /.exec(logs)?.[1];
    if (!set) throw new Error(`not checked: no set stored by the hand-run backup:\n${logs}`);
    const doc = readFileSync(path.join(dir, runbookFile), "utf8");
    const block = extractRunbook(doc, runbookFile, volumeFetchRunbook);
    expect(undeclaredVariables(block)).toEqual([]);
    const script = renderRunbook(block, {
      NAMESPACE: namespace,
      SET: set,
      IMAGE: backupImage(deployed),
    });
    try {
      const run = spawnSync("bash", ["-c", `set -euxo pipefail\n${script}`], {
        cwd: dir,
        env: {
          ...process.env,
          PATH: `${path.dirname(controlPlane.kubectlPath)}:${process.env.PATH ?? ""}`,
          KUBECONFIG: controlPlane.kubeconfig,
        },
        encoding: "utf8",
        timeout: 10 * 60 * 1000,
      });
      if (run.status !== 0) {
        throw new Error(`the ${volumeFetchRunbook} block failed:\n${run.stdout}${run.stderr}`);
      }
      expect(listRestore(dir).sort()).toEqual([set, `${set}.json`, `${set}.sha256`]);
      const sum = spawnSync("sha256sum", ["--check", `${set}.sha256`], {
        cwd: path.join(dir, "restore"),
        encoding: "utf8",
      });
      expect(sum.stdout.trim()).toBe(`${set}: OK`);
      expect(
        controlPlane.kubectl(["get", "pod", "backup-shell", "--namespace", namespace]).code,
      ).not.toBe(0);
    } finally {
      rmSync(path.join(dir, "restore"), { recursive: true, force: true });
    }
  });
}

/** The backup tools' image as the stack deployed it: services.backup.image (the local one here). */
function backupImage(deployed: DeployedStack): string {
  const image = deployed.cluster
    .controlPlane()
    .kubectl([
      "get",
      "cronjob",
      "postgres-backup",
      "--namespace",
      deployed.namespace,
      "-o",
      "jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].image}",
    ]);
  if (image.code !== 0 || !image.output) throw new Error(`no backup image: ${image.output}`);
  return image.output;
}

/**
 * Runs the doc's fetch block in the node's namespace (where the bucket is), with the stack's
 * bucket settings, the stand-in's CA and credentials in files: the name of the set it fetched.
 */
function fetchNewest(deployed: DeployedStack, storage: BucketStorage, service: string): string {
  const { dir } = deployed.cluster.project();
  const bucket = deployed.cluster.bucket();
  // The stand-in checks no signature: any credentials do (tools/e2e/project.ts).
  for (const file of ["access-key-id", "secret-access-key"]) {
    writeFileSync(path.join(dir, file), `e2e-stand-in-${file}\n`, { mode: 0o600 });
  }
  const doc = readFileSync(path.join(dir, runbookFile), "utf8");
  const block = extractRunbook(doc, runbookFile, fetchRunbook);
  expect(undeclaredVariables(block)).toEqual([]);
  const script = renderRunbook(block, {
    SERVICE: service,
    ENDPOINT: bucket.endpoint,
    BUCKET: storage.bucket,
    REGION: storage.region,
    PREFIX: storage.prefix,
    CA_FILE: bucket.caFile,
    ACCESS_KEY_ID_FILE: "./access-key-id",
    SECRET_ACCESS_KEY_FILE: "./secret-access-key",
  });
  const before = new Set(listRestore(dir));
  const run = deployed.cluster
    .controlPlane()
    .inNode(["bash", "-c", `set -euxo pipefail\n${script}`], { cwd: dir, env: laptopEnv() });
  if (run.code !== 0) throw new Error(`the ${fetchRunbook} block failed:\n${run.output}`);
  const fetched = listRestore(dir).filter((file) => !before.has(file));
  const sets = fetched.filter((file) => file.startsWith(`${service}-`) && file.endsWith(".age"));
  expect(sets).toHaveLength(1);
  expect(fetched.sort()).toEqual([sets[0], `${sets[0]}.json`, `${sets[0]}.sha256`]);
  return sets[0];
}

/** What `read` returns, or its error's message. */
function readOrError(read: () => string): string {
  try {
    return read();
  } catch (error) {
    return (error as Error).message;
  }
}

const listRestore = (dir: string) => {
  const restore = path.join(dir, "restore");
  return existsSync(restore) ? readdirSync(restore) : [];
};

/**
 * The laptop's environment: its PATH with the image set's own PostgreSQL 16 and Redis 7.4 clients
 * first. The doc asks for clients as new as the servers, which Debian 12's are not (pg_restore 15
 * cannot read a PostgreSQL 16 dump, redis-server 7.0 a Redis 7.4 snapshot).
 */
function laptopEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const postgres = path.join(binariesOf("postgres"), "clients");
  return {
    ...process.env,
    ...extra,
    PATH: [
      ...(extra.PATH ? [extra.PATH] : []),
      path.join(postgres, "bin"),
      binariesOf("redis"),
      process.env.PATH ?? "",
    ].join(":"),
    LD_LIBRARY_PATH: path.join(postgres, "lib"),
  };
}

/**
 * Runs the block with bash in the scratch project, the witnesses first on PATH, the recovery key
 * where the doc has it: what they recorded, and bash's output when it failed.
 */
function runRunbook(deployed: DeployedStack, block: RunbookBlock, target: Target, set: string) {
  const { pause, namespace } = target;
  const project = deployed.cluster.project();
  const controlPlane = deployed.cluster.controlPlane();
  const work = mkdtempSync(path.join(project.work, "runbook-"));
  const log = path.join(work, "witnessed.log");
  writeFileSync(log, "");
  writeFileSync(
    path.join(project.dir, "recovery.key"),
    `${deployed.cluster.recoveryKey.identity}\n`,
    { mode: 0o600 },
  );
  const q = shellQuote;
  const probe =
    `printf 'paused='; "$RUNBOOK_KUBECTL" get ${pause.kind} ${q(pause.name)} --namespace ${q(pause.namespace)} ` +
    `-o ${q(`jsonpath=${pause.jsonPath}`)}; printf ' '; ` +
    `"$RUNBOOK_KUBECTL" get deployments,statefulsets --namespace ${q(namespace)} ` +
    `-o ${q("jsonpath={range .items[*]}{.kind}/{.metadata.name}={.spec.replicas} {end}")}`;
  // `policies/config/$STACK.json`, as the doc writes it: the stack's policy config under the
  // deployed stack's name, which the stack's init wrote (tests/e2e/local-cluster.ts).
  const script = renderRunbook(block, {
    NAMESPACE: namespace,
    STACK: deployed.name,
    DELIVERY: target.delivery.mode,
    DELIVERY_NAMESPACE: pause.namespace,
    DELIVERY_OBJECT: pause.name,
    SET: set,
    ...(block.variables.has("IMAGE") ? { IMAGE: backupImage(deployed) } : {}),
  });
  try {
    const run = spawnSync("bash", ["-c", `set -euxo pipefail\n${script}`], {
      cwd: project.dir,
      env: laptopEnv({
        ...deployed.stack().workspace.envVars,
        PATH: writeWitnesses(work),
        KUBECONFIG: controlPlane.kubeconfig,
        PULUMI_SKIP_CONFIRMATIONS: "true",
        RUNBOOK_KUBECTL: controlPlane.kubectlPath,
        RUNBOOK_LOG: log,
        RUNBOOK_PROBE: probe,
      }),
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 15 * 60 * 1000,
    });
    const records = parseWitnessLog(readFileSync(log, "utf8"));
    for (const record of records)
      process.stderr.write(`        ${record.acts}: ${record.command.slice(0, 110)}\n`);
    const failure =
      run.status === 0
        ? undefined
        : `bash exited ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`;
    return { records, failure };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Delivery resumed and every workload at `counts`, whatever the runbook left. */
function repair(
  kubectl: (args: readonly string[]) => unknown,
  { pause, namespace }: Target,
  counts: ReadonlyMap<string, number>,
): void {
  const resume =
    pause.kind === "stack"
      ? { spec: { preview: null } }
      : { spec: { syncPolicy: { automated: { enabled: true } } } };
  kubectl([
    "patch",
    pause.kind,
    pause.name,
    "--namespace",
    pause.namespace,
    "--type",
    "merge",
    "-p",
    JSON.stringify(resume),
  ]);
  for (const [workload, count] of counts) {
    kubectl(["scale", workload.toLowerCase(), `--replicas=${count}`, "--namespace", namespace]);
  }
}
