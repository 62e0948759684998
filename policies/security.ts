// Pod and container hardening: Pod Security Standards (baseline and restricted) and the
// matching Kyverno, Polaris, kube-score, CIS Docker and Checkov rows; and the identity rows
// (service-account tokens and names, the default namespace). RBAC is ./rbac.ts.
//
// Where a field exists on both the pod and the container securityContext, Kubernetes applies the
// container's value over the pod's. Checks follow the Pod Security Standards on that: a forbidden
// value is reported where it is written (once for the pod, or for the container that sets it), and
// a required value is missing for a container only when neither it nor the pod sets one.
import type { Policies } from "@pulumi/policy";
import { minimumIdConfig, podRule, resourceRule, type PodView } from "./lib/define";
import { describeValue, joined } from "./lib/lists";
import {
  containerFields,
  describeContainer,
  isMapping,
  kindOf,
  listOf,
  podTemplatesOf,
  stringsOf,
  type ContainerEntry,
} from "./lib/kubernetes";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

// ---------------------------------------------------------------------------------------------
// Helpers

function quoted(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/**
 * The annotations whose key `wanted` accepts, as [key, value] pairs. Only those values are read:
 * during a preview another annotation's value may be unknown (the secret checksum is, until the
 * passwords exist), and reading it makes the engine skip the whole policy as "can't run".
 */
function annotationsNamed(metadata: any, wanted: (key: string) => boolean): [string, unknown][] {
  const annotations = metadata?.annotations ?? {};
  return Object.keys(annotations)
    .filter(wanted)
    .map((key) => [key, annotations[key]]);
}

/** Where a securityContext value is written: the pod, or one container. */
const podLevel = "pod securityContext";

/**
 * A securityContext field that exists on the pod and on containers. `forbidden` returns what is
 * wrong with a written value (or undefined when it is fine); `missing`, when given, is reported for
 * each container for which neither the container nor the pod writes the field.
 */
function checkInherited(
  pod: PodView,
  read: (context: any) => unknown,
  forbidden: (value: any) => string | undefined,
  missing?: string,
): string[] {
  const messages: string[] = [];
  const podValue = read(pod.podSpec?.securityContext ?? {});
  if (podValue !== undefined) {
    const problem = forbidden(podValue);
    if (problem) messages.push(`${podLevel} ${problem}`);
  }
  for (const entry of pod.containers) {
    const value = read(entry.container?.securityContext ?? {});
    if (value !== undefined) {
      const problem = forbidden(value);
      if (problem) messages.push(`${describeContainer(entry)} ${problem}`);
    } else if (podValue === undefined && missing) {
      messages.push(`${describeContainer(entry)} ${missing}`);
    }
  }
  return messages;
}

/** Container securityContext fields that have no pod-level counterpart. */
function containerContext(entry: ContainerEntry): any {
  return entry.container?.securityContext ?? {};
}

/** Capability names as Kubernetes writes them: upper case, without the CAP_ prefix. */
function capabilityName(value: string): string {
  const upper = value.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

/** The type of a volume: its one key besides `name` (an API volume has exactly one source). */
function volumeTypesOf(volume: any): string[] {
  return Object.keys(volume ?? {}).filter((key) => key !== "name");
}

function describeVolume(volume: any): string {
  return `volume "${volume?.name ?? "?"}"`;
}

/** A host path as the kernel resolves it: no doubled or trailing slash, /var/run is /run. */
function normalizeHostPath(value: string): string {
  let normalized = value.replace(/\/+/g, "/");
  if (normalized.length > 1) normalized = normalized.replace(/\/$/, "");
  if (normalized === "/var/run" || normalized.startsWith("/var/run/")) {
    normalized = normalized.slice("/var".length);
  }
  return normalized;
}

/** A sysctl name with "." separators (the API also accepts "/" as the separator). */
function sysctlName(value: string): string {
  const slash = value.indexOf("/");
  const dot = value.indexOf(".");
  if (slash === -1 || (dot !== -1 && dot < slash)) return value;
  return value.replace(/[./]/g, (separator) => (separator === "/" ? "." : "/"));
}

// ---------------------------------------------------------------------------------------------
// Well-formed pod specs

/** Pod spec fields that the API defines as lists. */
const podSpecLists = [
  "containers",
  "initContainers",
  "ephemeralContainers",
  "volumes",
  "imagePullSecrets",
  "tolerations",
  "hostAliases",
  "topologySpreadConstraints",
  "readinessGates",
  "resourceClaims",
  "schedulingGates",
];

/** Container fields that the API defines as lists. */
const containerListFields = [
  "command",
  "args",
  "ports",
  "env",
  "envFrom",
  "volumeMounts",
  "volumeDevices",
  "resizePolicy",
];

/** What is malformed in one container, as `<field> is <value>; <what is allowed>`. */
function containerShapeProblems(container: any): string[] {
  const problems: string[] = [];
  for (const field of containerListFields) {
    const value = container[field];
    if (value !== undefined && value !== null && !Array.isArray(value)) {
      problems.push(`${field} is ${describeValue(value)}; it must be a list`);
    }
  }
  const context = container.securityContext;
  if (context === undefined || context === null) return problems;
  if (!isMapping(context)) {
    return [...problems, `securityContext is ${describeValue(context)}; it must be a mapping`];
  }
  const capabilities = context.capabilities;
  if (capabilities === undefined || capabilities === null) return problems;
  if (!isMapping(capabilities)) {
    return [
      ...problems,
      `securityContext.capabilities is ${describeValue(capabilities)}; it must be a mapping`,
    ];
  }
  for (const field of ["add", "drop"]) {
    const value = capabilities[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || value.some((name) => typeof name !== "string")) {
      problems.push(
        `securityContext.capabilities.${field} is ${describeValue(value)}` +
          `${Array.isArray(value) ? " with an entry that is no string" : ""}; it must be a list of names`,
      );
    }
  }
  return problems;
}

export const podSpecWellFormed = podRule({
  name: "pod-spec-well-formed",
  description:
    "A pod spec has the shape the API defines: its lists (containers, volumes, tolerations, " +
    "securityContext.sysctls, …, and each container's ports, env, volumeMounts, …, " +
    "capabilities.add/drop) are lists, and " +
    "containers and securityContexts are mappings. The other rules read those fields; one they " +
    "could not read would otherwise pass unjudged.",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Write the field as the Kubernetes API defines it (e.g. `containers:` followed by `- name: …` " +
    "items, not a mapping); `kubectl create --dry-run=server -f FILE` shows what the API server " +
    "accepts.",
  check: (pod) => {
    const spec = pod.podSpec;
    if (!isMapping(spec)) return [`${pod.podPath} is ${describeValue(spec)}; it must be a mapping`];
    const messages: string[] = [];
    for (const field of podSpecLists) {
      const value = spec[field];
      if (value !== undefined && value !== null && !Array.isArray(value)) {
        messages.push(`${pod.podPath}.${field} is ${describeValue(value)}; it must be a list`);
      }
    }
    const context = spec.securityContext;
    if (context !== undefined && context !== null && !isMapping(context)) {
      messages.push(
        `${pod.podPath}.securityContext is ${describeValue(context)}; it must be a mapping`,
      );
    } else {
      for (const field of ["supplementalGroups", "sysctls"]) {
        const value = context?.[field];
        if (value !== undefined && value !== null && !Array.isArray(value)) {
          messages.push(
            `${pod.podPath}.securityContext.${field} is ${describeValue(value)}; it must be a list`,
          );
        }
      }
    }
    // The raw lists: pod.containers holds only the entries that are mappings.
    for (const [field, role] of containerFields) {
      listOf(spec[field]).forEach((container, index) => {
        if (!isMapping(container)) {
          messages.push(
            `${pod.podPath}.${field}[${index}] is ${describeValue(container)}; it must be a mapping`,
          );
          return;
        }
        for (const problem of containerShapeProblems(container)) {
          messages.push(`${describeContainer({ container, role })} ${problem}`);
        }
      });
    }
    return messages;
  },
});

// ---------------------------------------------------------------------------------------------
// Privilege and host access

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
          `${where} tolerates the control-plane taint "${key}", so the pod may run next to the ` +
            "API server and etcd; remove it",
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
          `${where} has no key and operator Exists, so it tolerates ${scope}${controlPlane}; ` +
            "name the taint keys the pod needs instead",
        ];
      }
      return [];
    });
  },
});

