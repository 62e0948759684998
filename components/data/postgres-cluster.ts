// PostgreSQL as a CloudNativePG cluster (`database.engine: cloudnative-pg`): a primary and hot
// standbys with synchronous replication and automatic failover, each instance on its own node
// and volume. The application connects through the operator's read-write Service, which follows
// the primary; the read-only role for Grafana is created at bootstrap and its password kept by
// the operator's managed roles. The instance manager exports the metrics (no exporter sidecar).
import * as pulumi from "@pulumi/pulumi";
import type { DatabaseSettings } from "../config";
import type { ServiceArgs } from "../model/service";
import { recoveryStartPeriodSeconds } from "../model/start-up-budget";
import {
  defaultProbeTiming,
  imageReference,
  type Endpoint,
  type ImageSpec,
  type WorkloadSpec,
} from "../model/workload";
import { postgresPort, readerRoleStatements } from "./postgres";

/**
 * Where the cluster archives its WAL and base backups, for point-in-time recovery: the stack's
 * bucket (`backup.storage`, type s3), under `<prefix>cloudnative-pg/`.
 */
export interface ClusterArchive {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly prefix: string;
  /** PEM certificates of a private CA the bucket's endpoint is signed by. */
  readonly caCertificates?: string;
  /** Secret Outputs. */
  readonly accessKeyId: pulumi.Output<string>;
  readonly secretAccessKey: pulumi.Output<string>;
  /** Base backups and the WAL to recover from them are kept this long. */
  readonly retentionDays: number;
}

export interface PostgresClusterArgs extends ServiceArgs {
  readonly database: DatabaseSettings;
  /** Continuous archiving to a bucket; none: the cluster archives nothing (no point-in-time recovery). */
  readonly archive?: ClusterArchive;
  readonly databaseName: string;
  readonly user: string;
  /** Secret Output: the application role's password. */
  readonly password: pulumi.Output<string>;
  /** A read-only role (Grafana's PostgreSQL datasource): its name and secret password. */
  readonly reader: { readonly user: string; readonly password: pulumi.Output<string> };
}

/** The cluster's name: its pods are postgres-1, postgres-2, …; its Services postgres-rw, -ro, -r. */
export const clusterName = "postgres";
/** The instance manager's ports (CloudNativePG's fixed numbers). */
export const instanceMetricsPort = 9187;
export const instanceStatusPort = 8000;
/** The UID and GID the operator runs PostgreSQL as (the operand image's `postgres`). */
export const postgresUid = 26;

const steadyProbe = {
  periodSeconds: defaultProbeTiming.periodSeconds,
  failureThreshold: defaultProbeTiming.failureThreshold,
  timeoutSeconds: defaultProbeTiming.timeoutSeconds,
};

const appSecret = `${clusterName}-app`;
const readerSecret = `${clusterName}-reader`;
const archiveSecret = `${clusterName}-archive`;
const archiveCaSecret = `${clusterName}-archive-ca`;

/** The archive's place in the bucket: barman-cloud adds the cluster's name, then base/ and wals/. */
export function archiveDestination(archive: Pick<ClusterArchive, "bucket" | "prefix">): string {
  return `s3://${archive.bucket}/${archive.prefix}cloudnative-pg`;
}

/**
 * What a restore needs to read a cluster's archive: where it is, the server's folder in it, the
 * image whose Barman Cloud and PostgreSQL read and replay it, and the superuser its base backups
 * hold.
 */
export interface ArchiveReader {
  readonly destination: string;
  readonly serverName: string;
  readonly image: ImageSpec;
  readonly superuser: string;
}

/** When the daily base backup starts (CloudNativePG's six-field cron, seconds first), in UTC. */
export const baseBackupSchedule = "0 30 2 * * *";

/**
 * The Cluster's object store (`spec.backup.barmanObjectStore`, and a recovery's
 * `externalClusters[].barmanObjectStore`): gzip-compressed, encrypted at rest by the bucket
 * (server-side, AES256), the credentials and the CA from the Secrets beside the Cluster.
 */
