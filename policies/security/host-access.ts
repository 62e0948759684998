// Privilege and host access: privileged containers, the node's namespaces, hostPath volumes,
// the container runtime socket, host ports, Windows HostProcess and control-plane tolerations.
import {
  celString,
  celStrings,
  describedContainer,
  everyContainer,
  inheritedValidations,
  podAdmission,
} from "../lib/admission-form";
import { podRule } from "../lib/define";
import { describeContainer, describeVolume, listOf, stringsOf } from "../lib/kubernetes";
import { checkInherited, containerContext } from "../lib/security-context";

/** A host path as the kernel resolves it: no doubled or trailing slash, /var/run is /run. */
function normalizeHostPath(value: string): string {
  let normalized = value.replace(/\/+/g, "/");
  if (normalized.length > 1) normalized = normalized.replace(/\/$/, "");
  if (normalized === "/var/run" || normalized.startsWith("/var/run/")) {
    normalized = normalized.slice("/var".length);
  }
  return normalized;
}

export const noPrivileged = podRule({
  name: "no-privileged-containers",
  description:
    "Containers must not run privileged (PSS baseline; Kyverno; Polaris; kube-score; " +
    "CIS Docker 5.5; CKV_K8S_16).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `securityContext.privileged: true` from the container. Workload components never set " +
    "it; if a third-party workload truly needs host privileges, exempt it by name with a reason.",
  check: (pod) =>
    pod.containers
      .filter((entry) => containerContext(entry).privileged === true)
      .map((entry) => `${describeContainer(entry)} runs privileged (privileged: true)`),
  admission: podAdmission(() =>
    everyContainer(
      "!has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged != true",
      "runs privileged (privileged: true)",
    ),
  ),
});

const hostNamespaceFields = [
  ["hostNetwork", "network"],
  ["hostPID", "process (PID)"],
  ["hostIPC", "IPC"],
] as const;

export const hostNamespaces = podRule({
  name: "host-namespaces",
  description:
    "Pods must not share the node's network, PID or IPC namespace: hostNetwork, hostPID and " +
    "hostIPC are unset or false (PSS baseline; Kyverno; Polaris; CIS Docker 5.10/5.16/5.17; " +
    "CKV_K8S_17–19).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false). " +
    "Expose ports through a Service instead of the node's network; a node agent that needs host " +
    "namespaces is exempted by name with a reason.",
  check: (pod) =>
    hostNamespaceFields
      .filter(([field]) => pod.podSpec?.[field] === true)
      .map(
        ([field, namespace]) =>
          `${field} is true: the pod shares the node's ${namespace} namespace; it must be unset or false`,
      ),
  admission: podAdmission(() =>
    hostNamespaceFields.map(([field, namespace]) => ({
      expression: `!has(variables.podSpec.${field}) || variables.podSpec.${field} != true`,
      messageExpression: celString(
        `${field} is true: the pod shares the node's ${namespace} namespace; it must be unset or false`,
      ),
    })),
  ),
});

export const noHostPath = podRule({
  name: "no-host-path-volumes",
  description:
    "Pods must not mount hostPath volumes (PSS baseline; Kyverno; Polaris; CIS Docker 5.6).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Replace the hostPath volume with an emptyDir (scratch space), a PersistentVolumeClaim " +
    "(durable data), or a configMap/secret/projected volume (configuration). A node agent that " +
    "must read the host is exempted by name with a reason.",
  check: (pod) =>
    listOf(pod.podSpec?.volumes)
      .filter((volume) => volume?.hostPath !== undefined)
      .map(
        (volume) =>
          `${describeVolume(volume)} mounts host path ${volume.hostPath?.path ?? "(no path)"}; ` +
          `hostPath volumes are not allowed`,
      ),
  admission: podAdmission(() => [
    {
      expression:
        "!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath))",
      messageExpression:
        "variables.podSpec.volumes.filter(v, has(v.hostPath)).map(v, 'volume \"' + v.name + " +
        "'\" mounts host path ' + (has(v.hostPath.path) ? v.hostPath.path : '(no path)') + " +
        "'; hostPath volumes are not allowed')[0]",
    },
  ]),
});