// ---------------------------------------------------------------------------------------------
// Capabilities and privilege escalation

export const capabilitiesDropAll = podRule({
  name: "capabilities-drop-all",
  description:
    "Containers drop ALL Linux capabilities and add back only those on the allow-list " +
    "(default NET_BIND_SERVICE), spelled exactly so, as Pod Security compares them (`all` is not " +
    "ALL) (PSS restricted; Kyverno; Polaris; CIS Docker 5.4; CKV_K8S_37).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedCapabilities: {
      type: "array",
      items: { type: "string" },
      default: ["NET_BIND_SERVICE"],
      description:
        "Capabilities a container may add back after dropping ALL, spelled exactly as Pod " +
        "Security compares them (upper case, no CAP_ prefix).",
    },
  },
  remediationSteps:
    'Set `securityContext.capabilities.drop: ["ALL"]` on every container and remove added ' +
    "capabilities that are not on the allow-list. Components get this from " +
    "components/model/security.ts (addCapabilities).",
  // Spelled exactly as written: Pod Security "restricted" compares the names as they are, so it
  // refuses `drop: ["all"]` and `add: ["net_bind_service"]`, and so does this rule.
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedCapabilities);
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const capabilities = containerContext(entry).capabilities ?? {};
      const dropped = stringsOf(capabilities.drop);
      if (!dropped.includes("ALL")) {
        const misspelt = dropped.filter((cap) => capabilityName(cap) === "ALL");
        const spelling =
          misspelt.length > 0
            ? `; Pod Security "restricted" accepts only the exact name ALL, not ${misspelt.map(quoted).join(", ")}`
            : "";
        messages.push(
          `${describeContainer(entry)} does not drop ALL capabilities (drop: ${joined(dropped)})` +
            `${spelling}; set capabilities.drop: ["ALL"]`,
        );
      }
      const refused = stringsOf(capabilities.add).filter((cap) => !allowed.includes(cap));
      if (refused.length > 0) {
        const permitted =
          allowed.length > 0 ? `only ${allowed.join(", ")} may be added back` : "none may be added";
        messages.push(`${describeContainer(entry)} adds ${joined(refused)}; ${permitted}`);
      }
    }
    return messages;
  },
});

