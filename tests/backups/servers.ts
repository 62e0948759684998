// Real servers for the backup tests: PostgreSQL and redis-server from Debian's packages, started
// on loopback with throwaway data folders, and the backup scripts run as a user would run them.
// PostgreSQL refuses to run as root: as root (CI), the servers and the scripts run as the
// `postgres` account the Debian package creates, and the test's folders are handed to it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { motoServerPath } from "../../tools/moto";
import { testCertificates, type TestCertificates } from "../../tools/test-certificates";
import { redisConf } from "../../components/data/redis";
import { projectRoot } from "../../tools/project-root";
import { freePort } from "../support/free-port";
import { tempDir } from "../support/temp";

export { freePort };

export const scriptsDir = path.join(projectRoot, "scripts", "backup");

const asRoot = process.getuid?.() === 0;
const unprivileged = asRoot
  ? (() => {
      const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString());
      return { uid: id("-u"), gid: id("-g") };
    })()
  : undefined;

/** The command line that runs `command` as the unprivileged user (itself, unless root). */
function unprivilegedCommand(command: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]];
}

/** A folder for one test: the unprivileged user owns it, and nobody else can read it. */
export function privateDir(prefix: string): string {
  const dir = tempDir(prefix);
  if (unprivileged) chownSync(dir, unprivileged.uid, unprivileged.gid);
  chmodSync(dir, 0o700);
  return dir;
}

/** Writes a file the unprivileged user owns. */
export function writeOwnedFile(file: string, content: string | Buffer, mode = 0o600): void {
  writeFileSync(file, content, { mode });
  if (unprivileged) chownSync(file, unprivileged.uid, unprivileged.gid);
}

export function makeOwnedDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (unprivileged) chownSync(dir, unprivileged.uid, unprivileged.gid);
  return dir;
}

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Exactly `env`, plus PATH (PostgreSQL's programs first) and LANG unless `env` sets them. */
function commandEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: `${postgresBinDir()}:${process.env.PATH}`, LANG: "C.UTF-8", ...env };
}

