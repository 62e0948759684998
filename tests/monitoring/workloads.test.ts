// The monitoring tier's WorkloadSpecs: valid on the workload model, hardened by its defaults,
// reading the API only as declared, secrets only as files.
import * as pulumi from "@pulumi/pulumi";
import { defaultRunbookBaseUrl } from "../../components/config/defaults";
import { alertRuleGroups } from "../../components/monitoring/alerts";
import { alertmanagerConfig } from "../../components/monitoring/alertmanager";
import { alloyConfig } from "../../components/monitoring/alloy-config";
import { jaegerConfig } from "../../components/monitoring/jaeger-config";
import { lokiConfig } from "../../components/monitoring/loki-config";
import {
  alertmanagerSpec,
  alloySpec,
  grafanaSpec,
  jaegerSpec,
  kubeStateMetricsSpec,
  lokiSpec,
  nodeExporterSpec,
  prometheusSpec,
} from "../../components/monitoring/workloads";
import { workloadProblems } from "../../components/model/validate";
import type { WorkloadSpec } from "../../components/model/workload";
import { validatedStackConfig } from "../../tools/engine/stack-config";

const config = validatedStackConfig("production");
const { services } = config;
const secret = (value: string) => pulumi.secret(value);

const specs: WorkloadSpec[] = [
  prometheusSpec({
    settings: services.prometheus,
    config: { global: {} },
    rules: {
      groups: alertRuleGroups({
        thresholds: config.monitoring.alerts,
        recoveryPointObjectiveMinutes: config.recoveryPointObjectiveMinutes,
        appJobs: ["backend"],
        runbookBaseUrl: defaultRunbookBaseUrl,
        platform: "kubernetes",
        database: { ...config.database, archived: true },
        redis: config.redis,
      }),
    },
    retentionDays: 30,
    discoveryNamespaces: ["toolboxai", "toolboxai-node-exporter"],
  }),
  alertmanagerSpec({
    settings: services.alertmanager,
    config: alertmanagerConfig({ pagerRoutingKeyFile: "/run/secrets/pager-routing-key" }),
    receiverSecrets: [{ name: "pager-routing-key", value: secret("routing-key-0123456789") }],
  }),
  lokiSpec(services.loki, lokiConfig({ retentionDays: 30, dataPath: "/loki" })),
  alloySpec({
    settings: services.alloy,
    config: alloyConfig({
      namespaces: ["toolboxai"],
      lokiPushUrl: "http://loki:3100/loki/api/v1/push",
      instance: "toolboxai-production",
      environment: "production",
    }),
    namespaces: ["toolboxai"],
  }),
  jaegerSpec(
    services.jaeger,
    { kind: "badger", dataPath: "/badger", retentionDays: 7 },
    jaegerConfig({ kind: "badger", dataPath: "/badger", retentionDays: 7 }),
  ),
  kubeStateMetricsSpec(services.kubeStateMetrics, ["toolboxai"]),
  nodeExporterSpec(services.nodeExporter),
  grafanaSpec({
    settings: services.grafana!,
    publicUrl: "https://app.toolboxai.example",
    datasources: {},
    dashboardProvider: {},
    dashboards: { "toolboxai-unified.json": "{}" },
    adminPassword: secret("admin-password-0123456789"),
    postgresReaderPassword: secret("reader-password-0123456789"),
  }),
];

test("every spec is valid on the workload model", () => {
  expect(specs.map((spec) => [spec.name, workloadProblems(spec)])).toEqual(
    specs.map((spec) => [spec.name, []]),
  );
});

test("images are the pinned defaults, never latest", () => {
  for (const spec of specs) {
    for (const container of spec.containers) {
      expect(container.image.tag ?? container.image.digest).toMatch(/^(v?\d|sha256:)/);
    }
  }
});