export const noDangerousCapabilities = podRule({
  name: "no-dangerous-capabilities",
  description:
    "Containers never add capabilities that amount to root on the node or the network: ALL, " +
    "SYS_ADMIN, NET_ADMIN, NET_RAW and the others on the list, whatever the allow-list says " +
    "(PSS baseline; Kyverno; Polaris; CIS Docker 5.4; CKV_K8S_25/28/39).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    forbiddenCapabilities: {
      type: "array",
      items: { type: "string" },
      default: [
        "ALL",
        "SYS_ADMIN",
        "NET_ADMIN",
        "NET_RAW",
        "SYS_PTRACE",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "SYS_TIME",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
      ],
      description: "Capabilities no container may add (CAP_ prefix optional).",
    },
  },
  remediationSteps:
    "Remove the capability from `securityContext.capabilities.add`. If the workload really " +
    "needs it (a CNI or node agent), exempt it by name with a reason.",
  check: (pod, config) => {
    const forbidden = new Set(stringsOf(config.forbiddenCapabilities).map(capabilityName));
    const messages: string[] = [];
    for (const entry of pod.containers) {
      const added = stringsOf(containerContext(entry).capabilities?.add);
      for (const cap of added.filter((name) => forbidden.has(capabilityName(name)))) {
        messages.push(`${describeContainer(entry)} adds the dangerous capability ${cap}`);
      }
    }
    return messages;
  },
});

export const noPrivilegeEscalation = podRule({
  name: "no-privilege-escalation",
  description:
    "Containers set allowPrivilegeEscalation: false, so no setuid binary or file capability " +
    "can raise privileges (PSS restricted; Kyverno; Polaris; CIS Docker 5.26; CKV_K8S_20).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `securityContext.allowPrivilegeEscalation: false` on every container (the field has no " +
    "pod-level form; unset means true). Components get it from components/model/security.ts.",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).allowPrivilegeEscalation;
      if (value === false) return [];
      const shown = value === undefined ? "unset (defaults to true)" : quoted(value);
      return [`${describeContainer(entry)} allowPrivilegeEscalation is ${shown}; it must be false`];
    }),
});

