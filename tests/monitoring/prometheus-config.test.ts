// Prometheus's generated configuration: one job per declared metrics endpoint, the platform's
// fixed jobs on Kubernetes, name resolution on Docker, and the real promtool's syntax check.
import type { ScrapeTarget } from "../../components/model/scrape";
import {
  jobNames,
  prometheusConfig,
  type PrometheusConfigOptions,
} from "../../components/monitoring/prometheus-config";
import { databaseEngines } from "../../components/config/schema";
import { exporterMetrics, platformSources } from "../../components/monitoring/metrics-catalog";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";

/** A target as the Kubernetes renderer declares it. */
const target = (
  workload: string,
  namespace: string,
  port: string,
  portNumber: number,
): ScrapeTarget => ({
  workload,
  namespace,
  host: `${workload}.${namespace}.svc.cluster.local`,
  port,
  portNumber,
});
const targets: ScrapeTarget[] = [
  { ...target("backend", "toolboxai", "http", 8009), path: "/metrics" },
  target("postgres", "toolboxai", "metrics", 9187),
  target("grafana", "toolboxai-monitoring", "http", 3000),
];
const options: PrometheusConfigOptions = {
  instance: "toolboxai-production",
  environment: "production",
  targets,
  alertmanager: { host: "alertmanager.toolboxai-monitoring.svc.cluster.local", port: 9093 },
  cluster: {
    kubeStateMetrics: {
      host: "kube-state-metrics.toolboxai-monitoring.svc.cluster.local",
      port: 8080,
    },
    nodeExporterNamespace: "toolboxai-node-exporter",
    certManagerNamespace: "cert-manager",
  },
  ruleFiles: ["/etc/prometheus/rules/alerts.yml"],
};

type Job = { job_name: string; relabel_configs?: { regex?: string; action?: string }[] };
const jobsOf = (config: Record<string, unknown>) => config.scrape_configs as Job[];

test("a job per declared endpoint, besides the platform's", () => {
  expect(jobsOf(prometheusConfig(options)).map((job) => job.job_name)).toEqual([
    "prometheus",
    "alertmanager",
    "kube-state-metrics",
    "node-exporter",
    "kubelet-cadvisor",
    "cert-manager",
    "backend",
    "postgres",
    "grafana",
  ]);
});

test("adding a declared endpoint adds its job; nothing else changes", () => {
  const before = jobsOf(prometheusConfig(options));
  const after = jobsOf(
    prometheusConfig({
      ...options,
      targets: [...targets, target("dashboard", "toolboxai", "metrics", 9113)],
    }),
  );
  expect(after.slice(0, before.length)).toEqual(before);
  expect(after.slice(before.length)).toEqual([
    expect.objectContaining({
      job_name: "dashboard",
      relabel_configs: expect.arrayContaining([
        expect.objectContaining({ regex: "dashboard;metrics", action: "keep" }),
      ]),
    }),
  ]);
});

test("a workload with two metrics endpoints gets a job per port", () => {
  const names = jobNames([
    target("celery-worker", "toolboxai", "http", 8000),
    target("celery-worker", "toolboxai", "events", 9808),
  ]);
  expect([...names.values()]).toEqual(["celery-worker-http", "celery-worker-events"]);
});

test("a target that names its job keeps that name beside the workload's other targets", () => {
  const names = jobNames([
    { ...target("redis", "toolboxai", "metrics", 9121), job: "redis" },
    { ...target("redis", "toolboxai", "sentinel-metric", 9355), job: "redis-sentinel" },
  ]);
  expect([...names.values()]).toEqual(["redis", "redis-sentinel"]);
});

test("no cert-manager job without a TLS issuer; Alertmanager through API v2", () => {
  const config = prometheusConfig({
    ...options,
    cluster: { ...options.cluster!, certManagerNamespace: undefined },
  });
  expect(jobsOf(config).map((job) => job.job_name)).not.toContain("cert-manager");
  expect(config.alerting).toEqual({
    alertmanagers: [
      {
        api_version: "v2",
        static_configs: [{ targets: ["alertmanager.toolboxai-monitoring.svc.cluster.local:9093"] }],
      },
    ],
  });
});

/** The same targets as the Docker renderer declares them: reached by their names. */
const dockerOptions: PrometheusConfigOptions = {
  ...options,
  environment: "dev",
  targets: targets.map((each) => ({ ...each, namespace: "", host: each.workload })),
  alertmanager: { host: "alertmanager", port: 9093 },
  cluster: undefined,
};

test("on Docker: no cluster jobs, and each workload's name resolved to every replica", () => {
  const jobs = jobsOf(prometheusConfig(dockerOptions));
  expect(jobs.map((job) => job.job_name)).toEqual([
    "prometheus",
    "alertmanager",
    "backend",
    "postgres",
    "grafana",
  ]);
  expect(jobs.find((job) => job.job_name === "postgres")).toEqual({
    job_name: "postgres",
    metrics_path: "/metrics",
    dns_sd_configs: [{ names: ["postgres"], type: "A", port: 9187 }],
    relabel_configs: [{ target_label: "container", replacement: "postgres" }],
  });
  expect(JSON.stringify(jobs)).not.toContain("kubernetes_sd_configs");
});

test("the platform's metric sources are the fixed jobs Kubernetes scrapes and Docker lacks", () => {
  // The dashboards and alerts leave out, on Docker, what reads these sources: they must be the
  // jobs only the cluster form has, each with the metrics the catalog lists for it.
  const metricSources = platformSources.kubernetes.filter((source) => source !== "pod-logs");
  const kubernetesJobs = jobsOf(prometheusConfig(options)).map((job) => job.job_name);
  const dockerJobs = jobsOf(prometheusConfig(dockerOptions)).map((job) => job.job_name);
  expect(kubernetesJobs.filter((job) => !dockerJobs.includes(job)).sort()).toEqual(
    [...metricSources].sort(),
  );
  for (const engine of databaseEngines) {
    for (const source of metricSources) {
      expect(exporterMetrics(engine)[source]?.length).toBeGreaterThan(0);
    }
  }
  expect(platformSources.docker).toEqual([]);
});

itWithTool("promtool")(
  "promtool check config --syntax-only accepts both forms: Kubernetes and Docker discovery",
  () => {
    for (const form of [options, dockerOptions]) {
      const result = runMonitoringTool(
        "promtool",
        ["check", "config", "--syntax-only", "prometheus.yml"],
        { "prometheus.yml": prometheusConfig(form) },
      );
      expect({ status: result.status, output: result.output }).toEqual({
        status: 0,
        output: expect.stringContaining("SUCCESS"),
      });
    }
    // And it can fail: an unknown key is refused.
    const broken = runMonitoringTool(
      "promtool",
      ["check", "config", "--syntax-only", "prometheus.yml"],
      {
        "prometheus.yml": { ...prometheusConfig(options), scrape_everything: true },
      },
    );
    expect(broken.status).not.toBe(0);
  },
);
