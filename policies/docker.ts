// Docker: the CIS Docker Benchmark rows and the Docker-only controls of policy-coverage.md, for
// the local Docker platform (@pulumi/docker v4/v5 Container, Network and RemoteImage inputs).
// Property names follow @pulumi/docker 5.2.0 (container.d.ts, types/input.d.ts). That provider
// has no `pidsLimit` and no `utsMode` input: the PID limit is read from `ulimits` (nproc), and
// the UTS namespace cannot be shared with the host through it.
import type { Policies } from "@pulumi/policy";
import { isSha256Digest, parseImage } from "./images";
import { minimumIdConfig, resourceRule, type RuleConfig, type RuleInfo } from "./lib/define";
import { isUnder, secretEnvFinding } from "./lib/secret-scan";
import { describeEnvFinding, detectionOptionsOf, secretDetectionConfig } from "./secrets";

/* eslint-disable @typescript-eslint/no-explicit-any -- policy props are untyped JSON */

export const dockerContainerType = "docker:index/container:Container";
export const dockerNetworkType = "docker:index/network:Network";
export const dockerRemoteImageType = "docker:index/remoteImage:RemoteImage";

/** A rule over `docker.Container` inputs. */
function containerRule(
  info: RuleInfo & { readonly check: (props: any, config: RuleConfig) => readonly string[] },
) {
  return resourceRule({
    ...info,
    appliesTo: (type) => type === dockerContainerType,
    check: (resource, config) => info.check(resource.props, config),
  });
}

/** A Docker duration ("30s", "1m30s", "500ms") in milliseconds, or undefined. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string" || !/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) {
    return undefined;
  }
  const unitMs: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * unitMs[unit];
  }
  return total;
}

/** A value for a message: quoted when set, `unset` otherwise. */
const shown = (value: unknown) => (value === undefined ? "unset" : JSON.stringify(value));

const capabilityName = (name: unknown) => String(name).toUpperCase().replace(/^CAP_/, "");

export const dockerNonRoot = containerRule({
  name: "docker-non-root",
  description:
    "Docker containers run as a numeric non-root UID (and GID) of at least the configured " +
    "minimum (CIS Docker 4.1; uid-gid-minimum; seed: UID >= 1001).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    minimumId: minimumIdConfig("UID and GID in `user`"),
  },
  remediationSteps:
    'Set `user: "1001:1001"` (a numeric UID:GID at or above the minimum) on the container; ' +
    "user names resolve inside the image and may map to root.",
  check: (props, config) => {
    const minimum = Number(config.minimumId);
    const user = props.user;
    if (typeof user !== "string" || user.trim() === "") {
      return [
        `user is unset, so the container runs as the image's user (often root); set user to a ` +
          `numeric UID:GID of at least ${minimum}, e.g. "${minimum}:${minimum}"`,
      ];
    }
    const [uid, gid] = user.split(":");
    const messages: string[] = [];
    for (const [label, id] of [
      ["UID", uid],
      ["GID", gid],
    ] as const) {
      if (id === undefined) continue;
      if (!/^\d+$/.test(id)) {
        messages.push(
          `user "${user}" has a non-numeric ${label} "${id}"; use a numeric ${label} of at ` +
            `least ${minimum}`,
        );
      } else if (Number(id) < minimum) {
        messages.push(`user "${user}" has ${label} ${id}; it must be at least ${minimum}`);
      }
    }
    return messages;
  },
});

export const dockerReadOnly = containerRule({
  name: "docker-read-only",
  description:
    "Docker containers run with a read-only root filesystem (CIS Docker 5.13; readonly-rootfs).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Set `readOnly: true` and give the paths the process writes a `tmpfs` entry or a volume.",
  check: (props) =>
    props.readOnly === true
      ? []
      : ["readOnly is not true; set readOnly: true and put writable paths on tmpfs or volumes"],
});

export const dockerNoPrivileged = containerRule({
  name: "docker-no-privileged",
  description: "Docker containers do not run privileged (CIS Docker 5.5; no-privileged).",
  severity: "critical",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Remove `privileged: true`; add the one capability the process needs instead, if any.",
  check: (props) => (props.privileged === true ? ["runs privileged; remove privileged: true"] : []),
});

