// The backups (components/backup/backups.ts): the jobs as data for each storage, and the
// component rendered alone with its restore-check key and its volume.
import * as pulumi from "@pulumi/pulumi";
import { ageKeyPairFromBytes } from "../../components/backup/age-keys";
import {
  backupJobSpecs,
  backupStorageLabel,
  backupTargetLabel,
  Backups,
  backupVolumeSpec,
  archiveCheckCron,
  restoreCheckCron,
} from "../../components/backup/backups";
import type { BackupSettings } from "../../components/config/schema";
import { testCaCertificate } from "../fixtures/certificates";
import { containerOf, plainText, renderAlone, secretFileValue, settingsOf } from "./support";

const recipient = "age1ey3ezn482uzxgqfu3gsczfcwj47csxh4gjwyzssy9fdkf6ktkgtqq6rklx";
const volumeSettings: BackupSettings = {
  recipients: [recipient],
  retentionDays: 7,
  verify: false,
  storage: { type: "volume", size: "20Gi", storageClass: "" },
};
const bucketStorage: Extract<BackupSettings["storage"], { type: "s3" }> = {
  type: "s3",
  endpoint: "https://s3.eu-west-1.amazonaws.com/",
  bucket: "unit-backups",
  region: "eu-west-1",
  prefix: "unit/",
};
const bucketSettings: BackupSettings = { ...volumeSettings, storage: bucketStorage };
const args = {
  settings: volumeSettings,
  service: settingsOf("backup"),
  recoveryPointObjectiveMinutes: 60,
  postgres: {
    endpoint: { host: "postgres.unit.svc.cluster.local", port: 5432 },
    database: "toolboxai",
    user: "toolboxai",
    password: pulumi.secret("unit-postgres-password"),
    size: "10Gi",
  },
  redis: {
    endpoint: { host: "redis.unit.svc.cluster.local", port: 6379 },
    password: pulumi.secret("unit-redis-password"),
    size: "2Gi",
  },
};
const bucketCredentials = {
  accessKeyId: pulumi.secret("unit-key-id"),
  secretAccessKey: pulumi.secret("unit-secret-access-key"),
};
const byName = (specs: ReturnType<typeof backupJobSpecs>) =>
  Object.fromEntries(specs.map((spec) => [spec.name, spec]));

describe("on a volume", () => {
  const jobs = byName(backupJobSpecs({ ...args, claimName: "backups" }));

  test("a job per data store, every recovery point objective, labelled with its target", () => {
    expect(Object.keys(jobs)).toEqual(["postgres-backup", "redis-backup"]);
    for (const target of ["postgres", "redis"]) {
      const job = jobs[`${target}-backup`];
      expect(job).toMatchObject({ kind: "scheduled", replicas: 1, zones: ["backup"] });
      expect(job.schedule).toEqual({
        cron: "0 * * * *",
        intervalMinutes: 60,
        startingDeadlineSeconds: 600,
        activeDeadlineSeconds: 3600,
      });
      expect(job.labels).toEqual({ [backupTargetLabel]: target });
      expect(job.internetEgress).toBe(false);
      expect(job.claims).toEqual([{ claimName: "backups", mountPath: "/backups" }]);
      expect(job.containers[0].env).toMatchObject({
        BACKUP_DIR: "/backups",
        BACKUP_RETENTION_DAYS: "7",
      });
    }
  });

  test("each job's scratch space is as large as its data", () => {
    expect(jobs["postgres-backup"].containers[0].scratch).toEqual({
      path: "/var/lib/backup",
      size: "10Gi",
    });
    expect(jobs["redis-backup"].containers[0].scratch?.size).toBe("2Gi");
  });

  test("passwords and recipients are files; the scripts are config files", async () => {
    const postgres = jobs["postgres-backup"];
    expect(plainText(postgres)).not.toContain("unit-postgres-password");
    expect(postgres.secretFiles?.map((file) => file.name)).toEqual([
      "database-password",
      "backup-encryption-key",
    ]);
    expect(await secretFileValue(postgres, "backup-encryption-key")).toBe(`${recipient}\n`);
    expect(postgres.configFiles?.map((file) => file.mountPath)).toEqual([
      "/opt/backup/backup-lib.sh",
      "/opt/backup/pg-backup.sh",
    ]);
    expect(postgres.containers[0].command).toEqual(["sh", "/opt/backup/pg-backup.sh"]);
  });

  test("the volume is the backups' own, labelled as storage; a bucket needs none", () => {
    expect(backupVolumeSpec(volumeSettings)).toEqual({
      name: "backups",
      size: "20Gi",
      storageClass: "",
      labels: { [backupStorageLabel]: "true" },
    });
    expect(backupVolumeSpec(bucketSettings)).toBeUndefined();
    expect(() => backupJobSpecs(args)).toThrow("a backup volume needs its claim name");
  });
});

