import { backupPolicies, backupSchedule, isValidCron } from "../../policies/backups";
import { clone, findingsOf, messagesOf } from "./support";
import {
  backupCronJob,
  claim,
  cronJobEnv,
  dataStatefulSet,
  deploymentWithClaim,
} from "./fixtures/backups";

const postgres = "StatefulSet toolboxai/postgres:";
const noBackup =
  `${postgres} has no backup: no CronJob in namespace toolboxai is labelled ` +
  "backup.toolboxai.io/target: postgres; add one that runs on a 5-field cron schedule with " +
  "BACKUP_ENCRYPTION_KEY_FILE and BACKUP_RETENTION_DAYS of at least 30";
const improper = `${postgres} is not backed up properly: backup CronJob "postgres-backup"`;

describe("isValidCron", () => {
  test.each([
    "0 2 * * *",
    "*/15 * * * *",
    "0 0-23/6 * * *",
    "30 3 1,15 * *",
    "0 4 * JAN-MAR mon-fri",
    "0 1 ? * SUN",
    "0 2 ? * *",
  ])("%s is valid", (schedule) => {
    expect(isValidCron(schedule)).toBe(true);
  });
  test.each([
    "",
    "daily",
    "@daily",
    "0 2 * *",
    "0 2 * * * *",
    "60 2 * * *",
    "0 24 * * *",
    "0 2 0 * *",
    "0 2 * 13 *",
    "0 2 * * 7",
    "*/0 * * * *",
    "5-1 * * * *",
    "0 ? * * *",
  ])("%s is not", (schedule) => {
    expect(isValidCron(schedule)).toBe(false);
  });
});

describe("backup-schedule", () => {
  test("advisory by default", () => {
    expect(backupPolicies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
      ["backup-schedule", "advisory"],
    ]);
  });
  test("a StatefulSet with its backup CronJob passes", async () => {
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), backupCronJob()])).toEqual([]);
  });
  test("a StatefulSet without a backup is reported, as advisory", async () => {
    const findings = await findingsOf(backupSchedule, [dataStatefulSet()]);
    expect(findings.map((finding) => [finding.message, finding.enforcement])).toEqual([
      [noBackup, "advisory"],
    ]);
  });
  test("a CronJob in another namespace, or for another target, does not count", async () => {
    const otherNamespace = backupCronJob("postgres", "toolboxai-staging");
    const otherTarget = backupCronJob("redis");
    expect(
      await messagesOf(backupSchedule, [dataStatefulSet(), otherNamespace, otherTarget]),
    ).toEqual([noBackup]);
  });
  test("a StatefulSet without volumeClaimTemplates is not a data service", async () => {
    const statefulSet = clone(dataStatefulSet());
    delete statefulSet.spec.volumeClaimTemplates;
    expect(await messagesOf(backupSchedule, [statefulSet])).toEqual([]);
  });
  test("an invalid schedule, and a suspended CronJob", async () => {
    const cronJob = clone(backupCronJob());
    cronJob.spec.schedule = "every night";
    cronJob.spec.suspend = true;
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), cronJob])).toEqual([
      `${improper} schedule "every night" is not a valid 5-field cron expression; use e.g. ` +
        '"0 2 * * *" (minute hour day-of-month month day-of-week)',
      `${improper} is suspended; set suspend: false so that backups run`,
    ]);
  });
  test("unencrypted backups, and no retention", async () => {
    const cronJob = clone(backupCronJob());
    cronJob.spec.jobTemplate.spec.template.spec.containers[0].env = [];
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), cronJob])).toEqual([
      `${improper} does not set BACKUP_ENCRYPTION_KEY_FILE, so backups are not encrypted; set ` +
        "it to the encryption key's file under /run/secrets/",
      `${improper} does not set BACKUP_RETENTION_DAYS; set it to at least 30`,
    ]);
  });
  test("retention below the minimum, or not a number", async () => {
    const short = clone(backupCronJob());
    cronJobEnv(short)[2].value = "7";
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), short])).toEqual([
      `${improper} sets BACKUP_RETENTION_DAYS to "7"; it must be a whole number of at least 30`,
    ]);
    const words = clone(backupCronJob());
    cronJobEnv(words)[2].value = "a month";
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), words])).toEqual([
      `${improper} sets BACKUP_RETENTION_DAYS to "a month"; it must be a whole number of at ` +
        "least 30",
    ]);
  });
  test("one compliant CronJob among several is enough", async () => {
    const broken = clone(backupCronJob());
    broken.metadata.name = "postgres-backup-old";
    broken.spec.schedule = "never";
    expect(await messagesOf(backupSchedule, [dataStatefulSet(), broken, backupCronJob()])).toEqual(
      [],
    );
  });
  test("config: the minimum retention changes the outcome", async () => {
    expect(
      await messagesOf(backupSchedule, [dataStatefulSet(), backupCronJob()], {
        "backup-schedule": { minRetentionDays: 60 },
      }),
    ).toEqual([
      `${improper} sets BACKUP_RETENTION_DAYS to "30"; it must be a whole number of at least 60`,
    ]);
  });
  test("a standalone claim a pod mounts must be backed up; an unused one need not", async () => {
    const uploads = claim("uploads");
    const unused = claim("scratch");
    const deployment = deploymentWithClaim("media", "uploads");
    expect(await messagesOf(backupSchedule, [uploads, unused, deployment])).toEqual([
      "PersistentVolumeClaim toolboxai/uploads: has no backup: no CronJob in namespace " +
        "toolboxai is labelled backup.toolboxai.io/target: uploads; add one that runs on a " +
        "5-field cron schedule with BACKUP_ENCRYPTION_KEY_FILE and BACKUP_RETENTION_DAYS of at " +
        "least 30",
    ]);
    expect(
      await messagesOf(backupSchedule, [uploads, deployment, backupCronJob("uploads")]),
    ).toEqual([]);
    expect(await messagesOf(backupSchedule, [uploads, deployment, backupCronJob("media")])).toEqual(
      [],
    );
  });
  test("an exemption names the data service", async () => {
    const config = {
      "backup-schedule": {
        exemptions: [
          { kind: "StatefulSet", name: "postgres", reason: "managed snapshots cover this volume" },
        ],
      },
    };
    expect(await messagesOf(backupSchedule, [dataStatefulSet()], config)).toEqual([]);
  });
});