test("only Prometheus, Alloy and kube-state-metrics read the API, and only by name, read-only", () => {
  const readers = specs.filter((spec) => spec.apiAccess).map((spec) => spec.name);
  expect(readers).toEqual(["prometheus", "alloy", "kube-state-metrics"]);
  const rules = specs.flatMap((spec) => [
    ...(spec.apiAccess?.namespaced ?? []).flatMap((grant) => grant.rules),
    ...(spec.apiAccess?.cluster ?? []),
  ]);
  expect(new Set(rules.flatMap((rule) => rule.verbs))).toEqual(new Set(["get", "list", "watch"]));
  const prometheus = specs.find((spec) => spec.name === "prometheus")!;
  // Node discovery and the kubelets' metrics; never nodes/proxy (commands in any pod).
  expect(prometheus.apiAccess?.cluster).toEqual([
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
  ]);
});

test("only node-exporter touches the host, as a daemon", () => {
  expect(specs.filter((spec) => spec.host).map((spec) => [spec.name, spec.kind])).toEqual([
    ["node-exporter", "daemon"],
  ]);
});

test("node-exporter reads every host path it is told of through its read-only host mounts", () => {
  const nodeExporter = specs.find((spec) => spec.name === "node-exporter")!;
  const mounts = nodeExporter.host!.readOnlyPaths!.map((mount) => mount.mountPath);
  const paths = Object.fromEntries(
    nodeExporter.containers[0]
      .args!.filter((arg) => arg.startsWith("--path."))
      .map((arg) => arg.slice("--path.".length).split("=")),
  );
  // udev's database too: at its default (/run/udev/data, the container's) the disks lose their
  // labels, as a run of the image showed.
  expect(Object.keys(paths).sort()).toEqual(["procfs", "rootfs", "sysfs", "udev.data"]);
  for (const [name, value] of Object.entries(paths)) {
    expect({ name, mounted: mounts.some((mount) => `${value}/`.startsWith(`${mount}/`)) }).toEqual({
      name,
      mounted: true,
    });
  }
  expect(paths["udev.data"]).toBe(`${paths.rootfs}/run/udev/data`);
});

test("Grafana reads its admin password from a file, and is served under /grafana/", () => {
  const grafana = specs.find((spec) => spec.name === "grafana")!;
  const env = grafana.containers[0].env!;
  expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/admin-password");
  expect(env.GF_SERVER_ROOT_URL).toBe("https://app.toolboxai.example/grafana/");
  expect(env.GF_SERVER_SERVE_FROM_SUB_PATH).toBe("true");
  expect(JSON.stringify(env)).not.toMatch(/password-0123456789/);
  expect(grafana.zones).toEqual(["observability"]);
});

test("Grafana writes only where it may: data and temporary files on writable paths, logs to the console", () => {
  const grafana = specs.find((spec) => spec.name === "grafana")!.containers[0];
  const writable = grafana.writablePaths ?? [];
  // The image's defaults (grafana/grafana): `[log] mode = console file`, files under
  // GF_PATHS_LOGS=/var/log/grafana, on the read-only root unless mounted.
  expect(grafana.env?.GF_LOG_MODE).toBe("console");
  expect(writable).not.toContain("/var/log/grafana");
  for (const [name, value] of Object.entries(grafana.env ?? {})) {
    if (!name.startsWith("GF_PATHS_") || name === "GF_PATHS_PROVISIONING") continue;
    expect({ name, writable: writable.some((path) => `${value}/`.startsWith(`${path}/`)) }).toEqual(
      {
        name,
        writable: true,
      },
    );
  }
});

test("each stateful part keeps its data on a volume; Jaeger in memory in dev", () => {
  expect(specs.filter((spec) => spec.persistentVolume).map((spec) => spec.name)).toEqual([
    "prometheus",
    "alertmanager",
    "loki",
    "jaeger",
  ]);
  const dev = jaegerSpec(
    services.jaeger,
    { kind: "memory", maxTraces: 50000 },
    jaegerConfig({ kind: "memory", maxTraces: 50000 }),
  );
  expect(dev.kind).toBeUndefined();
  expect(dev.persistentVolume).toBeUndefined();
});
