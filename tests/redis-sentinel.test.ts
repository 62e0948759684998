// Redis in Sentinel mode (`redis.mode: sentinel`): the config's rules, the workload the component
// renders (a primary and replicas, a Sentinel beside each server, their start), and how the
// applications and the backup job find the primary. The start itself runs on the node
// (tests/e2e/cluster-redis-failover.ts).
import { spawnSync } from "node:child_process";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../components/config";
import { serviceDefaults } from "../components/config/defaults";
import { redisProblems } from "../components/config/redis";
import { redisSchema } from "../components/config/schema";
import { dataEnvironment, dataSecretFiles, type DataWiring } from "../components/app/wiring";
import {
  redisSpec,
  sentinelPeers,
  sentinelQuorum,
  sentinelStartScript,
} from "../components/data/redis";
import { workloadProblems } from "../components/model/validate";
import type { WorkloadSpec } from "../components/model/workload";

const settings = (name: "redis" | "redisExporter" | "redisSentinel") =>
  ({
    image: { repository: "redis", tag: "7.4.5-alpine" },
    ...serviceDefaults[name],
  }) as ServiceSettings;
const password = "a-redis-password-of-some-length";
const sentinelMode = redisSchema.parse({ mode: "sentinel" });

const spec = redisSpec({
  settings: settings("redis"),
  exporter: settings("redisExporter"),
  sentinel: settings("redisSentinel"),
  topology: sentinelMode,
  password: pulumi.secret(password),
});

function valueOf(workload: WorkloadSpec, file: string): Promise<string> {
  const found = workload.secretFiles?.find((candidate) => candidate.name === file);
  if (!found) throw new Error(`${workload.name} has no secret file ${file}`);
  return new Promise((resolve) => found.value.apply(resolve));
}

describe("the config", () => {
  test("Sentinel mode's keys are refused with one server, each named with its value", () => {
    const single = redisSchema.parse({ replicas: 4, failoverAfterSeconds: 10 });
    expect(redisProblems({ redis: single, services: {} })).toEqual([
      {
        key: "toolboxai:redis.replicas",
        shownValue: "4",
        message:
          "is set, but redis.mode is single: nothing reads it; remove it (it applies to mode: sentinel)",
      },
      {
        key: "toolboxai:redis.failoverAfterSeconds",
        shownValue: "10",
        message:
          "is set, but redis.mode is single: nothing reads it; remove it (it applies to mode: sentinel)",
      },
    ]);
    expect(
      redisProblems({ redis: redisSchema.parse({}), services: { redisSentinel: {} } }),
    ).toEqual([
      {
        key: "toolboxai:services.redisSentinel",
        message:
          "is set, but redis.mode is single: nothing reads it; remove it (it applies to mode: sentinel)",
      },
    ]);
    expect(redisProblems({ redis: sentinelMode, services: { redisSentinel: {} } })).toEqual([]);
  });

  test("two replicas at least (three Sentinels: a majority survives one loss)", () => {
    expect(redisSchema.safeParse({ mode: "sentinel", replicas: 1 }).success).toBe(false);
    expect(sentinelMode).toEqual({ mode: "sentinel", replicas: 2, failoverAfterSeconds: 5 });
    expect([3, 4, 5, 9].map(sentinelQuorum)).toEqual([2, 3, 3, 5]);
  });
});

