// The restore runbooks of docs/DISASTER_RECOVERY.md, run as written against the deployed stack
// (tools/e2e/restore.ts extracts them and writes the stand-ins for the node-bound steps). The checks
// judge the run: delivery paused at every stood-in step and resumed after, every workload back at
// its count, no drift left, nothing left behind.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  extractRunbook,
  nodeBound,
  parseStandInLog,
  pauseField,
  renderRunbook,
  runbookFile,
  runbooks,
  shellQuote,
  undeclaredVariables,
  writeStandIns,
  type Delivery,
  type RunbookBlock,
  type StoodIn,
} from "../../tools/e2e/restore";
import { isAlive, policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import type { DeployedStack } from "./cluster-stack";

type Pause = NonNullable<ReturnType<typeof pauseField>>;

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

/** What the runbooks' checks read from the cluster. */
interface Probes {
  readonly deployed: DeployedStack;
  target(): Target;
  kubectl(args: readonly string[]): unknown;
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
  let known: Target | undefined;
  const target = () => {
    if (!known) throw new Error("not checked: the stack's namespace and delivery are unknown");
    return known;
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
  const probes: Probes = { deployed, target, kubectl, items, pausedNow, replicas, barePods };
  for (const runbook of runbooks) runbookChecks(runbook, probes);
}

/** The checks of one runbook: its run, then what the run shows. */
function runbookChecks(runbook: (typeof runbooks)[number], probes: Probes): void {
  const { deployed, target, kubectl, items, pausedNow, replicas, barePods } = probes;
  describe(`restore runbook ${runbook.name} (${runbookFile})`, () => {
    let block: RunbookBlock | undefined;
    let records: StoodIn[] = [];
    let before = new Map<string, number>();
    let podsBefore: string[] = [];
    let finished = false;
    // The restore steps proper: those that act on the platform (a node-bound kubectl, the
    // database restore through the forward), not the laptop's decryption of a set.
    const restoreSteps = () => records.filter((record) => record.outcome === nodeBound);
    const stopped = () => (block ? runbook.stopped(block) : []);
    // Whatever happened, the next checks find the stack as deployed: delivery resumed, every
    // workload at its count.
    afterAll(() => {
      if (before.size > 0) repair(kubectl, target(), before);
      rmSync(path.join(deployed.cluster.project().dir, "restore"), {
        recursive: true,
        force: true,
      });
    });

    test("runs with bash against the API server, node-bound steps stood in", () => {
      const doc = path.join(deployed.cluster.project().dir, runbookFile);
      block = extractRunbook(readFileSync(doc, "utf8"), runbookFile, runbook.name);
      expect(undeclaredVariables(block)).toEqual([]);
      if (pausedNow())
        throw new Error("delivery is paused before the runbook runs: nothing to judge");
      before = replicas();
      podsBefore = barePods();
      const run = runRunbook(deployed, block, target());
      records = run.records;
      if (run.failure) throw new Error(run.failure);
      const failed = records.filter((record) => !record.outcome.startsWith("not run"));
      expect(failed.map((record) => record.outcome)).toEqual([]);
      expect(records.length).toBeGreaterThan(0);
      finished = true;
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
      const policy = policyOf(deployed.cluster.project(), deployed.name);
      await engine(
        deployed.stack().preview({ refresh: true, expectNoChanges: true, ...policy, ...quiet }),
      );
    });

    test("nothing left behind (restore pods, port-forwards, files in restore/)", () => {
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
      const restore = path.join(deployed.cluster.project().dir, "restore");
      const files = existsSync(restore) ? readdirSync(restore, { recursive: true }) : [];
      problems.push(...files.map((file) => `restore/${String(file)} left on disk`));
      expect(problems).toEqual([]);
    });
  });
}

/**
 * Runs the block with bash in the scratch project, the stand-ins first on PATH: what they
 * recorded, and bash's output when it failed.
 */
function runRunbook(deployed: DeployedStack, block: RunbookBlock, target: Target) {
  const { pause, namespace } = target;
  const project = deployed.cluster.project();
  const controlPlane = deployed.cluster.controlPlane();
  const work = mkdtempSync(path.join(project.work, "runbook-"));
  const log = path.join(work, "stood-in.log");
  writeFileSync(log, "");
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
  });
  try {
    const run = spawnSync("bash", ["-c", `set -euxo pipefail\n${script}`], {
      cwd: project.dir,
      env: {
        ...process.env,
        ...deployed.stack().workspace.envVars,
        PATH: `${writeStandIns(work)}:${process.env.PATH ?? ""}`,
        KUBECONFIG: controlPlane.kubeconfig,
        PULUMI_SKIP_CONFIRMATIONS: "true",
        RUNBOOK_KUBECTL: controlPlane.kubectlPath,
        RUNBOOK_LOG: log,
        RUNBOOK_PROBE: probe,
      },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 15 * 60 * 1000,
    });
    const records = parseStandInLog(readFileSync(log, "utf8"));
    for (const record of records)
      process.stderr.write(`        ${record.outcome}: ${record.command.slice(0, 110)}\n`);
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