export const dockerCapsDropAll = containerRule({
  name: "docker-caps-drop-all",
  description:
    "Docker containers drop ALL capabilities and add back only allow-listed ones " +
    "(CIS Docker 5.4; caps-drop-all; caps-no-dangerous-add).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    allowedCapabilities: {
      type: "array",
      items: { type: "string" },
      default: ["NET_BIND_SERVICE"],
      description: "Capabilities a container may add back after dropping ALL.",
    },
  },
  remediationSteps:
    'Set `capabilities: { drops: ["ALL"] }` and list in `adds` only capabilities from the ' +
    "allow-list that the process needs.",
  check: (props, config) => {
    const allowed = (config.allowedCapabilities as string[]).map(capabilityName);
    const drops: string[] = (props.capabilities?.drops ?? []).map(capabilityName);
    const messages: string[] = [];
    if (!drops.includes("ALL")) {
      messages.push(
        `capabilities.drops is [${drops.join(", ")}]; it must include ALL (drops: ["ALL"])`,
      );
    }
    for (const added of props.capabilities?.adds ?? []) {
      if (!allowed.includes(capabilityName(added))) {
        messages.push(
          `capabilities.adds includes ${added}, which is not allowed; allowed: ` +
            `${allowed.join(", ") || "none"}`,
        );
      }
    }
    return messages;
  },
});

export const dockerNoNewPrivileges = containerRule({
  name: "docker-no-new-privileges",
  description:
    "Docker containers set the no-new-privileges security option (CIS Docker 5.26; " +
    "no-priv-escalation).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: 'Add "no-new-privileges:true" to `securityOpts`.',
  check: (props) => {
    const options: string[] = [...(props.securityOpts ?? [])].map(String);
    const set = options.some((option) => /^no-new-privileges(?:[:=]true)?$/i.test(option.trim()));
    return set ? [] : ['securityOpts does not include "no-new-privileges:true"; add it'];
  },
});

export const dockerResourceLimits = containerRule({
  name: "docker-resource-limits",
  description:
    "Docker containers have a memory limit and a CPU limit (CIS Docker 5.11/5.12; " +
    "memory-limit / cpu-limit).",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set `memory` (MB) and `cpus` (e.g. "1.0") or `cpuQuota`; `cpuShares` is only a relative ' +
    "weight, not a limit.",
  check: (props) => {
    const messages: string[] = [];
    if (!(typeof props.memory === "number" && props.memory > 0)) {
      messages.push(`memory is ${props.memory ?? "unset"}; set a memory limit in MB`);
    }
    const cpus = Number(props.cpus);
    const quota = Number(props.cpuQuota);
    if (!(cpus > 0) && !(quota > 0)) {
      messages.push(
        `has no CPU limit (cpus is ${props.cpus === undefined ? "unset" : `"${props.cpus}"`}); ` +
          `set cpus (e.g. "1.0") or cpuQuota, cpuShares is only a relative weight`,
      );
    }
    return messages;
  },
});

export const dockerPidsLimit = containerRule({
  name: "docker-pids-limit",
  description:
    "Docker containers limit the number of processes, against fork bombs (CIS Docker 5.29; " +
    "pids-limit). @pulumi/docker has no pids_limit input, so the limit is the `nproc` ulimit.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Add `ulimits: [{ name: "nproc", soft: 512, hard: 512 }]` (positive soft and hard limits, ' +
    "soft ≤ hard), sized for the process's threads.",
  check: (props) => {
    const nproc = [...(props.ulimits ?? [])].find((limit: any) => limit?.name === "nproc");
    if (!nproc) {
      return ['sets no process limit; add ulimits [{ name: "nproc", soft: N, hard: N }], N > 0'];
    }
    const soft = Number(nproc.soft);
    const hard = Number(nproc.hard);
    if (!(soft > 0 && hard > 0 && soft <= hard)) {
      return [
        `ulimit nproc is soft ${nproc.soft}, hard ${nproc.hard}; both must be positive with ` +
          `soft ≤ hard`,
      ];
    }
    return [];
  },
});

