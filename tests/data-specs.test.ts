// The data tier's workloads as pure functions of their settings (components/data): what the
// Postgres and Redis components render, read without a renderer or the mocks.
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../components/config";
import { serviceDefaults } from "../components/config/defaults";
import { postgresSpec } from "../components/data/postgres";
import { redisSpec } from "../components/data/redis";
import type { WorkloadSpec } from "../components/model/workload";

const settings = (name: "postgres" | "redis" | "postgresExporter" | "redisExporter") =>
  serviceDefaults[name] as ServiceSettings;
const password = "a-password-of-some-length";

/** A secret file's value, once its Output resolves. */
function valueOf(spec: WorkloadSpec, file: string): Promise<string> {
  const found = spec.secretFiles?.find((candidate) => candidate.name === file);
  if (!found) throw new Error(`${spec.name} has no secret file ${file}`);
  return new Promise((resolve) => found.value.apply(resolve));
}

/** Everything of a spec a process sees in plain text: env, commands, args, config files. */
function plainText(spec: WorkloadSpec): string {
  return JSON.stringify({
    containers: spec.containers.map(({ env, command, args }) => ({ env, command, args })),
    configFiles: spec.configFiles,
  });
}

const postgres = postgresSpec({
  settings: settings("postgres"),
  exporter: settings("postgresExporter"),
  databaseName: "toolboxai",
  user: "toolboxai",
  password: pulumi.secret(password),
  reader: { user: "grafana_reader", password: pulumi.secret("a-reader-password-too") },
});
const redis = redisSpec({
  settings: settings("redis"),
  exporter: settings("redisExporter"),
  password: pulumi.secret(password),
});

test.each([
  ["postgres", postgres],
  ["redis", redis],
])("%s: one critical stateful pod on its settings' volume, with a metrics sidecar", (_, spec) => {
  expect(spec).toMatchObject({ kind: "stateful", priority: "critical", replicas: 1 });
  expect(spec.persistentVolume?.size).toBe(spec.name === "postgres" ? "10Gi" : "2Gi");
  expect(spec.containers.map((container) => container.name)).toEqual([spec.name, "exporter"]);
  expect(spec.metrics?.map((metrics) => metrics.port)).toEqual(["metrics"]);
});

test("the passwords reach the containers as files only, never in plain text", async () => {
  for (const spec of [postgres, redis]) expect(plainText(spec)).not.toContain(password);
  expect(await valueOf(postgres, "postgres-password")).toBe(password);
  expect(postgres.containers[1].env).toMatchObject({
    DATA_SOURCE_PASS_FILE: "/run/secrets/postgres-password",
  });
  // Redis reads its password from an included config file; its exporter from a JSON map.
  expect(await valueOf(redis, "redis-auth.conf")).toBe(`requirepass ${password}\n`);
  expect(JSON.parse(await valueOf(redis, "redis-exporter-passwords"))).toEqual({
    "redis://127.0.0.1:6379": password,
  });
  expect(redis.containers[0].command).toEqual(["redis-server", "/etc/redis/redis.conf"]);
});

test("the reader role for Grafana is created by an init script that reads its password file", () => {
  const script = postgres.configFiles?.find((file) => file.name === "20-reader-role.sh");
  expect(script?.mountPath).toBe("/docker-entrypoint-initdb.d/20-reader-role.sh");
  expect(script?.content).toContain('password="$(cat "$READER_PASSWORD_FILE")"');
  expect(script?.content).toContain("ALTER ROLE grafana_reader SET default_transaction_read_only");
});
