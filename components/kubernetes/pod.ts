// The pod template of a workload: containers hardened from the resolved security profile, probes
// with the model's timing, secrets and config mounted as read-only files, writable emptyDirs.
// Pure: the same spec always gives the same object, and tests read it directly.
import type * as k8s from "./api";
import { parseMemory } from "../config/quantity";
import { servesClients } from "../model/flows";
import type { SecurityProfile } from "../model/security";
import {
  defaultProbeTiming,
  imageReference,
  mountedFiles,
  secretFileVariable,
  secretPath,
  type Check,
  type Probes,
  type Resources,
  type ProbeTiming,
  type ContainerSpec,
  type WorkloadSpec,
} from "../model/workload";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Size limit of each writable emptyDir, so a runaway writer cannot fill the node's disk. */
export const writableVolumeSizeLimit = "256Mi";
/** Secret files are readable by owner and group (fsGroup) only. */
export const secretFileMode = 0o440;
export const secretsVolume = "secrets";

/** Node disk a container may use for logs and writable layers, on top of its emptyDirs. */
export const ephemeralStorageRequest = "64Mi";
const ephemeralStorageBaseMi = 256;

/** The container's ephemeral-storage limit: its emptyDirs at their size limit, plus the base. */
export function ephemeralStorageLimit(container: ContainerSpec): string {
  const writable = (container.writablePaths ?? []).length * parseInt(writableVolumeSizeLimit, 10);
  const scratch = container.scratch
    ? Math.ceil((parseMemory(container.scratch.size) ?? 0) / 2 ** 20)
    : 0;
  return ephemeralStorageLimitFor(writable + scratch);
}

/** The ephemeral-storage limit of a container whose emptyDirs hold at most `emptyDirMi`. */
export function ephemeralStorageLimitFor(emptyDirMi: number): string {
  return `${ephemeralStorageBaseMi + emptyDirMi}Mi`;
}

/** A container's CPU and memory with the platform's ephemeral-storage request and `limit`. */
export function withEphemeralStorage(resources: Resources, limit: string) {
  return {
    requests: { ...resources.requests, "ephemeral-storage": ephemeralStorageRequest },
    limits: { ...resources.limits, "ephemeral-storage": limit },
  };
}

/**
 * Seconds a Deployment's serving container keeps serving after its pod is told to stop, before
 * SIGTERM: the endpoint controller, kube-proxy and the ingress controller drop the pod from their
 * routing meanwhile, so that no new connection reaches a process that is closing (a rollout, a
 * scale-down, a drained node). Within the default 30 s grace period.
 */
export const drainSeconds = 5;

export const configVolume = "config";
export const dataVolume = "data";

export interface PodNames {
  readonly serviceAccount: string;
  readonly secret: string;
  readonly configMap: string;
}

function handler(check: Check): Probe {
  if ("http" in check) return { httpGet: { path: check.http.path, port: check.http.port } };
  if ("tcp" in check) return { tcpSocket: { port: check.tcp.port } };
  return { exec: { command: [...check.exec.command] } };
}

function probes(container: ContainerSpec, spec: WorkloadSpec) {
  if (!container.probes) return {};
  return kubernetesProbes(container.probes, spec.probeTiming);
}

/** Readiness, liveness and startup probes from a container's checks, at the design's timing. */
export function kubernetesProbes(checks: Probes, probeTiming?: Partial<ProbeTiming>) {
  const timing = { ...defaultProbeTiming, ...probeTiming };
  const steady = {
    periodSeconds: timing.periodSeconds,
    failureThreshold: timing.failureThreshold,
    timeoutSeconds: timing.timeoutSeconds,
  };
  // The startup probe polls every 10s and gives up after the start period, after which the
  // liveness probe takes over: the Kubernetes form of Docker's start_period.
  const startupPeriod = 10;
  return {
    readinessProbe: { ...handler(checks.readiness), ...steady },
    livenessProbe: { ...handler(checks.liveness), ...steady },
    startupProbe: {
      ...handler(checks.startup ?? checks.readiness),
      periodSeconds: startupPeriod,
      failureThreshold: Math.ceil(timing.startPeriodSeconds / startupPeriod),
      timeoutSeconds: timing.timeoutSeconds,
    },
  };
}

/** A volume name for a writable path: "/var/cache/nginx" in "web" → "web-var-cache-nginx". */
export function writableVolumeName(container: string, path: string): string {
  const slug = path
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
  return `${container}-${slug || "root"}`.slice(0, 63).replace(/-+$/, "");
}

/** The pod-level security context of a resolved profile (../model/security.ts). */
export function podSecurityContext(profile: SecurityProfile) {
  return {
    runAsNonRoot: true,
    runAsUser: profile.runAsUser,
    runAsGroup: profile.runAsGroup,
    fsGroup: profile.fsGroup,
    seccompProfile: { type: profile.seccompProfile },
  };
}

function securityContext(profile: SecurityProfile): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: profile.runAsUser,
    runAsGroup: profile.runAsGroup,
    readOnlyRootFilesystem: profile.readOnlyRootFilesystem,
    allowPrivilegeEscalation: profile.allowPrivilegeEscalation,
    privileged: false,
    capabilities: {
      drop: ["ALL"],
      ...(profile.addCapabilities.length > 0 ? { add: [...profile.addCapabilities] } : {}),
    },
    seccompProfile: { type: profile.seccompProfile },
  };
}

