// The PostgreSQL backup, restore and verification scripts (scripts/backup/) against a real
// server: a backup restores with nothing lost, and every way it can go wrong fails clearly and
// restores nothing.
import { readdirSync, readFileSync, writeFileSync, utimesSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import * as path from "node:path";
import { readerRoleScript } from "../../components/data/postgres";
import {
  ageKeyPair,
  freePort,
  makeOwnedDir,
  nextSecond,
  privateDir,
  postgresBinDir,
  runScript,
  runScriptAsync,
  runUnprivileged,
  setStamp,
  startPostgres,
  writeOwnedFile,
  type PostgresServer,
} from "./servers";

const database = "toolboxai";
/** A value that must never appear in a backup file's bytes. */
const canary = "canary-7f3a-plaintext-must-not-leak";

/** Several tables with constraints, bytea and a few thousand rows, a sequence and a view. */
const seedSql = `
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE CHECK (email LIKE '%@%'),
  created timestamptz NOT NULL DEFAULT '2026-01-01T00:00:00Z'
);
CREATE TABLE courses (
  id serial PRIMARY KEY,
  title text NOT NULL,
  syllabus jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE enrollments (
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  course_id int NOT NULL REFERENCES courses (id),
  progress numeric(5, 2) NOT NULL CHECK (progress BETWEEN 0 AND 100),
  PRIMARY KEY (user_id, course_id)
);
CREATE TABLE attachments (
  id serial PRIMARY KEY,
  course_id int NOT NULL REFERENCES courses (id),
  content bytea NOT NULL
);
CREATE VIEW course_sizes AS
  SELECT course_id, count(*) AS learners FROM enrollments GROUP BY course_id;
INSERT INTO users (email) SELECT 'learner' || g || '@toolboxai.test' FROM generate_series(1, 3000) g;
INSERT INTO courses (title, syllabus)
  SELECT 'Course ' || g, jsonb_build_object('weeks', g % 12, 'note', '${canary}')
  FROM generate_series(1, 40) g;
INSERT INTO enrollments
  SELECT u, 1 + (u * 7) % 40, (u % 101)::numeric FROM generate_series(1, 3000) u;
INSERT INTO attachments (course_id, content)
  SELECT 1 + g % 40, decode(repeat(md5(g::text), 8), 'hex') || '\\x00ff00'::bytea
  FROM generate_series(1, 500) g;
`;

const tables = ["users", "courses", "enrollments", "attachments"];

/** Each table's rows, hashed in a stable order, and the state that rows alone miss. */
function fingerprint(server: PostgresServer, db: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const table of tables) {
    result[table] = server.sql(
      db,
      `SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t;`,
    );
  }
  result.sequences = server.sql(
    db,
    "SELECT string_agg(sequencename || '=' || coalesce(last_value, 0), ',' ORDER BY sequencename) FROM pg_sequences;",
  );
  result.constraints = server.sql(
    db,
    "SELECT string_agg(conname || ':' || contype::text, ',' ORDER BY conname) FROM pg_constraint WHERE connamespace = 'public'::regnamespace;",
  );
  result.view = server.sql(db, "SELECT sum(learners) FROM course_sizes;");
  return result;
}

let server: PostgresServer;
let work: string;
let backups: string;
let keys: { identity: string; recipients: string };
let backupEnv: Record<string, string>;

beforeAll(async () => {
  server = await startPostgres("p@ss:word\\with-specials");
  work = privateDir("toolboxai-pg-backups-");
  backups = makeOwnedDir(path.join(work, "backups"));
  keys = ageKeyPair(work, "recovery");
  server.sql("postgres", `CREATE DATABASE ${database};`);
  server.sql(database, seedSql);
  backupEnv = {
    ...server.env,
    PGDATABASE: database,
    BACKUP_DIR: backups,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
  };
});

afterAll(() => server?.stop());

function takeBackup(): string {
  nextSecond();
  const before = new Set(readdirSync(backups));
  const result = runScript("pg-backup.sh", [], backupEnv);
  expect(result).toMatchObject({ status: 0 });
  const added = readdirSync(backups).filter((file) => !before.has(file));
  const backup = added.find((file) => file.endsWith(".dump.age"));
  expect(added.sort()).toEqual([backup, `${backup}.json`, `${backup}.sha256`].sort());
  return path.join(backups, backup!);
}