// ---------------------------------------------------------------------------------------------
// Users and groups

export const runAsNonRoot = podRule({
  name: "run-as-non-root",
  description:
    "Containers run as a non-root user: runAsNonRoot is true and runAsUser/runAsGroup are at " +
    "least the configured minimum, on the container or inherited from the pod (PSS restricted; " +
    "Kyverno; Polaris; kube-score; CIS Docker 4.1; CKV_K8S_23/40).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("runAsUser/runAsGroup"),
  },
  remediationSteps:
    "Set `runAsNonRoot: true` and `runAsUser`/`runAsGroup` at or above the minimum in the pod " +
    "securityContext (and do not lower them on a container); components get this from " +
    "components/model/security.ts unless they opt out.",
  check: (pod, config) => {
    const minimum = Number(config.minimumId);
    const idRule = (field: string) => (value: any) =>
      typeof value === "number" && Number.isInteger(value) && value >= minimum
        ? undefined
        : `${field} is ${quoted(value)}; it must be at least ${minimum}`;
    return [
      ...checkInherited(
        pod,
        (context) => context?.runAsNonRoot,
        (value) =>
          value === true ? undefined : `runAsNonRoot is ${quoted(value)}; it must be true`,
        "does not set runAsNonRoot: true (neither the container nor the pod does)",
      ),
      ...["runAsUser", "runAsGroup"].flatMap((field) =>
        checkInherited(
          pod,
          (context) => context?.[field],
          idRule(field),
          `${field} is unset (neither the container nor the pod sets it); it must be at least ${minimum}`,
        ),
      ),
    ];
  },
});

export const nonRootGroups = podRule({
  name: "non-root-groups",
  description:
    "The pod's fsGroup and supplementalGroups are never root (0) and at least the configured " +
    "minimum when set (PSS restricted, non-root groups; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("fsGroup and supplemental group"),
  },
  remediationSteps:
    "Set the pod's `securityContext.fsGroup` and every `supplementalGroups` entry to a GID at or " +
    "above the minimum (components use fsGroup 10001 from components/model/security.ts).",
  check: (pod, config) => {
    const minimum = Number(config.minimumId);
    const context = pod.podSpec?.securityContext ?? {};
    const ok = (value: any) =>
      typeof value === "number" && Number.isInteger(value) && value >= minimum;
    const messages: string[] = [];
    if (context.fsGroup !== undefined && !ok(context.fsGroup)) {
      messages.push(
        `${podLevel} fsGroup is ${quoted(context.fsGroup)}; it must be at least ${minimum}`,
      );
    }
    for (const group of listOf(context.supplementalGroups).filter((value) => !ok(value))) {
      messages.push(
        `${podLevel} supplementalGroups has ${quoted(group)}; every group must be at least ${minimum}`,
      );
    }
    return messages;
  },
});

// ---------------------------------------------------------------------------------------------
// Kernel confinement: seccomp, AppArmor, SELinux, /proc, sysctls

export const seccompProfile = podRule({
  name: "seccomp-profile",
  description:
    "Every container runs under a seccomp profile of type RuntimeDefault or Localhost, set on " +
    "the container or inherited from the pod; Unconfined is never allowed (PSS restricted; " +
    "Kyverno; Polaris; kube-score; CIS Docker 5.22; CKV_K8S_31).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string", enum: ["RuntimeDefault", "Localhost"] },
      default: ["RuntimeDefault", "Localhost"],
      description: "Allowed seccompProfile.type values.",
    },
  },
  remediationSteps:
    "Set `securityContext.seccompProfile: {type: RuntimeDefault}` in the pod securityContext " +
    "(or Localhost with a localhostProfile), and remove any Unconfined profile or " +
    "`seccomp.security.alpha.kubernetes.io` annotation.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const messages = checkInherited(
      pod,
      (context) => context?.seccompProfile,
      (profile) => {
        const type = profile?.type;
        if (!allowed.includes(type)) {
          return `seccompProfile.type is ${quoted(type)}; it must be ${allowed.join(" or ")}`;
        }
        if (type === "Localhost" && !profile?.localhostProfile) {
          return "seccompProfile.type is Localhost without a localhostProfile";
        }
        return undefined;
      },
      `has no seccompProfile (neither the container nor the pod sets one); set type ${allowed.join(" or ")}`,
    );
    const legacy = (key: string) =>
      key === "seccomp.security.alpha.kubernetes.io/pod" ||
      key.startsWith("container.seccomp.security.alpha.kubernetes.io/");
    for (const [key, value] of annotationsNamed(pod.podMetadata, legacy)) {
      if (value === "unconfined") {
        messages.push(`annotation ${key} is "unconfined"; remove it and set seccompProfile`);
      }
    }
    return messages;
  },
});

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

