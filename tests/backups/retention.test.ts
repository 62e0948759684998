// The backup scripts' numbers and pruning, against a real PostgreSQL, redis-server and moto: a
// retention or port that is not a whole number in range is refused before storage is touched,
// in a folder and in a bucket; and pruning never deletes the set it has just stored, even when
// the clock jumps forward during the backup.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import {
  ageKeyPair,
  describeWithMoto,
  makeOwnedDir,
  nextSecond,
  postgresBinDir,
  privateDir,
  runScript,
  setStamp,
  startPostgres,
  startRedis,
  startS3,
  writeOwnedFile,
  type PostgresServer,
  type RedisServer,
  type S3Server,
} from "./servers";

/** Retentions that sh arithmetic once read as 0 days or less, pruning every set. */
const badRetentions = [
  "thirty",
  "0",
  "-1",
  "00",
  "1.5",
  "30 days",
  "",
  "3651",
  "99999999999999999999",
];
/** Each numeric setting of the backup scripts, with values it refuses. */
const refusals = [
  ...badRetentions.map((value) => ({
    script: "pg-backup.sh",
    setting: "BACKUP_RETENTION_DAYS",
    value,
    max: 3650,
  })),
  { script: "pg-backup.sh", setting: "PGPORT", value: "54x32", max: 65535 },
  { script: "pg-backup.sh", setting: "PGPORT", value: "0", max: 65535 },
  { script: "redis-backup.sh", setting: "BACKUP_RETENTION_DAYS", value: "thirty", max: 3650 },
  { script: "redis-backup.sh", setting: "BACKUP_RETENTION_DAYS", value: "-1", max: 3650 },
  { script: "redis-backup.sh", setting: "REDIS_PORT", value: "port", max: 65535 },
  { script: "redis-backup.sh", setting: "REDIS_PORT", value: "0", max: 65535 },
  { script: "redis-backup.sh", setting: "REDIS_PORT", value: "65536", max: 65535 },
];
const refusal = (name: string, value: string, max: number) =>
  `ERROR: ${name} is '${value}'; it must be a whole number from 1 to ${max}. Nothing was done\n`;

/** The three files of a set `daysAgo` days old. */
const setFiles = (service: string, format: string, daysAgo: number) => {
  const name = `${service}-${setStamp(daysAgo)}.${format}.age`;
  return [name, `${name}.sha256`, `${name}.json`];
};

/**
 * A stand-in for date(1), first on PATH: the clock jumps `days` days forward once the backup has
 * read the time it names its set after (its first `date -u +%s`), as after an NTP correction of a
 * clock that was behind. Every other use of date runs the real one.
 */
function clockJumpStandIn(dir: string, days: number): string {
  const bin = makeOwnedDir(path.join(dir, "clock-jump-stand-in"));
  const realDate = execFileSync("sh", ["-c", "command -v date"]).toString().trim();
  const readOnce = path.join(dir, "clock-read-once");
  writeOwnedFile(
    path.join(bin, "date"),
    `#!/bin/sh
if [ "$*" = "-u +%s" ]; then
  if [ -e '${readOnce}' ]; then echo $(( $('${realDate}' -u +%s) + ${days} * 86400 )); exit 0; fi
  : >'${readOnce}'
fi
exec '${realDate}' "$@"
`,
    0o700,
  );
  return `${bin}:${postgresBinDir()}:${process.env.PATH}`;
}

let postgres: PostgresServer;
let redis: RedisServer;
let work: string;
let recipients: string;

beforeAll(async () => {
  postgres = await startPostgres("retention-test-password");
  work = privateDir("toolboxai-retention-");
  redis = await startRedis(makeOwnedDir(path.join(work, "redis")), "retention-redis-password");
  recipients = ageKeyPair(work, "recovery").recipients;
  postgres.sql("postgres", "CREATE DATABASE app;");
  postgres.sql("app", "CREATE TABLE t (id int); INSERT INTO t VALUES (1);");
});

afterAll(async () => {
  postgres?.stop();
  await redis?.stop();
});

