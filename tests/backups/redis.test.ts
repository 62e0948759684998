// The Redis backup and restore scripts (scripts/backup/) against a real redis-server with the
// platform's persistence (append-only file): a snapshot restores with nothing lost, and a wrong
// key, a corrupted file or a data folder in use is refused.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  ageKeyPair,
  makeOwnedDir,
  nextSecond,
  privateDir,
  freePort,
  runScript,
  startRedis,
  startSentinel,
  writeOwnedFile,
  type RedisServer,
} from "./servers";

const canary = "canary-redis-plaintext-must-not-leak";

let server: RedisServer;
let work: string;
let backups: string;
let keys: { identity: string; recipients: string };
let digest: string;

beforeAll(async () => {
  work = privateDir("toolboxai-redis-backups-");
  backups = makeOwnedDir(path.join(work, "backups"));
  keys = ageKeyPair(work, "recovery");
  server = await startRedis(makeOwnedDir(path.join(work, "live")), "redis:pass\\word");
  // Every type, a binary value, an expiring key and a second database.
  const commands = [
    ...Array.from({ length: 2000 }, (_, i) => `SET session:${i} user-${i}`),
    ...Array.from(
      { length: 200 },
      (_, i) => `HSET course:${i} title "Course ${i}" weeks ${i % 12}`,
    ),
    `RPUSH queue:celery ${Array.from({ length: 300 }, (_, i) => `task-${i}`).join(" ")}`,
    `SADD tags ${Array.from({ length: 100 }, (_, i) => `tag-${i}`).join(" ")}`,
    `ZADD leaderboard ${Array.from({ length: 100 }, (_, i) => `${i * 1.5} player-${i}`).join(" ")}`,
    `SET canary ${canary}`,
    "SET expiring soon EX 86400",
    'SET binary "\\x00\\xff\\x01"',
    "SELECT 1",
    "SET other-db value",
  ];
  server.send(commands.join("\n"));
  digest = server.cli("DEBUG", "DIGEST");
  expect(server.cli("DBSIZE")).toBe("2206");
  expect(server.cli("STRLEN", "binary")).toBe("3");
});

afterAll(async () => server?.stop());

function takeBackup(): string {
  nextSecond();
  const result = runScript("redis-backup.sh", [], {
    ...server.env,
    BACKUP_DIR: backups,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
  });
  expect(result).toMatchObject({ status: 0 });
  const match = result.stderr.match(/stored (redis-\d{8}T\d{6}Z\.rdb\.age)/);
  expect(match).not.toBeNull();
  return path.join(backups, match![1]);
}

function restore(backup: string, dataDir: string, ...flags: string[]) {
  return runScript(
    "redis-restore.sh",
    ["--identity", keys.identity, ...flags, backup, dataDir],
    {},
  );
}

test("a snapshot restores into an empty data folder and Redis starts on it with every key", async () => {
  const backup = takeBackup();
  const manifest = JSON.parse(readFileSync(`${backup}.json`, "utf8"));
  expect(manifest).toMatchObject({
    service: "redis",
    file: path.basename(backup),
    encryption: "age",
  });
  expect(manifest.tools["redis-cli"]).toMatch(/^redis-cli \d+/);

  const data = makeOwnedDir(path.join(work, "restored"));
  const result = restore(backup, data);
  expect(result.status).toBe(0);
  expect(result.stderr).toContain("2206 keys in database 0");
  // Redis with the platform's `appendonly yes` starts from the append-only file: it must exist.
  expect(
    readdirSync(path.join(data, "appendonlydir")).some((file) => file.includes(".base.")),
  ).toBe(true);

  const restored = await startRedis(data, "another-password");
  try {
    expect(restored.cli("DEBUG", "DIGEST")).toBe(digest);
    expect(restored.cli("-n", "1", "GET", "other-db")).toBe("value");
    expect(Number(restored.cli("TTL", "expiring"))).toBeGreaterThan(0);
  } finally {
    await restored.stop();
  }
});

test("the snapshot is unreadable without the key", () => {
  const bytes = readFileSync(takeBackup());
  expect(bytes.subarray(0, 21).toString()).toBe("age-encryption.org/v1");
  expect(bytes.includes(Buffer.from(canary))).toBe(false);
  expect(bytes.includes(Buffer.from("REDIS"))).toBe(false);
});

test("a wrong key fails clearly and writes nothing into the data folder", () => {
  const backup = takeBackup();
  const other = ageKeyPair(work, "someone-else");
  const data = makeOwnedDir(path.join(work, "wrong-key"));
  const result = runScript("redis-restore.sh", ["--identity", other.identity, backup, data], {});
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("cannot decrypt");
  expect(result.stderr).toContain("nothing was restored");
  expect(readdirSync(data)).toEqual([]);
});

