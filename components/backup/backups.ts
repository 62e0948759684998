// Backups of the data stores, as scheduled jobs on the workload model: PostgreSQL (pg_dump) and
// Redis (an RDB snapshot) every recovery point objective, encrypted with age to the stack's
// recovery keys, kept `retentionDays` on a volume or in an S3-compatible bucket; and, where the
// stack asks for it, daily restore checks: the newest PostgreSQL dump, and where the database is a
// CloudNativePG cluster archiving to the bucket, its newest base backup and the WAL after it, each
// restored into a throwaway server. The jobs run scripts/backup/, mounted from ConfigMaps: the
// same scripts an operator runs on a laptop to restore (docs/DISASTER_RECOVERY.md).
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { BackupSettings, ServiceSettings } from "../config";
import type { WorkloadRenderer } from "../model/renderer";
import type { ArchiveReader } from "../data/postgres-cluster";
import type { SentinelEndpoint } from "../data/redis";
import type {
  ClaimMount,
  ConfigFile,
  ContainerSpec,
  Endpoint,
  SecretFile,
  SharedVolumeSpec,
  WorkloadSpec,
} from "../model/workload";
import { ageKeyPairFromBytes, type AgeKeyPair } from "./age-keys";

/** The label the pack's backup-schedule rule reads: which data service a job backs up. */
export const backupTargetLabel = "backup.toolboxai.io/target";
/** Marks the backups' own volume, which is not a data service to back up in turn. */
export const backupStorageLabel = "backup.toolboxai.io/storage";

const scriptsMountPath = "/opt/backup";
const backupsMountPath = "/backups";
/** The bucket's CA certificates (`storage.caCertificates`): public, so a config file. */
export const s3CaCertificatesFile: Omit<ConfigFile, "content"> = {
  name: "s3-ca-certificates.pem",
  mountPath: "/etc/toolboxai/s3-ca-certificates.pem",
};
/**
 * The restore check's daily run, in UTC: after the night's backups, before the working day, and
 * off the quarter hours, when the backup jobs (which share the volume) usually run.
 */
export const restoreCheckCron = "40 4 * * *";
/**
 * The archive check's daily run, in UTC: after the day's base backup (02:30), so that it restores
 * a fresh one and replays hours of WAL; apart from the dump's restore check.
 */
export const archiveCheckCron = "10 5 * * *";

