import {
  appArmorProfile,
  capabilitiesDropAll,
  dedicatedServiceAccount,
  hostNamespaces,
  namespacePodSecurity,
  noControlPlaneTolerations,
  noDangerousCapabilities,
  noDefaultNamespace,
  noHostPath,
  noHostPathPersistentVolumes,
  noHostPorts,
  noHostProcess,
  noPrivileged,
  noPrivilegeEscalation,
  noRuntimeSocket,
  nonRootGroups,
  podSpecWellFormed,
  procMountDefault,
  readOnlyRootFilesystem,
  runAsNonRoot,
  safeSysctls,
  seccompProfile,
  securityPolicies,
  seLinuxOptions,
  serviceAccountTokenAutomount,
  volumeTypeAllowlist,
} from "../../policies/security";
import {
  compliantClusterRole,
  compliantClusterRoleBinding,
  compliantConfigMap,
  compliantCronJob,
  compliantNamespace,
  compliantPersistentVolume,
  compliantPod,
  compliantPodTemplate,
  compliantReplicationController,
  compliantRole,
  compliantRoleBinding,
  compliantRollout,
  compliantServiceAccount,
  compliantStatefulSet,
} from "./fixtures/security";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { topologySpread } from "../../policies/availability";
import { envNoDuplicates } from "../../policies/hygiene";
import { exemptionsInUse } from "../../policies/lib/exemptions";
import { policies } from "../../policies/pack";
import { ephemeralStorage } from "../../policies/resources";
import { checkedKubernetesTypes } from "../../policies/lib/kubernetes";
import { runPolicies } from "../../policies/runner";
import { readManifests } from "../../policies/runner/manifests";
import {
  clone,
  compliantDeployment,
  findingsOf,
  messagesOf,
  resourceOf,
  unknownMarker,
} from "./support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

/** The pod spec inside any of the fixtures' kinds. */
function specOf(object: any): any {
  switch (object.kind) {
    case "Pod":
      return object.spec;
    case "CronJob":
      return object.spec.jobTemplate.spec.template.spec;
    case "PodTemplate":
      return object.template.spec;
    default:
      return object.spec.template.spec;
  }
}

const container = (object: any) => specOf(object).containers[0];
const podContext = (object: any) => specOf(object).securityContext;

/** A second container, as an init container, copied from the first. */
function withInitContainer(object: any, name = "migrate"): any {
  const init = clone(container(object));
  init.name = name;
  delete init.ports;
  delete init.readinessProbe;
  delete init.livenessProbe;
  delete init.startupProbe;
  specOf(object).initContainers = [init];
  return init;
}

const compliantWorkloads = () => [
  compliantDeployment(),
  compliantPod(),
  compliantCronJob(),
  compliantStatefulSet(),
  compliantReplicationController(),
  compliantRollout(),
  compliantPodTemplate(),
];