export const appArmorProfile = podRule({
  name: "apparmor-profile",
  description:
    "No container runs AppArmor-unconfined: appArmorProfile.type (pod or container) is " +
    "RuntimeDefault or Localhost, and container.apparmor.security.beta.kubernetes.io/* " +
    "annotations are runtime/default or localhost/<profile> (PSS baseline; Kyverno; Polaris; " +
    "CIS Docker 5.2).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `appArmorProfile: {type: Unconfined}` and `unconfined` AppArmor annotations; leave " +
    "the runtime default or set `securityContext.appArmorProfile: {type: RuntimeDefault}`.",
  check: (pod) => {
    const messages = checkInherited(
      pod,
      (context) => context?.appArmorProfile,
      (profile) => {
        const type = profile?.type;
        if (type !== "RuntimeDefault" && type !== "Localhost") {
          return `appArmorProfile.type is ${quoted(type)}; it must be RuntimeDefault or Localhost`;
        }
        if (type === "Localhost" && !profile?.localhostProfile) {
          return "appArmorProfile.type is Localhost without a localhostProfile";
        }
        return undefined;
      },
    );
    const appArmorKey = (key: string) => key.startsWith(appArmorAnnotationPrefix);
    for (const [key, value] of annotationsNamed(pod.podMetadata, appArmorKey)) {
      if (value === "" || value === "runtime/default") continue;
      if (typeof value === "string" && /^localhost\/.+/.test(value)) continue;
      const name = key.slice(appArmorAnnotationPrefix.length);
      const entry = pod.containers.find((candidate) => candidate.container?.name === name);
      const who = entry ? describeContainer(entry) : `container "${name}"`;
      messages.push(
        `${who} AppArmor annotation is ${quoted(value)}; it must be runtime/default or ` +
          `localhost/<profile>`,
      );
    }
    return messages;
  },
});

export const seLinuxOptions = podRule({
  name: "selinux-options",
  description:
    "SELinux options never widen the container label: seLinuxOptions.type (pod or container) is " +
    "on the allow-list and user and role are not set (PSS baseline; Kyverno; Polaris; " +
    "CIS Docker 5.2).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string" },
      default: ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"],
      description: "Allowed seLinuxOptions.type values (PSS baseline's list).",
    },
  },
  remediationSteps:
    "Remove `seLinuxOptions.user` and `seLinuxOptions.role`, and set `seLinuxOptions.type` to an " +
    "allowed type (or remove it to get the runtime's container_t); `level` may stay.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const problems = (options: any): string | undefined => {
      const found: string[] = [];
      const type = options?.type;
      if (type !== undefined && type !== "" && !allowed.includes(type)) {
        found.push(`seLinuxOptions.type is ${quoted(type)}; allowed: ${joined(allowed)}`);
      }
      for (const field of ["user", "role"]) {
        const value = options?.[field];
        if (value !== undefined && value !== "") {
          found.push(`seLinuxOptions.${field} is ${quoted(value)}; it must not be set`);
        }
      }
      return found.length > 0 ? found.join("; ") : undefined;
    };
    return checkInherited(pod, (context) => context?.seLinuxOptions, problems);
  },
});

export const procMountDefault = podRule({
  name: "proc-mount-default",
  description:
    "Containers keep the default masked /proc: procMount is unset or Default (PSS baseline; " +
    "Kyverno; Polaris).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove `securityContext.procMount` from the container (or set it to Default).",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).procMount;
      if (value === undefined || value === "Default") return [];
      return [`${describeContainer(entry)} procMount is ${quoted(value)}; it must be Default`];
    }),
});