function restore(backup: string, target: string, ...flags: string[]) {
  return runScript(
    "pg-restore.sh",
    ["--identity", keys.identity, ...flags, backup, target],
    server.env,
  );
}

const databaseExists = (name: string) =>
  server.sql("postgres", `SELECT count(*) FROM pg_database WHERE datname = '${name}';`) === "1";

test("a backup restores into a dropped database with every row, sequence and constraint", () => {
  const original = fingerprint(server, database);
  expect(original.users).toMatch(/^3000:/);
  expect(original.attachments).toMatch(/^500:/);
  const backup = takeBackup();

  server.sql("postgres", `DROP DATABASE ${database};`);
  expect(databaseExists(database)).toBe(false);
  const result = restore(backup, database);
  expect(result.stderr).toContain(`restored ${path.basename(backup)} into ${database}`);
  expect(result.status).toBe(0);
  expect(fingerprint(server, database)).toEqual(original);
});

test("the manifest records the time, size, database, checksum and tool versions", () => {
  const backup = takeBackup();
  const manifest = JSON.parse(readFileSync(`${backup}.json`, "utf8"));
  const bytes = readFileSync(backup);
  const checksum = readFileSync(`${backup}.sha256`, "utf8");
  expect(manifest).toMatchObject({
    service: "postgres",
    database,
    file: path.basename(backup),
    bytes: bytes.length,
    encryption: "age",
  });
  expect(checksum).toBe(`${manifest.sha256}  ${path.basename(backup)}\n`);
  expect(manifest.tools.pg_dump).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
  expect(manifest.tools.age).toMatch(/\d+\.\d+/);
  expect(Date.now() - Date.parse(manifest.created)).toBeLessThan(120_000);
  expect(path.basename(backup)).toMatch(/^postgres-\d{8}T\d{6}Z\.dump\.age$/);
});

test("the backup is unreadable without the key: age ciphertext, no plaintext, not an archive", () => {
  const backup = takeBackup();
  const bytes = readFileSync(backup);
  expect(bytes.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
  expect(bytes.includes(Buffer.from(canary))).toBe(false);
  expect(bytes.includes(Buffer.from("learner1@toolboxai.test"))).toBe(false);
  const list = runUnprivileged(path.join(postgresBinDir(), "pg_restore"), ["--list", backup]);
  expect(list.status).not.toBe(0);
});

test("a wrong key fails clearly and restores nothing", () => {
  const backup = takeBackup();
  const other = ageKeyPair(work, "someone-else");
  const result = runScript(
    "pg-restore.sh",
    ["--identity", other.identity, backup, "restored_wrong_key"],
    server.env,
  );
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    `cannot decrypt ${backup} with the identity in ${other.identity}`,
  );
  expect(result.stderr).toContain("nothing was restored");
  expect(databaseExists("restored_wrong_key")).toBe(false);
});

test("a corrupted backup fails its checksum and restores nothing", () => {
  const backup = takeBackup();
  const bytes = readFileSync(backup);
  bytes[bytes.length - 100] ^= 0xff;
  writeFileSync(backup, bytes);
  const result = restore(backup, "restored_corrupted");
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`checksum mismatch: ${backup} is corrupted`);
  expect(databaseExists("restored_corrupted")).toBe(false);
});

test("a backup without its checksum is refused", () => {
  const backup = takeBackup();
  runUnprivileged("rm", [`${backup}.sha256`]);
  const result = restore(backup, "restored_unverifiable");
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("refusing to restore an unverifiable file");
  expect(databaseExists("restored_unverifiable")).toBe(false);
});

