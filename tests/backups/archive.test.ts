// The archive check (scripts/backup/pg-archive-verify.sh) against a real archive: a PostgreSQL
// server that archives its WAL with Barman Cloud to an S3-compatible bucket (moto) and a base
// backup taken with barman-cloud-backup, as CloudNativePG writes them. The check restores the
// base backup, replays the WAL written after it, and reads every table; without its WAL, or
// without a completed base backup, it fails saying so.
import { chmodSync } from "node:fs";
import * as path from "node:path";
import {
  barmanCloud,
  describeWithMoto,
  postgresBinDir,
  privateDir,
  runScript,
  runUnprivileged,
  startPostgres,
  startS3,
  writeOwnedFile,
  type PostgresServer,
  type S3Server,
} from "./servers";

const describeWithServer = describeWithMoto("the archive check's tests");

const bucket = "toolboxai-backups";
const destination = `s3://${bucket}/production/cloudnative-pg`;
const serverName = "postgres";

describeWithServer("the archive check restores the newest base backup and replays the WAL", () => {
  let s3: S3Server;
  let postgres: PostgresServer;
  let checkEnv: Record<string, string>;
  let credentials: Record<string, string>;
  /** Barman Cloud's programs, as the unprivileged user runs them. */
  let barman: (program: string) => string;

  /** A base backup as CloudNativePG takes one (its checkpoint at once, as the drill cannot wait). */
  const baseBackup = (server: string) =>
    runUnprivileged(
      barman("barman-cloud-backup"),
      [
        "--immediate-checkpoint",
        `--endpoint-url=${s3.endpoint}`,
        "--gzip",
        "--encryption=AES256",
        `--host=${postgres.socketDir}`,
        `--port=${postgres.port}`,
        `--user=${postgres.user}`,
        "--dbname=postgres",
        destination,
        server,
      ],
      credentials,
    );
  const runCheck = (env: Record<string, string> = {}) =>
    runScript("pg-archive-verify.sh", [], { ...checkEnv, ...env });

  beforeAll(async () => {
    s3 = await startS3(bucket);
    const work = privateDir("toolboxai-archive-");
    const barmanBin = barmanCloud(work);
    barman = (program) => path.join(barmanBin, program);
    writeOwnedFile(path.join(work, "access-key-id"), "AKIATOOLBOXAITEST");
    writeOwnedFile(path.join(work, "secret-access-key"), "test-secret-access-key-value");
    credentials = {
      AWS_ACCESS_KEY_ID: "AKIATOOLBOXAITEST",
      AWS_SECRET_ACCESS_KEY: "test-secret-access-key-value",
      AWS_DEFAULT_REGION: "us-east-1",
    };
    // As CloudNativePG archives: every segment, gzip-compressed, encrypted at rest by the bucket.
    const archiveCommand = [
      barman("barman-cloud-wal-archive"),
      `--endpoint-url ${s3.endpoint}`,
      "--gzip --encryption AES256",
      destination,
      serverName,
      "%p",
    ].join(" ");
    postgres = await startPostgres("archive-test-password", {
      conf: `wal_level = replica\narchive_mode = on\narchive_command = '${archiveCommand}'`,
      env: credentials,
    });
    postgres.sql("postgres", "CREATE DATABASE app;");
    postgres.sql(
      "app",
      `CREATE TABLE lessons (id int PRIMARY KEY, title text NOT NULL);
       INSERT INTO lessons SELECT n, 'lesson ' || n FROM generate_series(1, 100) AS n;`,
    );
    checkEnv = {
      ARCHIVE_DESTINATION: destination,
      ARCHIVE_SERVER: serverName,
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID_FILE: path.join(work, "access-key-id"),
      S3_SECRET_ACCESS_KEY_FILE: path.join(work, "secret-access-key"),
      PGUSER: postgres.user,
      PATH: `${barmanBin}:${postgresBinDir()}:${process.env.PATH}`,
      TMPDIR: work,
    };
  }, 120_000);

  afterAll(async () => {
    postgres?.stop();
    await s3?.stop();
  });

  test("without a completed base backup it fails, naming the archive", () => {
    const result = runCheck();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`no completed base backup in ${destination}/${serverName}`);
  });

  test("rows written after the base backup come back from the WAL, and every table is read", async () => {
    // Read-only, as CloudNativePG keeps it (ALTER SYSTEM is off): the check must not edit it.
    chmodSync(path.join(postgres.socketDir, "data", "postgresql.auto.conf"), 0o400);
    expect(baseBackup(serverName)).toMatchObject({ status: 0 });
    // After the base backup: only the archived WAL holds these.
    postgres.sql(
      "app",
      `INSERT INTO lessons SELECT n, 'lesson ' || n FROM generate_series(101, 150) AS n;
       CREATE TABLE "after the backup" (note text);
       INSERT INTO "after the backup" VALUES ('kept by the WAL');`,
    );
    const segment = postgres.sql("postgres", "SELECT pg_walfile_name(pg_switch_wal())");
    for (let waited = 0; ; waited += 200) {
      const archived = postgres.sql("postgres", "SELECT last_archived_wal FROM pg_stat_archiver");
      if (archived >= segment) break;
      if (waited > 30_000) throw new Error(`${segment} was not archived (last: ${archived})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const result = runCheck();
    expect(result.stderr).not.toContain("ERROR");
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/restoring base backup \d{8}T\d{6} /);
    expect(result.stderr).toContain("app: public.lessons: 150 rows");
    expect(result.stderr).toContain('app: public."after the backup": 1 rows');
    expect(result.stderr).toMatch(
      /replayed \d+ WAL segments from the archive; last transaction replayed: \d{4}-/,
    );
    expect(result.stderr).toMatch(
      /verified the archive: base backup \d{8}T\d{6} and \d+ WAL segments, \d+ tables restored and read/,
    );
    // The archive is only read: the live server kept every row, and nothing was added to it.
    expect(postgres.sql("app", "SELECT count(*) FROM lessons")).toBe("150");
  });

  test("a base backup without its WAL in the bucket fails: it cannot be made consistent", () => {
    // A base backup under another server's name: the server archives its WAL under its own.
    expect(baseBackup("without-wal")).toMatchObject({ status: 0 });
    const result = runCheck({ ARCHIVE_SERVER: "without-wal" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /ERROR: base backup \d{8}T\d{6} did not recover, the server stopped/,
    );
    expect(result.stderr).not.toContain("verified");
  });

  test.each([
    ["ARCHIVE_DESTINATION", "http://bucket/path", "it must be an s3://BUCKET/PATH URL"],
    ["ARCHIVE_REPLAY_SECONDS", "an hour", "it must be a whole number from 60 to 86400"],
    ["ARCHIVE_SERVER", "", "ARCHIVE_SERVER is not set"],
  ])("%s of %p is refused before the bucket is read: %s", (name, value, message) => {
    const result = runCheck({ [name]: value });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("restoring");
  });
});