describe("in a bucket", () => {
  const jobs = byName(backupJobSpecs({ ...args, settings: bucketSettings, bucketCredentials }));

  test("the bucket's address as variables, its credentials as files, HTTPS allowed", async () => {
    const job = jobs["redis-backup"];
    expect(job.internetEgress).toBe(true);
    expect(job.claims).toEqual([]);
    expect(job.containers[0].env).toMatchObject({
      BACKUP_S3_ENDPOINT: "https://s3.eu-west-1.amazonaws.com",
      BACKUP_S3_BUCKET: "unit-backups",
      BACKUP_S3_REGION: "eu-west-1",
      BACKUP_S3_PREFIX: "unit/",
    });
    expect(job.containers[0].env).not.toHaveProperty("BACKUP_DIR");
    expect(await secretFileValue(job, "s3-secret-access-key")).toBe("unit-secret-access-key");
    expect(plainText(job)).not.toContain("unit-secret-access-key");
  });

  test("with CA certificates, every job mounts them and names them; without, none does", () => {
    const key = pulumi.output(ageKeyPairFromBytes(Buffer.alloc(32, 3)));
    const jobsWith = (caCertificates?: string) =>
      backupJobSpecs({
        ...args,
        settings: { ...bucketSettings, storage: { ...bucketStorage, caCertificates } },
        bucketCredentials,
        restoreCheckKey: key,
      });
    const withCa = jobsWith(testCaCertificate);
    expect(withCa.map((job) => job.name)).toEqual([
      "postgres-backup",
      "redis-backup",
      "postgres-restore-check",
    ]);
    for (const job of withCa) {
      expect(job.configFiles).toContainEqual({
        name: "s3-ca-certificates.pem",
        mountPath: "/etc/toolboxai/s3-ca-certificates.pem",
        content: testCaCertificate,
      });
      expect(job.containers[0].env).toMatchObject({
        BACKUP_S3_CA_FILE: "/etc/toolboxai/s3-ca-certificates.pem",
      });
      // A certificate is public: no secret file for it.
      expect(job.secretFiles?.map((file) => file.name)).not.toContain("s3-ca-certificates.pem");
    }
    for (const job of jobsWith(undefined)) {
      expect(job.configFiles?.map((file) => file.name)).not.toContain("s3-ca-certificates.pem");
      expect(job.containers[0].env).not.toHaveProperty("BACKUP_S3_CA_FILE");
    }
  });

  test("without credentials it is refused", () => {
    expect(() => backupJobSpecs({ ...args, settings: bucketSettings })).toThrow(
      "an S3 bucket needs credentials",
    );
  });
});

test("with a restore-check key: a daily check, reading the volume only, and encrypted to it too", async () => {
  const key = ageKeyPairFromBytes(Buffer.alloc(32, 3));
  const jobs = byName(
    backupJobSpecs({ ...args, claimName: "backups", restoreCheckKey: pulumi.output(key) }),
  );
  const check = jobs["postgres-restore-check"];
  expect(check.schedule?.cron).toBe(restoreCheckCron);
  // Where its loop starts at once (Docker): after the first scheduled backup (every 60 min here).
  expect(check.schedule?.firstRunAfterMinutes).toBe(75);
  expect(jobs["postgres-backup"].schedule?.firstRunAfterMinutes).toBeUndefined();
  expect(check.claims).toEqual([{ claimName: "backups", mountPath: "/backups", readOnly: true }]);
  expect(check.containers[0].args).toEqual(["--identity", "/run/secrets/restore-check-identity"]);
  expect(await secretFileValue(check, "restore-check-identity")).toBe(`${key.identity}\n`);
  expect(await secretFileValue(jobs["postgres-backup"], "backup-encryption-key")).toBe(
    `${recipient}\n${key.recipient}\n`,
  );
});

