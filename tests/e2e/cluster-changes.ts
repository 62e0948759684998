// Changes to a deployed stack in the cluster phase: a new image tag rolls out in place under a
// steady load that loses no request, a second `up` changes nothing, and a privileged Deployment
// made by hand (exempted by name from the admission policies' rules it breaks on purpose,
// tools/e2e/node-stack.ts) gets its pods refused by Pod Security, and seen refused.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  disruptiveSteps,
  podSecurityProbes,
  refusedPods,
  updatedResources,
  type KubernetesObject,
  type Pod,
} from "../../tools/e2e/cluster-checks";
import { eventually } from "../../tools/e2e/control-plane";
import { waitFor } from "../../tools/e2e/http";
import { podSecurityProbeName } from "../../tools/e2e/node-stack";
import { serviceUrl } from "../../tools/e2e/services";
import { startSteadyLoad, type LoadReport } from "../../tools/e2e/steady-load";
import { writeE2eFigures } from "../../tools/e2e/start-up";
import { policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import type { DeployedStack } from "./cluster-stack";

const tag = "e2e-update";

/**
 * Requests a second through the gateway during the rollout: under its rate limit for one client
 * (components/app/gateway.ts: 10 a second, all of the load comes from the node's address).
 */
const loadRate = 8;

/** The steps a preview plans, as `pulumi preview --json` lists them. */
function planSteps() {
  const steps: { op: string; urn: string }[] = [];
  const onEvent = (event: EngineEvent) => {
    const planned = event.resourcePreEvent?.metadata;
    if (planned) steps.push({ op: planned.op, urn: planned.urn });
  };
  return { steps, onEvent };
}

export function clusterChangeChecks(deployed: DeployedStack): void {
  const json = <T>(args: readonly string[]) => deployed.cluster.controlPlane().json<T>(args);
  const inNamespace = () => ["--namespace", deployed.namespace];
  const backend = () => json<KubernetesObject>(["get", "deployment", "backend", ...inNamespace()]);
  const refusals = () =>
    refusedPods(
      json(["get", "events", ...inNamespace()]),
      json(["get", "replicasets", ...inNamespace()]),
    );

  test("an image tag change is an in-place update, and rolls out with zero downtime: a steady load through the gateway sees no failed request", async () => {
    const stack = deployed.stack();
    const controlPlane = deployed.cluster.controlPlane();
    const { uid } = backend().metadata;
    const replicas = backend().spec?.replicas ?? 1;
    // The node pulls nothing: the new tag names the image it runs now, imported a second time.
    const running = String(backend().spec?.template?.spec.containers[0]?.image);
    controlPlane.tagImage(running, `${running.slice(0, running.lastIndexOf(":"))}:${tag}`);
    await stack.setConfig("toolboxai:services.backend.image.tag", { value: tag }, true);
    const plan = planSteps();
    await engine(stack.preview({ ...quiet, onEvent: plan.onEvent }));
    expect(disruptiveSteps(plan)).toEqual([]);
    expect(updatedResources(plan)).toContain("kubernetes:apps/v1:Deployment backend");

    const gateway = serviceUrl(controlPlane, [deployed.namespace], "gateway");
    const load = await startSteadyLoad(controlPlane, `${gateway}/api/status`, loadRate);
    const started = performance.now();
    let report: LoadReport;
    try {
      await engine(stack.up({ ...policyOf(deployed.cluster.project(), deployed.name), ...quiet }));
      // Until the last old pod is gone: its drain, too, must lose no request.
      await waitFor(180, "the backend's old pods gone", () => {
        const pods = json<{ items: Pod[] }>([
          "get",
          "pods",
          ...inNamespace(),
          "-l",
          "app.kubernetes.io/name=backend",
        ]).items;
        const current = pods.filter(
          (pod) =>
            !pod.metadata.deletionTimestamp &&
            String(pod.spec.containers[0]?.image).endsWith(`:${tag}`),
        );
        return pods.length === replicas && current.length === replicas ? true : undefined;
      });
    } finally {
      report = await load.stop();
    }
    const rolloutSeconds = Math.round((performance.now() - started) / 1000);
    writeE2eFigures(`cluster-${deployed.stackFile}-rollout`, {
      workload: "backend",
      replicas,
      rate: loadRate,
      rolloutSeconds,
      ...report,
    });
    process.stderr.write(
      `        rollout of backend (${replicas} replicas) in ${rolloutSeconds} s under ` +
        `${loadRate} requests/s through the gateway: ${report.requests} requests, ` +
        `${report.failures.length} failed; p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms, ` +
        `max ${report.maxMs} ms\n`,
    );
    const live = backend();
    expect(live.metadata.uid).toBe(uid);
    expect(live.spec?.template?.spec.containers[0]?.image).toMatch(new RegExp(`:${tag}$`));
    expect(report.failures).toEqual([]);
    expect(report.requests).toBeGreaterThanOrEqual(loadRate * 10);
    // The rollout's new ReplicaSet was admitted (the quota's surge headroom) and nothing refused.
    expect(refusals()).toEqual([]);
  });

  test("a second pulumi up changes nothing", async () => {
    await engine(deployed.stack().up({ expectNoChanges: true, ...quiet }));
  });

  // The refusal check is not blind: a Deployment (applied here with kubectl, deleted after) whose
  // pod is the program's made privileged gets its pods refused, and refusedPods reports them.
  test("a privileged Deployment's pods are refused by Pod Security, and reported", async () => {
    const { kubectl } = deployed.cluster.controlPlane();
    const template = backend().spec?.template;
    if (!template) throw new Error("no backend Deployment to take a pod template from");
    const { privileged } = podSecurityProbes(template, deployed.namespace);
    const labels = { "app.kubernetes.io/name": podSecurityProbeName };
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: podSecurityProbeName, namespace: deployed.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: privileged.spec },
      },
    };
    expect(kubectl(["create", "-f", "-"], JSON.stringify(deployment))).toMatchObject({ code: 0 });
    try {
      const unseen = await eventually(60, () => {
        const seen = refusals().filter((line) => line.includes(podSecurityProbeName));
        return seen.some((line) => line.includes('violates PodSecurity "restricted'))
          ? []
          : [`not reported as refused by Pod Security: ${seen.join("\n") || "no refusal"}`];
      });
      expect(unseen).toEqual([]);
    } finally {
      kubectl(["delete", "deployment", podSecurityProbeName, ...inNamespace(), "--wait=false"]);
    }
  });
}