describe("the pack", () => {
  test("names are unique, kebab-case, and every policy is mandatory with remediation", () => {
    const names = securityPolicies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    for (const policy of securityPolicies) {
      expect(policy.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(policy.enforcementLevel).toBe("mandatory");
      expect(policy.remediationSteps).toBeTruthy();
      expect(policy.severity).toBeTruthy();
      for (const schema of Object.values(policy.configSchema?.properties ?? {})) {
        expect(schema.default).toBeDefined();
      }
    }
  });

  test("every compliant fixture passes every policy", async () => {
    const objects = [
      ...compliantWorkloads(),
      compliantServiceAccount(),
      compliantConfigMap(),
      compliantRole(),
      compliantClusterRole(),
      compliantRoleBinding(),
      compliantClusterRoleBinding(),
      compliantNamespace(),
      compliantPersistentVolume(),
    ];
    for (const policy of securityPolicies) {
      expect({ policy: policy.name, messages: await messagesOf(policy, objects) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
  });
});

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

describe("pod-spec-well-formed", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(podSpecWellFormed, compliantWorkloads())).toEqual([]);
  });

  test("lists that are no lists are reported, not crashed on, and not passed", async () => {
    const pod = compliantPod();
    const privileged = { ...clone(container(pod)), name: "api" };
    privileged.securityContext.privileged = true;
    pod.spec.containers = { api: privileged };
    pod.spec.volumes = "hostPath: /";
    pod.spec.tolerations = { operator: "Exists" };
    pod.spec.securityContext.sysctls = { "kernel.msgmax": "65536" };
    // The whole pack runs: no policy throws on the mapping.
    const findings = await runPolicies(securityPolicies, [resourceOf(pod)]);
    expect(
      findings
        .filter((finding) => finding.policy === "pod-spec-well-formed")
        .map((finding) => [finding.enforcement, finding.message]),
    ).toEqual([
      [
        "mandatory",
        "Pod toolboxai/api: spec.containers is a mapping (keys: api); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.volumes is a string (11 characters); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.tolerations is a mapping (keys: operator); it must be a list",
      ],
      [
        "mandatory",
        "Pod toolboxai/api: spec.securityContext.sysctls is a mapping (keys: kernel.msgmax); it must be a list",
      ],
    ]);
  });

  test("malformed containers, their lists, securityContexts and capabilities are reported", async () => {
    const deployment = compliantDeployment();
    const spec = specOf(deployment);
    spec.securityContext = "restricted";
    spec.initContainers = ["migrate", 7, null];
    const api = container(deployment);
    api.ports = { http: 8009 };
    api.env = "PASSWORD=hunter2";
    api.securityContext.capabilities = { drop: "ALL", add: [{ name: "SYS_ADMIN" }] };
    const sidecar = { ...clone(api), name: "sidecar", ports: [], env: [] };
    sidecar.securityContext = ["privileged"];
    spec.containers.push(sidecar);
    expect(await messagesOf(podSpecWellFormed, [deployment])).toEqual([
      "Deployment toolboxai/api: spec.template.spec.securityContext is a string (10 characters); it must be a mapping",
      'Deployment toolboxai/api: container "api" ports is a mapping (keys: http); it must be a list',
      'Deployment toolboxai/api: container "api" env is a string (16 characters); it must be a list',
      'Deployment toolboxai/api: container "api" securityContext.capabilities.add is a list with an entry that is no string; it must be a list of names',
      'Deployment toolboxai/api: container "api" securityContext.capabilities.drop is a string (3 characters); it must be a list of names',
      'Deployment toolboxai/api: container "sidecar" securityContext is a list; it must be a mapping',
      "Deployment toolboxai/api: spec.template.spec.initContainers[0] is a string (7 characters); it must be a mapping",
      "Deployment toolboxai/api: spec.template.spec.initContainers[1] is the number 7; it must be a mapping",
      "Deployment toolboxai/api: spec.template.spec.initContainers[2] is null; it must be a mapping",
    ]);
  });

  test("rules of other domains read a malformed list as empty instead of crashing", async () => {
    const deployment = compliantDeployment();
    const spec = specOf(deployment);
    spec.volumes = { tmp: { emptyDir: {} } };
    spec.topologySpreadConstraints = "hostname";
    spec.initContainers = [null];
    Object.assign(container(deployment), { env: { A: "1" }, volumeMounts: "tmp" });
    const pack = [ephemeralStorage, envNoDuplicates, topologySpread, podSpecWellFormed];
    const findings = await runPolicies(pack, [resourceOf(deployment)]);
    expect(findings.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.volumes is a mapping (keys: tmp); it must be a list",
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.topologySpreadConstraints is a string (8 characters); it must be a list",
      'pod-spec-well-formed: Deployment toolboxai/api: container "api" env is a mapping (keys: A); it must be a list',
      'pod-spec-well-formed: Deployment toolboxai/api: container "api" volumeMounts is a string (3 characters); it must be a list',
      "pod-spec-well-formed: Deployment toolboxai/api: spec.template.spec.initContainers[0] is null; it must be a mapping",
      // Read as no constraint: reported, which is what an unreadable list deserves.
      "topology-spread: Deployment toolboxai/api: runs 2 replicas but sets neither " +
        "topologySpreadConstraints nor podAntiAffinity, so all replicas may land on one node",
    ]);
  });
  test("no policy of the pack crashes on a pod spec's lists written as mappings", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).volumes = { data: { persistentVolumeClaim: { claimName: "data" } } };
    Object.assign(container(deployment), {
      env: { A: "1" },
      envFrom: { secretRef: { name: "s" } },
      volumeMounts: { data: "/data" },
      ports: { http: 8009 },
    });
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "toolboxai" },
      spec: {
        selector: deployment.spec.selector.matchLabels,
        ports: [{ port: 80, targetPort: "http" }],
      },
    };
    const findings = await runPolicies(policies, [resourceOf(deployment), resourceOf(service)], {
      packEnforcementLevel: "mandatory",
    });
    expect(
      findings
        .filter((finding) => finding.policy === "pod-spec-well-formed")
        .map((finding) => finding.message),
    ).toEqual([
      "Deployment toolboxai/api: spec.template.spec.volumes is a mapping (keys: data); it must be a list",
      'Deployment toolboxai/api: container "api" ports is a mapping (keys: http); it must be a list',
      'Deployment toolboxai/api: container "api" env is a mapping (keys: A); it must be a list',
      'Deployment toolboxai/api: container "api" envFrom is a mapping (keys: secretRef); it must be a list',
      'Deployment toolboxai/api: container "api" volumeMounts is a mapping (keys: data); it must be a list',
    ]);
  });
  test("a pod spec that is not a mapping is reported with where it sits", async () => {
    const cronJob = compliantCronJob();
    cronJob.spec.jobTemplate.spec.template.spec = ["containers"];
    expect(await messagesOf(podSpecWellFormed, [cronJob])).toEqual([
      "CronJob toolboxai/report: spec.jobTemplate.spec.template.spec is a list; it must be a mapping",
    ]);
  });
});

describe("no-privileged-containers", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(noPrivileged, compliantWorkloads())).toEqual([]);
  });
  test("a privileged container and init container are reported by name", async () => {
    const deployment = clone(compliantDeployment());
    container(deployment).securityContext.privileged = true;
    withInitContainer(deployment).securityContext.privileged = true;
    expect(await messagesOf(noPrivileged, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" runs privileged (privileged: true)',
      'Deployment toolboxai/api: initContainer "migrate" runs privileged (privileged: true)',
    ]);
  });
  test("a CronJob's privileged container is reported", async () => {
    const cronJob = compliantCronJob();
    container(cronJob).securityContext.privileged = true;
    expect(await messagesOf(noPrivileged, [cronJob])).toEqual([
      'CronJob toolboxai/report: container "report" runs privileged (privileged: true)',
    ]);
  });
});

describe("host-namespaces", () => {
  test("the compliant fixtures pass, and false is fine", async () => {
    const deployment = compliantDeployment();
    Object.assign(specOf(deployment), { hostNetwork: false, hostPID: false, hostIPC: false });
    expect(await messagesOf(hostNamespaces, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("hostNetwork, hostPID and hostIPC are each reported", async () => {
    const pod = compliantPod();
    Object.assign(pod.spec, { hostNetwork: true, hostPID: true, hostIPC: true });
    expect(await messagesOf(hostNamespaces, [pod])).toEqual([
      "Pod toolboxai/api: hostNetwork is true: the pod shares the node's network namespace; it must be unset or false",
      "Pod toolboxai/api: hostPID is true: the pod shares the node's process (PID) namespace; it must be unset or false",
      "Pod toolboxai/api: hostIPC is true: the pod shares the node's IPC namespace; it must be unset or false",
    ]);
  });
});

describe("no-host-path-volumes", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(noHostPath, compliantWorkloads())).toEqual([]);
  });
  test("a hostPath volume is reported with its path", async () => {
    const statefulSet = compliantStatefulSet();
    specOf(statefulSet).volumes.push({ name: "logs", hostPath: { path: "/var/log" } });
    expect(await messagesOf(noHostPath, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: volume "logs" mounts host path /var/log; hostPath volumes are not allowed',
    ]);
  });
});