export function barmanObjectStore(archive: ClusterArchive): Record<string, unknown> {
  const stored = { compression: "gzip", encryption: "AES256" };
  const key = (name: string) => ({ name: archiveSecret, key: name });
  return {
    destinationPath: archiveDestination(archive),
    endpointURL: archive.endpoint,
    ...(archive.caCertificates ? { endpointCA: { name: archiveCaSecret, key: "ca.crt" } } : {}),
    s3Credentials: {
      accessKeyId: key("ACCESS_KEY_ID"),
      secretAccessKey: key("ACCESS_SECRET_KEY"),
      region: key("REGION"),
    },
    wal: stored,
    data: stored,
  };
}

/** The Secrets the archive needs: the bucket's credentials, and its CA's certificates if any. */
function archiveSecrets(
  archive: ClusterArchive,
): NonNullable<NonNullable<WorkloadSpec["operated"]>["secrets"]> {
  return [
    {
      name: archiveSecret,
      type: "Opaque",
      data: {
        ACCESS_KEY_ID: archive.accessKeyId,
        ACCESS_SECRET_KEY: archive.secretAccessKey,
        REGION: archive.region,
      },
    },
    ...(archive.caCertificates
      ? [{ name: archiveCaSecret, type: "Opaque", data: { "ca.crt": archive.caCertificates } }]
      : []),
  ];
}

/**
 * The cluster as a pure function of its settings: the operated workload the renderer renders, and
 * what tests read without one.
 */
