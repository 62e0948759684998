// The Docker form of a WorkloadSpec's pieces, as pure functions: container hardening, limits,
// health checks and file placement. ./workload.ts turns them into @pulumi/docker resources.
import * as path from "node:path";
import { parseCpu, parseMemory } from "../config/quantity";
import type { SecurityProfile } from "../model/security";
import {
  defaultProbeTiming,
  type Check,
  type ConfigFile,
  type ContainerSpec,
  type JobSchedule,
  type ProbeTiming,
  type WorkloadSpec,
} from "../model/workload";

/**
 * Whole seconds as Go prints a duration ("40s", "10m0s", "1h0m0s"), which is how the provider
 * stores them back: "600s" would show as a change on every preview.
 */
export function goDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}

/**
 * A health check's timing: the workload's probe timing, as on Kubernetes, except the timeout,
 * which defaults to 10 s: Docker counts the exec of `wget` or `nc` in it, a probe's kubelet does not.
 */
export function dockerHealthTiming(probeTiming: Partial<ProbeTiming> = {}) {
  const timing = { ...defaultProbeTiming, ...probeTiming };
  return {
    interval: goDuration(timing.periodSeconds),
    retries: timing.failureThreshold,
    startPeriod: goDuration(timing.startPeriodSeconds),
    timeout: goDuration(probeTiming.timeoutSeconds ?? 10),
  };
}

/**
 * How long `pulumi up` waits for a container to become healthy: its whole start period and the
 * failures Docker counts after it, at least 3 minutes.
 */
export function healthWaitSeconds(probeTiming: Partial<ProbeTiming> = {}): number {
  const timing = { ...defaultProbeTiming, ...probeTiming };
  return Math.max(180, timing.startPeriodSeconds + timing.periodSeconds * timing.failureThreshold);
}

/**
 * The bounds of the platform's own helpers, which run nothing (the file helper, a replica's
 * sandbox) or one command (the volume owner).
 */
export const helperLimits = {
  securityOpts: ["no-new-privileges:true"],
  memory: 16,
  memorySwap: 16,
  cpus: "0.1",
  ulimits: [{ name: "nproc", soft: 16, hard: 16 }],
};

/**
 * The nproc ulimit (@pulumi/docker has no pids_limit). It counts every process of the container's
 * UID on the engine, in all its containers, not the container's alone.
 */
export const processLimit = 512;

/** Size of each writable tmpfs, as the Kubernetes emptyDirs' limit. */
export const tmpfsSize = "256m";

/**
 * A probe as a Docker health check command. Docker runs it inside the container: HTTP with
 * busybox's `wget` and TCP with `nc`, which the Alpine-based images carry; an exec check as is.
 * (Checked against a real dockerd with busybox 1.35.)
 */