describe("a CloudNativePG cluster's archive in the bucket", () => {
  const archive = {
    destination: "s3://unit-backups/unit/cloudnative-pg",
    serverName: "postgres",
    image: { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "16.10-system-bookworm" },
    superuser: "postgres",
  };
  const withArchive = (settings: BackupSettings) =>
    byName(
      backupJobSpecs({
        ...args,
        settings,
        claimName: settings.storage.type === "volume" ? "backups" : undefined,
        bucketCredentials,
        postgres: { ...args.postgres, archive },
      }),
    );

  test("is restored daily by a check of its own, on the cluster's image, reading the bucket", async () => {
    const check = withArchive({ ...bucketSettings, verify: true })[
      "postgres-archive-restore-check"
    ];
    expect(check.schedule?.cron).toBe(archiveCheckCron);
    expect(check.schedule?.cron).not.toBe(restoreCheckCron);
    expect(check.internetEgress).toBe(true);
    expect(check.claims ?? []).toEqual([]);
    const [container] = check.containers;
    expect(container.image).toEqual(archive.image);
    expect(container.command).toEqual(["sh", "/opt/backup/pg-archive-verify.sh"]);
    expect(container.env).toMatchObject({
      ARCHIVE_DESTINATION: archive.destination,
      ARCHIVE_SERVER: "postgres",
      PGUSER: "postgres",
      BACKUP_S3_ENDPOINT: "https://s3.eu-west-1.amazonaws.com",
      BACKUP_S3_REGION: "eu-west-1",
    });
    // The restored data's room.
    expect(container.scratch?.size).toBe("10Gi");
    expect(check.configFiles?.map((file) => file.name)).toEqual([
      "backup-lib.sh",
      "pg-archive-verify.sh",
    ]);
    // The bucket's credentials only: it decrypts no dump.
    expect(check.secretFiles?.map((file) => file.name)).toEqual([
      "s3-access-key-id",
      "s3-secret-access-key",
    ]);
    expect(await secretFileValue(check, "s3-secret-access-key")).toBe("unit-secret-access-key");
    expect(plainText(check)).not.toContain("unit-secret-access-key");
  });

  test("is not checked where the stack asks for no restore check", () => {
    expect(Object.keys(withArchive({ ...bucketSettings, verify: false }))).toEqual([
      "postgres-backup",
      "redis-backup",
    ]);
  });
});

describe("rendered alone on Kubernetes, with the restore check", () => {
  let backups: Backups;
  let rendered: Awaited<ReturnType<typeof renderAlone>>;
  beforeAll(async () => {
    rendered = await renderAlone((renderer) => {
      backups = new Backups("backups", {
        ...args,
        settings: { ...volumeSettings, verify: true },
        renderer,
      });
    });
  });

  test("its key's random bytes, the volume and three CronJobs are the component's", () => {
    const component = rendered.urnOf("toolboxai:backup:Backups", "backups");
    const key = rendered.resources.find(
      (resource) => resource.type === "random:index/randomBytes:RandomBytes",
    );
    expect(key).toMatchObject({ name: "backups-restore-check-key", parent: component });
    const claim = rendered.object("PersistentVolumeClaim", "backups");
    expect(claim.metadata).toMatchObject({
      namespace: "unit",
      labels: { [backupStorageLabel]: "true" },
    });
    expect(claim.spec.resources.requests.storage).toBe("20Gi");
    expect(
      rendered
        .objects("CronJob")
        .map((job) => job.metadata.name)
        .sort(),
    ).toEqual(["postgres-backup", "postgres-restore-check", "redis-backup"]);
    expect(backups.jobs).toEqual(["postgres-backup", "redis-backup", "postgres-restore-check"]);
  });

  test("never two runs at once; the claim mounted where the scripts write", () => {
    const job = rendered.object("CronJob", "postgres-backup");
    expect(job.spec).toMatchObject({ schedule: "0 * * * *", concurrencyPolicy: "Forbid" });
    const container = containerOf(job, "backup");
    const pod = job.spec.jobTemplate.spec.template.spec;
    const claimVolume = pod.volumes.find(
      (volume: { persistentVolumeClaim?: { claimName: string } }) =>
        volume.persistentVolumeClaim?.claimName === "backups",
    );
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({ name: claimVolume.name, mountPath: "/backups" }),
    );
  });

  test("the restore check's public key is an output, in plain text", async () => {
    const recipientOut = await new Promise<string>((resolve) =>
      backups.restoreCheckRecipient!.apply(resolve),
    );
    expect(recipientOut).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
    expect(await pulumi.isSecret(backups.restoreCheckRecipient!)).toBe(false);
  });
});
