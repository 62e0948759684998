// Which objects get the pod rules: every kind that runs a pod (custom kinds by their shape), and
// what an unknown value on the way to a pod template does during a preview.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { checkedKubernetesTypes } from "../../../policies/lib/kubernetes";
import { runPolicies } from "../../../policies/runner";
import { readManifests } from "../../../policies/runner/manifests";
import { securityPolicies } from "../../../policies/security";
import { hostNamespaces, noHostPath, noPrivileged } from "../../../policies/security/host-access";
import { runAsNonRoot } from "../../../policies/security/users-and-groups";
import { serviceAccountTokenAutomount } from "../../../policies/security/identity";
import {
  compliantCronJob,
  compliantPod,
  compliantPodTemplate,
  compliantReplicationController,
  compliantRollout,
  container,
  specOf,
} from "../fixtures/security";
import {
  clone,
  compliantDeployment,
  findingsOf,
  messagesOf,
  resourceOf,
  unknownMarker,
} from "../support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

describe("every object that runs a pod gets the pod rules, whatever its kind", () => {
  /** The hostile ReplicationController of finding F4: privileged, root, host namespaces, `/`. */
  const hostileReplicationController = () => {
    const controller = compliantReplicationController();
    const spec = specOf(controller);
    Object.assign(spec, { hostPID: true, hostNetwork: true });
    spec.volumes.push({ name: "root", hostPath: { path: "/" } });
    Object.assign(container(controller).securityContext, { privileged: true, runAsUser: 0 });
    return controller;
  };

  test("a privileged, hostPID ReplicationController mounting / is reported", async () => {
    const controller = hostileReplicationController();
    expect(await messagesOf(noPrivileged, [controller])).toEqual([
      'ReplicationController toolboxai/legacy: container "legacy" runs privileged (privileged: true)',
    ]);
    expect(await messagesOf(hostNamespaces, [controller])).toEqual([
      "ReplicationController toolboxai/legacy: hostNetwork is true: the pod shares the node's network namespace; it must be unset or false",
      "ReplicationController toolboxai/legacy: hostPID is true: the pod shares the node's process (PID) namespace; it must be unset or false",
    ]);
    expect(await messagesOf(noHostPath, [controller])).toEqual([
      'ReplicationController toolboxai/legacy: volume "root" mounts host path /; hostPath volumes are not allowed',
    ]);
    expect(await messagesOf(runAsNonRoot, [controller])).toEqual([
      'ReplicationController toolboxai/legacy: container "legacy" runAsUser is 0; it must be at least 1001',
    ]);
  });

  test("custom kinds are judged by shape: Rollout, PodTemplate, a CronJob-like and a pod-shaped kind", async () => {
    const rollout = compliantRollout();
    container(rollout).securityContext.privileged = true;
    const podTemplate = compliantPodTemplate();
    container(podTemplate).securityContext.privileged = true;
    const scheduled = compliantCronJob("batch");
    container(scheduled).securityContext.privileged = true;
    Object.assign(scheduled, { apiVersion: "example.com/v1", kind: "ScheduledWork" });
    const sandbox = compliantPod("sandbox");
    container(sandbox).securityContext.privileged = true;
    Object.assign(sandbox, { apiVersion: "example.com/v1", kind: "Sandbox" });
    const patch = compliantDeployment("patched");
    container(patch).securityContext.privileged = true;
    patch.kind = "DeploymentPatch";
    expect(
      await messagesOf(noPrivileged, [rollout, podTemplate, scheduled, sandbox, patch]),
    ).toEqual([
      'Rollout toolboxai/canary: container "canary" runs privileged (privileged: true)',
      'PodTemplate toolboxai/worker: container "worker" runs privileged (privileged: true)',
      'ScheduledWork toolboxai/batch: container "batch" runs privileged (privileged: true)',
      'Sandbox toolboxai/sandbox: container "sandbox" runs privileged (privileged: true)',
      'DeploymentPatch toolboxai/patched: container "patched" runs privileged (privileged: true)',
    ]);
  });

  test("an object with several pod templates has each judged, and the messages say which", async () => {
    const twoFaced = clone(compliantRollout("two-faced"));
    twoFaced.kind = "Workload";
    twoFaced.apiVersion = "example.com/v1";
    twoFaced.spec.containers = [{ ...clone(container(twoFaced)), name: "hidden" }];
    twoFaced.spec.containers[0].securityContext.privileged = true;
    expect(await messagesOf(noPrivileged, [twoFaced])).toEqual([
      'Workload toolboxai/two-faced: pod template at spec: container "hidden" runs privileged (privileged: true)',
    ]);
    twoFaced.spec.template.spec.automountServiceAccountToken = true;
    expect(await messagesOf(serviceAccountTokenAutomount, [twoFaced])).toEqual([
      "Workload toolboxai/two-faced: pod template at spec.template.spec: automountServiceAccountToken is true; it must be false",
      "Workload toolboxai/two-faced: pod template at spec: automountServiceAccountToken is unset (the token is mounted unless the ServiceAccount disables it); it must be false",
    ]);
  });

  test("objects without a pod template (an ApplicationSet's holds no containers), and kinds the pack models as podless, are not judged", async () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "toolboxai" },
      spec: { selector: { app: "api" }, template: clone(compliantDeployment().spec.template) },
    };
    specOf(service).containers[0].securityContext.privileged = true;
    const custom = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "widget", namespace: "toolboxai" },
      spec: { size: 3, template: "not a pod" },
    };
    // Its template's spec is an Argo CD Application's, not a pod's.
    const applicationSet = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "ApplicationSet",
      metadata: { name: "envs", namespace: "argocd" },
      spec: {
        generators: [{ list: { elements: [{ env: "staging" }] } }],
        template: {
          metadata: { name: "toolboxai-{{env}}" },
          spec: {
            project: "toolboxai",
            source: { repoURL: "https://github.com/toolboxai/infrastructure.git", path: "." },
            destination: { server: "https://kubernetes.default.svc", namespace: "toolboxai" },
          },
        },
      },
    };
    for (const policy of securityPolicies) {
      expect({
        policy: policy.name,
        findings: await findingsOf(policy, [service, custom, applicationSet]),
      }).toEqual({ policy: policy.name, findings: [] });
    }
  });

  test("the manifest reader does not call the kinds it now judges unmodelled", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pod-kinds-"));
    const file = path.join(dir, "workloads.yaml");
    writeFileSync(
      file,
      [compliantReplicationController(), compliantRollout(), compliantPodTemplate()]
        .map((object) => JSON.stringify(object))
        .join("\n---\n"),
    );
    try {
      expect(readManifests(file, checkedKubernetesTypes).unmodelled).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the pod-template probe during a preview", () => {
  const custom = (spec: any) => ({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "widget", namespace: "toolboxai" },
    spec,
  });

  test("an unknown value in an object without a pod, or of a podless kind, stops no rule", async () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "api-secrets", namespace: "toolboxai" },
      stringData: unknownMarker,
    };
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "toolboxai" },
      spec: unknownMarker,
    };
    const findings = await runPolicies(
      securityPolicies,
      [secret, service, custom({ replicas: unknownMarker })].map((object) => resourceOf(object)),
    );
    expect(findings).toEqual([]);
  });

  test("an unknown on the way to a pod template is a can't-run, never a skip", async () => {
    for (const spec of [unknownMarker, { template: unknownMarker }]) {
      expect(await messagesOf(noPrivileged, [custom(spec)])).toEqual([
        "can't run policy 'no-privileged-containers' during preview: string value at " +
          `${spec === unknownMarker ? ".spec" : ".spec.template"} can't be known during preview`,
      ]);
    }
  });

  test("a shape-found template with an unknown annotation is still judged", async () => {
    const controller = compliantReplicationController();
    controller.spec.template.metadata.annotations = { "checksum/secrets": unknownMarker };
    container(controller).securityContext.privileged = true;
    expect(await messagesOf(noPrivileged, [controller])).toEqual([
      'ReplicationController toolboxai/legacy: container "legacy" runs privileged (privileged: true)',
    ]);
  });
});