test("restoring over a non-empty database is refused unless --force", () => {
  const backup = takeBackup();
  const original = fingerprint(server, database);
  server.sql(database, "DELETE FROM enrollments WHERE user_id > 2900;");
  const changed = fingerprint(server, database);
  expect(changed.enrollments).not.toEqual(original.enrollments);

  const refused = restore(backup, database);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain(`database ${database} is not empty`);
  expect(refused.stderr).toContain("without --force");
  expect(fingerprint(server, database)).toEqual(changed);

  const forced = restore(backup, database, "--force");
  expect(forced.status).toBe(0);
  expect(fingerprint(server, database)).toEqual(original);
});

test("pruning deletes exactly the sets older than the retention, and nothing it did not write", () => {
  const set = (service: string, daysAgo: number) => {
    const name = `${service}-${setStamp(daysAgo)}.dump.age`;
    for (const file of [name, `${name}.sha256`, `${name}.json`]) {
      writeOwnedFile(path.join(backups, file), "old");
    }
    return name;
  };
  const expired = [set("postgres", 31), set("postgres", 90)];
  const kept = [set("postgres", 29), set("redis", 120)];
  // Not ours: a file we did not write, whatever its age.
  const foreign = ["notes.txt", "postgres-manual-copy.dump"];
  for (const file of foreign) {
    writeOwnedFile(path.join(backups, file), "keep me");
    const old = new Date(Date.now() - 400 * 86_400_000);
    utimesSync(path.join(backups, file), old, old);
  }

  const backup = takeBackup();
  const files = new Set(readdirSync(backups));
  for (const name of expired) {
    for (const file of [name, `${name}.sha256`, `${name}.json`])
      expect(files.has(file)).toBe(false);
  }
  for (const name of kept) expect(files.has(name)).toBe(true);
  for (const file of foreign) expect(files.has(file)).toBe(true);
  expect(files.has(path.basename(backup))).toBe(true);
});

test("the backup of a database that does not exist fails and stores nothing", () => {
  nextSecond();
  const before = readdirSync(backups).sort();
  const result = runScript("pg-backup.sh", [], { ...backupEnv, PGDATABASE: "no_such_database" });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("pg_dump failed");
  expect(result.stderr).toContain("no backup was stored");
  expect(readdirSync(backups).sort()).toEqual(before);
});

