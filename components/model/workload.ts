// The workload model: one platform-neutral description of a service. Components build these;
// a renderer (../kubernetes, ../docker) turns them into platform resources. Every field is documented with
// its default; the defaults that matter for security live in ./security.
import type * as pulumi from "@pulumi/pulumi";
import type { Autoscaling, ImageRef, Resources } from "../config/schema";
import type { BuiltImage, ImageSpec } from "../config/types";
import type { SecurityProfile } from "./security";
import type { Zone } from "./zones";

export type { Autoscaling, BuiltImage, ImageRef, ImageSpec, Resources };

/** A named TCP port a container listens on; every port is published on the workload's Service. */
export interface PortSpec {
  /** IANA-style port name, at most 15 characters. */
  readonly name: string;
  readonly port: number;
  /** "serve" (default): open to the zones that may reach this workload; "metrics": open only to
   * the monitoring zone. */
  readonly purpose?: "serve" | "metrics";
  /**
   * Open this port to these zones instead of the workload's clients: Jaeger's OTLP receivers take
   * traces from the applications, while its query port stays the monitoring tier's. Default none.
   */
  readonly openTo?: readonly Zone[];
}

/** How a probe checks a container. `port` names a PortSpec of the same container. */
export type Check =
  | { readonly http: { readonly path: string; readonly port: string } }
  | { readonly tcp: { readonly port: string } }
  | { readonly exec: { readonly command: readonly string[] } };

/**
 * Health checks. Readiness and liveness are both required (a container without them is neither
 * routed nor restarted correctly); startup defaults to the readiness check.
 */
export interface Probes {
  readonly readiness: Check;
  readonly liveness: Check;
  readonly startup?: Check;
}

/** Probe timing, from the source design's health checks. */
export interface ProbeTiming {
  /** Default 30. */
  readonly periodSeconds: number;
  /** Default 3. */
  readonly failureThreshold: number;
  /** Grace before liveness counts, via the startup probe; default 40. */
  readonly startPeriodSeconds: number;
  /** Default 5. */
  readonly timeoutSeconds: number;
}

export const defaultProbeTiming: Readonly<ProbeTiming> = Object.freeze({
  periodSeconds: 30,
  failureThreshold: 3,
  startPeriodSeconds: 40,
  timeoutSeconds: 5,
});

/** A secret, mounted read-only at /run/secrets/<name>, with <NAME>_FILE set to that path. */
export interface SecretFile {
  /** File name: lowercase, digits, '-' (e.g. `database-password` → `DATABASE_PASSWORD_FILE`). */
  readonly name: string;
  /** Must be a secret Output. */
  readonly value: pulumi.Output<string>;
}

/** A non-secret configuration file, mounted read-only at `mountPath`. */
export interface ConfigFile {
  /** Key in the workload's ConfigMap. */
  readonly name: string;
  readonly mountPath: string;
  readonly content: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: ImageSpec;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Default none. */
  readonly ports?: readonly PortSpec[];
  /** Plain, non-secret environment. A secret never goes here: use SecretFile. */
  readonly env?: Readonly<Record<string, string>>;
  /** Names of the workload's secret files this container mounts; default: all of them. */
  readonly secretFiles?: readonly string[];
  /** Names of the workload's config files this container mounts; default: all of them. */
  readonly configFiles?: readonly string[];
  /** Required for services; a scheduled job's containers have none (they run to completion). */
  readonly probes?: Probes;
  readonly resources: Resources;
  /** Writable emptyDir mounts (the root filesystem is read-only); default none. */
  readonly writablePaths?: readonly string[];
  /** One larger writable emptyDir (a throwaway database), beyond the small writable paths. */
  readonly scratch?: { readonly path: string; readonly size: string };
}

/** A Prometheus scrape target: it opens the port to the monitoring zone and becomes a scrape job
 * (components/monitoring/prometheus-config.ts). */
export interface MetricsEndpoint {
  /** Name of a PortSpec on one of the workload's containers. */
  readonly port: string;
  /** Default "/metrics". */
  readonly path?: string;
  /**
   * The scrape job's name, which alerts and dashboards select by; default the workload's name, or
   * `<workload>-<port>` when it declares several endpoints.
   */
  readonly job?: string;
  /**
   * The metric families the application promises to expose here, which dashboards and alerts
   * may query (histograms by family name, e.g. `http_request_duration_seconds`). Exporters'
   * families are listed in components/monitoring/metrics-catalog.ts instead. Default none.
   */
  readonly families?: readonly string[];
}