export const safeSysctls = podRule({
  name: "safe-sysctls",
  description:
    "Pods set only namespaced, node-isolated sysctls: the Pod Security Standards baseline safe " +
    "set (PSS baseline; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedSysctls: {
      type: "array",
      items: { type: "string" },
      default: [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
      ],
      description: "Sysctls a pod may set (PSS baseline's safe set as of Kubernetes 1.32).",
    },
  },
  remediationSteps:
    "Remove the sysctl from `securityContext.sysctls`; node-level kernel tuning belongs to the " +
    "node configuration, not to a workload.",
  check: (pod, config) => {
    const allowed = new Set(stringsOf(config.allowedSysctls).map(sysctlName));
    return listOf(pod.podSpec?.securityContext?.sysctls)
      .filter((sysctl) => !allowed.has(sysctlName(String(sysctl?.name))))
      .map(
        (sysctl) =>
          `${podLevel} sets sysctl ${sysctl?.name}; only the safe set (safe-sysctls ` +
          `allowedSysctls) may be set`,
      );
  },
});

// ---------------------------------------------------------------------------------------------
// Volumes and the filesystem

export const volumeTypeAllowlist = podRule({
  name: "volume-type-allowlist",
  description:
    "Pods use only volume types that cannot reach node or network storage outside the " +
    "cluster's control: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, " +
    "projected, secret (PSS restricted; Kyverno).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    allowedTypes: {
      type: "array",
      items: { type: "string" },
      default: [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
      ],
      description: "Volume source fields a pod volume may use.",
    },
  },
  remediationSteps:
    "Replace the volume with an allowed type: storage through a PersistentVolumeClaim, scratch " +
    "space through emptyDir, configuration through configMap/secret/projected.",
  check: (pod, config) => {
    const allowed = stringsOf(config.allowedTypes);
    const messages: string[] = [];
    for (const volume of listOf(pod.podSpec?.volumes)) {
      for (const type of volumeTypesOf(volume).filter((key) => !allowed.includes(key))) {
        messages.push(
          `${describeVolume(volume)} is of type ${type}; allowed types: ${joined(allowed)}`,
        );
      }
    }
    return messages;
  },
});

export const readOnlyRootFilesystem = podRule({
  name: "readonly-root-filesystem",
  description:
    "Containers mount their root filesystem read-only; writable paths are emptyDir volumes " +
    "(Kyverno; Polaris; kube-score; CIS Docker 5.13; CKV_K8S_22).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `securityContext.readOnlyRootFilesystem: true` on the container and mount an emptyDir " +
    "(with a sizeLimit) at each path it writes (/tmp, caches, sockets).",
  check: (pod) =>
    pod.containers.flatMap((entry) => {
      const value = containerContext(entry).readOnlyRootFilesystem;
      if (value === true) return [];
      const shown = value === undefined ? "unset" : quoted(value);
      return [`${describeContainer(entry)} readOnlyRootFilesystem is ${shown}; it must be true`];
    }),
});

const persistentVolumeType = "kubernetes:core/v1:PersistentVolume";

export const noHostPathPersistentVolumes = resourceRule({
  name: "no-host-path-persistent-volumes",
  description:
    "PersistentVolumes do not expose a node's filesystem: no hostPath and no local source. A pod " +
    "that mounts a claim bound to one gets that host path, while its own spec shows only a " +
    "PersistentVolumeClaim (the PSS baseline hostPath rule, applied to the volume behind the " +
    "claim). A local volume is a host directory bind-mounted the same way, and nothing in it " +
    "tells a dedicated disk from /, so it is refused too unless exempted.",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    forbiddenSources: {
      type: "array",
      items: { type: "string" },
      default: ["hostPath", "local"],
      description: "PersistentVolume sources that mount a path of the node.",
    },
  },
  remediationSteps:
    "Provision the volume through a StorageClass (a CSI driver's dynamic volumes) and let the " +
    "claim bind it. A local PersistentVolume on a disk mounted for it alone is exempted by name " +
    "with a reason naming the disk.",
  appliesTo: (type) => type === persistentVolumeType,
  check: (resource, config) =>
    stringsOf(config.forbiddenSources)
      .filter((source) => resource.props?.spec?.[source] !== undefined)
      .map((source) => {
        const path = resource.props.spec[source]?.path;
        return (
          `spec.${source} exposes the node's path ${typeof path === "string" ? path : "(no path)"} ` +
          `to every pod whose claim binds this volume; ${joined(stringsOf(config.forbiddenSources))} ` +
          "volumes are not allowed"
        );
      }),
});

