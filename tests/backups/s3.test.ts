// The bucket path of the backup scripts against an S3-compatible server on loopback (moto, from
// scripts/install-backup-test-tools.sh): backups land in the bucket under the prefix, a fetched
// set restores with nothing lost, the restore check reads the newest set from the bucket, and
// pruning deletes exactly the expired sets. Behind a private CA (https:// with a test CA's
// certificate), the scripts reach the bucket only with BACKUP_S3_CA_FILE naming that CA.
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

const describeWithServer = describeWithMoto("the S3 backup tests");

const bucket = "toolboxai-backups";
const prefix = "staging/";

describeWithServer("backups in an S3-compatible bucket", () => {
  let s3: S3Server;
  let postgres: PostgresServer;
  let redis: RedisServer;
  let work: string;
  let keys: { identity: string; recipients: string };
  let bucketEnv: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3(bucket);
    postgres = await startPostgres("bucket-test-password");
    work = privateDir("toolboxai-s3-backups-");
    redis = await startRedis(makeOwnedDir(path.join(work, "redis")), "bucket-redis-password");
    keys = ageKeyPair(work, "recovery");
    writeOwnedFile(path.join(work, "access-key-id"), "AKIATOOLBOXAITEST");
    writeOwnedFile(path.join(work, "secret-access-key"), "test-secret-access-key-value");
    bucketEnv = {
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_S3_BUCKET: bucket,
      BACKUP_S3_REGION: "us-east-1",
      BACKUP_S3_PREFIX: prefix,
      S3_ACCESS_KEY_ID_FILE: path.join(work, "access-key-id"),
      S3_SECRET_ACCESS_KEY_FILE: path.join(work, "secret-access-key"),
      BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
      BACKUP_RETENTION_DAYS: "30",
    };
    postgres.sql("postgres", "CREATE DATABASE app;");
    postgres.sql(
      "app",
      `CREATE TABLE lessons (id int PRIMARY KEY, body bytea NOT NULL);
       INSERT INTO lessons SELECT g, decode(md5(g::text), 'hex') FROM generate_series(1, 2000) g;`,
    );
    redis.send(Array.from({ length: 500 }, (_, i) => `SET key:${i} value-${i}`).join("\n"));
  });

  afterAll(async () => {
    postgres?.stop();
    await redis?.stop();
    await s3?.stop();
  });

  const checksum = () =>
    postgres.sql(
      "app",
      "SELECT md5(string_agg(id || ':' || encode(body, 'hex'), ',' ORDER BY id)) FROM lessons;",
    );
  /** A backup of the database `app` to the bucket `env` names, in a second of its own. */
  const pgBackup = (env: Record<string, string>) => {
    nextSecond();
    return runScript("pg-backup.sh", [], { ...postgres.env, PGDATABASE: "app", ...env });
  };
  /** The restore check of the newest set in the bucket `env` names. */
  const restoreCheck = (env: Record<string, string>) =>
    runScript("pg-verify.sh", ["--identity", keys.identity], {
      ...env,
      PG_BINDIR: postgresBinDir(),
    });

  test("a PostgreSQL backup lands in the bucket and restores from it with nothing lost", async () => {
    const before = checksum();
    const backup = pgBackup(bucketEnv);
    expect(backup.stderr).toContain(`in ${s3.endpoint}/${bucket}/${prefix}`);
    expect(backup.status).toBe(0);
    const name = backup.stderr.match(/stored (postgres-\S+\.dump\.age)/)![1];
    expect(await s3.keys(bucket)).toEqual(
      expect.arrayContaining([
        `${prefix}${name}`,
        `${prefix}${name}.sha256`,
        `${prefix}${name}.json`,
      ]),
    );

    const local = makeOwnedDir(path.join(work, "fetched"));
    const fetched = runScript("backup-fetch.sh", ["postgres", local], bucketEnv);
    expect(fetched).toMatchObject({ status: 0, stdout: `${path.join(local, name)}\n` });
    postgres.sql("postgres", "DROP DATABASE app;");
    const restored = runScript(
      "pg-restore.sh",
      ["--identity", keys.identity, path.join(local, name), "app"],
      postgres.env,
    );
    expect(restored.status).toBe(0);
    expect(checksum()).toBe(before);
  });

  test("the restore check fetches the newest set from the bucket", () => {
    const result = restoreCheck(bucketEnv);
    expect(result.stderr).toContain("public.lessons: 2000 rows");
    expect(result.status).toBe(0);
  });

  test("a Redis snapshot lands in the bucket and restores from it", async () => {
    nextSecond();
    const backup = runScript("redis-backup.sh", [], { ...redis.env, ...bucketEnv });
    expect(backup.status).toBe(0);
    const local = makeOwnedDir(path.join(work, "redis-fetched"));
    const fetched = runScript("backup-fetch.sh", ["redis", local], bucketEnv);
    expect(fetched.status).toBe(0);
    const data = makeOwnedDir(path.join(work, "redis-restored"));
    const restored = runScript(
      "redis-restore.sh",
      ["--identity", keys.identity, fetched.stdout.trim(), data],
      {},
    );
    expect(restored.stderr).toContain("500 keys in database 0");
    expect(restored.status).toBe(0);
  });

  test("pruning deletes exactly the expired sets in the bucket, and nothing else", async () => {
    const put = async (key: string) =>
      expect((await s3.request("PUT", `${bucket}/${key}`, "old")).ok).toBe(true);
    const set = async (service: string, daysAgo: number) => {
      const name = `${service}-${setStamp(daysAgo)}.dump.age`;
      for (const file of [name, `${name}.sha256`, `${name}.json`]) await put(`${prefix}${file}`);
      return `${prefix}${name}`;
    };
    const expired = await set("postgres", 45);
    const kept = [await set("postgres", 10), await set("redis", 60)];
    const foreign = [`${prefix}notes.txt`, `production/postgres-${setStamp(400)}.dump.age`];
    for (const key of foreign) await put(key);

    const backup = pgBackup(bucketEnv);
    expect(backup.stderr).toContain(`pruned ${expired.slice(prefix.length)}`);
    expect(backup.status).toBe(0);
    const after = await s3.keys(bucket);
    for (const key of [expired, `${expired}.sha256`, `${expired}.json`])
      expect(after).not.toContain(key);
    for (const key of [...kept, ...foreign]) expect(after).toContain(key);
  });

  test("the newest set is found past the first page of a listing (1,000 keys)", async () => {
    const old = Array.from({ length: 350 }, (_, i) => `postgres-${setStamp(31 + i)}.dump.age`);
    const files = old.flatMap((name) => [name, `${name}.sha256`, `${name}.json`]);
    for (let i = 0; i < files.length; i += 50) {
      const batch = files.slice(i, i + 50);
      const puts = await Promise.all(
        batch.map((file) => s3.request("PUT", `${bucket}/${prefix}${file}`, "old")),
      );
      expect(puts.every((put) => put.ok)).toBe(true);
    }
    const backup = pgBackup({ ...bucketEnv, BACKUP_RETENTION_DAYS: "3650" });
    expect(backup.status).toBe(0);
    const name = backup.stderr.match(/stored (postgres-\S+\.dump\.age)/)![1];
    // s3.keys reads one page: the new set is not on it.
    const firstPage = await s3.keys(bucket);
    expect(firstPage).toHaveLength(1000);
    expect(firstPage).not.toContain(`${prefix}${name}`);

    const local = makeOwnedDir(path.join(work, "fetched-past-page-1"));
    const fetched = runScript("backup-fetch.sh", ["postgres", local], bucketEnv);
    expect(fetched).toMatchObject({ status: 0, stdout: `${path.join(local, name)}\n` });
  });

  describe("behind a private CA (https://, a test CA's certificate)", () => {
    let tls: S3Server;
    let tlsEnv: Record<string, string>;

    beforeAll(async () => {
      tls = await startS3(bucket, { tls: true });
      expect(tls.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      tlsEnv = { ...bucketEnv, BACKUP_S3_ENDPOINT: tls.endpoint };
    });
    afterAll(async () => {
      await tls?.stop();
    });

    test("with BACKUP_S3_CA_FILE naming the CA, a set is stored, fetched and checked", async () => {
      const withCa = { ...tlsEnv, BACKUP_S3_CA_FILE: tls.caFile! };
      const stored = pgBackup(withCa);
      expect(stored.stderr).toContain(`in ${tls.endpoint}/${bucket}/${prefix}`);
      expect(stored.status).toBe(0);
      const name = stored.stderr.match(/stored (postgres-\S+\.dump\.age)/)![1];
      expect(await tls.keys(bucket)).toEqual(
        [name, `${name}.json`, `${name}.sha256`].map((file) => `${prefix}${file}`),
      );

      const local = makeOwnedDir(path.join(work, "fetched-over-tls"));
      const fetched = runScript("backup-fetch.sh", ["postgres", local], withCa);
      expect(fetched).toMatchObject({ status: 0, stdout: `${path.join(local, name)}\n` });
      const verified = restoreCheck(withCa);
      expect(verified.stderr).toContain("public.lessons: 2000 rows");
      expect(verified.status).toBe(0);
    });

    test("without it, curl refuses the certificate: nothing is stored or fetched", async () => {
      const before = await tls.keys(bucket);
      const stored = pgBackup(tlsEnv);
      expect(stored.stderr).toMatch(/curl: \(60\) SSL certificate problem/);
      expect(stored.stderr).toContain(`could not upload postgres-`);
      expect(stored.status).not.toBe(0);
      expect(await tls.keys(bucket)).toEqual(before);

      const local = makeOwnedDir(path.join(work, "fetched-untrusted"));
      const fetched = runScript("backup-fetch.sh", ["postgres", local], tlsEnv);
      expect(fetched.stderr).toMatch(/curl: \(60\) SSL certificate problem/);
      expect(fetched.status).not.toBe(0);
      expect(readdirSync(local)).toEqual([]);
    });

    test.each([
      ["a missing file", () => path.join(work, "no-such-ca.crt")],
      [
        "an empty file",
        () => {
          const empty = path.join(work, "empty-ca.crt");
          writeOwnedFile(empty, "");
          return empty;
        },
      ],
      ["a folder", () => work],
    ])(
      "BACKUP_S3_CA_FILE naming %s stops the scripts before storage is touched",
      async (_, caFile) => {
        const file = caFile();
        const before = await tls.keys(bucket);
        const message =
          `BACKUP_S3_CA_FILE is '${file}'; it must name a readable, non-empty PEM file of the ` +
          "bucket's CA certificates (or be empty: the system's trust store). Nothing was done";
        const stored = pgBackup({ ...tlsEnv, BACKUP_S3_CA_FILE: file });
        expect(stored.stderr).toContain(`ERROR: ${message}`);
        expect(stored.stderr).not.toContain("backing up");
        expect(stored.status).toBe(1);
        expect(await tls.keys(bucket)).toEqual(before);
        const fetched = runScript("backup-fetch.sh", ["postgres", work], {
          ...tlsEnv,
          BACKUP_S3_CA_FILE: file,
        });
        expect(fetched.stderr).toContain(`ERROR: ${message}`);
        expect(fetched.status).toBe(1);
      },
    );

    test("an empty BACKUP_S3_CA_FILE is unset: the system's trust store", () => {
      const stored = pgBackup({ ...tlsEnv, BACKUP_S3_CA_FILE: "" });
      expect(stored.stderr).toMatch(/curl: \(60\) SSL certificate problem/);
      expect(stored.stderr).not.toContain("BACKUP_S3_CA_FILE");
    });
  });
});