export const dockerRestartPolicy = containerRule({
  name: "docker-restart-policy",
  description:
    'Docker containers restart "on-failure" with a bounded retry count, or "unless-stopped" ' +
    "(CIS Docker 5.15; restart-policy).",
  severity: "low",
  enforcementLevel: "mandatory",
  remediationSteps:
    'Set `restart: "on-failure"` with `maxRetryCount` above 0 (e.g. 5), or ' +
    '`restart: "unless-stopped"`.',
  check: (props) => {
    const restart = props.restart;
    if (restart === "unless-stopped") return [];
    if (restart === "on-failure") {
      const retries = props.maxRetryCount;
      return typeof retries === "number" && retries > 0
        ? []
        : [
            `restart is "on-failure" with maxRetryCount ${retries ?? "unset"}; set ` +
              `maxRetryCount above 0 (e.g. 5)`,
          ];
    }
    const shown = restart === undefined ? `unset (Docker's default "no")` : `"${restart}"`;
    return [
      `restart is ${shown}; use "on-failure" with maxRetryCount above 0, or "unless-stopped"`,
    ];
  },
});

export const dockerHealthcheck = containerRule({
  name: "docker-healthcheck",
  description:
    "Docker containers have a healthcheck with the seed's timing: interval 30s, 3 retries, a " +
    "start period of at least 40s (CIS Docker 5.27; probe-timing (seed)).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    interval: {
      type: "string",
      default: "30s",
      description: "Required healthcheck interval (a Docker duration).",
    },
    retries: { type: "integer", minimum: 1, default: 3, description: "Required retries." },
    minStartPeriod: {
      type: "string",
      default: "40s",
      description: "Shortest allowed start period (a Docker duration).",
    },
  },
  remediationSteps:
    'Set `healthcheck: { tests: ["CMD", …], interval: "30s", retries: 3, startPeriod: "40s", ' +
    'timeout: "5s" }` with a command that fails when the service is unhealthy.',
  check: (props, config) => {
    const interval = String(config.interval);
    const retries = Number(config.retries);
    const minStartPeriod = String(config.minStartPeriod);
    const healthcheck = props.healthcheck;
    if (!healthcheck) {
      return [
        `has no healthcheck; set healthcheck with tests, interval "${interval}", retries ` +
          `${retries} and startPeriod of at least "${minStartPeriod}"`,
      ];
    }
    const messages: string[] = [];
    const tests: string[] = [...(healthcheck.tests ?? [])].map(String);
    if (tests.length === 0 || tests[0].toUpperCase() === "NONE") {
      messages.push(
        `healthcheck.tests is ${tests.length === 0 ? "empty" : "NONE"}; set a command, e.g. ` +
          `["CMD", "curl", "-f", "http://localhost:PORT/health"]`,
      );
    }
    if (parseDuration(healthcheck.interval) !== parseDuration(interval)) {
      messages.push(
        `healthcheck.interval is ${shown(healthcheck.interval)}; set it to ` + `"${interval}"`,
      );
    }
    if (healthcheck.retries !== retries) {
      messages.push(
        `healthcheck.retries is ${healthcheck.retries ?? "unset"}; set it to ${retries}`,
      );
    }
    const startPeriod = parseDuration(healthcheck.startPeriod);
    if (startPeriod === undefined || startPeriod < parseDuration(minStartPeriod)!) {
      messages.push(
        `healthcheck.startPeriod is ${shown(healthcheck.startPeriod)}; set ` +
          `it to at least "${minStartPeriod}"`,
      );
    }
    return messages;
  },
});

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

/** Why an image reference is not pinned, or undefined. */
export function imagePinProblem(image: string, requireDigest: boolean): string | undefined {
  // A bare image ID (what a RemoteImage's imageId gives) is as pinned as a digest.
  if (isSha256Digest(image)) return undefined;
  const reference = parseImage(image);
  if (isSha256Digest(reference.digest)) return undefined;
  if (reference.tag === undefined) {
    return `image "${image}" has no tag, so Docker pulls latest; pin a version tag or a digest`;
  }
  if (reference.tag === "latest")
    return `image "${image}" uses the latest tag; pin a version tag or a digest`;
  if (requireDigest) {
    return `image "${image}" is not pinned by digest; append @sha256:<digest>`;
  }
  return undefined;
}