describe("no-container-runtime-socket", () => {
  const withHostPaths = (object: any, paths: string[]) => {
    paths.forEach((path, index) =>
      specOf(object).volumes.push({ name: `host-${index}`, hostPath: { path } }),
    );
    return object;
  };

  test("the compliant fixtures pass, and so does a hostPath that holds no socket", async () => {
    const deployment = withHostPaths(compliantDeployment(), ["/var/log", "/var/lib/app"]);
    expect(await messagesOf(noRuntimeSocket, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("sockets, their /run aliases, and directories that hold them are reported", async () => {
    const daemonSet = clone(compliantDeployment("agent"));
    daemonSet.kind = "DaemonSet";
    delete daemonSet.spec.replicas;
    delete daemonSet.spec.strategy;
    withHostPaths(daemonSet, [
      "/var/run/docker.sock",
      "/run/containerd//containerd.sock",
      "/var/run/crio/crio.sock",
      "/var/run/",
      "/",
      "/var/log",
    ]);
    expect(await messagesOf(noRuntimeSocket, [daemonSet])).toEqual([
      'DaemonSet toolboxai/agent: volume "host-0" mounts the container runtime socket /var/run/docker.sock from the host',
      'DaemonSet toolboxai/agent: volume "host-1" mounts the container runtime socket /run/containerd//containerd.sock from the host',
      'DaemonSet toolboxai/agent: volume "host-2" mounts the container runtime socket /var/run/crio/crio.sock from the host',
      'DaemonSet toolboxai/agent: volume "host-3" mounts host directory /var/run/, which holds the container runtime socket /var/run/docker.sock',
      'DaemonSet toolboxai/agent: volume "host-4" mounts host directory /, which holds the container runtime socket /var/run/docker.sock',
    ]);
  });
  test("the socket list is configurable", async () => {
    const pod = withHostPaths(compliantPod(), ["/var/run/docker.sock", "/opt/runtime/api.sock"]);
    const config = { "no-container-runtime-socket": { socketPaths: ["/opt/runtime/api.sock"] } };
    expect(await messagesOf(noRuntimeSocket, [pod], config)).toEqual([
      'Pod toolboxai/api: volume "host-1" mounts the container runtime socket /opt/runtime/api.sock from the host',
    ]);
  });
});

describe("no-host-ports", () => {
  test("the compliant fixtures pass, and hostPort 0 is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).ports[0].hostPort = 0;
    expect(await messagesOf(noHostPorts, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("a non-zero hostPort is reported, named or not", async () => {
    const pod = compliantPod();
    container(pod).ports[0].hostPort = 80;
    container(pod).ports.push({ containerPort: 9090, hostPort: 9090 });
    expect(await messagesOf(noHostPorts, [pod])).toEqual([
      'Pod toolboxai/api: container "api" port "http" (containerPort 8009) binds hostPort 80; hostPort must be unset or 0',
      'Pod toolboxai/api: container "api" port (containerPort 9090) binds hostPort 9090; hostPort must be unset or 0',
    ]);
  });
});

describe("no-host-process", () => {
  test("the compliant fixtures pass, and hostProcess false is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.windowsOptions = { hostProcess: false };
    expect(await messagesOf(noHostProcess, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("hostProcess on the pod and on a container is reported where it is set", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).windowsOptions = { hostProcess: true };
    container(cronJob).securityContext.windowsOptions = { hostProcess: true };
    expect(await messagesOf(noHostProcess, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext sets windowsOptions.hostProcess: true (full access to the Windows node)",
      'CronJob toolboxai/report: container "report" sets windowsOptions.hostProcess: true (full access to the Windows node)',
    ]);
  });
});

describe("no-control-plane-tolerations", () => {
  const controlPlane = "node-role.kubernetes.io/control-plane";
  const master = "node-role.kubernetes.io/master";
  const dedicated = {
    key: "dedicated",
    operator: "Equal",
    value: "toolboxai",
    effect: "NoSchedule",
  };
  const notReady = {
    key: "node.kubernetes.io/not-ready",
    operator: "Exists",
    effect: "NoExecute",
    tolerationSeconds: 300,
  };

  test("the compliant fixtures pass, and tolerations of other taints are fine", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).tolerations = [dedicated, notReady];
    expect(
      await messagesOf(noControlPlaneTolerations, [...compliantWorkloads(), deployment]),
    ).toEqual([]);
  });
  test("tolerations of the control-plane and master taints are reported by index", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).tolerations = [
      { key: controlPlane, operator: "Exists", effect: "NoSchedule" },
      dedicated,
      { key: master, operator: "Equal", value: "", effect: "NoSchedule" },
    ];
    const cronJob = compliantCronJob();
    specOf(cronJob).tolerations = [{ key: master, operator: "Exists" }];
    const suffix = "so the pod may run next to the API server and etcd; remove it";
    expect(await messagesOf(noControlPlaneTolerations, [deployment, cronJob])).toEqual([
      `Deployment toolboxai/api: tolerations[0] tolerates the control-plane taint "${controlPlane}", ${suffix}`,
      `Deployment toolboxai/api: tolerations[2] tolerates the control-plane taint "${master}", ${suffix}`,
      `CronJob toolboxai/report: tolerations[0] tolerates the control-plane taint "${master}", ${suffix}`,
    ]);
  });
  test("a toleration with no key and operator Exists is reported, with its effect", async () => {
    const pod = compliantPod();
    specOf(pod).tolerations = [
      { operator: "Exists" },
      { key: "", operator: "Exists", effect: "NoSchedule" },
      { operator: "Exists", effect: "NoExecute" },
      notReady,
    ];
    const fix = "name the taint keys the pod needs instead";
    expect(await messagesOf(noControlPlaneTolerations, [pod])).toEqual([
      "Pod toolboxai/api: tolerations[0] has no key and operator Exists, so it tolerates every " +
        `taint, the control plane's included; ${fix}`,
      "Pod toolboxai/api: tolerations[1] has no key and operator Exists, so it tolerates every " +
        `taint with effect NoSchedule, the control plane's included; ${fix}`,
      "Pod toolboxai/api: tolerations[2] has no key and operator Exists, so it tolerates every " +
        `taint with effect NoExecute; ${fix}`,
    ]);
  });
  test("the taint keys are configurable, and a node agent is exempted by name", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).tolerations = [{ key: "node-role.kubernetes.io/etcd", operator: "Exists" }];
    const agent = { ...compliantDeployment("node-exporter", "monitoring"), kind: "DaemonSet" };
    delete agent.spec.replicas;
    delete agent.spec.strategy;
    specOf(agent).tolerations = [{ operator: "Exists" }];
    const config = {
      "no-control-plane-tolerations": {
        controlPlaneTaintKeys: [controlPlane, master, "node-role.kubernetes.io/etcd"],
        exemptions: [
          {
            kind: "DaemonSet",
            name: "node-exporter",
            reason: "node metrics from every node, control plane included",
          },
        ],
      },
    };
    expect(await messagesOf(noControlPlaneTolerations, [deployment, agent], config)).toEqual([
      'Deployment toolboxai/api: tolerations[0] tolerates the control-plane taint "node-role.kubernetes.io/etcd", ' +
        "so the pod may run next to the API server and etcd; remove it",
    ]);
  });
});

describe("capabilities-drop-all", () => {
  test("the compliant fixtures pass, and NET_BIND_SERVICE may be added back", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE"];
    expect(await messagesOf(capabilitiesDropAll, [...compliantWorkloads(), deployment])).toEqual(
      [],
    );
  });
  test("names are compared as Pod Security compares them: all, CAP_ and lower case are refused", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities = {
      drop: ["all", "CAP_ALL"],
      add: ["CAP_NET_BIND_SERVICE", "net_bind_service"],
    };
    expect(await messagesOf(capabilitiesDropAll, [pod])).toEqual([
      'Pod toolboxai/api: container "api" does not drop ALL capabilities (drop: all, CAP_ALL); ' +
        'Pod Security "restricted" accepts only the exact name ALL, not "all", "CAP_ALL"; set ' +
        'capabilities.drop: ["ALL"]',
      'Pod toolboxai/api: container "api" adds CAP_NET_BIND_SERVICE, net_bind_service; only ' +
        "NET_BIND_SERVICE may be added back",
    ]);
  });
  test("not dropping ALL, and adding a capability off the allow-list", async () => {
    const cronJob = compliantCronJob();
    container(cronJob).securityContext.capabilities = { drop: ["NET_RAW"], add: ["SYS_TIME"] };
    delete withInitContainer(cronJob).securityContext.capabilities;
    expect(await messagesOf(capabilitiesDropAll, [cronJob])).toEqual([
      'CronJob toolboxai/report: container "report" does not drop ALL capabilities (drop: NET_RAW); set capabilities.drop: ["ALL"]',
      'CronJob toolboxai/report: container "report" adds SYS_TIME; only NET_BIND_SERVICE may be added back',
      'CronJob toolboxai/report: initContainer "migrate" does not drop ALL capabilities (drop: none); set capabilities.drop: ["ALL"]',
    ]);
  });
  test("the allow-list is configurable", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE", "SYS_TIME"];
    expect(
      await messagesOf(capabilitiesDropAll, [deployment], {
        "capabilities-drop-all": { allowedCapabilities: ["SYS_TIME"] },
      }),
    ).toEqual([
      'Deployment toolboxai/api: container "api" adds NET_BIND_SERVICE; only SYS_TIME may be added back',
    ]);
    expect(
      await messagesOf(capabilitiesDropAll, [deployment], {
        "capabilities-drop-all": { allowedCapabilities: [] },
      }),
    ).toEqual([
      'Deployment toolboxai/api: container "api" adds NET_BIND_SERVICE, SYS_TIME; none may be added',
    ]);
  });
});