export const noRuntimeSocket = podRule({
  name: "no-container-runtime-socket",
  description:
    "Pods must not mount a container runtime socket (docker, containerd, CRI-O, cri-dockerd, " +
    "podman), nor a host directory that holds one, through a hostPath volume; access to the socket " +
    "is root on the node (Kyverno; CIS Docker 5.32; CKV_K8S_27).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    socketPaths: {
      type: "array",
      items: { type: "string" },
      default: [
        "/var/run/docker.sock",
        "/var/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/var/run/cri-dockerd.sock",
        "/var/run/podman/podman.sock",
        "/run/k3s/containerd/containerd.sock",
      ],
      description:
        "Host paths of container runtime sockets; /var/run and /run are treated as the same.",
    },
  },
  remediationSteps:
    "Remove the hostPath volume that exposes the runtime socket. Build images with a rootless " +
    "builder (BuildKit rootless, kaniko) and read container metadata from the Kubernetes API " +
    "instead of the runtime.",
  check: (pod, config) => {
    const sockets = stringsOf(config.socketPaths).map((socket) => ({
      written: socket,
      normalized: normalizeHostPath(socket),
    }));
    const messages: string[] = [];
    for (const volume of listOf(pod.podSpec?.volumes)) {
      const path = volume?.hostPath?.path;
      if (typeof path !== "string") continue;
      const mounted = normalizeHostPath(path);
      const exact = sockets.find((socket) => socket.normalized === mounted);
      if (exact) {
        messages.push(
          `${describeVolume(volume)} mounts the container runtime socket ${path} from the host`,
        );
        continue;
      }
      const prefix = mounted === "/" ? "/" : `${mounted}/`;
      const inside = sockets.find((socket) => socket.normalized.startsWith(prefix));
      if (inside) {
        messages.push(
          `${describeVolume(volume)} mounts host directory ${path}, which holds the container ` +
            `runtime socket ${inside.written}`,
        );
      }
    }
    return messages;
  },
  admission: podAdmission((config) => {
    const sockets = stringsOf(config.socketPaths);
    // A host path as the kernel resolves it, in a regular expression: any run of slashes for one,
    // an optional trailing slash, /var/run for /run.
    const pathPattern = (segments: readonly string[]) =>
      segments
        .map((segment, index) =>
          index === 0 && segment === "run"
            ? "(/+var)?/+run"
            : `/+${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
        )
        .join("");
    const segmentsOf = (socket: string) =>
      normalizeHostPath(socket)
        .split("/")
        .filter((segment) => segment !== "");
    const exact = sockets.map((socket) => `^${pathPattern(segmentsOf(socket))}/*$`);
    // Each socket with what a folder above it looks like: the root, or one of its parents.
    const holders = sockets.map((socket) => {
      const segments = segmentsOf(socket);
      const parents = segments
        .slice(0, -1)
        .map((_, end) => `^${pathPattern(segments.slice(0, end + 1))}/*$`);
      return `[${celString(socket)}, ${celString(["^/+$", ...parents].join("|"))}]`;
    });
    const isSocket =
      exact.length === 0 ? "false" : `v.hostPath.path.matches(${celString(exact.join("|"))})`;
    const hostPaths =
      "variables.podSpec.volumes.filter(v, has(v.hostPath) && has(v.hostPath.path))";
    const heldBy = `[${holders.join(", ")}].filter(s, v.hostPath.path.matches(s[1]))`;
    return [
      {
        expression: `!has(variables.podSpec.volumes) || !${hostPaths}.exists(v, ${isSocket})`,
        messageExpression: `${hostPaths}.filter(v, ${isSocket}).map(v, 'volume "' + v.name + '" mounts the container runtime socket ' + v.hostPath.path + ' from the host')[0]`,
      },
      {
        expression: `!has(variables.podSpec.volumes) || !${hostPaths}.exists(v, !(${isSocket}) && size(${heldBy}) > 0)`,
        messageExpression: `${hostPaths}.filter(v, !(${isSocket}) && size(${heldBy}) > 0).map(v, 'volume "' + v.name + '" mounts host directory ' + v.hostPath.path + ', which holds the container runtime socket ' + ${heldBy}[0][0])[0]`,
      },
    ];
  }),
});

export const noHostPorts = podRule({
  name: "no-host-ports",
  description:
    "Containers must not bind node ports: hostPort is unset or 0 (PSS baseline; Kyverno; " +
    "Polaris; CIS Docker 5.14; CKV_K8S_26).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `hostPort` from the container port and expose the port through a Service (and an " +
    "Ingress for HTTP).",
  check: (pod) => {
    const messages: string[] = [];
    for (const entry of pod.containers) {
      for (const port of listOf(entry.container?.ports)) {
        const hostPort = port?.hostPort;
        if (hostPort === undefined || hostPort === null || hostPort === 0) continue;
        const label = port?.name ? ` "${port.name}"` : "";
        messages.push(
          `${describeContainer(entry)} port${label} (containerPort ${port?.containerPort}) ` +
            `binds hostPort ${hostPort}; hostPort must be unset or 0`,
        );
      }
    }
    return messages;
  },
  admission: podAdmission(() =>
    everyContainer(
      "!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)",
      (role) =>
        `c.ports.filter(p, has(p.hostPort) && p.hostPort != 0).map(p, ${describedContainer(role)} + ' port' + (has(p.name) ? ' "' + p.name + '"' : '') + ' (containerPort ' + string(p.containerPort) + ') binds hostPort ' + string(p.hostPort) + '; hostPort must be unset or 0')[0]`,
    ),
  ),
});

export const noHostProcess = podRule({
  name: "no-host-process",
  description:
    "Windows pods must not run as HostProcess containers: windowsOptions.hostProcess is unset or " +
    "false on the pod and every container (PSS baseline; Kyverno; Polaris).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `securityContext.windowsOptions.hostProcess: true` from the pod and its containers " +
    "(and the hostNetwork it requires); a Windows node agent is exempted by name with a reason.",
  check: (pod) =>
    checkInherited(
      pod,
      (context) => context?.windowsOptions?.hostProcess,
      (value) =>
        value === true
          ? "sets windowsOptions.hostProcess: true (full access to the Windows node)"
          : undefined,
    ),
  admission: podAdmission(() =>
    inheritedValidations(
      "windowsOptions.hostProcess",
      "$value != true",
      "'sets windowsOptions.hostProcess: true (full access to the Windows node)'",
    ),
  ),
});

export const noControlPlaneTolerations = podRule({
  name: "no-control-plane-tolerations",
  description:
    "Pods do not tolerate the control-plane taints (node-role.kubernetes.io/control-plane, " +
    "node-role.kubernetes.io/master) and carry no blanket toleration (no key, operator Exists), " +
    "which tolerates every taint, the control plane's included: application pods never share a " +
    "node with the API server and etcd (Kyverno restrict-controlplane-scheduling).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    controlPlaneTaintKeys: {
      type: "array",
      items: { type: "string", minLength: 1 },
      default: ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"],
      description: "Taint keys that keep ordinary pods off control-plane nodes.",
    },
  },
  remediationSteps:
    "Remove from `tolerations` every entry whose key is a control-plane taint key, and replace " +
    "an entry with no key and `operator: Exists` by entries naming the taint keys the pod " +
    "actually needs to tolerate. The workload components set no tolerations; a node agent that " +
    "must run on control-plane nodes is exempted by name with a reason.",
  check: (pod, config) => {
    const controlPlaneKeys = stringsOf(config.controlPlaneTaintKeys);
    return listOf(pod.podSpec?.tolerations).flatMap((toleration, index): string[] => {
      const key = toleration?.key;
      const where = `tolerations[${index}]`;
      if (typeof key === "string" && controlPlaneKeys.includes(key)) {
        return [
          `${where}: a toleration of the control-plane taint "${key}" lets the pod run next to ` +
            "the API server and etcd; remove it",
        ];
      }
      if ((key === undefined || key === null || key === "") && toleration?.operator === "Exists") {
        const effect = toleration?.effect;
        const scope =
          typeof effect === "string" && effect !== ""
            ? `every taint with effect ${effect}`
            : "every taint";
        const controlPlane =
          effect === undefined || effect === null || effect === "" || effect === "NoSchedule"
            ? ", the control plane's included"
            : "";
        return [
          `${where}: a toleration with no key and operator Exists tolerates ` +
            `${scope}${controlPlane}; name the taint keys the pod needs instead`,
        ];
      }
      return [];
    });
  },
  // The messages name the toleration, not its index: CEL has no index over a list.
  admission: podAdmission((config) => {
    const tolerations = "(has(variables.podSpec.tolerations) ? variables.podSpec.tolerations : [])";
    const keyless = "(!has(t.key) || t.key == '')";
    const effect = "(has(t.effect) ? t.effect : '')";
    const blanket = `${keyless} && has(t.operator) && t.operator == 'Exists'`;
    const controlPlane = `has(t.key) && t.key in ${celStrings(stringsOf(config.controlPlaneTaintKeys))}`;
    return [
      {
        expression: `${tolerations}.all(t, !(${controlPlane}))`,
        messageExpression:
          `${tolerations}.filter(t, ${controlPlane}).map(t, 'a toleration of the control-plane ` +
          `taint "' + t.key + '" lets the pod run next to the API server and etcd; remove it')[0]`,
      },
      {
        expression: `${tolerations}.all(t, !(${blanket}))`,
        messageExpression:
          `${tolerations}.filter(t, ${blanket}).map(t, 'a toleration with no key and operator ` +
          `Exists tolerates every taint' + (${effect} != '' ? ' with effect ' + ${effect} : '') + ` +
          `(${effect} in ['', 'NoSchedule'] ? ", the control plane's included" : '') + '; name ` +
          `the taint keys the pod needs instead')[0]`,
      },
    ];
  }),
});