describe("the workload", () => {
  test("a server and a Sentinel in each of replicas + 1 pods, both scraped", () => {
    expect(spec).toMatchObject({ kind: "stateful", replicas: 3, priority: "critical" });
    expect(spec.containers.map((container) => container.name)).toEqual([
      "redis",
      "sentinel",
      "sentinel-exporter",
      "exporter",
    ]);
    expect(spec.peerPorts).toEqual(["redis", "sentinel"]);
    expect(spec.metrics).toEqual([
      { port: "metrics", job: "redis" },
      { port: "sentinel-metric", job: "redis-sentinel" },
    ]);
    // The Sentinel is Redis's own binary: the server's image unless set.
    expect(spec.containers[1].image).toEqual(spec.containers[0].image);
    // As the API server will judge it (port names, probes, files).
    expect(workloadProblems(spec)).toEqual([]);
  });

  test("the servers authenticate to the primary, the Sentinels to each other, all in files", async () => {
    expect(await valueOf(spec, "redis-auth.conf")).toBe(
      `requirepass ${password}\nmasterauth ${password}\n`,
    );
    expect(await valueOf(spec, "sentinel-auth.conf")).toBe(
      `requirepass ${password}\nsentinel sentinel-pass ${password}\n` +
        `sentinel auth-pass toolboxai ${password}\n`,
    );
    const plain = JSON.stringify({
      containers: spec.containers.map(({ env, command, args }) => ({ env, command, args })),
      configFiles: spec.configFiles,
    });
    expect(plain).not.toContain(password);
  });

  test("the start follows the primary the Sentinels name, else the first pod", () => {
    const script = sentinelStartScript("redis", { ...sentinelMode, failoverAfterSeconds: 7 });
    expect(script).toContain("for peer in redis-0.redis redis-1.redis redis-2.redis; do");
    expect(script).toContain('[ -n "$primary" ] || primary="redis-0.redis"');
    expect(script).toContain("sentinel monitor toolboxai $primary 6379 2");
    expect(script).toContain("sentinel down-after-milliseconds toolboxai 7000");
    expect(script).toContain("include /run/secrets/sentinel-auth.conf");
    // The password is read from its file into redis-cli's variable, and unset before exec.
    expect(script).toContain('REDISCLI_AUTH="$(cat /run/secrets/redis-password)"');
    expect(script.indexOf("unset REDISCLI_AUTH")).toBeLessThan(script.indexOf("exec "));
    const parsed = spawnSync("sh", ["-n"], { input: script, encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
    const mounted = spec.configFiles?.find((file) => file.name === "start.sh");
    expect(mounted).toMatchObject({ mountPath: "/etc/redis/start.sh" });
    expect(mounted?.content).toBe(sentinelStartScript("redis", sentinelMode));
  });

  test("one server by default, as before", () => {
    const single = redisSpec({
      settings: settings("redis"),
      exporter: settings("redisExporter"),
      password: pulumi.secret(password),
    });
    expect(single.replicas).toBe(1);
    expect(single.containers.map((container) => container.name)).toEqual(["redis", "exporter"]);
    expect(single.peerPorts).toBeUndefined();
    expect(single.configFiles?.map((file) => file.name)).toEqual(["redis.conf"]);
  });
});

describe("the clients", () => {
  const wiring: DataWiring = {
    environment: "production",
    telemetry: { otlpEndpoint: "http://jaeger:4318", environment: "production" },
    logLevel: "info",
    database: { endpoint: { host: "postgres-rw", port: 5432 }, name: "toolboxai", user: "app" },
    redis: { host: "redis.toolboxai.svc.cluster.local", port: 6379 },
    sentinel: {
      hosts: sentinelPeers("redis", 3).map((peer) => `${peer}:26379`),
      master: "toolboxai",
    },
    secrets: {
      databasePassword: pulumi.secret("db"),
      redisPassword: pulumi.secret(password),
      jwtSecret: pulumi.secret("jwt"),
      appSecretKey: pulumi.secret("key"),
    },
  };

  test("find the Sentinels, not one server", () => {
    const env = dataEnvironment(wiring);
    expect(env).toMatchObject({
      REDIS_SENTINEL_HOSTS: "redis-0.redis:26379,redis-1.redis:26379,redis-2.redis:26379",
      REDIS_SENTINEL_MASTER: "toolboxai",
    });
    expect(env.REDIS_HOST).toBeUndefined();
    expect(env.REDIS_PORT).toBeUndefined();
  });

  test("Celery's URLs list every Sentinel in kombu's form", async () => {
    const files = dataSecretFiles(wiring);
    const broker = files.find((file) => file.name === "celery-broker-url")!;
    const value = await new Promise<string>((resolve) => broker.value.apply(resolve));
    expect(value).toBe(
      [0, 1, 2].map((index) => `sentinel://:${password}@redis-${index}.redis:26379/0`).join(";"),
    );
  });
});
