// Host access: the host's namespaces, the container runtime socket, and published host ports.
import { containerRule } from "../lib/docker";
import { isUnder } from "../lib/secret-scan";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

const namespaceModes = [
  ["networkMode", "network"],
  ["pidMode", "PID"],
  ["ipcMode", "IPC"],
  ["usernsMode", "user"],
  ["cgroupnsMode", "cgroup"],
] as const;

export const dockerHostNamespaces = containerRule({
  name: "docker-host-namespaces",
  description:
    "Docker containers share no namespace with the host: network, PID, IPC, user and cgroup " +
    'modes are not "host" (CIS Docker 5.10/5.16/5.17/5.31; no-host-network / pid / ipc; ' +
    "no-host-uts-userns).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Remove `networkMode: "host"` (use a user-defined network and published ports), and ' +
    '`pidMode`, `ipcMode`, `usernsMode` or `cgroupnsMode` set to "host".',
  check: (props) =>
    namespaceModes
      .filter(([field]) => String(props[field] ?? "").toLowerCase() === "host")
      .map(
        ([field, namespace]) =>
          `${field} is "host", sharing the host's ${namespace} namespace; remove it`,
      ),
});

export const dockerNoRuntimeSocket = containerRule({
  name: "docker-no-runtime-socket",
  description:
    "Docker containers do not mount the container runtime socket (docker, containerd, CRI-O, " +
    "podman), nor a host folder containing it (CIS Docker 5.32; no-runtime-socket; CKV_K8S_27).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: {
    runtimeSockets: {
      type: "array",
      items: { type: "string" },
      default: [
        "/var/run/docker.sock",
        "/run/docker.sock",
        "/var/run/containerd/containerd.sock",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/run/crio/crio.sock",
        "/var/run/cri-dockerd.sock",
        "/run/podman/podman.sock",
      ],
      description: "Host paths of container runtime sockets.",
    },
  },
  remediationSteps:
    "Remove the volume or bind mount of the socket (or of the folder holding it); access to " +
    "the runtime socket is root on the host. Use a socket proxy with a read-only API allow-list " +
    "if a tool truly needs it, and exempt that container by name with a reason.",
  check: (props, config) => {
    const sockets = config.runtimeSockets as string[];
    const binds: { readonly source: string; readonly target: string; readonly what: string }[] = [
      ...[...(props.volumes ?? [])]
        .filter((volume: any) => typeof volume?.hostPath === "string")
        .map((volume: any) => ({
          source: volume.hostPath,
          target: String(volume.containerPath ?? volume.hostPath),
          what: "volume",
        })),
      ...[...(props.mounts ?? [])]
        .filter((mount: any) => mount?.type === "bind" && typeof mount.source === "string")
        .map((mount: any) => ({
          source: mount.source,
          target: String(mount.target),
          what: "mount",
        })),
    ];
    const messages: string[] = [];
    for (const bind of binds) {
      const exposed = sockets.filter((socket) => isUnder(socket, bind.source));
      if (exposed.length === 0) continue;
      messages.push(
        `${bind.what} of host path ${bind.source} at ${bind.target} exposes the runtime socket ` +
          `${exposed.join(", ")}; remove it (socket access is root on the host)`,
      );
    }
    return messages;
  },
});

export const dockerPrivilegedPorts = containerRule({
  name: "docker-privileged-ports",
  description:
    "Docker containers publish no host port below 1024, and bind every published port to an " +
    "allowed interface, not all interfaces (CIS Docker 5.8/5.14; no-privileged-host-ports).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedBindAddresses: {
      type: "array",
      items: { type: "string" },
      default: ["127.0.0.1"],
      description: "Host addresses published ports may bind to (never 0.0.0.0 or ::).",
    },
    minimumHostPort: {
      type: "integer",
      minimum: 1,
      default: 1024,
      description: "Lowest host port a container may publish.",
    },
  },
  remediationSteps:
    "Publish each port on a host port at or above 1024 (`external`) and set `ip` to an allowed " +
    'address (e.g. "127.0.0.1", behind the reverse proxy); do not set `publishAllPorts`.',
  check: (props, config) => {
    const allowed = config.allowedBindAddresses as string[];
    const minimum = Number(config.minimumHostPort);
    const messages: string[] = [];
    if (props.publishAllPorts === true) {
      messages.push(
        "publishAllPorts is true, publishing every exposed port on all interfaces; list ports " +
          "explicitly instead",
      );
    }
    for (const port of props.ports ?? []) {
      const where = `port ${port?.internal}`;
      if (typeof port?.external === "number" && port.external < minimum) {
        messages.push(
          `${where} is published on host port ${port.external}; publish it on ${minimum} or above`,
        );
      }
      const ip = typeof port?.ip === "string" && port.ip !== "" ? port.ip : "0.0.0.0";
      if (!allowed.includes(ip)) {
        const all = ip === "0.0.0.0" || ip === "::" ? " (all interfaces)" : "";
        messages.push(
          `${where} is published on ${ip}${all}; set ip to one of ${allowed.join(", ")}`,
        );
      }
    }
    return messages;
  },
});