test("a corrupted snapshot fails its checksum and writes nothing", () => {
  const backup = takeBackup();
  const bytes = readFileSync(backup);
  bytes[bytes.length - 10] ^= 0xff;
  writeFileSync(backup, bytes);
  const data = makeOwnedDir(path.join(work, "corrupted"));
  const result = restore(backup, data);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("checksum mismatch");
  expect(readdirSync(data)).toEqual([]);
});

test("a data folder that holds Redis data is refused unless --force", async () => {
  const backup = takeBackup();
  const data = makeOwnedDir(path.join(work, "in-use"));
  writeOwnedFile(path.join(data, "dump.rdb"), "existing data");
  const refused = restore(backup, data);
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain(
    "already holds Redis data; refusing to replace it without --force",
  );
  expect(readFileSync(path.join(data, "dump.rdb"), "utf8")).toBe("existing data");

  expect(restore(backup, data, "--force").status).toBe(0);
  expect(existsSync(path.join(data, "appendonlydir"))).toBe(true);
  const restored = await startRedis(data, "another-password");
  try {
    expect(restored.cli("DEBUG", "DIGEST")).toBe(digest);
  } finally {
    await restored.stop();
  }
});

test("a server that does not answer: the snapshot waits BACKUP_CONNECT_SECONDS, names it, stores nothing", async () => {
  const before = readdirSync(backups).sort();
  const port = await freePort();
  const result = runScript("redis-backup.sh", [], {
    ...server.env,
    REDIS_PORT: String(port),
    BACKUP_DIR: backups,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
    BACKUP_CONNECT_SECONDS: "3",
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    `Redis on 127.0.0.1:${port} did not answer within 3 s; nothing was done`,
  );
  expect(readdirSync(backups).sort()).toEqual(before);
});

test("a failed snapshot (wrong password) stores nothing", () => {
  nextSecond();
  const before = readdirSync(backups).sort();
  const wrong = path.join(work, "wrong-password");
  writeOwnedFile(wrong, "not-the-password");
  const result = runScript("redis-backup.sh", [], {
    ...server.env,
    REDIS_PASSWORD_FILE: wrong,
    BACKUP_DIR: backups,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("no backup was stored");
  expect(readdirSync(backups).sort()).toEqual(before);
});

describe("in Sentinel mode", () => {
  const master = "toolboxai";
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  beforeAll(async () => {
    sentinel = await startSentinel(server, master, "redis:pass\\word");
  });
  afterAll(async () => sentinel?.stop());

  /** The backup job's environment in Sentinel mode: no server, the Sentinels and the master. */
  const sentinelEnv = (hosts: string) => ({
    REDIS_SENTINEL_HOSTS: hosts,
    REDIS_SENTINEL_MASTER: master,
    REDIS_PASSWORD_FILE: server.passwordFile,
    BACKUP_DIR: backups,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
  });

  test("the snapshot is of the primary the first Sentinel that answers names", async () => {
    nextSecond();
    const silent = await freePort();
    const result = runScript(
      "redis-backup.sh",
      [],
      sentinelEnv(`127.0.0.1:${silent},127.0.0.1:${sentinel.port}`),
    );
    expect(result).toMatchObject({ status: 0 });
    expect(result.stderr).toContain(`the Sentinels name 127.0.0.1:${server.port} the primary`);
    const stored = result.stderr.match(/stored (redis-\d{8}T\d{6}Z\.rdb\.age)/);
    expect(stored).not.toBeNull();
    const data = makeOwnedDir(path.join(work, "restored-through-sentinel"));
    expect(restore(path.join(backups, stored![1]), data).status).toBe(0);
    const restored = await startRedis(data, "another-password");
    try {
      expect(restored.cli("DEBUG", "DIGEST")).toBe(digest);
    } finally {
      await restored.stop();
    }
  });

  test("a master no Sentinel knows: the job waits, names the Sentinels, stores nothing", () => {
    const before = readdirSync(backups).sort();
    const result = runScript("redis-backup.sh", [], {
      ...sentinelEnv(`127.0.0.1:${sentinel.port}`),
      REDIS_SENTINEL_MASTER: "elsewhere",
      BACKUP_CONNECT_SECONDS: "3",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `a Sentinel of 127.0.0.1:${sentinel.port} naming the primary elsewhere did not answer ` +
        "within 3 s; nothing was done",
    );
    expect(readdirSync(backups).sort()).toEqual(before);
  });
});
