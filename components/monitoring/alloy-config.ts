// Grafana Alloy (the successor of Promtail) collecting pod logs through the Kubernetes API: no
// hostPath, no root. Pods of the watched namespaces are discovered, labelled with namespace, pod,
// container and app, their logs tailed with `loki.source.kubernetes` and pushed to Loki.
// Alloy's configuration language is not YAML: this renders it as text.

export interface AlloyConfigOptions {
  /** Namespaces whose pods' logs are collected. */
  readonly namespaces: readonly string[];
  /** Loki's push endpoint, e.g. http://loki.<ns>.svc.cluster.local:3100/loki/api/v1/push. */
  readonly lokiPushUrl: string;
  /** `cluster` and `environment` labels on every line, as Prometheus's external labels. */
  readonly instance: string;
  readonly environment: string;
}

export const alloyHttpPort = 12345;

/** A string literal of the Alloy configuration language (JSON's escaping is a subset of it). */
function literal(value: string): string {
  return JSON.stringify(value);
}

export function alloyConfig(options: AlloyConfigOptions): string {
  const relabel = (source: string, target: string) =>
    `  rule {\n    source_labels = [${literal(source)}]\n    target_label  = ${literal(target)}\n  }`;
  return [
    `logging {`,
    `  level  = "info"`,
    `  format = "logfmt"`,
    `}`,
    ``,
    `discovery.kubernetes "pods" {`,
    `  role = "pod"`,
    `  namespaces {`,
    `    names = [${options.namespaces.map(literal).join(", ")}]`,
    `  }`,
    `}`,
    ``,
    `discovery.relabel "pod_logs" {`,
    `  targets = discovery.kubernetes.pods.targets`,
    relabel("__meta_kubernetes_namespace", "namespace"),
    relabel("__meta_kubernetes_pod_name", "pod"),
    relabel("__meta_kubernetes_pod_container_name", "container"),
    relabel("__meta_kubernetes_pod_label_app_kubernetes_io_name", "app"),
    `}`,
    ``,
    `loki.source.kubernetes "pod_logs" {`,
    `  targets    = discovery.relabel.pod_logs.output`,
    `  forward_to = [loki.write.default.receiver]`,
    `}`,
    ``,
    `loki.write "default" {`,
    `  endpoint {`,
    `    url = ${literal(options.lokiPushUrl)}`,
    `  }`,
    `  external_labels = {`,
    `    cluster     = ${literal(options.instance)},`,
    `    environment = ${literal(options.environment)},`,
    `  }`,
    `}`,
    ``,
  ].join("\n");
}
