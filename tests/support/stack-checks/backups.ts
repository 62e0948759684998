// The stack's backups: PostgreSQL and Redis on the RPO's schedule, encrypted to the stack's
// recipients, to the claim or the bucket, with the restore check where the stack has one.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { type ProgramRun } from "../../../tools/engine/mock-engine";
import { ageRecipientOf } from "../../../components/backup/age-keys";
import { byKind, named, templateOf, type StackContext } from "./context";

const scriptsDir = path.join(__dirname, "..", "..", "..", "scripts", "backup");

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON here */

export function backupChecks(context: StackContext): void {
  const { stack, expected, namespaces } = context;
  // The program ran once, in describeStack's beforeAll (registered first, so it has ended).
  let run: ProgramRun;
  beforeAll(() => {
    run = context.run();
  });

  test("backs up PostgreSQL and Redis every recovery point objective, encrypted, never two at once", () => {
    const cronJobs = byKind(run, "CronJob").map((resource) => resource.inputs as any);
    expect(cronJobs.map((job) => job.metadata.name).sort()).toEqual(
      [...expected.backups.jobs].sort(),
    );
    const verified = expected.backups.jobs.includes("postgres-restore-check");
    const bucket = expected.backups.bucket;
    const storageEnv = bucket
      ? {
          BACKUP_S3_ENDPOINT: bucket.endpoint,
          BACKUP_S3_BUCKET: bucket.bucket,
          BACKUP_S3_REGION: bucket.region,
          BACKUP_S3_PREFIX: bucket.prefix,
          S3_ACCESS_KEY_ID_FILE: "/run/secrets/s3-access-key-id",
          S3_SECRET_ACCESS_KEY_FILE: "/run/secrets/s3-secret-access-key",
        }
      : { BACKUP_DIR: "/backups" };
    const recipients: string[] = named(run, "Secret", "postgres-backup-secrets")
      .stringData["backup-encryption-key"].trim()
      .split("\n");
    expect(recipients.length).toBe(expected.backups.recipients + (verified ? 1 : 0));
    for (const recipient of recipients) expect(recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
    for (const [name, target, script] of [
      ["postgres-backup", "postgres", "pg-backup.sh"],
      ["redis-backup", "redis", "redis-backup.sh"],
    ] as const) {
      const job = named(run, "CronJob", name, namespaces.platform);
      expect(job.metadata.labels["backup.toolboxai.io/target"]).toBe(target);
      expect(job.spec).toMatchObject({
        schedule: expected.backups.cron,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
      });
      expect(job.spec.startingDeadlineSeconds).toBeGreaterThan(0);
      expect(job.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
      const pod = templateOf(job).spec;
      const env = Object.fromEntries(
        pod.containers[0].env.map((variable: any) => [variable.name, variable.value]),
      );
      expect(env).toMatchObject({
        BACKUP_RETENTION_DAYS: String(expected.backups.retentionDays),
        BACKUP_ENCRYPTION_KEY_FILE: "/run/secrets/backup-encryption-key",
        ...storageEnv,
      });
      // The job runs the repository's own script, mounted from its ConfigMap.
      expect(pod.containers[0].command).toEqual(["sh", `/opt/backup/${script}`]);
      expect(named(run, "ConfigMap", `${name}-config`).data[script]).toBe(
        readFileSync(path.join(__dirname, "..", "..", "..", "scripts", "backup", script), "utf8"),
      );
      if (bucket) {
        expect(env.BACKUP_DIR).toBeUndefined();
        expect(pod.volumes.filter((volume: any) => volume.persistentVolumeClaim)).toEqual([]);
      } else {
        expect(pod.volumes).toContainEqual({
          name: "claim-backups",
          persistentVolumeClaim: { claimName: "backups" },
        });
      }
      // Out: DNS and its data store's port, nothing else.
      const egress = named(run, "NetworkPolicy", name).spec.egress;
      expect(egress.flatMap((rule: any) => rule.to ?? [])).toContainEqual({
        namespaceSelector: {
          matchLabels: { "app.kubernetes.io/instance": `toolboxai-${stack}` },
        },
        podSelector: {
          matchLabels: {
            [`zone.toolboxai.io/${target === "postgres" ? "database" : "cache"}`]: "true",
          },
        },
      });
    }
    if (bucket) {
      // The bucket is outside the cluster: no claim; its credentials are the stack's secrets.
      const claims = byKind(run, "PersistentVolumeClaim");
      expect(claims.map((claim) => (claim.inputs.metadata as any).name)).not.toContain("backups");
      expect(named(run, "Secret", "postgres-backup-secrets").stringData).toMatchObject({
        "s3-access-key-id": expected.secrets?.["toolboxai:backupS3AccessKeyId"],
        "s3-secret-access-key": expected.secrets?.["toolboxai:backupS3SecretAccessKey"],
      });
    } else {
      expect(named(run, "PersistentVolumeClaim", "backups").metadata.labels).toMatchObject({
        "backup.toolboxai.io/storage": "true",
      });
    }
    if (verified) {
      const check = named(run, "CronJob", "postgres-restore-check");
      expect(check.spec.schedule).toBe("40 4 * * *");
      expect(check.metadata.labels["backup.toolboxai.io/target"]).toBeUndefined();
      const identity = named(run, "Secret", "postgres-restore-check-secrets").stringData[
        "restore-check-identity"
      ];
      // Every backup is also encrypted to the restore check's own key, and only it holds the
      // private half; the recovery keys' private halves are nowhere in the stack.
      expect(recipients).toContain(ageRecipientOf(identity.trim()));
      if (bucket) {
        const env = Object.fromEntries(
          templateOf(check).spec.containers[0].env.map((variable: any) => [
            variable.name,
            variable.value,
          ]),
        );
        expect(env).toMatchObject(storageEnv);
      } else {
        expect(templateOf(check).spec.volumes).toContainEqual({
          name: "claim-backups",
          persistentVolumeClaim: { claimName: "backups", readOnly: true },
        });
      }
      const secrets = byKind(run, "Secret").filter((secret) =>
        Object.values(secret.inputs.stringData as Record<string, string>).some((value) =>
          value.includes("AGE-SECRET-KEY-"),
        ),
      );
      expect(secrets.map((secret) => (secret.inputs.metadata as any).name)).toEqual([
        "postgres-restore-check-secrets",
      ]);
    }
    if (expected.backups.jobs.includes("postgres-archive-restore-check")) {
      // The cluster's archive, read where the Cluster writes it, with the Cluster's own image.
      const cluster = named(run, "Cluster", "postgres");
      expect(cluster.spec.backup.barmanObjectStore.destinationPath).toMatch(/^s3:\/\//);
      const check = named(run, "CronJob", "postgres-archive-restore-check");
      expect(check.spec.schedule).toBe("10 5 * * *");
      const container = templateOf(check).spec.containers[0];
      expect(container.image).toBe(cluster.spec.imageName);
      expect(container.command).toEqual(["sh", "/opt/backup/pg-archive-verify.sh"]);
      expect(
        Object.fromEntries(container.env.map((variable: any) => [variable.name, variable.value])),
      ).toMatchObject({
        ...storageEnv,
        ARCHIVE_DESTINATION: cluster.spec.backup.barmanObjectStore.destinationPath,
        ARCHIVE_SERVER: cluster.metadata.name,
        PGUSER: "postgres",
      });
      expect(named(run, "ConfigMap", "postgres-archive-restore-check-config").data).toEqual({
        "backup-lib.sh": readFileSync(path.join(scriptsDir, "backup-lib.sh"), "utf8"),
        "pg-archive-verify.sh": readFileSync(path.join(scriptsDir, "pg-archive-verify.sh"), "utf8"),
      });
    }
  });
}