// ---------------------------------------------------------------------------------------------
// Pod Security admission

const namespaceType = "kubernetes:core/v1:Namespace";
const enforceLabel = "pod-security.kubernetes.io/enforce";
const podSecurityLevels = ["privileged", "baseline", "restricted"];

export const namespacePodSecurity = resourceRule({
  name: "namespace-pod-security",
  description:
    "Every Namespace enforces a Pod Security level on the allow-list (default restricted): its " +
    "`pod-security.kubernetes.io/enforce` label is set and names a known level. The pack judges " +
    "the pods it sees; the label makes the API server refuse the ones it does not (created by " +
    "controllers, operators or kubectl). A namespace that needs a lower level (a node agent's) " +
    "is exempted by name with a reason.",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedLevels: {
      type: "array",
      items: { type: "string", enum: podSecurityLevels },
      default: ["restricted"],
      description:
        "Levels a namespace may enforce. restricted only: the pod rules hold pods to restricted, " +
        "and a baseline namespace would admit root pods the pack refuses.",
    },
  },
  remediationSteps:
    "Label the Namespace `pod-security.kubernetes.io/enforce: restricted` (and enforce-version, " +
    "warn and audit alike); components/kubernetes/namespace.ts does so by default. A namespace whose workloads " +
    "need host access keeps a lower level only through an exemption with the reason.",
  appliesTo: (type) => type === namespaceType,
  check: (resource, config) => {
    const allowed = stringsOf(config.allowedLevels);
    const labels = resource.props?.metadata?.labels;
    const level = isMapping(labels) ? labels[enforceLabel] : undefined;
    const fix = `set it to ${allowed.join(" or ")}`;
    if (level === undefined || level === null) {
      return [
        `has no ${enforceLabel} label, so Pod Security admits any pod there (unless the cluster ` +
          `sets a default); ${fix}`,
      ];
    }
    if (!podSecurityLevels.includes(level)) {
      return [
        `${enforceLabel} is ${quoted(level)}, which is not a Pod Security level ` +
          `(${podSecurityLevels.join(", ")}); ${fix}`,
      ];
    }
    if (!allowed.includes(level)) {
      return [`${enforceLabel} is "${level}"; allowed: ${joined(allowed)}; ${fix}`];
    }
    return [];
  },
});

// ---------------------------------------------------------------------------------------------
// Identity: service accounts, namespaces

const serviceAccountType = "kubernetes:core/v1:ServiceAccount";

export const serviceAccountTokenAutomount = resourceRule({
  name: "service-account-token-automount",
  description:
    "No API token is mounted by default: pods and ServiceAccounts set " +
    "automountServiceAccountToken: false; a workload that calls the Kubernetes API is exempted " +
    "by name (Kyverno; Polaris; CKV_K8S_38).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `automountServiceAccountToken: false` on the pod spec and on the ServiceAccount " +
    "(components/model/security.ts does both). A workload that needs the API keeps a token only " +
    "through an exemption with the reason, ideally as a projected, audience-bound token.",
  appliesTo: (type, props) => type === serviceAccountType || podTemplatesOf(type, props).length > 0,
  check: (resource) => {
    if (resource.type === serviceAccountType) {
      const value = resource.props?.automountServiceAccountToken;
      if (value === false) return [];
      const shown = value === undefined ? "unset (defaults to true)" : quoted(value);
      return [`automountServiceAccountToken is ${shown}; it must be false`];
    }
    const templates = podTemplatesOf(resource.type, resource.props);
    return templates.flatMap((template) => {
      const value = template.spec?.automountServiceAccountToken;
      if (value === false) return [];
      const shown =
        value === undefined
          ? "unset (the token is mounted unless the ServiceAccount disables it)"
          : quoted(value);
      const where = templates.length > 1 ? `pod template at ${template.path}: ` : "";
      return [`${where}automountServiceAccountToken is ${shown}; it must be false`];
    });
  },
});