describe("no-dangerous-capabilities", () => {
  test("the compliant fixtures pass, and harmless additions are not this policy's concern", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.capabilities.add = ["NET_BIND_SERVICE", "CHOWN"];
    expect(
      await messagesOf(noDangerousCapabilities, [...compliantWorkloads(), deployment]),
    ).toEqual([]);
  });
  test("each dangerous capability is reported, with or without the CAP_ prefix", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities.add = ["SYS_ADMIN", "CAP_NET_RAW", "CHOWN", "all"];
    expect(await messagesOf(noDangerousCapabilities, [pod])).toEqual([
      'Pod toolboxai/api: container "api" adds the dangerous capability SYS_ADMIN',
      'Pod toolboxai/api: container "api" adds the dangerous capability CAP_NET_RAW',
      'Pod toolboxai/api: container "api" adds the dangerous capability all',
    ]);
  });
  test("the forbidden list is configurable", async () => {
    const pod = compliantPod();
    container(pod).securityContext.capabilities.add = ["SYS_ADMIN", "CHOWN"];
    const config = { "no-dangerous-capabilities": { forbiddenCapabilities: ["CAP_CHOWN"] } };
    expect(await messagesOf(noDangerousCapabilities, [pod], config)).toEqual([
      'Pod toolboxai/api: container "api" adds the dangerous capability CHOWN',
    ]);
  });
});

describe("no-privilege-escalation", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(noPrivilegeEscalation, compliantWorkloads())).toEqual([]);
  });
  test("true, and unset (which defaults to true), are reported", async () => {
    const statefulSet = compliantStatefulSet();
    container(statefulSet).securityContext.allowPrivilegeEscalation = true;
    delete withInitContainer(statefulSet).securityContext.allowPrivilegeEscalation;
    expect(await messagesOf(noPrivilegeEscalation, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: container "postgres" allowPrivilegeEscalation is true; it must be false',
      'StatefulSet toolboxai/postgres: initContainer "migrate" allowPrivilegeEscalation is unset (defaults to true); it must be false',
    ]);
  });
});