/** When and how a scheduled job runs (kind "scheduled"). */
export interface JobSchedule {
  /** Standard 5-field cron expression, in UTC. */
  readonly cron: string;
  /** The cron's period in minutes: a platform without a scheduler (Docker) runs it this often. */
  readonly intervalMinutes: number;
  /** A run that cannot start this long after its time is skipped (and counted as missed). */
  readonly startingDeadlineSeconds: number;
  /** A run still going after this long is stopped and fails. */
  readonly activeDeadlineSeconds: number;
  /** Retries of a failed run before the Job fails; default 1. */
  readonly backoffLimit?: number;
  /**
   * Where there is no scheduler (Docker), the loop's first run is at start: this many minutes
   * later instead, for a job that needs what other jobs write first. Kubernetes runs the job on
   * its cron. Default 0.
   */
  readonly firstRunAfterMinutes?: number;
}

/** Storage that outlives any one workload, which several may mount (the backups' volume). */
export interface SharedVolumeSpec {
  readonly name: string;
  readonly size: string;
  /** Empty: the cluster's default StorageClass. */
  readonly storageClass: string;
  /** Labels on the volume, e.g. what it holds. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** An existing PersistentVolumeClaim mounted into the main container (shared storage). */
export interface ClaimMount {
  readonly claimName: string;
  readonly mountPath: string;
  /** Default false. */
  readonly readOnly?: boolean;
}

/** The workload's own storage, one volume per replica (each platform names it `data`). */
export interface PersistentVolume {
  readonly mountPath: string;
  readonly size: string;
  /** Empty: the cluster's default StorageClass. */
  readonly storageClass: string;
}

/** A read-only grant on the Kubernetes API (the verbs a collector needs, nothing that writes). */
export interface ReadRule {
  /** "" is the core group. */
  readonly apiGroups: readonly string[];
  /** Named resources, with subresources as `pods/log`; never "*". */
  readonly resources: readonly string[];
  readonly verbs: readonly ("get" | "list" | "watch")[];
}

/**
 * What a workload may read from the Kubernetes API (Prometheus's discovery, Alloy's log tailing,
 * kube-state-metrics). Declaring it mounts the ServiceAccount token and grants exactly these
 * rules: a Role and RoleBinding per namespace, and a ClusterRole only for what no namespace
 * holds (nodes).
 */
export interface ApiAccess {
  /** Rules granted in each of `namespaces`. */
  readonly namespaced?: readonly {
    readonly namespaces: readonly string[];
    readonly rules: readonly ReadRule[];
  }[];
  /** Rules on cluster-scoped resources only (nodes, nodes/proxy, nodes/metrics). */
  readonly cluster?: readonly ReadRule[];
}

/**
 * Access to the node itself, which only a node agent (node-exporter) needs and the "restricted"
 * Pod Security profile forbids: such a workload lives in its own namespace, with a declared
 * policy exemption. Only for kind "daemon".
 */
export interface HostAccess {
  /** The node's process namespace (hostPID). */
  readonly pid?: boolean;
  /** The node's network namespace (hostNetwork); its ports are then the node's. */
  readonly network?: boolean;
  /** Host folders mounted read-only, e.g. `/proc` at `/host/proc`. */
  readonly readOnlyPaths?: readonly {
    readonly name: string;
    readonly hostPath: string;
    readonly mountPath: string;
  }[];
}

/** How users outside the platform reach a workload (the gateway). */
export interface PublicEntry {
  /** Name of the PortSpec of the main container users reach. */
  readonly port: string;
  /** The domain users reach it at. */
  readonly host: string;
}

/** Scheduling priority: "critical" for the data stores, gateway and API; default "standard". */
export type Priority = "critical" | "standard";

export interface WorkloadSpec {
  /** Service and DNS name, e.g. "backend". */
  readonly name: string;
  /** Role label (app.kubernetes.io/component), e.g. "api", "database". */
  readonly component: string;
  /**
   * Default "stateless": a Deployment; "stateful" is a StatefulSet with stable storage; "daemon"
   * is a DaemonSet, one pod per node (`replicas` is then the node count its namespace's quota is
   * sized for); "operated" is an operator's custom resource (`operated`); "scheduled" is a CronJob that runs to completion on `schedule`, never two at once
   * (`replicas` is then 1: the pods one run needs).
   */
  readonly kind?: "stateless" | "stateful" | "daemon" | "scheduled" | "operated";
  /** Required for, and only for, kind "scheduled". */
  readonly schedule?: JobSchedule;
  /** Required for, and only for, kind "operated". */
  readonly operated?: OperatedBy;
  /** The first is the main container; the rest are sidecars (exporters). */
  readonly containers: readonly [ContainerSpec, ...ContainerSpec[]];
  readonly secretFiles?: readonly SecretFile[];
  readonly configFiles?: readonly ConfigFile[];
  /** Zone membership; at least one. */
  readonly zones: readonly Zone[];
  readonly replicas: number;
  /** Default none: a fixed replica count. */
  readonly autoscaling?: Autoscaling;
  /** Pods a voluntary disruption may take at once, when replicas ≥ 2; default 1. */
  readonly maxUnavailable?: number;
  /** Default "rolling" (zero downtime: a new pod is ready before an old one stops). */
  readonly updateStrategy?: "rolling" | "recreate";
  readonly persistentVolume?: PersistentVolume;
  /** Claims another component owns, mounted into the main container; default none. */
  readonly claims?: readonly ClaimMount[];
  /** Default none. */
  readonly metrics?: readonly MetricsEndpoint[];
  /**
   * Ports the workload's pods open to each other: replication, an operator's instance status,
   * Sentinels. A stateful workload's pods are then named in DNS before they are ready, so that
   * each finds the others while it starts. Default none.
   */
  readonly peerPorts?: readonly string[];
  /** Connections to named ports of another zone's members beyond what the zones allow (an app
   * exporting traces to Jaeger's OTLP port); default none. */
  readonly egress?: readonly { readonly zone: Zone; readonly ports: readonly string[] }[];
  /** Scrapes every metrics port of the installation and node agents' ports (Prometheus). */
  readonly scrapes?: boolean;
  /** Allow HTTPS to public addresses; default false. */
  readonly internetEgress?: boolean;
  /**
   * Reached by users from outside the platform; default none. Each renderer realises it its own
   * way: an Ingress of the cluster's controller (Kubernetes), the port published on the host
   * (Docker).
   */
  readonly publicEntry?: PublicEntry;
  /** Default "standard". */
  readonly priority?: Priority;
  /** Labels added to every resource of the workload (e.g. what a backup job backs up). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Default none. */
  readonly host?: HostAccess;
  /** Reads of the Kubernetes API; default none (no token is mounted). */
  readonly apiAccess?: ApiAccess;
  /** Explicit opt-outs from ./security's defaults; default none. */
  readonly security?: Partial<SecurityProfile>;
  readonly probeTiming?: Partial<ProbeTiming>;
}

/**
 * Pods an operator makes from a custom resource (kind "operated": CloudNativePG's PostgreSQL
 * instances). The renderer creates the resource, the Secrets it names and the NetworkPolicy; the
 * operator makes the pods, their Services and disruption budget, with its own hardened security
 * context. The spec's containers describe those pods, for what derives from them: the quota, the
 * network policy, the scrape targets.
 */
export interface OperatedBy {
  readonly apiVersion: string;
  readonly kind: string;
  /** The resource's spec, given what the operator is to put on every pod it makes. */
  readonly spec: (pods: OperatedPods) => Record<string, unknown>;
  /** Secrets the resource names, created beside it (`kubernetes.io/basic-auth` for credentials). */
  readonly secrets?: readonly {
    readonly name: string;
    readonly type: string;
    /** Secret Outputs, or plain values such as a user name. */
    readonly data: Readonly<Record<string, pulumi.Input<string>>>;
  }[];
  /** The Service the operator makes for the main container's ports (the primary's). */
  readonly service: string;
  /** The operator: its namespace's pods may reach `ports`. */
  readonly operator: { readonly namespace: string; readonly ports: readonly string[] };
  /**
   * Pods, each with its volume, the operator may run beside the instances at once: a new
   * standby's join job, or a cluster recovered to a point in time beside the running one.
   */
  readonly surge: number;
  /** The resource's status condition that says its pods serve (`Ready`): what a deploy awaits. */
  readonly readyCondition: string;
  /** The operator's other resources that name this one (a schedule of base backups). */
  readonly companions?: readonly {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly spec: Readonly<Record<string, unknown>>;
  }[];
}

/** What the platform asks of the pods an operator makes. */
export interface OperatedPods {
  /** The workload's labels and zone labels, which its policies and the scrape jobs select. */
  readonly labels: Readonly<Record<string, string>>;
  readonly priorityClassName: string;
}

/** Where a deployed workload is reached from inside the platform. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The secret and config files a container mounts: the ones it names, or by default all of the
 * workload's for the main container and none for a sidecar.
 */
export function mountedFiles(
  spec: WorkloadSpec,
  container: ContainerSpec,
): { readonly secretFiles: readonly string[]; readonly configFiles: readonly string[] } {
  const isMain = container === spec.containers[0];
  const all = (files: readonly { name: string }[] | undefined) =>
    isMain ? (files ?? []).map((file) => file.name) : [];
  return {
    secretFiles: container.secretFiles ?? all(spec.secretFiles),
    configFiles: container.configFiles ?? all(spec.configFiles),
  };
}

/** The path at which a workload's secret file is mounted. */
export function secretPath(name: string): string {
  return `/run/secrets/${name}`;
}

/** The variable that points at a secret file: `database-password` → `DATABASE_PASSWORD_FILE`. */
export function secretFileVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_FILE`;
}

/** Readiness over HTTP, liveness by TCP on the same port: cheap, and the two differ. */
export function httpProbes(port: string, path: string): Probes {
  return { readiness: { http: { path, port } }, liveness: { tcp: { port } } };
}

export function imageReference(image: ImageRef): string {
  if (image.digest) return `${image.repository}${image.tag ? `:${image.tag}` : ""}@${image.digest}`;
  return `${image.repository}:${image.tag}`;
}