describe("backups in a folder", () => {
  let backups: string;
  let env: Record<string, string>;

  beforeAll(() => {
    backups = makeOwnedDir(path.join(work, "backups"));
    for (const file of [
      ...setFiles("postgres", "dump", 90),
      ...setFiles("postgres", "dump", 1),
      ...setFiles("redis", "rdb", 90),
      ...setFiles("redis", "rdb", 1),
    ]) {
      writeOwnedFile(path.join(backups, file), "old");
    }
    env = { BACKUP_DIR: backups, BACKUP_ENCRYPTION_KEY_FILE: recipients };
  });

  test.each(refusals)("$script refuses $setting=$value and touches nothing", (refused) => {
    const before = readdirSync(backups).sort();
    const server =
      refused.script === "pg-backup.sh" ? { ...postgres.env, PGDATABASE: "app" } : redis.env;
    const result = runScript(refused.script, [], {
      ...server,
      ...env,
      BACKUP_RETENTION_DAYS: "30",
      [refused.setting]: refused.value,
    });
    expect(result.stderr.replace(/^\S+ /, "")).toBe(
      refusal(refused.setting, refused.value, refused.max),
    );
    expect(result.status).toBe(1);
    expect(readdirSync(backups).sort()).toEqual(before);
  });

  test("the set just stored survives pruning when the clock jumps 40 days during the backup (clock stand-in)", () => {
    const recent = setFiles("postgres", "dump", 5);
    for (const file of recent) writeOwnedFile(path.join(backups, file), "recent");
    nextSecond();
    const result = runScript("pg-backup.sh", [], {
      ...postgres.env,
      PGDATABASE: "app",
      ...env,
      BACKUP_RETENTION_DAYS: "30",
      PATH: clockJumpStandIn(privateDir("toolboxai-clock-"), 40),
    });
    expect(result.status).toBe(0);
    const stored = result.stderr.match(/stored (postgres-\S+\.dump\.age)/)![1];
    // The stand-in is in effect: a set 5 days old is 45 days old by the jumped clock.
    expect(result.stderr).toContain(`pruned ${recent[0]} (older than 30 days)`);
    const files = readdirSync(backups);
    expect(files).toEqual(expect.arrayContaining([stored, `${stored}.sha256`, `${stored}.json`]));
    expect(result.stderr).not.toContain(`pruned ${stored}`);
  });
});

describeWithMoto("the retention tests in a bucket")("backups in a bucket", () => {
  const bucket = "toolboxai-backups";
  const prefix = "production/";
  let s3: S3Server;
  let env: Record<string, string>;
  const oldRedisSet = setFiles("redis", "rdb", 1);

  beforeAll(async () => {
    s3 = await startS3(bucket);
    writeOwnedFile(path.join(work, "access-key-id"), "AKIATOOLBOXAITEST");
    writeOwnedFile(path.join(work, "secret-access-key"), "test-secret-access-key-value");
    env = {
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_S3_BUCKET: bucket,
      BACKUP_S3_REGION: "us-east-1",
      BACKUP_S3_PREFIX: prefix,
      S3_ACCESS_KEY_ID_FILE: path.join(work, "access-key-id"),
      S3_SECRET_ACCESS_KEY_FILE: path.join(work, "secret-access-key"),
      BACKUP_ENCRYPTION_KEY_FILE: recipients,
    };
    for (const file of [...setFiles("postgres", "dump", 90), ...oldRedisSet]) {
      expect((await s3.request("PUT", `${bucket}/${prefix}${file}`, "old")).ok).toBe(true);
    }
  });

  afterAll(async () => s3?.stop());

  test.each(["thirty", "0", "-1"])(
    "pg-backup.sh and redis-backup.sh refuse BACKUP_RETENTION_DAYS=%j and touch nothing",
    async (value) => {
      const before = await s3.keys(bucket);
      for (const [script, server] of [
        ["pg-backup.sh", { ...postgres.env, PGDATABASE: "app" }],
        ["redis-backup.sh", redis.env],
      ] as const) {
        const result = runScript(script, [], { ...server, ...env, BACKUP_RETENTION_DAYS: value });
        expect(result.stderr.replace(/^\S+ /, "")).toBe(
          refusal("BACKUP_RETENTION_DAYS", value, 3650),
        );
        expect(result.status).toBe(1);
      }
      expect(await s3.keys(bucket)).toEqual(before);
    },
  );

  test("the set just stored survives pruning when the clock jumps 40 days during the backup (clock stand-in)", async () => {
    nextSecond();
    const result = runScript("redis-backup.sh", [], {
      ...redis.env,
      ...env,
      BACKUP_RETENTION_DAYS: "30",
      PATH: clockJumpStandIn(privateDir("toolboxai-clock-"), 40),
    });
    expect(result.status).toBe(0);
    const stored = result.stderr.match(/stored (redis-\S+\.rdb\.age)/)![1];
    expect(result.stderr).toContain(`pruned ${oldRedisSet[0]} (older than 30 days)`);
    expect(await s3.keys(bucket)).toEqual(
      expect.arrayContaining([`${prefix}${stored}`, `${prefix}${stored}.sha256`]),
    );
    expect(result.stderr).not.toContain(`pruned ${stored}`);
  });
});