export function healthCommand(check: Check, ports: ReadonlyMap<string, number>): string[] {
  if ("exec" in check) return ["CMD", ...check.exec.command];
  const port = ports.get("http" in check ? check.http.port : check.tcp.port);
  if (port === undefined) throw new Error(`health check names an unknown port`);
  if ("http" in check) {
    return ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${check.http.path}`];
  }
  // busybox's nc has no -z: connect with nothing to send, and give up after 3 s.
  return ["CMD-SHELL", `nc -w 3 127.0.0.1 ${port} </dev/null`];
}

/** The container's health check: its readiness check, at the workload's probe timing. */
export function healthcheck(container: ContainerSpec, probeTiming?: Partial<ProbeTiming>) {
  if (!container.probes) return undefined;
  const ports = new Map((container.ports ?? []).map((port) => [port.name, port.port]));
  return {
    tests: healthCommand(container.probes.readiness, ports),
    ...dockerHealthTiming(probeTiming),
  };
}

/**
 * Kubernetes quantities as Docker limits: memory in MB, CPUs as a decimal string, and swap equal
 * to memory (none beyond it, as on Kubernetes; left unset, Docker doubles it and every preview
 * shows the difference).
 */
export function dockerLimits(container: ContainerSpec): {
  memory: number;
  memorySwap: number;
  cpus: string;
} {
  const memory = parseMemory(container.resources.limits.memory);
  const cpu = parseCpu(container.resources.limits.cpu);
  if (memory === undefined || cpu === undefined) {
    throw new Error(`container ${container.name} has limits Docker cannot read`);
  }
  const megabytes = Math.ceil(memory / 2 ** 20);
  // As the provider stores it ("1.0", "0.5"): written "1", every preview would update it.
  const cpus = cpu % 1000 === 0 ? (cpu / 1000).toFixed(1) : String(cpu / 1000);
  return { memory: megabytes, memorySwap: megabytes, cpus };
}

/** The hardening of every container, from the resolved security profile. */
export function hardening(profile: SecurityProfile) {
  return {
    user: `${profile.runAsUser}:${profile.runAsGroup}`,
    groupAdds: [String(profile.fsGroup)],
    readOnly: profile.readOnlyRootFilesystem,
    privileged: false,
    capabilities: {
      drops: ["ALL"],
      ...(profile.addCapabilities.length > 0 ? { adds: [...profile.addCapabilities] } : {}),
    },
    securityOpts: profile.allowPrivilegeEscalation ? [] : ["no-new-privileges:true"],
    ulimits: [{ name: "nproc", soft: processLimit, hard: processLimit }],
  };
}

/**
 * Writable paths as tmpfs mounts (the root filesystem is read-only), and the scratch space as one
 * of its declared size: the Docker form of an emptyDir, private to the container and gone with
 * it. A tmpfs is memory: what the container writes there counts against its memory limit.
 */
export function tmpfsOf(container: ContainerSpec): Record<string, string> {
  const options = (size: string) => `rw,noexec,nosuid,size=${size}`;
  return Object.fromEntries([
    ...(container.writablePaths ?? []).map((writable) => [writable, options(tmpfsSize)]),
    ...(container.scratch
      ? [[container.scratch.path, options(dockerSize(container.scratch.size))]]
      : []),
  ]);
}

/** A Kubernetes quantity ("10Gi") as a size a tmpfs takes, in whole megabytes ("10240m"). */
export function dockerSize(quantity: string): string {
  const bytes = parseMemory(quantity);
  if (bytes === undefined) throw new Error(`size ${quantity} is not a quantity Docker can read`);
  return `${Math.ceil(bytes / 2 ** 20)}m`;
}

/**
 * Config files grouped by folder: Docker mounts a volume on a folder, not a single file, and
 * Docker 20 has no volume subpaths. Each folder becomes a volume filled before the container
 * starts; it replaces that folder of the image, so config folders hold only generated files.
 */
export function configFolders(files: readonly ConfigFile[]): Map<string, ConfigFile[]> {
  const folders = new Map<string, ConfigFile[]>();
  for (const file of files) {
    const folder = path.posix.dirname(file.mountPath);
    folders.set(folder, [...(folders.get(folder) ?? []), file]);
  }
  return folders;
}

/** A volume name for a folder of a workload: "/etc/redis" of redis → "redis-etc-redis". */
export function folderVolumeName(prefix: string, workload: string, folder: string): string {
  const slug = folder
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
  return `${prefix}-${workload}-${slug || "root"}`;
}

/** Every container's labels: what the Kubernetes objects carry, in Docker's form. */
export function dockerLabels(labels: Record<string, string>) {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
}

/** Whether the spec can run on Docker here; the reasons it cannot. */
export function dockerProblems(spec: WorkloadSpec): string[] {
  const where = (problem: string) => `workload ${spec.name}: ${problem} on Docker`;
  const problems: string[] = [];
  if (spec.kind === "daemon") problems.push(where("a daemon (one pod per node) has no meaning"));
  if (spec.apiAccess) problems.push(where("reading the Kubernetes API is impossible"));
  if (spec.kind === "operated") problems.push(where("a Kubernetes operator's resource cannot run"));
  if (spec.autoscaling) problems.push(where("autoscaling is not available"));
  return problems;
}

/** Where a scheduled job's loop records its last successful run (a tmpfs). */
export const lastSuccessFile = "/tmp/.last-success";
/** There while a scheduled job's first run is not due yet (`firstRunAfterMinutes`). */
export const firstRunPendingFile = "/tmp/.first-run-pending";

/**
 * Docker has no scheduler: a scheduled job becomes a container that runs its command every
 * `intervalMinutes`, each try stopped after `activeDeadlineSeconds` and a failed run tried again
 * up to `backoffLimit` times after 10 s, 20 s, 40 s… (at most 6 min), as the CronJob's Job does;
 * it records each success, and is healthy while the last one is recent (within two intervals),
 * which is what the CronJob's freshness alert watches on Kubernetes. Its first run is at start,
 * or `firstRunAfterMinutes` later (healthy until then: nothing is due).
 */
export function scheduledLoop(command: readonly string[], schedule: JobSchedule) {
  const { intervalMinutes } = schedule;
  const retries = schedule.backoffLimit ?? 1;
  const firstRun = schedule.firstRunAfterMinutes
    ? `touch ${firstRunPendingFile}; sleep ${schedule.firstRunAfterMinutes * 60}; ` +
      `rm -f ${firstRunPendingFile}; `
    : "";
  const loop =
    firstRun +
    "while :; do tries=0; delay=10; " +
    `until timeout ${schedule.activeDeadlineSeconds} "$@"; do status=$?; ` +
    `tries=$((tries + 1)); [ "$tries" -gt ${retries} ] && break; ` +
    'sleep "$delay"; delay=$((delay * 2)); [ "$delay" -gt 360 ] && delay=360; done; ' +
    `if [ "$tries" -le ${retries} ]; then touch ${lastSuccessFile}; ` +
    'else echo "scheduled run failed: $status" >&2; fi; ' +
    `sleep ${intervalMinutes * 60}; done`;
  return {
    command: ["sh", "-c", loop, "scheduled", ...command],
    healthcheck: {
      tests: [
        "CMD-SHELL",
        `test -e ${firstRunPendingFile} || ` +
          `test -n "$(find ${lastSuccessFile} -mmin -${intervalMinutes * 2} 2>/dev/null)"`,
      ],
      ...dockerHealthTiming(),
    },
  };
}
