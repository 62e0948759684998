// A bucket listing is all or nothing. S3 lists keys oldest first, 1,000 to a page; when a later
// page fails, the first pages alone would make an old set look like the newest. Against a fake
// S3 stand-in (tests/backups/fake-s3.ts) whose pages are chosen per test, serving real backup
// sets taken from a real PostgreSQL: a failed, foreign or token-less page makes the listing,
// backup-fetch.sh, the restore check and pruning fail, with nothing fetched or deleted; a listing
// whose pages all answer finds the newest set on the last page.
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { startFakeS3StandIn, type FakeListPage, type FakeS3StandIn } from "./fake-s3";
import {
  ageKeyPair,
  makeOwnedDir,
  nextSecond,
  postgresBinDir,
  privateDir,
  runScript,
  runScriptAsync,
  setStamp,
  startPostgres,
  writeOwnedFile,
  type PostgresServer,
} from "./servers";

const bucket = "toolboxai-backups";
const prefix = "production/";

let postgres: PostgresServer;
let work: string;
let keys: { identity: string; recipients: string };
/** Real backup sets, by name: a month old (the first page) and the newest (the last page). */
const sets = new Map<string, Map<string, Buffer>>();
let stale: string;
let newest: string;

/** A copy of a real set under another name (its checksum file names the file it sums). */
function renamedSet(files: Map<string, Buffer>, from: string, to: string): Map<string, Buffer> {
  const sha256 = files.get(`${from}.sha256`)!.toString().replace(from, to);
  return new Map([
    [to, files.get(from)!],
    [`${to}.sha256`, Buffer.from(sha256)],
    [`${to}.json`, Buffer.from(files.get(`${from}.json`)!.toString().replaceAll(from, to))],
  ]);
}

beforeAll(async () => {
  postgres = await startPostgres("listing-test-password");
  work = privateDir("toolboxai-s3-listing-");
  keys = ageKeyPair(work, "recovery");
  writeOwnedFile(path.join(work, "access-key-id"), "AKIATOOLBOXAITEST");
  writeOwnedFile(path.join(work, "secret-access-key"), "test-secret-access-key-value");
  postgres.sql("postgres", "CREATE DATABASE app;");
  postgres.sql("app", "CREATE TABLE lessons (id int); INSERT INTO lessons VALUES (1), (2);");
  const made = makeOwnedDir(path.join(work, "made"));
  nextSecond();
  const backup = runScript("pg-backup.sh", [], {
    ...postgres.env,
    PGDATABASE: "app",
    BACKUP_DIR: made,
    BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
    BACKUP_RETENTION_DAYS: "30",
  });
  expect(backup.status).toBe(0);
  newest = readdirSync(made).find((file) => file.endsWith(".dump.age"))!;
  const files = new Map(
    readdirSync(made).map((file) => [file, readFileSync(path.join(made, file))] as const),
  );
  sets.set(newest, files);
  stale = `postgres-${setStamp(30)}.dump.age`;
  sets.set(stale, renamedSet(files, newest, stale));
});

afterAll(() => postgres?.stop());

/** The bucket keys of a set, in the order S3 lists them. */
const setKeys = (name: string) => [...sets.get(name)!.keys()].sort().map((key) => prefix + key);

const bucketEnv = (standIn: FakeS3StandIn) => ({
  BACKUP_S3_ENDPOINT: standIn.endpoint,
  BACKUP_S3_BUCKET: bucket,
  BACKUP_S3_REGION: "eu-west-1",
  BACKUP_S3_PREFIX: prefix,
  S3_ACCESS_KEY_ID_FILE: path.join(work, "access-key-id"),
  S3_SECRET_ACCESS_KEY_FILE: path.join(work, "secret-access-key"),
});

/** Runs `check` against a fake S3 stand-in listing `pages` and holding every set's files. */
async function withStandIn(
  pages: readonly FakeListPage[],
  check: (standIn: FakeS3StandIn) => Promise<void>,
): Promise<void> {
  const standIn = await startFakeS3StandIn(bucket, pages);
  for (const files of sets.values()) {
    for (const [file, bytes] of files) standIn.objects.set(prefix + file, bytes);
  }
  try {
    await check(standIn);
  } finally {
    await standIn.stop();
  }
}

/** Requests other than listings: reading, writing or deleting an object. */
const objectRequests = (standIn: FakeS3StandIn) =>
  standIn.requests.filter((request) => !request.includes("list-type=2"));

/** backup-fetch.sh's newest PostgreSQL set from the stand-in, into a fresh folder. */
async function fetchNewest(standIn: FakeS3StandIn) {
  const dest = privateDir("toolboxai-fetched-");
  return {
    dest,
    result: await runScriptAsync("backup-fetch.sh", ["postgres", dest], bucketEnv(standIn)),
  };
}