function container(
  spec: WorkloadSpec,
  containerSpec: ContainerSpec,
  isMain: boolean,
  profile: SecurityProfile,
): Container {
  const mounted = mountedFiles(spec, containerSpec);
  const secretNames = mounted.secretFiles;
  const configNames = new Set(mounted.configFiles);

  const env: Record<string, string> = { ...containerSpec.env };
  for (const name of secretNames) env[secretFileVariable(name)] = secretPath(name);

  const volumeMounts: VolumeMount[] = [
    ...secretNames.map((name) => ({
      name: secretsVolume,
      mountPath: secretPath(name),
      subPath: name,
      readOnly: true,
    })),
    ...(spec.configFiles ?? [])
      .filter((file) => configNames.has(file.name))
      .map((file) => ({
        name: configVolume,
        mountPath: file.mountPath,
        subPath: file.name,
        readOnly: true,
      })),
    ...(containerSpec.writablePaths ?? []).map((path) => ({
      name: writableVolumeName(containerSpec.name, path),
      mountPath: path,
    })),
    ...(containerSpec.scratch
      ? [
          {
            name: writableVolumeName(containerSpec.name, containerSpec.scratch.path),
            mountPath: containerSpec.scratch.path,
          },
        ]
      : []),
    ...(isMain && spec.persistentVolume
      ? [{ name: dataVolume, mountPath: spec.persistentVolume.mountPath }]
      : []),
    // `readOnly` only when true: the provider drops a false one, and the diff would show it.
    ...(isMain ? (spec.claims ?? []) : []).map((claim) => ({
      name: claimVolumeName(claim.claimName),
      mountPath: claim.mountPath,
      ...(claim.readOnly ? { readOnly: true } : {}),
    })),
    ...(isMain ? (spec.host?.readOnlyPaths ?? []) : []).map((path) => ({
      name: hostVolumeName(path.name),
      mountPath: path.mountPath,
      readOnly: true,
      // Mounts the host makes later (a new disk) appear inside too.
      mountPropagation: "HostToContainer",
    })),
  ];

  return {
    name: containerSpec.name,
    // A built image by its pushed digest; a pulled one by its pinned reference.
    image: containerSpec.image.built?.reference ?? imageReference(containerSpec.image),
    imagePullPolicy: "IfNotPresent",
    ...(containerSpec.command ? { command: [...containerSpec.command] } : {}),
    ...(containerSpec.args ? { args: [...containerSpec.args] } : {}),
    ports: (containerSpec.ports ?? []).map((port) => ({
      name: port.name,
      containerPort: port.port,
      protocol: "TCP",
    })),
    env: Object.keys(env)
      .sort()
      .map((name) => ({ name, value: env[name] })),
    resources: withEphemeralStorage(containerSpec.resources, ephemeralStorageLimit(containerSpec)),
    ...probes(containerSpec, spec),
    ...(drains(spec, containerSpec)
      ? { lifecycle: { preStop: { sleep: { seconds: drainSeconds } } } }
      : {}),
    securityContext: securityContext(profile),
    volumeMounts,
  };
}

/** A replaceable pod's container that serves clients behind a Service (not a store, not a job). */
function drains(spec: WorkloadSpec, containerSpec: ContainerSpec): boolean {
  return (
    (spec.kind ?? "stateless") === "stateless" && (containerSpec.ports ?? []).some(servesClients)
  );
}

function claimVolumeName(claim: string): string {
  return `claim-${claim}`.slice(0, 63);
}

function hostVolumeName(name: string): string {
  return `host-${name}`;
}

/** The pod spec (without metadata) of a workload. */
export function podSpec(spec: WorkloadSpec, profile: SecurityProfile, names: PodNames): PodSpec {
  const volumes: Volume[] = [];
  if ((spec.secretFiles ?? []).length > 0) {
    volumes.push({
      name: secretsVolume,
      secret: { secretName: names.secret, defaultMode: secretFileMode },
    });
  }
  if ((spec.configFiles ?? []).length > 0) {
    volumes.push({ name: configVolume, configMap: { name: names.configMap } });
  }
  for (const containerSpec of spec.containers) {
    for (const path of containerSpec.writablePaths ?? []) {
      volumes.push({
        name: writableVolumeName(containerSpec.name, path),
        emptyDir: { sizeLimit: writableVolumeSizeLimit },
      });
    }
    if (containerSpec.scratch) {
      volumes.push({
        name: writableVolumeName(containerSpec.name, containerSpec.scratch.path),
        emptyDir: { sizeLimit: containerSpec.scratch.size },
      });
    }
  }

  for (const claim of spec.claims ?? []) {
    volumes.push({
      name: claimVolumeName(claim.claimName),
      persistentVolumeClaim: {
        claimName: claim.claimName,
        ...(claim.readOnly ? { readOnly: true } : {}),
      },
    });
  }

  for (const path of spec.host?.readOnlyPaths ?? []) {
    volumes.push({
      name: hostVolumeName(path.name),
      hostPath: { path: path.hostPath, type: "Directory" },
    });
  }

  return {
    ...(spec.host?.pid ? { hostPID: true } : {}),
    ...(spec.host?.network ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    // A Job's pod runs once; a failed run is retried as a new pod (the Job's backoffLimit).
    ...(spec.kind === "scheduled" ? { restartPolicy: "Never" } : {}),
    serviceAccountName: names.serviceAccount,
    automountServiceAccountToken: profile.automountServiceAccountToken,
    // Service links inject every Service's address as env vars; nothing here reads them.
    enableServiceLinks: false,
    securityContext: podSecurityContext(profile),
    containers: spec.containers.map((containerSpec, index) =>
      container(spec, containerSpec, index === 0, profile),
    ),
    volumes,
  };
}
