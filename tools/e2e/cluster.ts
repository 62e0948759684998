// The cluster phase of `npm run e2e`: `pulumi up` into a real kube-apiserver with
// kube-controller-manager (scripts/control-plane.sh, loopback only, no kubelet), then checks
// through the API that the cluster accepted the stack as declared. Pods are admitted and stay
// Pending: probes, images and networking are not exercised here.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import {
  controllerShortfalls,
  jobsWithoutPods,
  declaredObjects,
  disruptiveSteps,
  notServerSideApplied,
  podSecurityProbes,
  refusedPods,
  grantedRules,
  normalizedRule,
  rightsBeyond,
  rulesOf,
  updatedResources,
  type DeclaredObject,
  type KubernetesObject,
  type Pod,
} from "./cluster-checks";
import { kubernetesFormConfig } from "../engine/stack-config";
import { isAlive, standInBucketCredentials, type Harness, type Result } from "./harness";
import { runRestoreRunbooks } from "./restore";

const controlPlaneScript = (root: string) => path.join(root, "scripts", "control-plane.sh");

export interface ControlPlane {
  /** The admin kubeconfig (context "local"). */
  readonly kubeconfig: string;
  readonly startSeconds: number;
  kubectl(args: readonly string[], input?: string): Result;
  /** Stops what `start` ran; returns the processes still alive afterwards (none, normally). */
  stop(): string[];
}

/** The folder of the built control plane, or undefined when `control-plane.sh build` has not run. */
export function controlPlaneBin(root: string): string | undefined {
  const bin = spawnSync("bash", [controlPlaneScript(root), "bin"], { encoding: "utf8" });
  return bin.status === 0 ? bin.stdout.trim() : undefined;
}

