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
  type WorkloadSpec,
} from "../model/workload";
import { postgresPort, readerRoleStatements } from "./postgres";

export interface PostgresClusterArgs extends ServiceArgs {
  readonly database: DatabaseSettings;
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

/**
 * The cluster as a pure function of its settings: the operated workload the renderer renders, and
 * what tests read without one.
 */
export function postgresClusterSpec(args: Omit<PostgresClusterArgs, "renderer">): WorkloadSpec {
  const { settings, database } = args;
  const storage = settings.storage!;
  return {
    name: clusterName,
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
      peerPorts: ["postgresql", "status"],
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
      ],
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
        // The instance manager's scratch space and PostgreSQL's shared memory, bounded.
        ephemeralVolumesSizeLimit: { temporaryData: "1Gi", shm: "256Mi" },
        affinity: {
          enablePodAntiAffinity: true,
          podAntiAffinityType: database.antiAffinity,
          topologyKey: "kubernetes.io/hostname",
        },
        // Prometheus finds the pods by their labels (the generated scrape config), not a PodMonitor.
        monitoring: { enablePodMonitor: false },
      }),
    },
  };
}

export class PostgresCluster extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;
  readonly databaseName: string;
  readonly user: string;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:data:PostgresCluster", name, {}, opts);
    const rendered = args.renderer.render(postgresClusterSpec(args), this);
    this.endpoint = rendered.endpoint("postgresql");
    this.databaseName = args.databaseName;
    this.user = args.user;
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