/** Where scripts/backup/ is: found from this file, in the sources and in a bundle alike. */
function scriptsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return path.join(dir, "scripts", "backup");
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${__dirname}`);
  }
}

function scriptFiles(...names: string[]): ConfigFile[] {
  const dir = scriptsDir();
  return ["backup-lib.sh", ...names].map((name) => ({
    name,
    mountPath: `${scriptsMountPath}/${name}`,
    content: readFileSync(path.join(dir, name), "utf8"),
  }));
}

/**
 * A cron expression that runs exactly every `minutes` (a divisor of an hour, or whole hours
 * dividing a day: the values `recoveryPointObjectiveMinutes` accepts).
 */
export function backupCron(minutes: number): string {
  if (minutes < 60 && 60 % minutes === 0) return `*/${minutes} * * * *`;
  if (minutes === 60) return "0 * * * *";
  if (minutes % 60 === 0 && 1440 % minutes === 0) {
    return minutes === 1440 ? "0 0 * * *" : `0 */${minutes / 60} * * *`;
  }
  throw new Error(`no cron schedule runs exactly every ${minutes} minutes`);
}

export interface BackupsArgs {
  readonly renderer: WorkloadRenderer;
  readonly settings: BackupSettings;
  /** The backup tools' image and resources (`services.backup`). */
  readonly service: ServiceSettings;
  readonly recoveryPointObjectiveMinutes: number;
  readonly postgres: {
    readonly endpoint: Endpoint;
    readonly database: string;
    readonly user: string;
    /** Secret Output. */
    readonly password: pulumi.Output<string>;
    /** The database's volume size: the staging and restore-check scratch space. */
    readonly size: string;
    /** A CloudNativePG cluster's archive in the bucket: the restore check restores it too. */
    readonly archive?: ArchiveReader;
  };
  readonly redis: {
    readonly endpoint: Endpoint;
    /** In Sentinel mode: the snapshot is taken of the primary the Sentinels name. */
    readonly sentinel?: SentinelEndpoint;
    readonly password: pulumi.Output<string>;
    /** The data's volume size: the snapshot's staging space. */
    readonly size: string;
  };
  /** Secret Outputs; required when the storage is a bucket. */
  readonly bucketCredentials?: {
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
  };
}

/** What the jobs are built from beyond the component's args: what the component creates first. */
export interface BackupJobsArgs extends Omit<BackupsArgs, "renderer"> {
  /** The claim of the backups' volume (`backupVolumeSpec`); required when the storage is one. */
  readonly claimName?: string;
  /** The restore check's key pair; undefined: no restore check. */
  readonly restoreCheckKey?: pulumi.Output<AgeKeyPair>;
}

/** The backups' own volume, when the storage is a volume; undefined for a bucket. */
export function backupVolumeSpec(settings: BackupSettings): SharedVolumeSpec | undefined {
  const storage = settings.storage;
  if (storage.type !== "volume") return undefined;
  return {
    name: "backups",
    size: storage.size,
    storageClass: storage.storageClass,
    labels: { [backupStorageLabel]: "true" },
  };
}

/**
 * The backup jobs (PostgreSQL, Redis, and the restore check with its key) as a pure function of
 * the settings and what they back up: what the component renders, and what tests read without
 * a renderer.
 */
export function backupJobSpecs(args: BackupJobsArgs): WorkloadSpec[] {
  const { settings, service, restoreCheckKey } = args;
  const storage = settings.storage;
  const recipients = pulumi.secret(
    pulumi
      .output(restoreCheckKey?.apply((key) => [key.recipient]) ?? [])
      .apply((extra) => [...settings.recipients, ...extra].join("\n") + "\n"),
  );

  const claims: ClaimMount[] = [];
  const storageEnv: Record<string, string> = {};
  const storageSecrets: SecretFile[] = [];
  const storageFiles: ConfigFile[] = [];
  if (storage.type === "volume") {
    if (args.claimName === undefined) throw new Error("a backup volume needs its claim name");
    claims.push({ claimName: args.claimName, mountPath: backupsMountPath });
    storageEnv.BACKUP_DIR = backupsMountPath;
  } else {
    if (!args.bucketCredentials) throw new Error("an S3 bucket needs credentials");
    Object.assign(storageEnv, {
      BACKUP_S3_ENDPOINT: storage.endpoint.replace(/\/$/, ""),
      BACKUP_S3_BUCKET: storage.bucket,
      BACKUP_S3_REGION: storage.region,
      BACKUP_S3_PREFIX: storage.prefix,
    });
    storageSecrets.push(
      { name: "s3-access-key-id", value: args.bucketCredentials.accessKeyId },
      { name: "s3-secret-access-key", value: args.bucketCredentials.secretAccessKey },
    );
    if (storage.caCertificates !== undefined) {
      storageFiles.push({ ...s3CaCertificatesFile, content: storage.caCertificates });
      storageEnv.BACKUP_S3_CA_FILE = s3CaCertificatesFile.mountPath;
    }
  }
  const toBucket = storage.type === "s3";

  const runMinutes = args.recoveryPointObjectiveMinutes;
  const backupSchedule = {
    cron: backupCron(runMinutes),
    intervalMinutes: runMinutes,
    // A run that cannot start within half an interval is skipped: the next one is due soon.
    startingDeadlineSeconds: Math.min(600, (runMinutes * 60) / 2),
    activeDeadlineSeconds: Math.min(7200, runMinutes * 60),
  };
  // Plaintext passes through a private folder on this scratch space (a Redis snapshot; a dump
  // on its way to a bucket; the restore check's throwaway server): as large as the data.
  const scratchPath = "/var/lib/backup";
  const container = (
    script: string,
    scratchSize: string,
    extra: Partial<ContainerSpec> & { env?: Record<string, string> },
  ): ContainerSpec => ({
    name: "backup",
    image: service.image,
    command: ["sh", `${scriptsMountPath}/${script}`],
    resources: service.resources,
    writablePaths: ["/tmp"],
    scratch: { path: scratchPath, size: scratchSize },
    ...extra,
    env: { TMPDIR: scratchPath, ...storageEnv, ...extra.env },
  });
  const job = (
    spec: Omit<WorkloadSpec, "kind" | "replicas" | "zones" | "component" | "priority">,
  ): WorkloadSpec => ({
    kind: "scheduled",
    replicas: 1,
    component: "backup",
    zones: ["backup"],
    priority: "standard",
    internetEgress: toBucket,
    ...spec,
  });
  const encryption: SecretFile = { name: "backup-encryption-key", value: recipients };
  /** The backup job of one data store: its script, its password as a file, its scratch size. */
  const dataStoreBackup = (
    target: "postgres" | "redis",
    script: string,
    password: SecretFile,
    scratchSize: string,
    env: Record<string, string>,
  ): WorkloadSpec =>
    job({
      name: `${target}-backup`,
      labels: { [backupTargetLabel]: target },
      schedule: backupSchedule,
      claims,
      secretFiles: [password, encryption, ...storageSecrets],
      configFiles: [...scriptFiles(script), ...storageFiles],
      containers: [
        container(script, scratchSize, {
          env: { ...env, BACKUP_RETENTION_DAYS: String(settings.retentionDays) },
        }),
      ],
    });

  const specs: WorkloadSpec[] = [
    dataStoreBackup(
      "postgres",
      "pg-backup.sh",
      { name: "database-password", value: args.postgres.password },
      args.postgres.size,
      {
        PGHOST: args.postgres.endpoint.host,
        PGPORT: String(args.postgres.endpoint.port),
        PGUSER: args.postgres.user,
        PGDATABASE: args.postgres.database,
      },
    ),
    dataStoreBackup(
      "redis",
      "redis-backup.sh",
      { name: "redis-password", value: args.redis.password },
      args.redis.size,
      args.redis.sentinel
        ? {
            REDIS_SENTINEL_HOSTS: args.redis.sentinel.hosts.join(","),
            REDIS_SENTINEL_MASTER: args.redis.sentinel.master,
          }
        : {
            REDIS_HOST: args.redis.endpoint.host,
            REDIS_PORT: String(args.redis.endpoint.port),
          },
    ),
  ];
  if (restoreCheckKey) {
    specs.push(
      job({
        name: "postgres-restore-check",
        schedule: {
          cron: restoreCheckCron,
          intervalMinutes: 1440,
          startingDeadlineSeconds: 3600,
          activeDeadlineSeconds: 7200,
          // Docker runs it from start: not before the first scheduled backup after it, which
          // holds what the services wrote (at start the database may hold no table yet).
          firstRunAfterMinutes: args.recoveryPointObjectiveMinutes + 15,
        },
        claims: claims.map((claim) => ({ ...claim, readOnly: true })),
        secretFiles: [
          {
            name: "restore-check-identity",
            value: pulumi.secret(restoreCheckKey.apply((key) => `${key.identity}\n`)),
          },
          ...storageSecrets,
        ],
        configFiles: [...scriptFiles("pg-restore.sh", "pg-verify.sh"), ...storageFiles],
        containers: [
          container("pg-verify.sh", args.postgres.size, {
            args: ["--identity", "/run/secrets/restore-check-identity"],
          }),
        ],
      }),
    );
  }
  const archive = args.postgres.archive;
  if (settings.verify && archive && toBucket) {
    specs.push(
      job({
        name: "postgres-archive-restore-check",
        schedule: {
          cron: archiveCheckCron,
          intervalMinutes: 1440,
          startingDeadlineSeconds: 3600,
          activeDeadlineSeconds: 7200,
        },
        secretFiles: storageSecrets,
        configFiles: [...scriptFiles("pg-archive-verify.sh"), ...storageFiles],
        // The cluster's own image: its Barman Cloud reads the archive, its PostgreSQL replays it.
        containers: [
          container("pg-archive-verify.sh", args.postgres.size, {
            image: archive.image,
            env: {
              ARCHIVE_DESTINATION: archive.destination,
              ARCHIVE_SERVER: archive.serverName,
              PGUSER: archive.superuser,
            },
          }),
        ],
      }),
    );
  }
  return specs;
}

export class Backups extends pulumi.ComponentResource {
  /** The CronJobs' names. */
  readonly jobs: readonly string[];
  /** The public key of the restore check, which every backup is also encrypted to. */
  readonly restoreCheckRecipient?: pulumi.Output<string>;

  constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("toolboxai:backup:Backups", name, {}, opts);
    const { settings } = args;

    // The restore check must decrypt what it restores: its own key pair, generated from random
    // bytes in the stack's state. The recovery keys' private halves never enter the cluster.
    const restoreCheckKey = settings.verify
      ? new random.RandomBytes(
          `${name}-restore-check-key`,
          { length: 32 },
          { parent: this },
        ).base64.apply((bytes) => ageKeyPairFromBytes(Buffer.from(bytes, "base64")))
      : undefined;
    // A public key: derived from secret bytes, but nothing to hide.
    this.restoreCheckRecipient = restoreCheckKey
      ? pulumi.unsecret(restoreCheckKey.apply((key) => key.recipient))
      : undefined;

    const volume = backupVolumeSpec(settings);
    const claimName = volume ? args.renderer.volume(volume, this) : undefined;
    const specs = backupJobSpecs({ ...args, claimName, restoreCheckKey });
    for (const spec of specs) args.renderer.render(spec, this);
    this.jobs = specs.map((spec) => spec.name);
    this.registerOutputs({ jobs: this.jobs });
  }
}