export function postgresClusterSpec(args: Omit<PostgresClusterArgs, "renderer">): WorkloadSpec {
  const { settings, database, archive } = args;
  const storage = settings.storage!;
  return {
    name: clusterName,
    // The bucket of the archive is reached over HTTPS, wherever it is.
    internetEgress: archive !== undefined,
    component: "database",
    kind: "operated",
    priority: "critical",
    zones: ["database"],
    replicas: database.instances,
    persistentVolume: {
      mountPath: "/var/lib/postgresql/data",
      size: storage.size,
      storageClass: storage.storageClass,
    },
    metrics: [{ port: "metrics" }],
    // Replication, and the instance manager's status the other instances read.
    peerPorts: ["postgresql", "status"],
    // The instance pods as the operator makes them (its names for ports and probes).
    containers: [
      {
        name: "postgres",
        image: settings.image,
        ports: [
          { name: "postgresql", port: postgresPort },
          { name: "metrics", port: instanceMetricsPort, purpose: "metrics" },
          // The instance manager's status API: the operator's and the other instances' only.
          { name: "status", port: instanceStatusPort, openTo: [] },
        ],
        probes: {
          readiness: { http: { path: "/readyz", port: "status" } },
          liveness: { http: { path: "/healthz", port: "status" } },
        },
        resources: settings.resources,
      },
    ],
    operated: {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      service: `${clusterName}-rw`,
      operator: { namespace: database.operatorNamespace, ports: ["status"] },
      // The operator creates a new standby from a join job's pod, one at a time.
      surge: 1,
      // Set once the primary and every standby are up: `pulumi up` waits for it.
      readyCondition: "Ready",
      secrets: [
        {
          name: appSecret,
          type: "kubernetes.io/basic-auth",
          data: { username: args.user, password: args.password },
        },
        {
          name: readerSecret,
          type: "kubernetes.io/basic-auth",
          data: { username: args.reader.user, password: args.reader.password },
        },
        ...(archive ? archiveSecrets(archive) : []),
      ],
      // A base backup every day (and one as soon as the cluster exists), from which the archived
      // WAL replays to any moment since.
      companions: archive
        ? [
            {
              apiVersion: "postgresql.cnpg.io/v1",
              kind: "ScheduledBackup",
              name: `${clusterName}-base-backup`,
              spec: {
                schedule: baseBackupSchedule,
                immediate: true,
                cluster: { name: clusterName },
                method: "barmanObjectStore",
                backupOwnerReference: "self",
              },
            },
          ]
        : [],
      spec: (pods) => ({
        instances: database.instances,
        imageName: imageReference(settings.image),
        imagePullPolicy: "IfNotPresent",
        postgresUID: postgresUid,
        postgresGID: postgresUid,
        // A new version reaches the standbys first, then a switchover moves the primary.
        primaryUpdateStrategy: "unsupervised",
        primaryUpdateMethod: "switchover",
        enableSuperuserAccess: false,
        priorityClassName: pods.priorityClassName,
        inheritedMetadata: { labels: pods.labels },
        bootstrap: {
          initdb: {
            database: args.databaseName,
            owner: args.user,
            secret: { name: appSecret },
            // The role exists before the application's first table; its password is the
            // managed role's below, kept in step with its Secret by the operator.
            postInitApplicationSQL: readerRoleStatements(args.databaseName, args.reader.user, {
              create: `CREATE ROLE ${args.reader.user} LOGIN;`,
              defaultPrivilegesFor: args.user,
            }),
          },
        },
        managed: {
          roles: [
            {
              name: args.reader.user,
              ensure: "present",
              login: true,
              inRoles: ["pg_monitor"],
              passwordSecret: { name: readerSecret },
            },
          ],
        },
        postgresql: {
          ...(database.synchronousStandbys > 0
            ? {
                // Quorum commit: any `number` standbys confirm each commit; with "required",
                // writes wait rather than be acknowledged by the primary alone.
                synchronous: {
                  method: "any",
                  number: database.synchronousStandbys,
                  dataDurability: "required",
                },
              }
            : {}),
        },
        storage: {
          size: storage.size,
          ...(storage.storageClass ? { storageClass: storage.storageClass } : {}),
        },
        resources: settings.resources,
        // The design's probe timing, and PostgreSQL's crash-recovery budget before a restart.
        probes: {
          readiness: steadyProbe,
          liveness: steadyProbe,
          startup: {
            periodSeconds: 10,
            failureThreshold: Math.ceil(recoveryStartPeriodSeconds.postgres / 10),
            timeoutSeconds: defaultProbeTiming.timeoutSeconds,
          },
        },
        // A primary asked to stop (its pod deleted, its node drained) waits 5 s for running
        // statements, then stops fast, so that a standby takes over in seconds: the default 180 s
        // smart shutdown waits for every client to disconnect, which a connection pool never does.
        smartShutdownTimeout: 5,
        // The instance manager's scratch space and PostgreSQL's shared memory, bounded.
        ephemeralVolumesSizeLimit: { temporaryData: "1Gi", shm: "256Mi" },
        affinity: {
          enablePodAntiAffinity: true,
          podAntiAffinityType: database.antiAffinity,
          topologyKey: "kubernetes.io/hostname",
        },
        // Prometheus finds the pods by their labels (the generated scrape config), not a PodMonitor.
        monitoring: { enablePodMonitor: false },
        // Continuous archiving: every WAL segment, at the latest archive_timeout (5 min) after
        // its first write, and the base backups, kept `retentionDays`.
        ...(archive
          ? {
              backup: {
                barmanObjectStore: barmanObjectStore(archive),
                retentionPolicy: `${archive.retentionDays}d`,
              },
            }
          : {}),
      }),
    },
  };
}

export class PostgresCluster extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;
  readonly databaseName: string;
  readonly user: string;
  /** Where the cluster archives, when it does (point-in-time recovery, the archive check). */
  readonly archive?: ArchiveReader;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:data:PostgresCluster", name, {}, opts);
    const rendered = args.renderer.render(postgresClusterSpec(args), this);
    this.endpoint = rendered.endpoint("postgresql");
    this.databaseName = args.databaseName;
    this.user = args.user;
    this.archive = args.archive && {
      destination: archiveDestination(args.archive),
      serverName: clusterName,
      image: args.settings.image,
      // initdb's superuser, which the operator keeps (enableSuperuserAccess only sets a password).
      superuser: "postgres",
    };
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