export const dockerImagePinned = resourceRule({
  name: "docker-image-pinned",
  description:
    "Docker container images and RemoteImages are pinned by a version tag (not latest) or a " +
    "digest; digests can be required by config (image-tag-pinned; image-digest (config)).",
  severity: "medium",
  enforcementLevel: "mandatory",
  config: {
    requireDigest: {
      type: "boolean",
      default: false,
      description: "Require @sha256 digests (or image IDs), not only version tags.",
    },
  },
  remediationSteps:
    'Reference images as "registry/name:1.2.3" or "registry/name@sha256:…" in the stack file; ' +
    "give containers the RemoteImage's `imageId` or `repoDigest`.",
  appliesTo: (type) => type === dockerContainerType || type === dockerRemoteImageType,
  check: (resource, config) => {
    const field = resource.type === dockerContainerType ? "image" : "name";
    const image = resource.props[field];
    if (typeof image !== "string" || image === "") return [`${field} is unset; set a pinned image`];
    const problem = imagePinProblem(image, config.requireDigest === true);
    return problem ? [problem] : [];
  },
});

export const dockerInternalNetworks = resourceRule({
  name: "docker-internal-networks",
  description:
    "Docker networks of the data and tool tiers (names ending in database, cache, mcp) are " +
    "internal, with no route outside Docker (data-tier-isolation (seed); seed Docker Phase 3 " +
    "test 6).",
  severity: "high",
  enforcementLevel: "mandatory",
  config: {
    internalNetworks: {
      type: "array",
      items: { type: "string" },
      default: ["database", "cache", "mcp"],
      description: "Network name endings that must be internal.",
    },
  },
  remediationSteps:
    "Set `internal: true` on the network; services that need the outside world join a second, " +
    "non-internal network.",
  appliesTo: (type) => type === dockerNetworkType,
  check: (resource, config) => {
    const name = String(resource.props.name ?? resource.ref.name);
    const suffix = (config.internalNetworks as string[]).find((ending) =>
      name.toLowerCase().endsWith(ending.toLowerCase()),
    );
    if (suffix === undefined || resource.props.internal === true) return [];
    return [
      `network "${name}" must be internal (its name ends in "${suffix}"); set internal: true`,
    ];
  },
});

export const dockerNoSecretEnv = containerRule({
  name: "docker-no-secret-env",
  description:
    "Docker container `envs` hold no secret: no literal value for a secret-named variable and " +
    "no value that looks like a key; secrets come as files under /run/secrets with `*_FILE` " +
    "variables (no-literal-secret-env; secrets-as-files; seed Docker Phase 3 tests 1 and 7).",
  severity: "critical",
  enforcementLevel: "mandatory",
  config: secretDetectionConfig,
  remediationSteps:
    "Remove the `NAME=value` entry from `envs`; mount the secret read-only under /run/secrets/ " +
    "(a volume or bind mount of the secret file) and set `NAME_FILE=/run/secrets/<file>`; " +
    "rotate any secret that was committed.",
  check: (props, config) => {
    const options = detectionOptionsOf(config);
    const messages: string[] = [];
    for (const entry of props.envs ?? []) {
      const text = String(entry);
      const separator = text.indexOf("=");
      if (separator <= 0) continue;
      const name = text.slice(0, separator);
      const finding = secretEnvFinding(name, text.slice(separator + 1), options);
      if (finding)
        messages.push(describeEnvFinding(name, finding, String(options.secretMountPrefix)));
    }
    return messages;
  },
});

export const dockerPolicies: Policies = [
  dockerNonRoot,
  dockerReadOnly,
  dockerNoPrivileged,
  dockerCapsDropAll,
  dockerNoNewPrivileges,
  dockerResourceLimits,
  dockerPidsLimit,
  dockerRestartPolicy,
  dockerHealthcheck,
  dockerHostNamespaces,
  dockerNoRuntimeSocket,
  dockerPrivilegedPorts,
  dockerImagePinned,
  dockerInternalNetworks,
  dockerNoSecretEnv,
];
