// Prometheus's configuration. The application scrape jobs are generated from the metrics
// endpoints that workloads declare in their WorkloadSpecs (collected by the renderer): adding a
// service adds its job, nobody edits a target list. On Kubernetes, jobs discover pods through the
// API, and the platform jobs (the kubelet's cAdvisor, node-exporter, kube-state-metrics,
// cert-manager) are fixed here; on Docker, jobs resolve each workload's name with the engine's
// DNS (every replica's address) and there is no node or cluster to scrape.
import type { ScrapeTarget } from "../model/scrape";
import type { Endpoint } from "../model/workload";

export interface PrometheusConfigOptions {
  /** `external_labels`: which installation and environment the samples come from. */
  readonly instance: string;
  readonly environment: string;
  readonly targets: readonly ScrapeTarget[];
  readonly alertmanager: Endpoint;
  /** The cluster's jobs; absent on Docker, where targets are found by name. */
  readonly cluster?: {
    readonly kubeStateMetrics: Endpoint;
    readonly nodeExporterNamespace: string;
    /** Where cert-manager runs, when the stack uses it (a TLS issuer is set). */
    readonly certManagerNamespace?: string;
  };
  /** Absolute paths of the rule files Prometheus loads. */
  readonly ruleFiles: readonly string[];
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
const scrapeInterval = "30s";

/**
 * The job name of a target: the one it names, else the workload's, or `<workload>-<port>` when it
 * has several.
 */
export function jobNames(targets: readonly ScrapeTarget[]): Map<ScrapeTarget, string> {
  return new Map(
    targets.map((target) => {
      if (target.job) return [target, target.job];
      const several =
        targets.filter(
          (other) => other.workload === target.workload && other.namespace === target.namespace,
        ).length > 1;
      return [target, several ? `${target.workload}-${target.port}` : target.workload];
    }),
  );
}

/** Pods of one namespace whose label and port name match, labelled like kube-prometheus. */
function podJob(job: string, namespace: string, workload: string, port: string, path: string) {
  return {
    job_name: job,
    metrics_path: path,
    kubernetes_sd_configs: [{ role: "pod", namespaces: { names: [namespace] } }],
    relabel_configs: [
      {
        source_labels: [
          "__meta_kubernetes_pod_label_app_kubernetes_io_name",
          "__meta_kubernetes_pod_container_port_name",
        ],
        regex: `${workload};${port}`,
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
      { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
      { source_labels: ["__meta_kubernetes_pod_container_name"], target_label: "container" },
    ],
  };
}

/** Every address Docker's DNS gives the workload's name (one per replica). */
function dnsJob(job: string, target: ScrapeTarget) {
  return {
    job_name: job,
    metrics_path: target.path ?? "/metrics",
    dns_sd_configs: [{ names: [target.host], type: "A", port: target.portNumber }],
    relabel_configs: [{ target_label: "container", replacement: target.workload }],
  };
}

function staticJob(job: string, endpoint: Endpoint) {
  return { job_name: job, static_configs: [{ targets: [`${endpoint.host}:${endpoint.port}`] }] };
}

export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  const names = jobNames(options.targets);
  const { cluster } = options;
  const appJobs = options.targets.map((target) =>
    cluster
      ? podJob(
          names.get(target)!,
          target.namespace,
          target.workload,
          target.port,
          target.path ?? "/metrics",
        )
      : dnsJob(names.get(target)!, target),
  );
  return {
    global: {
      scrape_interval: scrapeInterval,
      evaluation_interval: scrapeInterval,
      external_labels: { cluster: options.instance, environment: options.environment },
    },
    alerting: {
      alertmanagers: [
        {
          api_version: "v2",
          static_configs: [
            { targets: [`${options.alertmanager.host}:${options.alertmanager.port}`] },
          ],
        },
      ],
    },
    rule_files: [...options.ruleFiles],
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: ["localhost:9090"] }] },
      staticJob("alertmanager", options.alertmanager),
      ...(cluster ? clusterJobs(cluster) : []),
      ...appJobs,
    ],
  };
}

function clusterJobs(cluster: NonNullable<PrometheusConfigOptions["cluster"]>) {
  return [
    staticJob("kube-state-metrics", cluster.kubeStateMetrics),
    podJob("node-exporter", cluster.nodeExporterNamespace, "node-exporter", "metrics", "/metrics"),
    {
      // The kubelet's own cAdvisor endpoint, scraped on each node's kubelet port with the
      // ServiceAccount's token: the kubelet authorises it as `get nodes/metrics` (never
      // nodes/proxy, which would also allow running commands in pods). No cAdvisor container.
      job_name: "kubelet-cadvisor",
      scheme: "https",
      metrics_path: "/metrics/cadvisor",
      authorization: { credentials_file: `${serviceAccountDir}/token` },
      // Kubelet serving certificates are usually self-signed per node.
      tls_config: { ca_file: `${serviceAccountDir}/ca.crt`, insecure_skip_verify: true },
      kubernetes_sd_configs: [{ role: "node" }],
      relabel_configs: [{ source_labels: ["__meta_kubernetes_node_name"], target_label: "node" }],
    },
    // cert-manager's metrics Service (port 9402 in its charts), by name: no discovery, so no
    // Role in a namespace this program does not own.
    ...(cluster.certManagerNamespace
      ? [
          staticJob("cert-manager", {
            host: `cert-manager.${cluster.certManagerNamespace}.svc.cluster.local`,
            port: 9402,
          }),
        ]
      : []),
  ];
}
