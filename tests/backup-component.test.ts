// The backup component's pure parts: the schedule derived from the recovery point objective, the
// age keys derived from random bytes (checked against a pair `age-keygen` made), the labels the
// pack reads, and the workload model's rules for scheduled jobs.
import { ageKeyPairFromBytes, ageRecipientOf } from "../components/backup/age-keys";
import { backupCron, backupStorageLabel, backupTargetLabel } from "../components/backup/backups";
import { recoveryPointObjectives } from "../components/config/schema";
import { workloadProblems } from "../components/model/validate";
import { httpProbes, type WorkloadSpec } from "../components/model/workload";
import * as pack from "../policies/backups";
import { isValidCron } from "../policies/backups";

describe("backupCron", () => {
  test.each([
    [5, "*/5 * * * *"],
    [15, "*/15 * * * *"],
    [30, "*/30 * * * *"],
    [60, "0 * * * *"],
    [240, "0 */4 * * *"],
    [720, "0 */12 * * *"],
    [1440, "0 0 * * *"],
  ])("every %i minutes: %s", (minutes, cron) => {
    expect(backupCron(minutes)).toBe(cron);
  });

  test("every objective the config accepts has a schedule the pack accepts", () => {
    for (const minutes of recoveryPointObjectives)
      expect(isValidCron(backupCron(minutes))).toBe(true);
  });

  test("an interval no schedule meets exactly is refused", () => {
    expect(() => backupCron(45)).toThrow("no cron schedule runs exactly every 45 minutes");
    expect(() => backupCron(300)).toThrow("no cron schedule runs exactly every 300 minutes");
  });
});

describe("age keys from random bytes", () => {
  // A pair from `age-keygen` 1.1.1: what the derivation must reproduce.
  const identity = "AGE-SECRET-KEY-1V478V27V7YDUD6WZKMCDXY4AYUFGZU7WGNWPCXL2AA28ZYGE8UFQDGG2Q7";
  const recipient = "age1ey3ezn482uzxgqfu3gsczfcwj47csxh4gjwyzssy9fdkf6ktkgtqq6rklx";

  test("the recipient of age-keygen's identity is the one age-keygen printed", () => {
    expect(ageRecipientOf(identity)).toBe(recipient);
  });

  test("a pair from 32 bytes is in age's text form, and the identity gives back the recipient", () => {
    const pair = ageKeyPairFromBytes(Buffer.alloc(32, 7));
    expect(pair.identity).toMatch(/^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/);
    expect(pair.recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
    expect(ageRecipientOf(pair.identity)).toBe(pair.recipient);
    expect(ageKeyPairFromBytes(Buffer.alloc(32, 8)).recipient).not.toBe(pair.recipient);
  });

  test("anything but 32 bytes, or a string that is no identity, is refused", () => {
    expect(() => ageKeyPairFromBytes(Buffer.alloc(16))).toThrow(
      "an age key needs 32 bytes, got 16",
    );
    expect(() => ageRecipientOf(recipient)).toThrow("not an age identity");
  });
});

test("the component labels what the pack's backup-schedule rule reads", () => {
  expect(backupTargetLabel).toBe(pack.backupTargetLabel);
  expect(backupStorageLabel).toBe(pack.backupStorageLabel);
});

describe("scheduled jobs in the workload model", () => {
  const resources = {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "500m", memory: "256Mi" },
  };
  const job = (overrides: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
    name: "nightly",
    component: "backup",
    kind: "scheduled",
    schedule: {
      cron: "0 2 * * *",
      intervalMinutes: 1440,
      startingDeadlineSeconds: 600,
      activeDeadlineSeconds: 3600,
    },
    zones: ["backup"],
    replicas: 1,
    containers: [{ name: "job", image: { repository: "example/job", tag: "1.0.0" }, resources }],
    ...overrides,
  });

  test("a job without probes, ports or autoscaling is valid", () => {
    expect(workloadProblems(job())).toEqual([]);
  });

  test("each rule names the workload and what to change", () => {
    expect(workloadProblems(job({ schedule: undefined }))).toEqual([
      'workload nightly: a schedule is required for, and only for, kind "scheduled"',
    ]);
    expect(
      workloadProblems(
        job({
          replicas: 2,
          containers: [
            {
              name: "job",
              image: { repository: "example/job", tag: "1.0.0" },
              resources,
              ports: [{ name: "http", port: 8080 }],
              probes: httpProbes("http", "/"),
            },
          ],
        }),
      ),
    ).toEqual([
      "workload nightly: container job of a scheduled job has probes; it runs to completion",
      "workload nightly: a scheduled job runs one pod: replicas 1, no autoscaling, no persistentVolume",
      "workload nightly: a scheduled job serves nothing: no ports",
    ]);
    expect(workloadProblems(job({ kind: "stateless" }))).toEqual([
      "workload nightly: container job needs readiness and liveness probes",
      'workload nightly: a schedule is required for, and only for, kind "scheduled"',
    ]);
    expect(
      workloadProblems(job({ claims: [{ claimName: "backups", mountPath: "backups" }] })),
    ).toEqual(['workload nightly: claim "backups" needs an absolute mountPath']);
  });
});