export const dedicatedServiceAccount = podRule({
  name: "dedicated-service-account",
  description:
    "Every workload runs under its own ServiceAccount, never the namespace's `default` one " +
    "(CKV_K8S_41).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Create a ServiceAccount for the workload (automountServiceAccountToken: false) and set " +
    "`serviceAccountName` to it in the pod spec.",
  check: (pod) => {
    const name = pod.podSpec?.serviceAccountName ?? pod.podSpec?.serviceAccount;
    if (name === undefined || name === "") {
      return [
        'sets no serviceAccountName, so it runs as the namespace\'s "default" ServiceAccount; ' +
          "give it a dedicated one",
      ];
    }
    if (name === "default")
      return ['runs as the "default" ServiceAccount; give it a dedicated one'];
    return [];
  },
});

/** Pulumi types that are not Kubernetes objects: providers' component and meta resources. */
function isKubernetesObjectType(type: string): boolean {
  if (!type.startsWith("kubernetes:")) return false;
  const [, module = "", kind = ""] = type.split(":");
  if (/^(helm\.sh|yaml|kustomize)(\/|$)/.test(module)) return false;
  return !kind.endsWith("List");
}

export const noDefaultNamespace = resourceRule({
  name: "no-default-namespace",
  description:
    "Namespaced objects are never created in the `default` namespace, and name their namespace " +
    "explicitly (Kyverno; CKV_K8S_21).",
  severity: "low",
  enforcementLevel: "mandatory",
  config: {
    forbiddenNamespaces: {
      type: "array",
      items: { type: "string" },
      default: ["default"],
      description: "Namespaces no object may be created in.",
    },
    clusterScopedKinds: {
      type: "array",
      items: { type: "string" },
      default: [
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "StorageClass",
        "VolumeAttachment",
        "CSIDriver",
        "CSINode",
        "VolumeAttributesClass",
        "CustomResourceDefinition",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "CertificateSigningRequest",
        "ClusterTrustBundle",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "PodSecurityPolicy",
        "TokenReview",
        "SubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "SelfSubjectReview",
        "ComponentStatus",
        "IPAddress",
        "ServiceCIDR",
        "DeviceClass",
        "ResourceSlice",
        "ClusterIssuer",
        "ClusterPolicy",
        "ClusterSecretStore",
      ],
      description:
        "Kinds that have no namespace (a `Patch` suffix is ignored); add cluster-scoped custom " +
        "resource kinds here.",
    },
  },
  remediationSteps:
    "Set `metadata.namespace` to the application namespace (the stack's `namespace` setting); " +
    "without one, kubectl and a provider without a default namespace put the object in `default`.",
  appliesTo: isKubernetesObjectType,
  check: (resource, config) => {
    const kind = kindOf(resource.type).replace(/Patch$/, "");
    if (stringsOf(config.clusterScopedKinds).includes(kind)) return [];
    const namespace = resource.props?.metadata?.namespace;
    if (namespace === undefined || namespace === null || namespace === "") {
      return [
        'no namespace set; set metadata.namespace (without it, kubectl and a provider with no namespace configured use "default")',
      ];
    }
    if (stringsOf(config.forbiddenNamespaces).includes(namespace)) {
      return [`is in the "${namespace}" namespace; use the application namespace`];
    }
    return [];
  },
});

export const securityPolicies: Policies = [
  podSpecWellFormed,
  noPrivileged,
  hostNamespaces,
  noHostPath,
  noRuntimeSocket,
  noHostPorts,
  noHostProcess,
  noControlPlaneTolerations,
  capabilitiesDropAll,
  noDangerousCapabilities,
  noPrivilegeEscalation,
  runAsNonRoot,
  nonRootGroups,
  seccompProfile,
  appArmorProfile,
  seLinuxOptions,
  procMountDefault,
  safeSysctls,
  volumeTypeAllowlist,
  readOnlyRootFilesystem,
  noHostPathPersistentVolumes,
  namespacePodSecurity,
  serviceAccountTokenAutomount,
  dedicatedServiceAccount,
  noDefaultNamespace,
];
