// Prometheus's generated configuration: one job per declared metrics endpoint, the platform's
// fixed jobs, and the real promtool's syntax check.
import {
  jobNames,
  prometheusConfig,
  type PrometheusConfigOptions,
  type ScrapeTarget,
} from "../../components/monitoring/prometheus-config";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";

const targets: ScrapeTarget[] = [
  { workload: "backend", namespace: "toolboxai", port: "http", path: "/metrics" },
  { workload: "postgres", namespace: "toolboxai", port: "metrics" },
  { workload: "grafana", namespace: "toolboxai-monitoring", port: "http" },
];
const options: PrometheusConfigOptions = {
  instance: "toolboxai-production",
  environment: "production",
  targets,
  alertmanager: { host: "alertmanager.toolboxai-monitoring.svc.cluster.local", port: 9093 },
  kubeStateMetrics: {
    host: "kube-state-metrics.toolboxai-monitoring.svc.cluster.local",
    port: 8080,
  },
  nodeExporterNamespace: "toolboxai-node-exporter",
  certManagerNamespace: "cert-manager",
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
      targets: [...targets, { workload: "dashboard", namespace: "toolboxai", port: "metrics" }],
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
    { workload: "celery-worker", namespace: "toolboxai", port: "http" },
    { workload: "celery-worker", namespace: "toolboxai", port: "events" },
  ]);
  expect([...names.values()]).toEqual(["celery-worker-http", "celery-worker-events"]);
});

test("no cert-manager job without a TLS issuer; Alertmanager through API v2", () => {
  const config = prometheusConfig({ ...options, certManagerNamespace: undefined });
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

itWithTool("promtool")(
  "promtool check config --syntax-only accepts it, Kubernetes discovery included",
  () => {
    const result = runMonitoringTool(
      "promtool",
      ["check", "config", "--syntax-only", "prometheus.yml"],
      { "prometheus.yml": prometheusConfig(options) },
    );
    expect({ status: result.status, output: result.output }).toEqual({
      status: 0,
      output: expect.stringContaining("SUCCESS"),
    });
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
