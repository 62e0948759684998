// NetworkPolicy coverage: default-deny, netpol-per-pod and netpol-not-dangling.
import { defaultDeny, netpolNotDangling, netpolPerPod } from "../../../policies/network/coverage";
import { clone, compliantDeployment, messagesOf } from "../support";
import { find } from "../fixtures/availability";
import { defaultDenyPolicy, networkPolicy, stack, zone } from "../fixtures/network";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

const without = (objects: any[], kind: string, name: string) =>
  objects.filter((object) => !(object.kind === kind && object.metadata?.name === name));
const denyMessage =
  "has pods but no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, " +
  "no rules)";

/** A CronJob running the API's pod template. */
function cronJobOf(deployment: any, name = "nightly"): any {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: deployment.metadata.namespace },
    spec: {
      schedule: "0 3 * * *",
      jobTemplate: { spec: { template: clone(deployment.spec.template) } },
    },
  };
}

describe("default-deny", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(defaultDeny, stack())).toEqual([]);
  });
  test("a namespace without the default deny is reported on its Namespace", async () => {
    expect(
      await messagesOf(defaultDeny, without(stack(), "NetworkPolicy", "default-deny")),
    ).toEqual([`Namespace toolboxai: ${denyMessage}`]);
  });
  test("a deny that allows something, covers one direction, or lives elsewhere does not count", async () => {
    for (const mutate of [
      (spec: any) => (spec.ingress = [{}]),
      (spec: any) => (spec.egress = [{ to: [{ podSelector: {} }] }]),
      (spec: any) => (spec.policyTypes = ["Ingress"]),
      (spec: any) => (spec.podSelector = { matchLabels: zone("backend") }),
    ]) {
      const objects = stack();
      mutate(find(objects, "NetworkPolicy", "default-deny").spec);
      expect(await messagesOf(defaultDeny, objects)).toEqual([
        `Namespace toolboxai: ${denyMessage}`,
      ]);
    }
    const objects = without(stack(), "NetworkPolicy", "default-deny");
    expect(await messagesOf(defaultDeny, [...objects, defaultDenyPolicy("other")])).toEqual([
      `Namespace toolboxai: ${denyMessage}`,
    ]);
  });
  test("policyTypes are inferred: no policyTypes and no rules denies ingress only", async () => {
    const objects = stack();
    delete find(objects, "NetworkPolicy", "default-deny").spec.policyTypes;
    expect(await messagesOf(defaultDeny, objects)).toEqual([`Namespace toolboxai: ${denyMessage}`]);
  });
  test("an undeclared namespace (default) is reported stack-wide and can be exempted", async () => {
    const plain = compliantDeployment("plain");
    delete plain.metadata.namespace;
    expect(await messagesOf(defaultDeny, [...stack(), plain])).toEqual([
      `Namespace default: ${denyMessage}`,
    ]);
    const exempt = {
      "default-deny": {
        exemptions: [{ kind: "Namespace", name: "default", reason: "a sandbox with no traffic" }],
      },
    };
    expect(await messagesOf(defaultDeny, [...stack(), plain], exempt)).toEqual([]);
  });
});

describe("netpol-per-pod", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(netpolPerPod, stack())).toEqual([]);
  });
  test("a workload covered only by namespace-wide policies is reported", async () => {
    const objects = without(stack(), "NetworkPolicy", "api");
    const allowDns = networkPolicy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
    });
    expect(await messagesOf(netpolPerPod, [...objects, allowDns])).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Ingress and Egress",
    ]);
  });
  test("a policy governing one direction leaves the other reported", async () => {
    const objects = stack();
    const spec = find(objects, "NetworkPolicy", "api").spec;
    spec.policyTypes = ["Ingress"];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Egress",
    ]);
    spec.policyTypes = ["Egress"];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Ingress",
    ]);
  });
  test("without policyTypes, Egress is inferred from egress rules", async () => {
    const objects = stack();
    const spec = find(objects, "NetworkPolicy", "api").spec;
    delete spec.policyTypes;
    expect(await messagesOf(netpolPerPod, objects)).toEqual([]);
    spec.egress = [];
    expect(await messagesOf(netpolPerPod, objects)).toEqual([
      "Deployment toolboxai/api: no NetworkPolicy with a non-empty podSelector governs its pods' " +
        "Egress",
    ]);
  });
  test("a CronJob's pods need policies too; two policies may share the directions", async () => {
    const objects = stack();
    const cronJob = cronJobOf(find(objects, "Deployment", "api"));
    cronJob.spec.jobTemplate.spec.template.metadata.labels["app.kubernetes.io/name"] = "nightly";
    expect(await messagesOf(netpolPerPod, [...objects, cronJob])).toEqual([
      "CronJob toolboxai/nightly: no NetworkPolicy with a non-empty podSelector governs its " +
        "pods' Ingress and Egress",
    ]);
    const selector = { matchLabels: { "app.kubernetes.io/name": "nightly" } };
    const ingress = networkPolicy("nightly-in", {
      podSelector: selector,
      policyTypes: ["Ingress"],
    });
    const egress = networkPolicy("nightly-out", { podSelector: selector, policyTypes: ["Egress"] });
    expect(await messagesOf(netpolPerPod, [...objects, cronJob, ingress, egress])).toEqual([]);
  });
  test("a ReplicationController's pods, known by their shape, need policies too", async () => {
    const objects = stack();
    const template = clone(find(objects, "Deployment", "api").spec.template);
    template.metadata.labels["app.kubernetes.io/name"] = "legacy";
    const controller = {
      apiVersion: "v1",
      kind: "ReplicationController",
      metadata: { name: "legacy", namespace: "toolboxai" },
      spec: { replicas: 1, selector: { "app.kubernetes.io/name": "legacy" }, template },
    };
    expect(await messagesOf(netpolPerPod, [...objects, controller])).toEqual([
      "ReplicationController toolboxai/legacy: no NetworkPolicy with a non-empty podSelector " +
        "governs its pods' Ingress and Egress",
    ]);
  });
});

describe("netpol-not-dangling", () => {
  test("the compliant stack passes", async () => {
    expect(await messagesOf(netpolNotDangling, stack())).toEqual([]);
  });
  test("a policy that selects no pod template is reported", async () => {
    const objects = stack();
    find(objects, "NetworkPolicy", "api").spec.podSelector.matchLabels["app.kubernetes.io/name"] =
      "gone";
    const expressions = networkPolicy("expressions", {
      podSelector: {
        matchExpressions: [
          { key: "tier", operator: "In", values: ["a", "b"] },
          { key: "zone.toolboxai.io/backend", operator: "Exists" },
        ],
      },
    });
    expect(await messagesOf(netpolNotDangling, [...objects, expressions])).toEqual([
      "NetworkPolicy toolboxai/api: podSelector {app.kubernetes.io/name=gone, " +
        "app.kubernetes.io/instance=toolboxai-production} selects no pod template in namespace " +
        "toolboxai",
      "NetworkPolicy toolboxai/expressions: podSelector {tier In (a, b), " +
        "zone.toolboxai.io/backend Exists} selects no pod template in namespace toolboxai",
    ]);
  });
  test("a policy in another namespace than its pods is dangling", async () => {
    const objects = stack();
    find(objects, "NetworkPolicy", "api").metadata.namespace = "other";
    expect(await messagesOf(netpolNotDangling, objects)).toEqual([
      "NetworkPolicy other/api: podSelector {app.kubernetes.io/name=api, " +
        "app.kubernetes.io/instance=toolboxai-production} selects no pod template in namespace " +
        "other",
    ]);
  });
});