test("a server that does not answer: the backup waits BACKUP_CONNECT_SECONDS, names it, stores nothing", async () => {
  const before = readdirSync(backups).sort();
  const port = await freePort();
  const result = runScript("pg-backup.sh", [], {
    ...backupEnv,
    PGPORT: String(port),
    BACKUP_CONNECT_SECONDS: "3",
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(`waiting for PostgreSQL on 127.0.0.1:${port} to answer`);
  expect(result.stderr).toContain(
    `PostgreSQL on 127.0.0.1:${port} did not answer within 3 s; nothing was done`,
  );
  expect(readdirSync(backups).sort()).toEqual(before);
});

test("a server that answers late (a new pod's address admitted a moment after it starts): the backup waits, then stores its set", async () => {
  nextSecond();
  const port = await freePort();
  // Nothing listens on `port` for 3 s; then a relay to the server does.
  let relay: Server | undefined;
  const opening = setTimeout(() => {
    relay = createServer((client) => {
      const upstream = connect(server.port, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    }).listen(port, "127.0.0.1");
  }, 3000);
  try {
    const result = await runScriptAsync("pg-backup.sh", [], { ...backupEnv, PGPORT: String(port) });
    expect(result.stderr).toContain(`waiting for PostgreSQL on 127.0.0.1:${port} to answer`);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/stored postgres-\S+\.dump\.age/);
  } finally {
    clearTimeout(opening);
    relay?.close();
  }
});

test("a missing setting is named before anything runs", () => {
  const result = runScript("pg-backup.sh", [], { ...backupEnv, BACKUP_ENCRYPTION_KEY_FILE: "" });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("BACKUP_ENCRYPTION_KEY_FILE is not set");
});

test("no storage named: the message names both kinds", () => {
  const result = runScript("pg-backup.sh", [], { ...backupEnv, BACKUP_DIR: "" });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    "neither BACKUP_DIR (a folder) nor BACKUP_S3_BUCKET (a bucket, with BACKUP_S3_ENDPOINT, " +
      "BACKUP_S3_REGION, S3_ACCESS_KEY_ID_FILE and S3_SECRET_ACCESS_KEY_FILE) is set",
  );
});

test("pg-verify.sh restores the newest backup into a throwaway server and reads every table", () => {
  takeBackup();
  const result = runScript("pg-verify.sh", ["--identity", keys.identity], {
    BACKUP_DIR: backups,
    PG_BINDIR: postgresBinDir(),
  });
  expect(result.stderr).toMatch(
    /verified postgres-\d{8}T\d{6}Z\.dump\.age: 4 tables restored and read/,
  );
  expect(result.stderr).toContain("public.users: 3000 rows");
  expect(result.stderr).toContain("public.attachments: 500 rows");
  expect(result.status).toBe(0);
});

test("pg-verify.sh reads tables whose names hold spaces, dots and quotes", () => {
  server.sql("postgres", "CREATE DATABASE odd_names;");
  server.sql(
    "odd_names",
    `CREATE TABLE "my table" (id int); INSERT INTO "my table" VALUES (1), (2), (3);
     CREATE SCHEMA "odd.schema";
     CREATE TABLE "odd.schema".normal (id int); INSERT INTO "odd.schema".normal VALUES (1);
     CREATE TABLE "odd.schema"."with ""quotes"" and . dot" (id int);`,
  );
  const dir = makeOwnedDir(path.join(work, "odd-names"));
  nextSecond();
  expect(
    runScript("pg-backup.sh", [], { ...backupEnv, PGDATABASE: "odd_names", BACKUP_DIR: dir }),
  ).toMatchObject({ status: 0 });
  const backup = path.join(
    dir,
    readdirSync(dir).find((file) => file.endsWith(".dump.age"))!,
  );
  const result = runScript("pg-verify.sh", ["--identity", keys.identity, backup], {
    PG_BINDIR: postgresBinDir(),
  });
  const read = result.stderr
    .split("\n")
    .filter((line) => line.includes(" rows"))
    .map((line) => line.replace(/^\S+ {3}/, ""));
  expect(read).toEqual([
    '"odd.schema".normal: 1 rows',
    '"odd.schema"."with ""quotes"" and . dot": 0 rows',
    'public."my table": 3 rows',
  ]);
  expect(result.stderr).toContain(`verified ${path.basename(backup)}: 3 tables restored and read`);
  expect(result.status).toBe(0);
});

test("pg-verify.sh fails on a corrupted backup", () => {
  const backup = takeBackup();
  const bytes = readFileSync(backup);
  bytes[200] ^= 0x01;
  writeFileSync(backup, bytes);
  const result = runScript("pg-verify.sh", ["--identity", keys.identity, backup], {
    PG_BINDIR: postgresBinDir(),
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("checksum mismatch");
});

test("the read-only role script (Grafana's datasource) creates a role that reads and cannot write", () => {
  const readerPassword = path.join(work, "reader-password");
  writeOwnedFile(readerPassword, "reader-secret");
  const script = path.join(work, "reader-role.sh");
  writeOwnedFile(script, readerRoleScript(database, "grafana_reader"), 0o700);
  const created = runUnprivileged("sh", [script], {
    ...server.env,
    PGPASSFILE: "",
    POSTGRES_USER: server.user,
    READER_PASSWORD_FILE: readerPassword,
    PGPASSWORD: readFileSync(server.passwordFile, "utf8"),
  });
  expect(created).toMatchObject({ status: 0 });
  const asReader = (sql: string) =>
    runUnprivileged(
      "psql",
      [
        "-X",
        "-tA",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        "127.0.0.1",
        "-p",
        String(server.port),
        "-U",
        "grafana_reader",
        "-d",
        database,
        "-c",
        sql,
      ],
      { PGPASSWORD: "reader-secret" },
    );
  expect(asReader("SELECT count(*) FROM users")).toMatchObject({ status: 0, stdout: "3000\n" });
  const write = asReader("DELETE FROM enrollments");
  expect(write.status).not.toBe(0);
  expect(write.stderr).toMatch(/read-only transaction|permission denied/);
  expect(asReader("CREATE TABLE t (x int)").status).not.toBe(0);
});
