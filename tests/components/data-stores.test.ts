// The data stores (components/data) rendered alone: what only a rendering shows. Their specs as
// data are tested in tests/data-specs.test.ts.
import * as pulumi from "@pulumi/pulumi";
import { Postgres } from "../../components/data/postgres";
import { Redis } from "../../components/data/redis";
import { expectSecretsAsFiles, renderAlone, settingsOf, unitNamespace } from "./support";

const password = "unit-store-password";
let postgres: Postgres;
let redis: Redis;
let rendered: Awaited<ReturnType<typeof renderAlone>>;

beforeAll(async () => {
  rendered = await renderAlone((renderer) => {
    postgres = new Postgres("postgres", {
      settings: settingsOf("postgres"),
      exporter: settingsOf("postgresExporter"),
      renderer,
      databaseName: "toolboxai",
      user: "toolboxai",
      password: pulumi.secret(password),
      reader: { user: "grafana_reader", password: pulumi.secret("unit-reader-password") },
    });
    redis = new Redis("redis", {
      settings: settingsOf("redis"),
      exporter: settingsOf("redisExporter"),
      renderer,
      password: pulumi.secret(password),
    });
  });
});

test.each([
  ["postgres", "/var/lib/postgresql/data", "10Gi"],
  ["redis", "/data", "2Gi"],
])("%s: a StatefulSet claiming its volume, behind a headless Service", (name, path, size) => {
  const set = rendered.object("StatefulSet", name);
  expect(set.metadata.namespace).toBe(unitNamespace);
  expect(set.spec.volumeClaimTemplates).toEqual([
    expect.objectContaining({
      metadata: expect.objectContaining({ name: "data" }),
      spec: expect.objectContaining({ resources: { requests: { storage: size } } }),
    }),
  ]);
  expect(set.spec.template.spec.containers[0].volumeMounts).toContainEqual(
    expect.objectContaining({ name: "data", mountPath: path }),
  );
  expect(rendered.object("Service", name).spec.clusterIP).toBe("None");
  expect(set.spec.template.spec.priorityClassName).toBe("unit-critical");
});

test("the exporters are sidecars of the same pod, their ports open to monitoring only", () => {
  for (const name of ["postgres", "redis"]) {
    const pod = rendered.object("StatefulSet", name).spec.template.spec;
    expect(pod.containers.map((container: { name: string }) => container.name)).toEqual([
      name,
      "exporter",
    ]);
    const rules = rendered.object("NetworkPolicy", name).spec.ingress;
    const metrics = rules.find((rule: { ports: { port: string }[] }) =>
      rule.ports.some((port) => port.port === "metrics"),
    );
    expect(metrics.from).toEqual([
      expect.objectContaining({
        podSelector: { matchLabels: { "zone.toolboxai.io/monitoring": "true" } },
      }),
    ]);
  }
});

test("the passwords are files from each store's Secret", () => {
  expectSecretsAsFiles(rendered, "StatefulSet", "postgres", { "postgres-password": password });
  expectSecretsAsFiles(rendered, "StatefulSet", "redis", {
    "redis-auth.conf": `requirepass ${password}\n`,
  });
  expect(Object.keys(rendered.object("ConfigMap", "postgres-config").data)).toEqual([
    "20-reader-role.sh",
  ]);
});

test("their endpoints are the Services' names and ports", () => {
  expect(postgres.endpoint).toEqual({ host: "postgres.unit.svc.cluster.local", port: 5432 });
  expect(redis.endpoint).toEqual({ host: "redis.unit.svc.cluster.local", port: 6379 });
});
