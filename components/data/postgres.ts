// PostgreSQL: the official image as a StatefulSet with its data on a PersistentVolumeClaim, the
// password read from a file (POSTGRES_PASSWORD_FILE), and a postgres-exporter sidecar that reads
// the same file.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import type { ServiceArgs } from "../app/service";
import { secretPath, type Endpoint } from "../model/workload";

export interface PostgresArgs extends ServiceArgs {
  readonly exporter: ServiceSettings;
  readonly databaseName: string;
  readonly user: string;
  /** Secret Output: the superuser password the application also uses. */
  readonly password: pulumi.Output<string>;
}

export const postgresPort = 5432;
const passwordFile = "postgres-password";

export class Postgres extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;
  readonly databaseName: string;
  readonly user: string;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:data:Postgres", name, {}, opts);
    const { settings, exporter } = args;
    const storage = settings.storage!;
    const rendered = args.renderer.render(
      {
        name: "postgres",
        component: "database",
        kind: "stateful",
        priority: "critical",
        zones: ["database"],
        replicas: 1,
        secretFiles: [{ name: passwordFile, value: args.password }],
        persistentVolume: {
          name: "data",
          mountPath: "/var/lib/postgresql/data",
          size: storage.size,
          storageClass: storage.storageClass,
        },
        metrics: [{ port: "metrics" }],
        containers: [
          {
            name: "postgres",
            image: settings.image,
            ports: [{ name: "postgres", port: postgresPort }],
            env: {
              POSTGRES_DB: args.databaseName,
              POSTGRES_USER: args.user,
              // A subdirectory of the mount, so initdb owns it (the mount root belongs to fsGroup).
              PGDATA: "/var/lib/postgresql/data/pgdata",
            },
            probes: {
              readiness: {
                exec: {
                  command: [
                    "pg_isready",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    args.user,
                    "-d",
                    args.databaseName,
                  ],
                },
              },
              liveness: { tcp: { port: "postgres" } },
            },
            resources: settings.resources,
            writablePaths: ["/var/run/postgresql", "/tmp"],
          },
          {
            name: "exporter",
            image: exporter.image,
            ports: [{ name: "metrics", port: 9187, purpose: "metrics" }],
            secretFiles: [passwordFile],
            env: {
              DATA_SOURCE_URI: `127.0.0.1:${postgresPort}/${args.databaseName}?sslmode=disable`,
              DATA_SOURCE_USER: args.user,
              DATA_SOURCE_PASS_FILE: secretPath(passwordFile),
            },
            probes: {
              readiness: { http: { path: "/metrics", port: "metrics" } },
              liveness: { tcp: { port: "metrics" } },
            },
            resources: exporter.resources,
          },
        ],
      },
      this,
    );
    this.endpoint = rendered.endpoint("postgres");
    this.databaseName = args.databaseName;
    this.user = args.user;
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