const listing = (standIn: FakeS3StandIn) =>
  `the listing of ${standIn.endpoint}/${bucket}/${prefix}postgres-*`;

const failingPage2: FakeListPage = {
  status: 503,
  body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
};

/** Listings that cannot be trusted whole, and the error each gets; `listing` names the listing. */
const untrusted = [
  {
    what: "page 2 answers 503",
    pages: () => [{ keys: setKeys(stale) }, failingPage2],
    error: (listing: string) =>
      `could not read page 2 of ${listing}; refusing to go on with part of the listing`,
  },
  {
    what: "page 2 is not a ListObjectsV2 answer (a proxy's 200)",
    pages: () => [{ keys: setKeys(stale) }, { status: 200, body: "<html>Sign in</html>" }],
    error: (listing: string) =>
      `page 2 of ${listing} is not a ListObjectsV2 answer (IsTruncated is '', not true or false)`,
  },
  {
    what: "page 1 is truncated without a continuation token",
    pages: () => [{ keys: setKeys(stale), withoutToken: true }, { keys: setKeys(newest) }],
    error: (listing: string) =>
      `page 1 of ${listing} is truncated but has no NextContinuationToken`,
  },
];

test.each(untrusted)(
  "backup-fetch.sh fails and fetches nothing when $what (fake S3 stand-in)",
  ({ pages, error }) =>
    withStandIn(pages(), async (standIn) => {
      const { dest, result } = await fetchNewest(standIn);
      // The last line, after curl's own (`(22) The requested URL returned error: 503`).
      const lastLine = result.stderr.trimEnd().split("\n").at(-1)!.replace(/^\S+ /, "");
      expect(lastLine).toBe(`ERROR: ${error(listing(standIn))}`);
      expect(result).toMatchObject({ status: 1, stdout: "" });
      expect(readdirSync(dest)).toEqual([]);
      expect(objectRequests(standIn)).toEqual([]);
    }),
);

describe("with a fake S3 stand-in whose page 2 answers 503", () => {
  const pages = () => [{ keys: setKeys(stale) }, failingPage2];

  test("the restore check (pg-verify.sh) fails and verifies nothing", () =>
    withStandIn(pages(), async (standIn) => {
      const result = await runScriptAsync("pg-verify.sh", ["--identity", keys.identity], {
        ...bucketEnv(standIn),
        PG_BINDIR: postgresBinDir(),
      });
      expect(result.stderr).toContain(`ERROR: could not read page 2 of ${listing(standIn)}`);
      expect(result.stderr).not.toContain("verified");
      expect(result.status).toBe(1);
      expect(objectRequests(standIn)).toEqual([]);
    }));

  test("pruning after a backup deletes nothing, and the backup job fails", () =>
    withStandIn(pages(), async (standIn) => {
      nextSecond();
      const result = await runScriptAsync("pg-backup.sh", [], {
        ...postgres.env,
        PGDATABASE: "app",
        ...bucketEnv(standIn),
        BACKUP_ENCRYPTION_KEY_FILE: keys.recipients,
        BACKUP_RETENTION_DAYS: "7",
      });
      expect(result.stderr).toMatch(/stored postgres-\S+\.dump\.age/);
      expect(result.stderr).toContain(`ERROR: could not read page 2 of ${listing(standIn)}`);
      expect(result.status).toBe(1);
      expect(objectRequests(standIn).filter((request) => request.startsWith("DELETE"))).toEqual([]);
      for (const key of setKeys(stale)) expect(standIn.objects.has(key)).toBe(true);
    }));
});

describe("with a fake S3 stand-in whose three pages all answer", () => {
  const pages = () => [{ keys: setKeys(stale) }, { keys: [] }, { keys: setKeys(newest) }];

  test("backup-fetch.sh fetches the newest set, from the last page", () =>
    withStandIn(pages(), async (standIn) => {
      const { dest, result } = await fetchNewest(standIn);
      expect(result).toMatchObject({ status: 0, stdout: `${path.join(dest, newest)}\n` });
      expect(readdirSync(dest).sort()).toEqual([newest, `${newest}.json`, `${newest}.sha256`]);
      expect(readFileSync(path.join(dest, newest))).toEqual(sets.get(newest)!.get(newest));
      const listings = standIn.requests.filter((request) => request.includes("list-type=2"));
      expect(listings).toHaveLength(3);
      expect(listings[2]).toContain("continuation-token=page-2");
    }));

  test("the restore check verifies the newest set, from the last page", () =>
    withStandIn(pages(), async (standIn) => {
      const result = await runScriptAsync("pg-verify.sh", ["--identity", keys.identity], {
        ...bucketEnv(standIn),
        PG_BINDIR: postgresBinDir(),
      });
      expect(result.stderr).toContain(`verified ${newest}: 1 tables restored and read`);
      expect(result.status).toBe(0);
    }));
});
