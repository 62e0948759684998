// Changes to a deployed stack in the cluster phase: a new image tag rolls out in place, a second
// `up` changes nothing, and a privileged Deployment made by hand is refused and seen refused.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import {
  disruptiveSteps,
  podSecurityProbes,
  refusedPods,
  updatedResources,
  type KubernetesObject,
} from "../../tools/e2e/cluster-checks";
import { eventually } from "../../tools/e2e/control-plane";
import { policyOf } from "../../tools/e2e/project";
import { engine, quiet } from "../../tools/e2e/engine-output";
import type { DeployedStack } from "./cluster-stack";

const tag = "e2e-update";

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

  test("an image tag change is an in-place update, and rolls out", async () => {
    const stack = deployed.stack();
    const { uid } = backend().metadata;
    // The node pulls nothing: the new tag names the image it runs now, imported a second time.
    const running = String(backend().spec?.template?.spec.containers[0]?.image);
    deployed.cluster
      .controlPlane()
      .tagImage(running, `${running.slice(0, running.lastIndexOf(":"))}:${tag}`);
    await stack.setConfig("toolboxai:services.backend.image.tag", { value: tag }, true);
    const plan = planSteps();
    await engine(stack.preview({ ...quiet, onEvent: plan.onEvent }));
    expect(disruptiveSteps(plan)).toEqual([]);
    expect(updatedResources(plan)).toContain("kubernetes:apps/v1:Deployment backend");
    await engine(stack.up({ ...policyOf(deployed.cluster.project(), deployed.name), ...quiet }));
    const live = backend();
    expect(live.metadata.uid).toBe(uid);
    expect(live.spec?.template?.spec.containers[0]?.image).toMatch(new RegExp(`:${tag}$`));
    // The rollout's new ReplicaSet must be admitted too (the quota's surge headroom).
    const notRolledOut = await eventually(60, () => {
      const { items } = json<{ items: KubernetesObject[] }>([
        "get",
        "replicasets",
        ...inNamespace(),
      ]);
      const rolledOut = items.some(
        (replicaSet) =>
          replicaSet.metadata.ownerReferences?.some((owner) => owner.name === "backend") &&
          String(replicaSet.spec?.template?.spec?.containers?.[0]?.image).endsWith(`:${tag}`) &&
          (replicaSet.status?.replicas ?? 0) > 0,
      );
      return rolledOut ? [] : ["no pod of the new ReplicaSet of backend created"];
    });
    expect([...notRolledOut, ...refusals()]).toEqual([]);
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
    const labels = { "app.kubernetes.io/name": "e2e-privileged" };
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "e2e-privileged", namespace: deployed.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: privileged.spec },
      },
    };
    expect(kubectl(["create", "-f", "-"], JSON.stringify(deployment))).toMatchObject({ code: 0 });
    try {
      const unseen = await eventually(60, () => {
        const seen = refusals().filter((line) => line.includes("e2e-privileged"));
        return seen.some((line) => line.includes('violates PodSecurity "restricted'))
          ? []
          : [`not reported as refused by Pod Security: ${seen.join("\n") || "no refusal"}`];
      });
      expect(unseen).toEqual([]);
    } finally {
      kubectl(["delete", "deployment", "e2e-privileged", ...inNamespace(), "--wait=false"]);
    }
  });
}
