// Privilege and host access: privileged containers, host namespaces, hostPath, the runtime
// socket, host ports, HostProcess and control-plane tolerations.
import {
  hostNamespaces,
  noControlPlaneTolerations,
  noHostPath,
  noHostPorts,
  noHostProcess,
  noPrivileged,
  noRuntimeSocket,
} from "../../../policies/security/host-access";
import {
  compliantCronJob,
  compliantPod,
  compliantStatefulSet,
  compliantWorkloads,
  container,
  podContext,
  specOf,
  withInitContainer,
} from "../fixtures/security";
import { clone, compliantDeployment, messagesOf } from "../support";

/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are untyped JSON */

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
    const suffix = "lets the pod run next to the API server and etcd; remove it";
    expect(await messagesOf(noControlPlaneTolerations, [deployment, cronJob])).toEqual([
      `Deployment toolboxai/api: tolerations[0]: a toleration of the control-plane taint "${controlPlane}" ${suffix}`,
      `Deployment toolboxai/api: tolerations[2]: a toleration of the control-plane taint "${master}" ${suffix}`,
      `CronJob toolboxai/report: tolerations[0]: a toleration of the control-plane taint "${master}" ${suffix}`,
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
      "Pod toolboxai/api: tolerations[0]: a toleration with no key and operator Exists tolerates every " +
        `taint, the control plane's included; ${fix}`,
      "Pod toolboxai/api: tolerations[1]: a toleration with no key and operator Exists tolerates every " +
        `taint with effect NoSchedule, the control plane's included; ${fix}`,
      "Pod toolboxai/api: tolerations[2]: a toleration with no key and operator Exists tolerates every " +
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
      'Deployment toolboxai/api: tolerations[0]: a toleration of the control-plane taint "node-role.kubernetes.io/etcd" ' +
        "lets the pod run next to the API server and etcd; remove it",
    ]);
  });
});