/** Starts etcd, kube-apiserver and kube-controller-manager with their files under `dir`. */
export function startControlPlane(root: string, bin: string, dir: string): ControlPlane {
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const start = spawnSync("bash", [controlPlaneScript(root), "start", dir, "--kcm"], {
    encoding: "utf8",
  });
  const stop = () => {
    const run = path.join(dir, "run");
    const started = existsSync(run)
      ? readdirSync(run)
          .filter((file) => file.endsWith(".pid"))
          .map((file) => ({
            name: file.replace(/\.pid$/, ""),
            pid: Number(readFileSync(path.join(run, file), "utf8")),
          }))
      : [];
    spawnSync("bash", [controlPlaneScript(root), "stop", dir], { stdio: "ignore" });
    return started.filter(({ pid }) => isAlive(pid)).map(({ name, pid }) => `${name} (${pid})`);
  };
  if (start.status !== 0) {
    stop();
    throw new Error(`the control plane did not start:\n${start.stdout}${start.stderr}`);
  }
  const kubeconfig = path.join(dir, "admin.kubeconfig");
  // kubectl diff writes both sides of each object (Secrets too) into TMPDIR: keep them in `dir`.
  const tmp = path.join(dir, "tmp");
  mkdirSync(tmp);
  const env = { ...process.env, KUBECONFIG: kubeconfig, TMPDIR: tmp };
  return {
    kubeconfig,
    startSeconds: (performance.now() - started) / 1000,
    kubectl(args, input) {
      const result = spawnSync(path.join(bin, "kubectl"), args, {
        env,
        input,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
    },
    stop,
  };
}

function sleep(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** Polls `probe` until it returns no problems or `seconds` pass; returns the last problems. */
function eventually(seconds: number, probe: () => string[]): string[] {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const problems = probe();
    if (problems.length === 0 || performance.now() > deadline) return problems;
    sleep(2);
  }
}

export interface ClusterPhaseOptions {
  readonly harness: Harness;
  readonly controlPlane: ControlPlane;
  /** The scratch copy of the project. */
  readonly project: string;
  /** Where the stack files are read from (the repository). */
  readonly root: string;
  /** The environment the harness runs pulumi with: the restore runbooks run pulumi too. */
  readonly env?: NodeJS.ProcessEnv;
}

/** `kubectl <args> -o json`, parsed; throws with kubectl's output when it fails. */
export function kubectlJson<T>(controlPlane: ControlPlane, args: readonly string[]): T {
  const result = controlPlane.kubectl([...args, "-o", "json"]);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.output}`);
  return JSON.parse(result.output) as T;
}

/** Config of a stack deployed into the local API server: Kubernetes form, no readiness waits. */
export const localClusterConfig: readonly (readonly [string, string])[] = [
  ...Object.entries(kubernetesFormConfig),
  ["toolboxai:kubernetesContext", "local"],
  ["toolboxai:skipAwait", "true"],
];

/** The cluster phase for one stack file; its Pulumi stack is `cluster-<stack>`. */
export function runClusterPhase(stack: string, options: ClusterPhaseOptions): void {
  const { harness, controlPlane, project, root } = options;
  const { check, expectExit, policyArgs } = harness;
  const name = `cluster-${stack}`;
  const pulumi = (...args: string[]) => harness.pulumi(name, ...args);
  const kubectl = (args: readonly string[], input?: string) => controlPlane.kubectl(args, input);
  const json = <T>(args: readonly string[]): T => kubectlJson<T>(controlPlane, args);
  let declared: DeclaredObject[] = [];
  let namespace = "";
  const ns = () => ["--namespace", namespace];
  const stackNamespaces = () =>
    declared
      .filter((object) => object.manifest.kind === "Namespace")
      .map((object) => object.manifest.metadata.name);

  copyFileSync(path.join(root, `Pulumi.${stack}.yaml`), path.join(project, `Pulumi.${name}.yaml`));
  const initialised = check(name, "stack init for the local API server, skipAwait on", () => {
    const init = pulumi("stack", "init");
    if (init.code !== 0) return expectExit(init, 0);
    for (const [key, value] of localClusterConfig) {
      const set = pulumi("config", "set", key, value);
      if (set.code !== 0) return expectExit(set, 0);
    }
    return standInBucketCredentials(harness, name);
  });
  if (!initialised) return;

  const applied = check(
    name,
    "pulumi up applies the stack server-side, no Pod Security warning",
    () => {
      const up = pulumi("up", "--yes", ...policyArgs(stack));
      if (up.code !== 0) return expectExit(up, 0);
      const exported = pulumi("stack", "export", "--show-secrets");
      if (exported.code !== 0) return expectExit(exported, 0);
      declared = declaredObjects(exported.output);
      // The platform's namespace: the backend's (the stack's others hold its monitoring tier).
      namespace =
        declared.find(
          (object) =>
            object.manifest.kind === "Deployment" && object.manifest.metadata.name === "backend",
        )?.manifest.metadata.namespace ?? "";
      if (namespace === "") return "the stack declares no backend Deployment";
      const warnings = up.output
        .split("\n")
        .filter((line) => line.includes("would violate PodSecurity"));
      return warnings.length > 0 ? warnings.join("\n") : undefined;
    },
  );
  if (applied) {
    check(
      name,
      `every object exists as declared (${declared.length}, kubectl diff as Pulumi's field manager)`,
      () => {
        const problems: string[] = [];
        for (const object of declared) {
          const diff = kubectl(
            ["diff", "--server-side", `--field-manager=${object.fieldManager}`, "-f", "-"],
            JSON.stringify(object.manifest),
          );
          if (diff.code !== 0) {
            problems.push(
              `${object.label}: ${diff.code === 1 ? "differs" : "diff failed"}:\n${diff.output}`,
            );
            continue;
          }
          const { kind, metadata } = object.manifest;
          const group = object.manifest.apiVersion.includes("/")
            ? `.${object.manifest.apiVersion.split("/")[0]}`
            : "";
          const live = json<KubernetesObject>([
            "get",
            `${kind.toLowerCase()}${group}`,
            metadata.name,
            ...(metadata.namespace ? ["--namespace", metadata.namespace] : []),
            "--show-managed-fields",
          ]);
          const notApplied = notServerSideApplied(object, live);
          if (notApplied) problems.push(notApplied);
        }
        if (declared.length === 0) return "no Kubernetes object in the state: nothing checked";
        return problems.length > 0 ? problems.join("\n") : undefined;
      },
    );

    check(
      name,
      "every controller created its pods in every namespace, none refused by Pod Security, quota or LimitRange",
      () => {
        // Without nodes a DaemonSet (node-exporter) schedules no pod: only Deployments and
        // StatefulSets are counted.
        const problems: string[] = [];
        for (const target of stackNamespaces()) {
          const inTarget = ["--namespace", target];
          const shortfalls = eventually(90, () =>
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
        const pods = json<{ items: KubernetesObject[] }>(["get", "pods", "--all-namespaces"]).items;
        if (pods.length === 0) problems.push("no pod in any namespace");
        return problems.length > 0 ? problems.join("\n") : undefined;
      },
    );

    check(
      name,
      "a run of every CronJob (the backups) creates its pod, none refused by Pod Security, quota or LimitRange",
      () => {
        // No time passes for a schedule here: each CronJob is run by hand, as an operator would.
        const problems: string[] = [];
        let cronJobCount = 0;
        for (const target of stackNamespaces()) {
          const inTarget = ["--namespace", target];
          const cronJobs = json<{ items: KubernetesObject[] }>([
            "get",
            "cronjobs",
            ...inTarget,
          ]).items.map((cronJob) => cronJob.metadata.name);
          cronJobCount += cronJobs.length;
          const jobs = cronJobs.map((cronJob) => `${cronJob}-e2e`);
          cronJobs.forEach((cronJob, index) => {
            const run = kubectl([
              "create",
              "job",
              jobs[index],
              `--from=cronjob/${cronJob}`,
              ...inTarget,
            ]);
            if (run.code !== 0)
              problems.push(`${target}: cannot run CronJob ${cronJob}: ${run.output}`);
          });
          const missing = eventually(90, () =>
            jobsWithoutPods(jobs, json(["get", "pods", ...inTarget])),
          );
          const refusals = refusedPods(json(["get", "events", ...inTarget]), { items: [] });
          problems.push(...[...missing, ...refusals].map((problem) => `${target}: ${problem}`));
        }
        if (cronJobCount === 0) problems.push("no CronJob in any namespace: nothing was checked");
        return problems.length > 0 ? problems.join("\n") : undefined;
      },
    );

    check(
      name,
      'Pod Security "restricted" is enforced: the program\'s pod is admitted, a privileged one refused',
      () => {
        const labels =
          json<KubernetesObject>(["get", "namespace", namespace]).metadata.labels ?? {};
        if (labels["pod-security.kubernetes.io/enforce"] !== "restricted") {
          return `namespace ${namespace} does not enforce restricted: ${JSON.stringify(labels)}`;
        }
        const deployment = json<{ items: KubernetesObject[] }>(["get", "deployments", ...ns()])
          .items[0];
        const template = deployment?.spec?.template;
        if (!template) return "no Deployment to take a pod template from";
        const probes = podSecurityProbes(template, namespace);
        const create = (pod: Pod) =>
          kubectl(["create", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
        const compliant = create(probes.compliant);
        if (compliant.code !== 0) {
          return `the pod of Deployment ${deployment!.metadata.name} was refused:\n${compliant.output}`;
        }
        const privileged = create(probes.privileged);
        if (privileged.code === 0) return "a privileged pod running as root was admitted";
        return privileged.output.includes('violates PodSecurity "restricted')
          ? undefined
          : `the privileged pod was refused, but not by Pod Security:\n${privileged.output}`;
      },
    );

    check(
      name,
      "each ServiceAccount has exactly the rights the program grants it, in every namespace",
      () => {
        const namespaces = stackNamespaces();
        const serviceAccounts = declared
          .filter((object) => object.manifest.kind === "ServiceAccount")
          .map((object) => ({
            namespace: object.manifest.metadata.namespace!,
            name: object.manifest.metadata.name,
          }));
        if (serviceAccounts.length === 0)
          return "the stack declares no ServiceAccount: nothing checked";
        const canI = (identity: string, target: string) => {
          const result = kubectl([
            "auth",
            "can-i",
            "--list",
            "--namespace",
            target,
            `--as=${identity}`,
          ]);
          if (result.code !== 0) throw new Error(`kubectl auth can-i: ${result.output}`);
          return rulesOf(result.output).map(normalizedRule);
        };
        const problems: string[] = [];
        let granted = 0;
        for (const target of namespaces) {
          // An identity nothing is bound to: what every ServiceAccount may do anyway.
          const baseline = canI(
            `system:serviceaccount:${target}:e2e-unbound-${process.pid}`,
            target,
          );
          for (const account of [
            ...serviceAccounts,
            ...namespaces.map((namespace) => ({ namespace, name: "default" })),
          ]) {
            const identity = `system:serviceaccount:${account.namespace}:${account.name}`;
            const rights = rightsBeyond(baseline, canI(identity, target));
            const expected = grantedRules(declared, account, target);
            granted += expected.length;
            for (const rule of rights.filter((right) => !expected.includes(right))) {
              problems.push(`${account.namespace}/${account.name} in ${target}: ungranted ${rule}`);
            }
            for (const rule of expected.filter((grant) => !rights.includes(grant))) {
              problems.push(
                `${account.namespace}/${account.name} in ${target}: granted but missing ${rule}`,
              );
            }
          }
        }
        if (granted === 0) problems.push("no grant found: the API readers' Roles were not checked");
        // And what nobody may do anywhere: read Secrets, start or change workloads.
        for (const account of serviceAccounts) {
          for (const [verb, resource] of [
            ["get", "secrets"],
            ["create", "pods"],
            ["delete", "pods"],
            ["patch", "deployments.apps"],
          ]) {
            const answer = kubectl([
              "auth",
              "can-i",
              verb,
              resource,
              "--all-namespaces",
              `--as=system:serviceaccount:${account.namespace}:${account.name}`,
            ]);
            if (answer.output.trim() !== "no") {
              problems.push(`${account.namespace}/${account.name} can ${verb} ${resource}`);
            }
          }
        }
        return problems.length > 0 ? problems.join("\n") : undefined;
      },
    );

    // The restore runbooks of docs/DISASTER_RECOVERY.md, run as written (tools/e2e/restore.ts).
    if (stack === "production") runRestoreRunbooks({ ...options, stack: name, configStack: stack });
    checkUpdateInPlace();
    checkRefusalsAreSeen();
  }

  check(name, "pulumi destroy removes the namespace and every cluster-wide object", () => {
    const protectedData = pulumi("config", "get", "toolboxai:protectData");
    if (protectedData.code !== 0 || protectedData.output.trim() !== "false") {
      const lifted = pulumi("config", "set", "toolboxai:protectData", "false");
      if (lifted.code !== 0) return expectExit(lifted, 0);
      const up = pulumi("up", "--yes");
      if (up.code !== 0) return expectExit(up, 0);
    }
    const destroyed = pulumi("destroy", "--yes");
    if (destroyed.code !== 0) return expectExit(destroyed, 0);
    const left = declared
      .filter(
        (object) => object.manifest.kind === "Namespace" || !object.manifest.metadata.namespace,
      )
      .filter((object) => {
        const { kind, metadata } = object.manifest;
        return kubectl(["get", kind.toLowerCase(), metadata.name]).code === 0;
      })
      .map((object) => object.label);
    if (left.length > 0) return `still in the cluster: ${left.join(", ")}`;
    return expectExit(pulumi("stack", "rm", "--yes"), 0);
  });

  /** A new image tag for the backend: an in-place rollout, then a second `up` changes nothing. */
  function checkUpdateInPlace(): void {
    let uid: string | undefined;
    const tag = "e2e-update";
    const updated = check(name, "an image tag change is an in-place update, and rolls out", () => {
      uid = json<KubernetesObject>(["get", "deployment", "backend", ...ns()]).metadata.uid;
      const set = pulumi("config", "set", "--path", "toolboxai:services.backend.image.tag", tag);
      if (set.code !== 0) return expectExit(set, 0);
      const preview = pulumi("preview", "--json");
      if (preview.code !== 0) return expectExit(preview, 0);
      const plan = JSON.parse(preview.output) as Parameters<typeof disruptiveSteps>[0];
      const disruptive = disruptiveSteps(plan);
      if (disruptive.length > 0) return `not in place:\n${disruptive.join("\n")}`;
      if (!updatedResources(plan).includes("kubernetes:apps/v1:Deployment backend")) {
        return `the backend Deployment is not updated: ${updatedResources(plan).join(", ")}`;
      }
      const up = pulumi("up", "--yes", ...policyArgs(stack));
      if (up.code !== 0) return expectExit(up, 0);
      const live = json<KubernetesObject>(["get", "deployment", "backend", ...ns()]);
      if (live.metadata.uid !== uid) return "the backend Deployment was replaced (new uid)";
      const image = live.spec?.template?.spec.containers[0]?.image ?? "";
      if (!image.endsWith(`:${tag}`)) return `the live image is ${image}`;
      // The rollout's new ReplicaSet must be admitted too (the quota's surge headroom).
      const problems = eventually(60, () => {
        const replicaSets = json<{ items: KubernetesObject[] }>(["get", "replicasets", ...ns()]);
        const rolledOut = replicaSets.items.some(
          (replicaSet) =>
            replicaSet.metadata.ownerReferences?.some((owner) => owner.name === "backend") &&
            String(replicaSet.spec?.template?.spec?.containers?.[0]?.image).endsWith(`:${tag}`) &&
            (replicaSet.status?.replicas ?? 0) > 0,
        );
        return rolledOut ? [] : ["no pod of the new ReplicaSet of backend created"];
      });
      const refusals = refusedPods(
        json(["get", "events", ...ns()]),
        json(["get", "replicasets", ...ns()]),
      );
      return [...problems, ...refusals].join("\n") || undefined;
    });
    if (updated) {
      check(name, "a second pulumi up changes nothing", () =>
        expectExit(pulumi("up", "--yes", "--expect-no-changes"), 0),
      );
    }
  }

  /**
   * The refusal check is not blind: a Deployment (applied here with kubectl, deleted after) whose
   * pod is the program's made privileged gets its pods refused, and refusedPods reports them.
   */
  function checkRefusalsAreSeen(): void {
    check(name, "a privileged Deployment's pods are refused by Pod Security, and reported", () => {
      const template = json<KubernetesObject>(["get", "deployment", "backend", ...ns()]).spec
        ?.template;
      if (!template) return "no backend Deployment to take a pod template from";
      const { privileged } = podSecurityProbes(template, namespace);
      const labels = { "app.kubernetes.io/name": "e2e-privileged" };
      const deployment = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "e2e-privileged", namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: privileged.spec },
        },
      };
      const created = kubectl(["create", "-f", "-"], JSON.stringify(deployment));
      if (created.code !== 0) return expectExit(created, 0);
      try {
        const seen = eventually(60, () => {
          const refusals = refusedPods(
            json(["get", "events", ...ns()]),
            json(["get", "replicasets", ...ns()]),
          ).filter((line) => line.includes("e2e-privileged"));
          return refusals.some((line) => line.includes('violates PodSecurity "restricted'))
            ? []
            : [`not reported as refused by Pod Security: ${refusals.join("\n") || "no refusal"}`];
        });
        return seen.length > 0 ? seen.join("\n") : undefined;
      } finally {
        kubectl(["delete", "deployment", "e2e-privileged", ...ns(), "--wait=false"]);
      }
    });
  }
}