/** Runs a command as the unprivileged user with exactly `env` (plus PATH). */
export function runUnprivileged(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  input?: string,
): CommandResult {
  const [program, argv] = unprivilegedCommand(command, args);
  const result = spawnSync(program, argv, {
    env: commandEnv(env),
    encoding: "utf8",
    input,
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs one of scripts/backup/ with `sh`, as the Jobs do. */
export function runScript(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): CommandResult {
  return runUnprivileged("sh", [path.join(scriptsDir, script), ...args], env);
}

/**
 * runScript without blocking this process: for a server that runs inside the test itself (the
 * fake S3 stand-in), which could not answer while spawnSync waits.
 */
export function runScriptAsync(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<CommandResult> {
  const [program, argv] = unprivilegedCommand("sh", [path.join(scriptsDir, script), ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { env: commandEnv(env), timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

let binDir: string | undefined;
/** Where Debian keeps the server's programs (initdb and pg_ctl are not on PATH). */
export function postgresBinDir(): string {
  binDir ??= execFileSync("pg_config", ["--bindir"]).toString().trim();
  return binDir;
}

function check(result: CommandResult, what: string): CommandResult {
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
  }
  return result;
}

export interface PostgresServer {
  readonly port: number;
  /** The folder of its Unix socket (local connections as `user` are trusted). */
  readonly socketDir: string;
  readonly user: string;
  /** A file holding the password, as the Jobs mount it. */
  readonly passwordFile: string;
  /** Connection variables for the scripts (TCP, password from the file). */
  readonly env: Record<string, string>;
  /** Runs SQL (psql's input) in `database`; returns psql's unaligned output. */
  sql(database: string, input: string): string;
  stop(): void;
}

/**
 * A PostgreSQL server on 127.0.0.1 that takes passwords (scram) over TCP; `conf` is appended to its
 * postgresql.conf and `env` is the server's environment (an archive_command's credentials).
 */
export async function startPostgres(
  password: string,
  options: { conf?: string; env?: Record<string, string> } = {},
): Promise<PostgresServer> {
  const dir = privateDir("toolboxai-pg-");
  const user = "toolboxai";
  const passwordFile = path.join(dir, "database-password");
  writeOwnedFile(passwordFile, password);
  const data = path.join(dir, "data");
  const bin = (name: string) => path.join(postgresBinDir(), name);
  check(
    runUnprivileged(bin("initdb"), [
      "-D",
      data,
      "-U",
      user,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      `--pwfile=${passwordFile}`,
    ]),
    "initdb",
  );
  if (options.conf) appendFileSync(path.join(data, "postgresql.conf"), `\n${options.conf}\n`);
  const port = await freePort();
  check(
    runUnprivileged(
      bin("pg_ctl"),
      [
        "-D",
        data,
        "-l",
        path.join(dir, "server.log"),
        "-w",
        "-o",
        `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off`,
        "start",
      ],
      options.env,
    ),
    "pg_ctl start",
  );
  const env = {
    PGHOST: "127.0.0.1",
    PGPORT: String(port),
    PGUSER: user,
    DATABASE_PASSWORD_FILE: passwordFile,
  };
  return {
    port,
    socketDir: dir,
    user,
    passwordFile,
    env,
    sql: (database, input) =>
      check(
        runUnprivileged(
          "psql",
          [
            "-X",
            "-q",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            dir,
            "-p",
            String(port),
            "-U",
            user,
            "-d",
            database,
          ],
          {},
          input,
        ),
        `psql ${database}`,
      ).stdout.trim(),
    stop: () => {
      runUnprivileged(bin("pg_ctl"), ["-D", data, "-m", "immediate", "stop"]);
    },
  };
}

export interface RedisServer {
  readonly port: number;
  readonly passwordFile: string;
  readonly env: Record<string, string>;
  /** redis-cli with the password, on this server. */
  cli(...args: string[]): string;
  /** Commands, one per line, through one redis-cli connection. */
  send(commands: string): void;
  stop(): Promise<void>;
}

/**
 * redis-server with the platform's own redis.conf (components/data/redis.ts: append-only file,
 * snapshots), its password from an included file as in the cluster, on 127.0.0.1 and a free
 * port, in `dataDir`. DEBUG DIGEST is enabled for local clients, to compare datasets.
 */
export async function startRedis(dataDir: string, password: string): Promise<RedisServer> {
  const dir = privateDir("toolboxai-redis-");
  const passwordFile = path.join(dir, "redis-password");
  writeOwnedFile(passwordFile, password);
  const authFile = path.join(dir, "redis-auth.conf");
  writeOwnedFile(authFile, `requirepass "${password.replace(/(["\\])/g, "\\$1")}"\n`);
  const config = path.join(dir, "redis.conf");
  const platformConfig = redisConf();
  expect(platformConfig).toMatch(/^include \/run\/secrets\/\S+$/m);
  expect(platformConfig).toMatch(/^dir \/data$/m);
  // Redis changes into `dir` as it reads the file, so the folder is replaced there.
  writeOwnedFile(
    config,
    platformConfig
      .replace(/^include .*$/m, `include ${authFile}`)
      .replace(/^dir .*$/m, `dir ${dataDir}`),
  );
  const port = await freePort();
  // Command-line settings override the file's: where it listens.
  const [program, argv] = unprivilegedCommand("redis-server", [
    config,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--enable-debug-command",
    "local",
    "--logfile",
    path.join(dir, "redis.log"),
  ]);
  const server: ChildProcess = spawn(program, argv, { stdio: "ignore" });
  const cli = (...args: string[]) =>
    check(
      runUnprivileged("redis-cli", ["-p", String(port), "--no-auth-warning", ...args], {
        REDISCLI_AUTH: password,
      }),
      `redis-cli ${args[0]}`,
    ).stdout.trim();
  const send = (commands: string) => {
    check(
      runUnprivileged(
        "redis-cli",
        ["-p", String(port), "--no-auth-warning"],
        { REDISCLI_AUTH: password },
        commands,
      ),
      "redis-cli",
    );
  };
  for (let attempt = 0; ; attempt++) {
    const ping = runUnprivileged("redis-cli", ["-p", String(port), "--no-auth-warning", "ping"], {
      REDISCLI_AUTH: password,
    });
    if (ping.stdout.trim() === "PONG") break;
    if (attempt > 100) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    passwordFile,
    env: { REDIS_HOST: "127.0.0.1", REDIS_PORT: String(port), REDIS_PASSWORD_FILE: passwordFile },
    cli,
    send,
    stop: () =>
      new Promise((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      }),
  };
}

/**
 * A Sentinel (redis-server --sentinel) on 127.0.0.1 watching `primary` as `master`, behind the
 * same password, as the platform's Sentinel mode runs one beside each server.
 */
export async function startSentinel(
  primary: RedisServer,
  master: string,
  password: string,
): Promise<{ readonly port: number; stop(): Promise<void> }> {
  const dir = privateDir("toolboxai-sentinel-");
  const quoted = `"${password.replace(/(["\\])/g, "\\$1")}"`;
  const port = await freePort();
  // Sentinel rewrites its file: a writable one of its own.
  const config = path.join(dir, "sentinel.conf");
  writeOwnedFile(
    config,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `requirepass ${quoted}`,
      `sentinel monitor ${master} 127.0.0.1 ${primary.port} 1`,
      `sentinel auth-pass ${master} ${quoted}`,
      "",
    ].join("\n"),
  );
  const [program, argv] = unprivilegedCommand("redis-server", [
    config,
    "--sentinel",
    "--logfile",
    path.join(dir, "sentinel.log"),
  ]);
  const sentinel: ChildProcess = spawn(program, argv, { stdio: "ignore" });
  for (let attempt = 0; ; attempt++) {
    const answer = runUnprivileged(
      "redis-cli",
      ["-p", String(port), "--no-auth-warning", "SENTINEL", "get-master-addr-by-name", master],
      { REDISCLI_AUTH: password },
    );
    if (answer.stdout.trim() === `127.0.0.1\n${primary.port}`) break;
    if (attempt > 100) throw new Error(`the Sentinel on port ${port} did not name the primary`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (sentinel.exitCode !== null) return resolve();
        sentinel.once("exit", () => resolve());
        sentinel.kill("SIGTERM");
      }),
  };
}

/** A fresh age key pair: the identity file (private) and the recipients file (public). */
export function ageKeyPair(dir: string, name: string): { identity: string; recipients: string } {
  const identity = path.join(dir, `${name}.key`);
  const recipients = path.join(dir, `${name}.pub`);
  check(runUnprivileged("age-keygen", ["-o", identity]), "age-keygen");
  writeOwnedFile(
    recipients,
    check(runUnprivileged("age-keygen", ["-y", identity]), "age-keygen -y").stdout,
  );
  return { identity, recipients };
}

/**
 * `describe` for tests that need moto: skipped with a printed reason when it is not installed,
 * and an error under CI=true, where it must be.
 */
export function describeWithMoto(what: string): jest.Describe {
  const installed = existsSync(motoServerPath());
  if (installed) return describe;
  if (process.env.CI === "true") {
    throw new Error(`${motoServerPath()} is missing: bash scripts/install-backup-test-tools.sh`);
  }
  console.warn(`Skipping ${what}: moto is missing (bash scripts/install-backup-test-tools.sh)`);
  return describe.skip;
}

/**
 * Barman Cloud's programs for the unprivileged user (scripts/install-backup-test-tools.sh installs
 * them under this user's home, which that user cannot enter): a linked copy of the packages in
 * `dir`, and a launcher for each program, as the cnpg-postgresql image has them. Returns the
 * launchers' folder.
 */
export function barmanCloud(dir: string): string {
  // Beside moto's virtualenv: <tools>/venv/bin/moto_server, <tools>/barman-cloud.
  const installed = path.join(
    path.dirname(path.dirname(path.dirname(motoServerPath()))),
    "barman-cloud",
  );
  const distInfo = readdirSync(installed).find((name) => /^barman-[\d.]+\.dist-info$/.test(name));
  if (!distInfo) {
    throw new Error(
      `Barman Cloud is missing from ${installed}: bash scripts/install-backup-test-tools.sh`,
    );
  }
  const site = path.join(dir, "site");
  execFileSync("cp", ["-al", installed, site]);
  const bin = makeOwnedDir(path.join(dir, "bin"));
  const entryPoints = readFileSync(path.join(installed, distInfo, "entry_points.txt"), "utf8");
  for (const [, program, module, func] of entryPoints.matchAll(
    /^(barman-cloud-[\w-]+) = ([\w.]+):(\w+)$/gm,
  )) {
    writeOwnedFile(
      path.join(bin, program),
      `#!/usr/bin/python3\nimport sys\nsys.path.insert(0, ${JSON.stringify(site)})\nfrom ${module} import ${func}\nsys.exit(${func}())\n`,
      0o755,
    );
  }
  return bin;
}

export interface S3Server {
  readonly endpoint: string;
  /** With `tls`: the PEM file of the test CA that signed the server's certificate. */
  readonly caFile?: string;
  /** Plain requests to the server (moto does not check signatures): the tests' own view. */
  request(method: string, key: string, body?: string): Promise<Response>;
  /** Every key in the bucket. */
  keys(bucket: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * A test CA and a certificate it signs for 127.0.0.1, in a private folder (the CA's certificate
 * readable by the scripts' user).
 */
function loopbackCertificates(): TestCertificates {
  const certificates = testCertificates(privateDir("toolboxai-s3-tls-"), "127.0.0.1");
  // The scripts' user (postgres, under root) reads the CA's certificate.
  writeOwnedFile(certificates.caFile, readFileSync(certificates.caFile), 0o644);
  return certificates;
}

/** Statuses whose response has no body (the Response constructor refuses one). */
const bodiless = new Set([101, 103, 204, 205, 304]);

/** One request with node's own clients: fetch cannot be given a CA to trust. */
function send(url: string, method: string, body?: string, ca?: Buffer): Promise<Response> {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, { method, ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("error", reject);
      response.once("end", () => {
        const status = response.statusCode ?? 500;
        resolve(new Response(bodiless.has(status) ? null : Buffer.concat(chunks), { status }));
      });
    });
    request.once("error", reject);
    request.end(body);
  });
}

/**
 * An S3-compatible server on 127.0.0.1 (moto), with `bucket` created; with `tls`, on https://,
 * its certificate signed by a test CA (`caFile`) that no trust store holds.
 */
export async function startS3(bucket: string, options: { tls?: boolean } = {}): Promise<S3Server> {
  const port = await freePort();
  const certificates = options.tls ? loopbackCertificates() : undefined;
  const tlsArgs = certificates ? ["-c", certificates.certFile, "-k", certificates.keyFile] : [];
  const server = spawn(motoServerPath(), ["-H", "127.0.0.1", "-p", String(port), ...tlsArgs], {
    stdio: "ignore",
  });
  const endpoint = `${certificates ? "https" : "http"}://127.0.0.1:${port}`;
  const ca = certificates && readFileSync(certificates.caFile);
  const request = (method: string, key: string, body?: string) =>
    send(`${endpoint}/${key}`, method, body, ca);
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await request("GET", "")).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 200) throw new Error(`moto_server did not start on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const created = await request("PUT", bucket);
  if (!created.ok) throw new Error(`cannot create bucket ${bucket}: ${created.status}`);
  return {
    endpoint,
    caFile: certificates?.caFile,
    request,
    keys: async (name) => {
      const listing = await (await request("GET", `${name}?list-type=2`)).text();
      return [...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map(([, key]) => key).sort();
    },
    stop: () =>
      new Promise((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      }),
  };
}

/**
 * Backup sets are named by the second, and a second backup in the same second is refused: each
 * backup a test takes first waits for the next second to begin. The previous backup (its name
 * taken while it ran) ended before this call, so the new one's second is always later. (Waiting
 * only for a second other than the one the previous call saw was not enough: a backup that
 * started late in that second named itself after the next one.)
 */
export function nextSecond(): void {
  const now = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === now) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** The UTC time in a set's name (`YYYYmmddTHHMMSSZ`), `daysAgo` days ago. */
export function setStamp(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}