describe("run-as-non-root", () => {
  test("the compliant fixtures pass, also when containers inherit everything from the pod", async () => {
    const pod = compliantPod();
    for (const field of ["runAsNonRoot", "runAsUser", "runAsGroup"]) {
      delete container(pod).securityContext[field];
    }
    expect(await messagesOf(runAsNonRoot, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("a UID below the minimum, and runAsNonRoot missing", async () => {
    const deployment = clone(compliantDeployment());
    delete deployment.spec.template.spec.securityContext.runAsNonRoot;
    delete container(deployment).securityContext.runAsNonRoot;
    container(deployment).securityContext.runAsUser = 999;
    expect(await messagesOf(runAsNonRoot, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" does not set runAsNonRoot: true (neither the container nor the pod does)',
      'Deployment toolboxai/api: container "api" runAsUser is 999; it must be at least 1001',
    ]);
  });
  test("a forbidden pod-level value is reported once for the pod, even when containers override it", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).runAsNonRoot = false;
    podContext(cronJob).runAsUser = 0;
    delete container(cronJob).securityContext.runAsNonRoot;
    expect(await messagesOf(runAsNonRoot, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext runAsNonRoot is false; it must be true",
      "CronJob toolboxai/report: pod securityContext runAsUser is 0; it must be at least 1001",
    ]);
  });
  test("runAsGroup set nowhere is reported for each container", async () => {
    const deployment = compliantDeployment();
    delete podContext(deployment).runAsGroup;
    delete container(deployment).securityContext.runAsGroup;
    delete withInitContainer(deployment).securityContext.runAsGroup;
    expect(await messagesOf(runAsNonRoot, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" runAsGroup is unset (neither the container nor the pod sets it); it must be at least 1001',
      'Deployment toolboxai/api: initContainer "migrate" runAsGroup is unset (neither the container nor the pod sets it); it must be at least 1001',
    ]);
  });
  test("the minimum is configurable, and an exemption is honoured and reported", async () => {
    const deployment = clone(compliantDeployment());
    expect(
      await messagesOf(runAsNonRoot, [deployment], { "run-as-non-root": { minimumId: 10000 } }),
    ).toEqual([
      "Deployment toolboxai/api: pod securityContext runAsUser is 1001; it must be at least 10000",
      'Deployment toolboxai/api: container "api" runAsUser is 1001; it must be at least 10000',
      "Deployment toolboxai/api: pod securityContext runAsGroup is 1001; it must be at least 10000",
      'Deployment toolboxai/api: container "api" runAsGroup is 1001; it must be at least 10000',
    ]);
    const exempt = {
      "run-as-non-root": {
        minimumId: 10000,
        exemptions: [{ kind: "Deployment", name: "api", reason: "vendor image needs UID 1001" }],
      },
    };
    expect(await messagesOf(runAsNonRoot, [deployment], exempt)).toEqual([]);
  });
});

describe("non-root-groups", () => {
  test("the compliant fixtures pass, and unset groups are fine", async () => {
    const pod = compliantPod();
    delete pod.spec.securityContext.fsGroup;
    expect(await messagesOf(nonRootGroups, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("fsGroup 0 and supplemental groups below the minimum are reported", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).fsGroup = 0;
    podContext(deployment).supplementalGroups = [0, 2000, 500];
    expect(await messagesOf(nonRootGroups, [deployment])).toEqual([
      "Deployment toolboxai/api: pod securityContext fsGroup is 0; it must be at least 1001",
      "Deployment toolboxai/api: pod securityContext supplementalGroups has 0; every group must be at least 1001",
      "Deployment toolboxai/api: pod securityContext supplementalGroups has 500; every group must be at least 1001",
    ]);
  });
  test("the minimum is configurable", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).supplementalGroups = [500];
    const config = { "non-root-groups": { minimumId: 100 } };
    expect(await messagesOf(nonRootGroups, [cronJob], config)).toEqual([]);
    expect(await messagesOf(nonRootGroups, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext supplementalGroups has 500; every group must be at least 1001",
    ]);
  });
});

describe("seccomp-profile", () => {
  test("the compliant fixtures pass, and a Localhost profile inherited from the pod is fine", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "app.json" };
    delete container(pod).securityContext.seccompProfile;
    expect(await messagesOf(seccompProfile, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("no profile anywhere is reported for each container", async () => {
    const deployment = compliantDeployment();
    delete podContext(deployment).seccompProfile;
    delete container(deployment).securityContext.seccompProfile;
    expect(await messagesOf(seccompProfile, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" has no seccompProfile (neither the container nor the pod sets one); set type RuntimeDefault or Localhost',
    ]);
  });
  test("Unconfined, Localhost without a profile, and unconfined annotations are reported", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).seccompProfile = { type: "Unconfined" };
    container(cronJob).securityContext.seccompProfile = { type: "Localhost" };
    cronJob.spec.jobTemplate.spec.template.metadata.annotations = {
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.seccomp.security.alpha.kubernetes.io/report": "runtime/default",
    };
    expect(await messagesOf(seccompProfile, [cronJob])).toEqual([
      'CronJob toolboxai/report: pod securityContext seccompProfile.type is "Unconfined"; it must be RuntimeDefault or Localhost',
      'CronJob toolboxai/report: container "report" seccompProfile.type is Localhost without a localhostProfile',
      'CronJob toolboxai/report: annotation seccomp.security.alpha.kubernetes.io/pod is "unconfined"; remove it and set seccompProfile',
    ]);
  });
  test("the allowed types are configurable", async () => {
    const config = { "seccomp-profile": { allowedTypes: ["Localhost"] } };
    expect(await messagesOf(seccompProfile, [compliantDeployment()], config)).toEqual([
      'Deployment toolboxai/api: pod securityContext seccompProfile.type is "RuntimeDefault"; it must be Localhost',
      'Deployment toolboxai/api: container "api" seccompProfile.type is "RuntimeDefault"; it must be Localhost',
    ]);
  });
});

describe("apparmor-profile", () => {
  test("the compliant fixtures pass, with allowed profiles and annotations", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).appArmorProfile = { type: "RuntimeDefault" };
    container(deployment).securityContext.appArmorProfile = {
      type: "Localhost",
      localhostProfile: "k8s-api",
    };
    deployment.spec.template.metadata.annotations = {
      "container.apparmor.security.beta.kubernetes.io/api": "localhost/k8s-api",
      "container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
    };
    expect(await messagesOf(appArmorProfile, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("Unconfined profiles, Localhost without a profile, and unconfined annotations", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.appArmorProfile = { type: "Localhost" };
    container(pod).securityContext.appArmorProfile = { type: "Unconfined" };
    pod.metadata.annotations = {
      "container.apparmor.security.beta.kubernetes.io/api": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/debug": "docker/default",
      "example.com/other": "unconfined",
    };
    expect(await messagesOf(appArmorProfile, [pod])).toEqual([
      "Pod toolboxai/api: pod securityContext appArmorProfile.type is Localhost without a localhostProfile",
      'Pod toolboxai/api: container "api" appArmorProfile.type is "Unconfined"; it must be RuntimeDefault or Localhost',
      'Pod toolboxai/api: container "api" AppArmor annotation is "unconfined"; it must be runtime/default or localhost/<profile>',
      'Pod toolboxai/api: container "debug" AppArmor annotation is "docker/default"; it must be runtime/default or localhost/<profile>',
    ]);
  });
});

describe("annotations unknown during a preview", () => {
  // Until the generated passwords exist, the secret checksum on every pod template is unknown;
  // the engine skips, as an advisory "can't run", a policy that reads it.
  const checksum = "checksum.toolboxai.io/secrets";
  const withUnknownChecksum = (annotations: Record<string, string> = {}) => {
    const deployment = compliantDeployment();
    deployment.spec.template.metadata.annotations = { [checksum]: unknownMarker, ...annotations };
    return deployment;
  };

  test("the fixture's unknown value does stop a policy that reads every annotation", async () => {
    const readsAll: ResourceValidationPolicy = {
      name: "reads-all-annotations",
      description: "test",
      enforcementLevel: "mandatory",
      validateResource: (args) => {
        Object.entries(args.props.spec.template.metadata.annotations);
      },
    };
    expect(await messagesOf(readsAll, [withUnknownChecksum()])).toEqual([
      "can't run policy 'reads-all-annotations' during preview: string value at " +
        `.spec.template.metadata.annotations.${checksum} can't be known during preview`,
    ]);
  });

  test("seccomp-profile and apparmor-profile still run, and still find what they look for", async () => {
    expect(await findingsOf(seccompProfile, [withUnknownChecksum()])).toEqual([]);
    expect(await findingsOf(appArmorProfile, [withUnknownChecksum()])).toEqual([]);
    const unconfined = withUnknownChecksum({
      "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
      "container.apparmor.security.beta.kubernetes.io/api": "unconfined",
    });
    const seccomp = await findingsOf(seccompProfile, [unconfined]);
    expect(seccomp.map((finding) => [finding.enforcement, finding.message])).toEqual([
      [
        "mandatory",
        'Deployment toolboxai/api: annotation seccomp.security.alpha.kubernetes.io/pod is "unconfined"; remove it and set seccompProfile',
      ],
    ]);
    const appArmor = await findingsOf(appArmorProfile, [unconfined]);
    expect(appArmor.map((finding) => [finding.enforcement, finding.message])).toEqual([
      [
        "mandatory",
        'Deployment toolboxai/api: container "api" AppArmor annotation is "unconfined"; it must be runtime/default or localhost/<profile>',
      ],
    ]);
  });

  test("an unknown AppArmor or seccomp annotation itself still cannot be checked", async () => {
    const appArmorKey = "container.apparmor.security.beta.kubernetes.io/api";
    const seccompKey = "seccomp.security.alpha.kubernetes.io/pod";
    expect(
      await messagesOf(appArmorProfile, [withUnknownChecksum({ [appArmorKey]: unknownMarker })]),
    ).toEqual([
      "can't run policy 'apparmor-profile' during preview: string value at " +
        `.spec.template.metadata.annotations.${appArmorKey} can't be known during preview`,
    ]);
    expect(
      await messagesOf(seccompProfile, [withUnknownChecksum({ [seccompKey]: unknownMarker })]),
    ).toEqual([
      "can't run policy 'seccomp-profile' during preview: string value at " +
        `.spec.template.metadata.annotations.${seccompKey} can't be known during preview`,
    ]);
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

describe("selinux-options", () => {
  test("the compliant fixtures pass, and an allowed type with a level is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.seLinuxOptions = {
      type: "container_t",
      level: "s0:c123,c456",
    };
    expect(await messagesOf(seLinuxOptions, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("a type off the list, a user and a role are reported where they are set", async () => {
    const statefulSet = compliantStatefulSet();
    podContext(statefulSet).seLinuxOptions = { type: "spc_t" };
    container(statefulSet).securityContext.seLinuxOptions = { user: "system_u", role: "sysadm_r" };
    expect(await messagesOf(seLinuxOptions, [statefulSet])).toEqual([
      'StatefulSet toolboxai/postgres: pod securityContext seLinuxOptions.type is "spc_t"; allowed: container_t, container_init_t, container_kvm_t, container_engine_t',
      'StatefulSet toolboxai/postgres: container "postgres" seLinuxOptions.user is "system_u"; it must not be set; seLinuxOptions.role is "sysadm_r"; it must not be set',
    ]);
  });
  test("the allowed types are configurable", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.seLinuxOptions = { type: "spc_t" };
    const config = { "selinux-options": { allowedTypes: ["spc_t"] } };
    expect(await messagesOf(seLinuxOptions, [pod], config)).toEqual([]);
  });
});

describe("proc-mount-default", () => {
  test("the compliant fixtures pass, and Default is fine", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.procMount = "Default";
    expect(await messagesOf(procMountDefault, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("an Unmasked /proc is reported", async () => {
    const pod = compliantPod();
    container(pod).securityContext.procMount = "Unmasked";
    expect(await messagesOf(procMountDefault, [pod])).toEqual([
      'Pod toolboxai/api: container "api" procMount is "Unmasked"; it must be Default',
    ]);
  });
});

describe("safe-sysctls", () => {
  test("the compliant fixtures pass, and safe sysctls (either separator) are fine", async () => {
    const deployment = compliantDeployment();
    podContext(deployment).sysctls = [
      { name: "net.ipv4.ip_unprivileged_port_start", value: "0" },
      { name: "net/ipv4/tcp_keepalive_time", value: "600" },
    ];
    expect(await messagesOf(safeSysctls, [...compliantWorkloads(), deployment])).toEqual([]);
  });
  test("an unsafe sysctl is reported", async () => {
    const cronJob = compliantCronJob();
    podContext(cronJob).sysctls = [
      { name: "kernel.shm_rmid_forced", value: "1" },
      { name: "kernel.msgmax", value: "65536" },
      { name: "net.core.somaxconn", value: "1024" },
    ];
    expect(await messagesOf(safeSysctls, [cronJob])).toEqual([
      "CronJob toolboxai/report: pod securityContext sets sysctl kernel.msgmax; only the safe set (safe-sysctls allowedSysctls) may be set",
      "CronJob toolboxai/report: pod securityContext sets sysctl net.core.somaxconn; only the safe set (safe-sysctls allowedSysctls) may be set",
    ]);
  });
  test("the safe set is configurable", async () => {
    const pod = compliantPod();
    pod.spec.securityContext.sysctls = [{ name: "net.core.somaxconn", value: "1024" }];
    const config = { "safe-sysctls": { allowedSysctls: ["net.core.somaxconn"] } };
    expect(await messagesOf(safeSysctls, [pod], config)).toEqual([]);
  });
});

describe("volume-type-allowlist", () => {
  test("the compliant fixtures pass, with every allowed type", async () => {
    const deployment = compliantDeployment();
    specOf(deployment).volumes.push(
      { name: "data", persistentVolumeClaim: { claimName: "data" } },
      { name: "token", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
      { name: "config", configMap: { name: "api-config" } },
      { name: "info", downwardAPI: { items: [] } },
      { name: "store", csi: { driver: "secrets-store.csi.k8s.io" } },
      { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } },
    );
    expect(await messagesOf(volumeTypeAllowlist, [...compliantWorkloads(), deployment])).toEqual(
      [],
    );
  });
  test("other volume types are reported", async () => {
    const pod = compliantPod();
    pod.spec.volumes.push(
      { name: "logs", hostPath: { path: "/var/log" } },
      { name: "shared", nfs: { server: "nfs.local", path: "/exports" } },
    );
    const allowed =
      "configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret";
    expect(await messagesOf(volumeTypeAllowlist, [pod])).toEqual([
      `Pod toolboxai/api: volume "logs" is of type hostPath; allowed types: ${allowed}`,
      `Pod toolboxai/api: volume "shared" is of type nfs; allowed types: ${allowed}`,
    ]);
  });
  test("the allowed types are configurable", async () => {
    const pod = compliantPod();
    pod.spec.volumes.push({ name: "shared", nfs: { server: "nfs.local", path: "/exports" } });
    const config = {
      "volume-type-allowlist": { allowedTypes: ["secret", "emptyDir", "nfs"] },
    };
    expect(await messagesOf(volumeTypeAllowlist, [pod], config)).toEqual([]);
  });
});

describe("readonly-root-filesystem", () => {
  test("the compliant fixtures pass", async () => {
    expect(await messagesOf(readOnlyRootFilesystem, compliantWorkloads())).toEqual([]);
  });
  test("false and unset are reported", async () => {
    const deployment = compliantDeployment();
    container(deployment).securityContext.readOnlyRootFilesystem = false;
    delete withInitContainer(deployment).securityContext.readOnlyRootFilesystem;
    expect(await messagesOf(readOnlyRootFilesystem, [deployment])).toEqual([
      'Deployment toolboxai/api: container "api" readOnlyRootFilesystem is false; it must be true',
      'Deployment toolboxai/api: initContainer "migrate" readOnlyRootFilesystem is unset; it must be true',
    ]);
  });
});

describe("no-host-path-persistent-volumes", () => {
  test("the compliant fixtures pass: a CSI volume, and objects of other kinds", async () => {
    expect(
      await messagesOf(noHostPathPersistentVolumes, [
        compliantPersistentVolume(),
        ...compliantWorkloads(),
      ]),
    ).toEqual([]);
  });
  test("hostPath and local volumes are reported with the node's path", async () => {
    const hostPath = compliantPersistentVolume("run");
    delete hostPath.spec.csi;
    hostPath.spec.hostPath = { path: "/var/run", type: "Directory" };
    const local = compliantPersistentVolume("disk");
    delete local.spec.csi;
    local.spec.local = { path: "/" };
    local.spec.nodeAffinity = { required: { nodeSelectorTerms: [] } };
    expect(await messagesOf(noHostPathPersistentVolumes, [hostPath, local])).toEqual([
      "PersistentVolume run: spec.hostPath exposes the node's path /var/run to every pod whose claim binds this volume; hostPath, local volumes are not allowed",
      "PersistentVolume disk: spec.local exposes the node's path / to every pod whose claim binds this volume; hostPath, local volumes are not allowed",
    ]);
  });
  test("the sources are configurable, and a dedicated disk is exempted by name", async () => {
    const local = compliantPersistentVolume("ssd");
    delete local.spec.csi;
    local.spec.local = { path: "/mnt/disks/ssd0" };
    expect(
      await messagesOf(noHostPathPersistentVolumes, [local], {
        "no-host-path-persistent-volumes": { forbiddenSources: ["hostPath"] },
      }),
    ).toEqual([]);
    const exemptions = [
      {
        kind: "PersistentVolume",
        name: "ssd",
        reason: "A local NVMe disk mounted for Postgres alone.",
      },
    ];
    expect(
      await messagesOf(noHostPathPersistentVolumes, [local], {
        "no-host-path-persistent-volumes": { exemptions },
      }),
    ).toEqual([]);
  });
});

describe("namespace-pod-security", () => {
  const withLevel = (level: unknown) => {
    const namespace = compliantNamespace("apps");
    namespace.metadata.labels["pod-security.kubernetes.io/enforce"] = level;
    return namespace;
  };

  test("the compliant fixtures pass: restricted is enforced", async () => {
    expect(
      await messagesOf(namespacePodSecurity, [compliantNamespace(), ...compliantWorkloads()]),
    ).toEqual([]);
  });
  test("privileged, baseline, a missing label and an unknown level are reported", async () => {
    const unlabelled = compliantNamespace("bare");
    delete unlabelled.metadata.labels;
    expect(
      await messagesOf(namespacePodSecurity, [
        withLevel("privileged"),
        withLevel("baseline"),
        withLevel("Restricted"),
        unlabelled,
      ]),
    ).toEqual([
      'Namespace apps: pod-security.kubernetes.io/enforce is "privileged"; allowed: restricted; set it to restricted',
      'Namespace apps: pod-security.kubernetes.io/enforce is "baseline"; allowed: restricted; set it to restricted',
      'Namespace apps: pod-security.kubernetes.io/enforce is "Restricted", which is not a Pod Security level (privileged, baseline, restricted); set it to restricted',
      "Namespace bare: has no pod-security.kubernetes.io/enforce label, so Pod Security admits any pod there (unless the cluster sets a default); set it to restricted",
    ]);
  });
  test("the allowed levels are configurable, and a node agent's namespace is exempted by name", async () => {
    const config = { "namespace-pod-security": { allowedLevels: ["restricted", "baseline"] } };
    expect(await messagesOf(namespacePodSecurity, [withLevel("baseline")], config)).toEqual([]);
    const exemptions = [
      { kind: "Namespace", name: "apps", reason: "node-exporter needs the host's namespaces." },
    ];
    const findings = await runPolicies(
      [namespacePodSecurity, exemptionsInUse],
      [resourceOf(withLevel("privileged"))],
      { config: { "namespace-pod-security": { exemptions } } },
    );
    expect(findings.map((finding) => `${finding.policy}: ${finding.message}`)).toEqual([
      "policy-exemptions-in-use: Namespace apps is exempted from namespace-pod-security: " +
        "node-exporter needs the host's namespaces.",
    ]);
  });
});

describe("service-account-token-automount", () => {
  test("the compliant fixtures and ServiceAccount pass", async () => {
    expect(
      await messagesOf(serviceAccountTokenAutomount, [
        ...compliantWorkloads(),
        compliantServiceAccount(),
      ]),
    ).toEqual([]);
  });
  test("pods that mount a token, or leave it to the ServiceAccount, are reported", async () => {
    const cronJob = compliantCronJob();
    delete specOf(cronJob).automountServiceAccountToken;
    const deployment = compliantDeployment();
    specOf(deployment).automountServiceAccountToken = true;
    expect(await messagesOf(serviceAccountTokenAutomount, [cronJob, deployment])).toEqual([
      "CronJob toolboxai/report: automountServiceAccountToken is unset (the token is mounted unless the ServiceAccount disables it); it must be false",
      "Deployment toolboxai/api: automountServiceAccountToken is true; it must be false",
    ]);
  });
  test("ServiceAccounts that mount a token are reported", async () => {
    const unset = compliantServiceAccount("worker");
    delete unset.automountServiceAccountToken;
    const enabled = compliantServiceAccount("operator");
    enabled.automountServiceAccountToken = true;
    expect(await messagesOf(serviceAccountTokenAutomount, [unset, enabled])).toEqual([
      "ServiceAccount toolboxai/worker: automountServiceAccountToken is unset (defaults to true); it must be false",
      "ServiceAccount toolboxai/operator: automountServiceAccountToken is true; it must be false",
    ]);
  });
  test("a workload that needs the API is exempted by name", async () => {
    const deployment = compliantDeployment("operator");
    specOf(deployment).automountServiceAccountToken = true;
    const account = compliantServiceAccount("operator");
    account.automountServiceAccountToken = true;
    const config = {
      "service-account-token-automount": {
        exemptions: [{ name: "operator", reason: "watches Deployments through the API" }],
      },
    };
    expect(await messagesOf(serviceAccountTokenAutomount, [deployment, account], config)).toEqual(
      [],
    );
  });
});

describe("dedicated-service-account", () => {
  test("the compliant fixtures pass, and the deprecated serviceAccount field counts", async () => {
    const pod = compliantPod();
    delete pod.spec.serviceAccountName;
    pod.spec.serviceAccount = "api";
    expect(await messagesOf(dedicatedServiceAccount, [...compliantWorkloads(), pod])).toEqual([]);
  });
  test("no serviceAccountName, and the default ServiceAccount, are reported", async () => {
    const deployment = compliantDeployment();
    delete specOf(deployment).serviceAccountName;
    const cronJob = compliantCronJob();
    specOf(cronJob).serviceAccountName = "default";
    expect(await messagesOf(dedicatedServiceAccount, [deployment, cronJob])).toEqual([
      'Deployment toolboxai/api: sets no serviceAccountName, so it runs as the namespace\'s "default" ServiceAccount; give it a dedicated one',
      'CronJob toolboxai/report: runs as the "default" ServiceAccount; give it a dedicated one',
    ]);
  });
});

describe("no-default-namespace", () => {
  test("namespaced objects in their namespace, and cluster-scoped objects, pass", async () => {
    const objects = [
      ...compliantWorkloads(),
      compliantServiceAccount(),
      compliantConfigMap(),
      compliantRole(),
      compliantRoleBinding(),
      compliantClusterRole(),
      compliantClusterRoleBinding(),
      compliantNamespace(),
      { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "acme" } },
      // Removed, but still cluster-scoped: no-deprecated-apis reports it, this rule must not.
      { apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy", metadata: { name: "old" } },
    ];
    expect(await messagesOf(noDefaultNamespace, objects)).toEqual([]);
  });
  test("the default namespace, and no namespace at all, are reported", async () => {
    const deployment = compliantDeployment("api", "default");
    const configMap = compliantConfigMap();
    delete configMap.metadata.namespace;
    const issuer = { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "ca" } };
    expect(await messagesOf(noDefaultNamespace, [deployment, configMap, issuer])).toEqual([
      'Deployment default/api: is in the "default" namespace; use the application namespace',
      'ConfigMap api-config: no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
      'Issuer ca: no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
    ]);
  });
  test("forbidden namespaces and cluster-scoped kinds are configurable", async () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "kube-system" },
    };
    const issuer = { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "ca" } };
    const config = {
      "no-default-namespace": {
        forbiddenNamespaces: ["default", "kube-system"],
        clusterScopedKinds: ["Issuer"],
      },
    };
    expect(await messagesOf(noDefaultNamespace, [service, issuer], config)).toEqual([
      'Service kube-system/api: is in the "kube-system" namespace; use the application namespace',
    ]);
  });
});
