// PostgreSQL: the official image as a StatefulSet with its data on a PersistentVolumeClaim, the
// password read from a file (POSTGRES_PASSWORD_FILE), and a postgres-exporter sidecar that reads
// the same file. A read-only role for Grafana is created when the database is initialised.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../config";
import type { ServiceArgs } from "../model/service";
import { recoveryProbeTiming } from "../model/start-up-budget";
import { httpProbes, secretPath, type Endpoint, type WorkloadSpec } from "../model/workload";

export interface PostgresArgs extends ServiceArgs {
  /** The exporter sidecar (the single server's metrics). */
  readonly exporter: ServiceSettings;
  readonly databaseName: string;
  readonly user: string;
  /** Secret Output: the superuser password the application also uses. */
  readonly password: pulumi.Output<string>;
  /** A read-only role (Grafana's PostgreSQL datasource): its name and secret password. */
  readonly reader: { readonly user: string; readonly password: pulumi.Output<string> };
}

export const postgresPort = 5432;
const passwordFile = "postgres-password";
const readerPasswordFile = "reader-password";

/**
 * Creates the read-only role when the database is first initialised (the image runs
 * /docker-entrypoint-initdb.d scripts then, and only then). It may read statistics and every
 * table of the public schema, and write nothing.
 */
export function readerRoleScript(database: string, reader: string): string {
  return [
    "#!/bin/sh",
    "set -eu",
    `psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${database}" \\`,
    `  -v password="$(cat "$READER_PASSWORD_FILE")" <<'SQL'`,
    ...readerRoleStatements(database, reader, {
      create: `CREATE ROLE ${reader} LOGIN PASSWORD :'password';`,
      // The script runs as the application's role, which then owns the tables it creates.
      defaultPrivilegesFor: "",
    }),
    "SQL",
    "",
  ].join("\n");
}

/**
 * The read-only role's statements: created by `create`, it may read statistics and every table
 * of the public schema, including those `defaultPrivilegesFor` (a role; "": the current one)
 * creates later, and write nothing.
 */
export function readerRoleStatements(
  database: string,
  reader: string,
  options: { readonly create: string; readonly defaultPrivilegesFor: string },
): string[] {
  const forRole = options.defaultPrivilegesFor ? ` FOR ROLE ${options.defaultPrivilegesFor}` : "";
  return [
    options.create,
    `GRANT pg_monitor TO ${reader};`,
    `GRANT CONNECT ON DATABASE ${database} TO ${reader};`,
    `GRANT USAGE ON SCHEMA public TO ${reader};`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader};`,
    `ALTER DEFAULT PRIVILEGES${forRole} IN SCHEMA public GRANT SELECT ON TABLES TO ${reader};`,
    `ALTER ROLE ${reader} SET default_transaction_read_only = on;`,
  ];
}

/**
 * The postgres workload as a pure function of its settings: what the component renders, and what
 * tests read without a renderer.
 */
export function postgresSpec(args: Omit<PostgresArgs, "renderer">): WorkloadSpec {
  const { settings, exporter } = args;
  const storage = settings.storage!;
  return {
    name: "postgres",
    component: "database",
    kind: "stateful",
    priority: "critical",
    zones: ["database"],
    replicas: 1,
    secretFiles: [
      { name: passwordFile, value: args.password },
      { name: readerPasswordFile, value: args.reader.password },
    ],
    configFiles: [
      {
        name: "20-reader-role.sh",
        mountPath: "/docker-entrypoint-initdb.d/20-reader-role.sh",
        content: readerRoleScript(args.databaseName, args.reader.user),
      },
    ],
    probeTiming: recoveryProbeTiming("postgres"),
    persistentVolume: {
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
              command: ["pg_isready", "-h", "127.0.0.1", "-U", args.user, "-d", args.databaseName],
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
        probes: httpProbes("metrics", "/metrics"),
        resources: exporter.resources,
      },
    ],
  };
}

export class Postgres extends pulumi.ComponentResource {
  readonly endpoint: Endpoint;
  readonly databaseName: string;
  readonly user: string;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:data:Postgres", name, {}, opts);
    const rendered = args.renderer.render(postgresSpec(args), this);
    this.endpoint = rendered.endpoint("postgres");
    this.databaseName = args.databaseName;
    this.user = args.user;
    this.registerOutputs({ host: this.endpoint.host, port: this.endpoint.port });
  }
}
